// One signalling session with the media node that keeps itself alive: it (re)builds the
// PeerConnection, posts the offer, and on failure tears everything down and starts again
// with backoff and fresh credentials. The publisher and the wall differ only in what they
// put on the PeerConnection (`prepare`) and which endpoint they post to.
import { deleteResource, gatheringDone, iceServers, postOffer, type CredentialSource } from './signal'

/**
 * - `connecting`: first attempt (or first after retry()).
 * - `connected`: media flows.
 * - `reconnecting`: the connection dropped or an attempt failed; another is scheduled.
 * - `failed`: given up (a refusal no retry fixes, or `maxAttempts` failures in a row);
 *   retry() starts again.
 * - `stopped`: not started, or stop() was called.
 */
export type LinkState = 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'stopped'

export interface SessionOptions {
  credentials: CredentialSource
  onState?: (state: LinkState, error: unknown) => void
  /** Failed attempts in a row before `failed`; the default keeps trying for ever. */
  maxAttempts?: number
  /** `relay` forces TURN. */
  iceTransportPolicy?: RTCIceTransportPolicy
}

/** How long a `disconnected` PeerConnection may recover on its own before we rebuild it. */
const DISCONNECT_GRACE_MS = 3000
const BACKOFF_FIRST_MS = 500
const BACKOFF_MAX_MS = 10_000

/** Refusals that the same inputs would get again: bad request, not signed in, forbidden. */
export function isPermanent(e: unknown): boolean {
  const status = (e as { status?: unknown } | null)?.status
  return status === 400 || status === 401 || status === 403 || status === 404
}

export abstract class ReconnectingSession {
  private linkState: LinkState = 'stopped'
  private running = false
  private everConnected = false
  private attempt = 0
  /** Bumped by every connect and teardown, so callbacks of an old PeerConnection do nothing. */
  private generation = 0
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private graceTimer: ReturnType<typeof setTimeout> | undefined
  private location: string | null = null
  private token = ''
  protected pc: RTCPeerConnection | null = null
  /** Why the last attempt failed (an ApiError, a SignalError, a media error). */
  lastError: unknown = null

  protected constructor(
    protected readonly options: SessionOptions,
    private readonly endpoint: 'whip' | 'wall',
  ) {}

  get state(): LinkState {
    return this.linkState
  }

  /** The current PeerConnection (for statistics); null between attempts. */
  get peerConnection(): RTCPeerConnection | null {
    return this.pc
  }

  /** Adds tracks or channels to a fresh PeerConnection before the offer is made. */
  protected abstract prepare(pc: RTCPeerConnection): void

  /** Called after the old PeerConnection is closed (clear what belonged to it). */
  protected abstract released(): void

  protected begin(): void {
    this.running = true
    this.everConnected = false
    this.attempt = 0
    this.lastError = null
    void this.connect()
  }

  /** Starts again now, whatever the state (the user's "retry" button). */
  retry(): void {
    if (!this.running) return
    clearTimeout(this.retryTimer)
    this.teardown()
    this.begin()
  }

  stop(): void {
    this.running = false
    clearTimeout(this.retryTimer)
    this.teardown()
    this.setState('stopped')
  }

  private setState(s: LinkState): void {
    if (s === this.linkState) return
    this.linkState = s
    this.options.onState?.(s, this.lastError)
  }

  private async connect(): Promise<void> {
    const gen = ++this.generation
    this.setState(this.everConnected || this.attempt > 0 ? 'reconnecting' : 'connecting')
    let pc: RTCPeerConnection | null = null
    try {
      const creds = await this.options.credentials()
      const servers = await iceServers(creds)
      if (gen !== this.generation) return
      pc = new RTCPeerConnection({ iceServers: servers, iceTransportPolicy: this.options.iceTransportPolicy ?? 'all' })
      this.pc = pc
      this.token = creds.token
      const watched = pc
      pc.addEventListener('connectionstatechange', () => this.onConnectionState(watched, gen))
      this.prepare(pc)
      await pc.setLocalDescription(await pc.createOffer())
      await gatheringDone(pc)
      const { answer, location } = await postOffer(`${creds.base}/${this.endpoint}`, creds.token, pc.localDescription!.sdp)
      if (gen !== this.generation) {
        void deleteResource(location, creds.token)
        return
      }
      this.location = location
      await pc.setRemoteDescription({ type: 'answer', sdp: answer })
    } catch (e) {
      if (gen === this.generation) this.fail(e)
      else pc?.close()
    }
  }

  private onConnectionState(pc: RTCPeerConnection, gen: number): void {
    if (gen !== this.generation) return
    clearTimeout(this.graceTimer)
    switch (pc.connectionState) {
      case 'connected':
        this.attempt = 0
        this.everConnected = true
        this.lastError = null
        this.setState('connected')
        break
      case 'disconnected':
        this.setState('reconnecting')
        this.graceTimer = setTimeout(() => this.fail(new Error('connection lost')), DISCONNECT_GRACE_MS)
        break
      case 'failed':
        this.fail(new Error('connection failed'))
        break
      default:
        break
    }
  }

  /** Ends this attempt: rebuild after a backoff, or give up (see LinkState). */
  protected fail(e: unknown): void {
    this.teardown()
    this.lastError = e
    if (!this.running) return
    this.attempt += 1
    if (isPermanent(e) || this.attempt >= (this.options.maxAttempts ?? Infinity)) {
      this.setState('failed')
      return
    }
    this.setState('reconnecting')
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (this.attempt - 1))
    this.retryTimer = setTimeout(() => void this.connect(), delay)
  }

  private teardown(): void {
    this.generation++
    clearTimeout(this.graceTimer)
    void deleteResource(this.location, this.token)
    this.pc?.close()
    this.pc = null
    this.location = null
    this.released()
  }
}
