// Which of a candidate's sources a media identity is: `candidate:12` is the main camera,
// `candidate:12:screen` the screen share, `candidate:12:side` the side camera (see
// proctor-api `live`). Other identities (room cameras, proctors) have no source.
import type { MediaSource } from '@/api'

export function sourceOf(identity: string): MediaSource | null {
  const m = /^candidate:\d+(?::(screen|side))?$/.exec(identity)
  if (!m) return null
  return (m[1] as MediaSource | undefined) ?? 'camera'
}

/** The source worth naming beside a participant: only screen shares and side cameras. */
export function extraSourceOf(identity: string): Exclude<MediaSource, 'camera'> | null {
  const s = sourceOf(identity)
  return s === 'screen' || s === 'side' ? s : null
}
