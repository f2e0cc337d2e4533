// Live video in the browser: the candidate's camera publisher and the invigilators' wall,
// both talking to the media node nested at the API's `/media` (tokens from /api/live).
import type { MediaGrant } from '@/api'
import type { CredentialSource } from './signal'

export { SignalError, inboundVideo, type Credentials, type CredentialSource, type InboundVideo } from './signal'
export { isPermanent, type LinkState, type SessionOptions } from './session'
export { WhipPublisher, type WhipOptions } from './whip'
export { WallClient, type WallLayer, type WallOptions, type WallTile } from './wall'

/** Credentials from an API call that hands out a media grant (a fresh one per attempt). */
export function fromGrant(grant: () => Promise<MediaGrant>): CredentialSource {
  return async () => {
    const g = await grant()
    return { base: g.signal_base, token: g.token }
  }
}
export { vStream } from './videoStream'
export { extraSourceOf, sourceOf } from './source'
