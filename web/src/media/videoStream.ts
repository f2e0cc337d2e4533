// `v-stream="mediaStream"` on a <video>: MediaStreams are set as the srcObject property,
// which no attribute binding reaches.
import type { Directive } from 'vue'

type Stream = MediaStream | null | undefined

function bind(el: HTMLVideoElement, stream: Stream): void {
  if (el.srcObject !== (stream ?? null)) el.srcObject = stream ?? null
}

export const vStream: Directive<HTMLVideoElement, Stream> = {
  mounted: (el, binding) => bind(el, binding.value),
  updated: (el, binding) => bind(el, binding.value),
  beforeUnmount: (el) => bind(el, null),
}
