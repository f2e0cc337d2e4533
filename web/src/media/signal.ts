// How the browser talks to the media node's signalling endpoints (WHIP-style: an SDP offer
// POSTed with a bearer token, 201 + answer + Location of the session resource). Same
// protocol as the reference clients in tests/e2e/media/signal.js.

/** The signalling endpoint refused or failed; `status` 0 means the network failed. */
export class SignalError extends Error {
  readonly status: number

  constructor(status: number, detail: string) {
    super(`signalling failed (${status}): ${detail}`)
    this.status = status
  }
}

export interface Credentials {
  /** Base of the signalling endpoints: `/media`, or a separate media node's absolute URL. */
  base: string
  token: string
}

/** Where fresh credentials come from: called before every (re)connect, since tokens expire. */
export type CredentialSource = () => Promise<Credentials>

/** POSTs an SDP offer; returns the answer and the session resource's URL. */
export async function postOffer(url: string, token: string, sdp: string): Promise<{ answer: string; location: string | null }> {
  let res: Response
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${token}` },
      body: sdp,
    })
  } catch (e) {
    throw new SignalError(0, String(e))
  }
  if (res.status !== 201) throw new SignalError(res.status, await res.text().catch(() => ''))
  // The node may live on another origin than the page: resolve Location against the URL
  // it answered for, not against the page.
  const loc = res.headers.get('Location')
  const base = new URL(url, window.location.href)
  return { answer: await res.text(), location: loc ? new URL(loc, base).href : null }
}

/** DELETEs the session resource; failures are ignored (the server times sessions out). */
export async function deleteResource(location: string | null, token: string): Promise<void> {
  if (!location) return
  try {
    await fetch(location, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } })
  } catch {
    // Best effort.
  }
}

/** TURN/STUN servers for this identity; none when the node has none or cannot say. */
export async function iceServers(creds: Credentials): Promise<RTCIceServer[]> {
  try {
    const res = await fetch(`${creds.base}/ice-servers`, { headers: { Authorization: `Bearer ${creds.token}` } })
    return res.ok ? ((await res.json()) as RTCIceServer[]) : []
  } catch {
    return []
  }
}

/** Resolves once ICE gathering is complete, or after `ms` (host candidates come at once). */
export function gatheringDone(pc: RTCPeerConnection, ms = 1000): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve()
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms)
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') {
        clearTimeout(t)
        resolve()
      }
    })
  })
}

export interface InboundVideo {
  framesDecoded: number
  frameWidth: number
  packetsLost: number
  nackCount: number
}

/** Inbound video statistics per mid. */
export async function inboundVideo(pc: RTCPeerConnection): Promise<Record<string, InboundVideo>> {
  const out: Record<string, InboundVideo> = {}
  const stats = await pc.getStats()
  stats.forEach((s: RTCInboundRtpStreamStats & { mid?: string }) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video' && s.mid) {
      out[s.mid] = {
        framesDecoded: s.framesDecoded ?? 0,
        frameWidth: s.frameWidth ?? 0,
        packetsLost: s.packetsLost ?? 0,
        nackCount: s.nackCount ?? 0,
      }
    }
  })
  return out
}
