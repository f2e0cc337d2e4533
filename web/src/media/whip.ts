// The candidate's camera publisher: camera (and microphone) to the media node over WHIP,
// VP8 simulcast in two layers so the wall can show a small picture cheaply and a large one
// on focus. Reconnects by itself (see session.ts).
import { ReconnectingSession, type SessionOptions } from './session'

export interface WhipOptions extends SessionOptions {
  /** Two layers (half and full resolution); off sends one. Default on. */
  simulcast?: boolean
}

export class WhipPublisher extends ReconnectingSession {
  private stream: MediaStream | null = null

  constructor(private readonly whip: WhipOptions) {
    super(whip, 'whip')
  }

  /** Publishes `stream` until stop(); the same stream is sent again after a reconnect. */
  publish(stream: MediaStream): void {
    this.stream = stream
    this.begin()
  }

  protected prepare(pc: RTCPeerConnection): void {
    const stream = this.stream
    if (!stream) return
    const [video] = stream.getVideoTracks()
    const [audio] = stream.getAudioTracks()
    if (video) {
      pc.addTransceiver(video, {
        direction: 'sendonly',
        streams: [stream],
        // Lowest first; the server ranks layers by the resolution it sees anyway.
        sendEncodings:
          this.whip.simulcast === false
            ? undefined
            : [
                { rid: 'l', scaleResolutionDownBy: 2, maxBitrate: 250_000 },
                { rid: 'h', scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
              ],
      })
    }
    if (audio) pc.addTransceiver(audio, { direction: 'sendonly', streams: [stream] })
  }

  protected released(): void {
    // The stream belongs to the page (it keeps the preview); nothing else to clear.
  }
}
