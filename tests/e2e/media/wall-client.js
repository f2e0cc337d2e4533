// Invigilator wall: one PeerConnection, tiles added and removed by server offers on the
// `wall` data channel, per-tile layer choice (low for the grid, high for the focused tile).
import { postOffer, deleteResource, iceServers, gatheringDone, watchConnection } from './signal.js';

export class WallClient {
  /**
   * @param {object} o
   * @param {string} o.base   signalling base URL, e.g. `/media`
   * @param {string} o.token  wall token
   * @param {(tiles: Array<{mid: string, participant: string, name: string, layer: string, stream?: MediaStream}>) => void} o.onTiles
   * @param {(state: string) => void} [o.onState]
   */
  constructor({ base, token, onTiles, onState }) {
    Object.assign(this, { base, token, onTiles, onState });
    this.streams = new Map(); // mid -> MediaStream
    this.tiles = [];
    this.layers = new Map(); // mid -> wanted layer, re-sent after reconnect
    this.stopped = false;
    this.attempt = 0;
  }

  async start() {
    this.stopped = false;
    await this.#connect();
  }

  setLayer(mid, layer) {
    this.layers.set(mid, layer);
    if (this.dc?.readyState === 'open') this.dc.send(JSON.stringify({ type: 'layer', mid, layer }));
  }

  async #connect() {
    const pc = new RTCPeerConnection({ iceServers: await iceServers(this.base, this.token) });
    this.pc = pc;
    this.streams.clear();
    const dc = pc.createDataChannel('wall');
    this.dc = dc;
    dc.onmessage = (e) => this.#onMessage(JSON.parse(e.data)).catch((err) => console.error(err));
    pc.ontrack = (e) => {
      const stream = new MediaStream([e.track]);
      this.streams.set(e.transceiver.mid, stream);
      this.#emit();
    };
    this.unwatch = watchConnection(pc, (s) => this.onState?.(s), () => this.#reconnect());
    await pc.setLocalDescription(await pc.createOffer());
    await gatheringDone(pc);
    const { answer, location } = await postOffer(`${this.base}/wall`, this.token, pc.localDescription.sdp);
    this.location = location;
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    this.attempt = 0;
  }

  async #onMessage(msg) {
    if (msg.type === 'offer') {
      await this.pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      this.dc.send(JSON.stringify({ type: 'answer', sdp: this.pc.localDescription.sdp }));
    } else if (msg.type === 'tiles') {
      this.tiles = msg.tiles;
      for (const t of msg.tiles) {
        const want = this.layers.get(t.mid);
        if (want && want !== t.layer) this.setLayer(t.mid, want);
      }
      this.#emit();
    }
  }

  #emit() {
    this.onTiles?.(this.tiles.map((t) => ({ ...t, stream: this.streams.get(t.mid) })));
  }

  async #reconnect() {
    if (this.stopped) return;
    this.#teardown();
    const delay = Math.min(10_000, 500 * 2 ** this.attempt++);
    this.onState?.('reconnecting');
    setTimeout(() => this.#connect().catch(() => this.#reconnect()), delay);
  }

  #teardown() {
    this.unwatch?.();
    deleteResource(this.location, this.token);
    this.pc?.close();
    this.pc = null;
  }

  async stop() {
    this.stopped = true;
    this.#teardown();
  }
}
