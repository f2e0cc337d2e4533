// WHEP viewer for one participant's stream, reconnecting by itself.
import { postOffer, deleteResource, iceServers, gatheringDone, watchConnection } from './signal.js';

export class WhepClient {
  /**
   * @param {object} o
   * @param {string} o.base         signalling base URL, e.g. `/media`
   * @param {string} o.token        view or wall token
   * @param {string} o.participant  whose stream, e.g. `candidate:1`
   * @param {(stream: MediaStream) => void} o.onStream
   * @param {(state: string) => void} [o.onState]
   */
  constructor({ base, token, participant, onStream, onState }) {
    Object.assign(this, { base, token, participant, onStream, onState });
    this.stopped = false;
    this.attempt = 0;
  }

  async start() {
    this.stopped = false;
    await this.#connect();
  }

  async #connect() {
    const pc = new RTCPeerConnection({ iceServers: await iceServers(this.base, this.token) });
    this.pc = pc;
    const stream = new MediaStream();
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    pc.ontrack = (e) => { stream.addTrack(e.track); this.onStream?.(stream); };
    this.unwatch = watchConnection(pc, (s) => this.onState?.(s), () => this.#reconnect());
    await pc.setLocalDescription(await pc.createOffer());
    await gatheringDone(pc);
    const url = `${this.base}/whep/${encodeURIComponent(this.participant)}`;
    const { answer, location } = await postOffer(url, this.token, pc.localDescription.sdp);
    this.location = location;
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    this.attempt = 0;
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
