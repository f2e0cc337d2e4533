// Shared helpers for the WHIP, WHEP and wall clients: one place that knows how to
// talk to the media server's signalling endpoints.

/** POST an SDP offer; returns { answer, location }. Throws with the HTTP status on refusal. */
export async function postOffer(url, token, sdp) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${token}` },
    body: sdp,
  });
  if (res.status !== 201) {
    const err = new Error(`signalling refused: ${res.status} ${await res.text()}`);
    err.status = res.status;
    throw err;
  }
  return { answer: await res.text(), location: res.headers.get('Location') };
}

/** DELETE the session resource; errors are ignored (the server times sessions out anyway). */
export async function deleteResource(location, token) {
  if (!location) return;
  try {
    await fetch(location, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
  } catch (_) { /* best effort */ }
}

/** TURN/STUN servers for this identity, as RTCIceServer[]. */
export async function iceServers(base, token) {
  try {
    const res = await fetch(`${base}/ice-servers`, { headers: { Authorization: `Bearer ${token}` } });
    return res.ok ? await res.json() : [];
  } catch (_) {
    return [];
  }
}

/** Resolve once ICE gathering is complete or after `ms` (host candidates come at once). */
export function gatheringDone(pc, ms = 1000) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') { clearTimeout(t); resolve(); }
    });
  });
}

/**
 * Watch a PeerConnection and call `reconnect` when it fails or stays disconnected,
 * with backoff; returns a function that stops watching.
 */
export function watchConnection(pc, onState, reconnect) {
  let timer = null;
  const handler = () => {
    onState?.(pc.connectionState);
    clearTimeout(timer);
    if (pc.connectionState === 'failed') reconnect();
    if (pc.connectionState === 'disconnected') timer = setTimeout(reconnect, 3000);
  };
  pc.addEventListener('connectionstatechange', handler);
  return () => { clearTimeout(timer); pc.removeEventListener('connectionstatechange', handler); };
}

/** Inbound video stats per mid: framesDecoded, frameWidth, nackCount, packetsLost. */
export async function inboundVideo(pc) {
  const stats = await pc.getStats();
  const out = {};
  stats.forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') {
      out[s.mid] = {
        framesDecoded: s.framesDecoded ?? 0,
        frameWidth: s.frameWidth ?? 0,
        nackCount: s.nackCount ?? 0,
        pliCount: s.pliCount ?? 0,
        packetsLost: s.packetsLost ?? 0,
        retransmittedPacketsReceived: s.retransmittedPacketsReceived ?? 0,
      };
    }
  });
  return out;
}
