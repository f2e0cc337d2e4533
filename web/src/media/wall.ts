// The invigilator wall: one PeerConnection per room; the server adds and removes tiles by
// sending offers on the `wall` data channel, and each tile's simulcast layer is chosen from
// here (low for the grid, high for the focused tile). Reconnects by itself (session.ts).
import { ReconnectingSession, type SessionOptions } from './session'

export type WallLayer = 'low' | 'high'

export interface WallTile {
  /** The transceiver carrying this tile on the wall's PeerConnection. */
  mid: string
  /** Media identity of the publisher, e.g. `candidate:12`. */
  participant: string
  name: string
  layer: WallLayer
  /** Absent until the track has arrived. */
  stream?: MediaStream
}

interface ServerTile {
  mid: string
  participant: string
  name: string
  layer: WallLayer
}

type ServerMessage = { type: 'offer'; sdp: string } | { type: 'tiles'; tiles: ServerTile[] }

export interface WallOptions extends SessionOptions {
  onTiles?: (tiles: WallTile[]) => void
}

export class WallClient extends ReconnectingSession {
  private channel: RTCDataChannel | null = null
  private streams = new Map<string, MediaStream>()
  private serverTiles: ServerTile[] = []
  /** Layer asked for per mid; re-sent when the server reports another. */
  private wanted = new Map<string, WallLayer>()
  /** Offers are answered one after another, in arrival order. */
  private signalling: Promise<void> = Promise.resolve()

  constructor(private readonly wall: WallOptions) {
    super(wall, 'wall')
  }

  start(): void {
    this.begin()
  }

  get tiles(): WallTile[] {
    return this.serverTiles.map((t) => ({
      mid: t.mid,
      participant: t.participant,
      name: t.name,
      layer: this.wanted.get(t.mid) ?? t.layer,
      stream: this.streams.get(t.mid),
    }))
  }

  setLayer(mid: string, layer: WallLayer): void {
    this.wanted.set(mid, layer)
    if (this.channel?.readyState === 'open') this.channel.send(JSON.stringify({ type: 'layer', mid, layer }))
    this.emit()
  }

  protected prepare(pc: RTCPeerConnection): void {
    const channel = pc.createDataChannel('wall')
    this.channel = channel
    channel.onmessage = (e: MessageEvent<string>) => {
      const msg = JSON.parse(e.data) as ServerMessage
      this.signalling = this.signalling
        .then(() => this.onMessage(pc, channel, msg))
        .catch((err: unknown) => {
          // A renegotiation that fails leaves the PeerConnection unusable; build a new one.
          if (this.pc === pc) this.fail(err)
        })
    }
    pc.ontrack = (e) => {
      const mid = e.transceiver.mid
      if (!mid) return
      this.streams.set(mid, new MediaStream([e.track]))
      this.emit()
    }
  }

  protected released(): void {
    this.channel = null
    this.streams.clear()
    this.serverTiles = []
    this.wanted.clear()
    this.signalling = Promise.resolve()
    this.emit()
  }

  private async onMessage(pc: RTCPeerConnection, channel: RTCDataChannel, msg: ServerMessage): Promise<void> {
    if (this.pc !== pc) return
    if (msg.type === 'offer') {
      await pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp })
      await pc.setLocalDescription(await pc.createAnswer())
      channel.send(JSON.stringify({ type: 'answer', sdp: pc.localDescription!.sdp }))
    } else if (msg.type === 'tiles') {
      this.serverTiles = msg.tiles
      const live = new Set(msg.tiles.map((t) => t.mid))
      for (const mid of [...this.wanted.keys()]) if (!live.has(mid)) this.wanted.delete(mid)
      for (const t of msg.tiles) {
        const want = this.wanted.get(t.mid)
        if (want && want !== t.layer) channel.send(JSON.stringify({ type: 'layer', mid: t.mid, layer: want }))
      }
      this.emit()
    }
  }

  private emit(): void {
    this.wall.onTiles?.(this.tiles)
  }
}
