// WHIP publisher: camera (+ microphone) to the SFU, VP8 simulcast with two layers,
// reconnecting by itself.
import { postOffer, deleteResource, iceServers, gatheringDone, watchConnection } from './signal.js';

export class WhipClient {
  /**
   * @param {object} o
   * @param {string} o.base   signalling base URL, e.g. `/media`
   * @param {string} o.token  publish token
   * @param {boolean} [o.simulcast=true]
   * @param {(state: string) => void} [o.onState]
   * @param {RTCIceTransportPolicy} [o.iceTransportPolicy='all']  'relay' forces TURN
   * @param {string} [o.codec]  video codec to offer first, e.g. `h264` (as iOS Safari does)
   */
  constructor({ base, token, simulcast = true, onState, iceTransportPolicy = 'all', codec }) {
    Object.assign(this, { base, token, simulcast, onState, iceTransportPolicy, codec });
    this.pc = null;
    this.location = null;
    this.stopped = false;
    this.attempt = 0;
  }

  async publish(stream) {
    this.stream = stream;
    this.stopped = false;
    await this.#connect();
  }

  async #connect() {
    const pc = new RTCPeerConnection({
      iceServers: await iceServers(this.base, this.token),
      iceTransportPolicy: this.iceTransportPolicy,
    });
    this.pc = pc;
    const [video] = this.stream.getVideoTracks();
    const [audio] = this.stream.getAudioTracks();
    if (video) {
      const tx = pc.addTransceiver(video, {
        direction: 'sendonly',
        streams: [this.stream],
        // Lowest first; the server ranks layers by the resolution it sees anyway.
        sendEncodings: this.simulcast
          ? [{ rid: 'l', scaleResolutionDownBy: 2, maxBitrate: 250_000 },
             { rid: 'h', scaleResolutionDownBy: 1, maxBitrate: 1_200_000 }]
          : undefined,
      });
      if (this.codec) {
        const want = `video/${this.codec}`.toLowerCase();
        const codecs = RTCRtpSender.getCapabilities('video').codecs;
        const first = codecs.filter((c) => c.mimeType.toLowerCase() === want);
        if (first.length === 0) throw new Error(`this browser cannot send ${this.codec}`);
        tx.setCodecPreferences([...first, ...codecs.filter((c) => c.mimeType.toLowerCase() !== want)]);
      }
    }
    if (audio) pc.addTransceiver(audio, { direction: 'sendonly', streams: [this.stream] });
    this.unwatch = watchConnection(pc, (s) => this.onState?.(s), () => this.#reconnect());
    await pc.setLocalDescription(await pc.createOffer());
    await gatheringDone(pc);
    const { answer, location } = await postOffer(`${this.base}/whip`, this.token, pc.localDescription.sdp);
    this.location = location;
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    this.attempt = 0;
  }

  /**
   * ICE restart over PATCH (RFC 9725 §4.4): new credentials and candidates go to the
   * session resource, the server's new credentials come back; media keeps its session.
   */
  async restartIce() {
    const pc = this.pc;
    pc.restartIce();
    await pc.setLocalDescription(await pc.createOffer());
    await gatheringDone(pc);
    const sdp = pc.localDescription.sdp;
    const line = (k) => sdp.match(new RegExp(`a=${k}:(.*)`))[1].trim();
    const candidates = sdp.split(/\r?\n/).filter((l) => l.startsWith('a=candidate:'));
    const frag = [`a=ice-ufrag:${line('ice-ufrag')}`, `a=ice-pwd:${line('ice-pwd')}`,
      'm=audio 9 UDP/TLS/RTP/SAVPF 0', `a=mid:${line('mid')}`, ...candidates, 'a=end-of-candidates', ''].join('\r\n');
    const res = await fetch(this.location, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/trickle-ice-sdpfrag', Authorization: `Bearer ${this.token}`, 'If-Match': '*' },
      body: frag,
    });
    if (res.status !== 200) throw new Error(`ICE restart refused: ${res.status}`);
    const reply = await res.text();
    const ufrag = reply.match(/a=ice-ufrag:(.*)/)[1].trim();
    const pwd = reply.match(/a=ice-pwd:(.*)/)[1].trim();
    const answer = pc.remoteDescription.sdp
      .replace(/a=ice-ufrag:.*/g, `a=ice-ufrag:${ufrag}`)
      .replace(/a=ice-pwd:.*/g, `a=ice-pwd:${pwd}`);
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    return ufrag;
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
    this.location = null;
  }

  async stop() {
    this.stopped = true;
    this.#teardown();
  }
}
