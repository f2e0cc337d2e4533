// A publisher restarts ICE through WHIP PATCH: the server hands back new credentials,
// connectivity checks succeed with them, and the viewer keeps decoding the same session.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startSfu, makeFaceY4m, launchChromium, waitFor, publish, framesByMid } from './media/harness.mjs'

let sfu, y4m, camBrowser, viewBrowser

before(async () => {
  y4m = await makeFaceY4m()
  sfu = await startSfu()
  camBrowser = await launchChromium(y4m.file)
  viewBrowser = await launchChromium()
})

after(async () => {
  await camBrowser?.close()
  await viewBrowser?.close()
  await sfu?.stop()
  await y4m?.cleanup()
})

/** STUN responses the browser got on its selected pair, and the transport's local ufrag. */
async function iceState(page) {
  return page.evaluate(async () => {
    const stats = await window.whip.pc.getStats()
    let out = {}
    stats.forEach((s) => {
      if (s.type === 'transport') {
        const pair = stats.get(s.selectedCandidatePairId)
        out = { ufrag: s.iceLocalUsernameFragment, pair: s.selectedCandidatePairId, requests: pair?.requestsSent ?? 0, responses: pair?.responsesReceived ?? 0, state: window.whip.pc.iceConnectionState }
      }
    })
    return out
  })
}

test('ICE restart over PATCH keeps the session', { timeout: 120_000 }, async () => {
  const room = 'restart-room'
  const cam = await publish(camBrowser, sfu, room, 'candidate:3')
  const viewer = await viewBrowser.newPage()
  const token = await sfu.token(room, 'invigilator:3', 'view')
  await viewer.goto(`${sfu.http}/viewer.html?participant=candidate%3A3&token=${encodeURIComponent(token)}`)
  await waitFor(async () => Object.values(await framesByMid(viewer)).some((n) => n > 10), 30_000, 'frames before restart')

  const before = await iceState(cam)
  const newUfrag = await cam.evaluate(() => window.whip.restartIce())
  assert.notEqual(newUfrag, before.ufrag)
  const after = await waitFor(async () => {
    const s = await iceState(cam)
    // Consent checks run every ~5 s; they only get answers if the server took the new credentials.
    return s.ufrag !== before.ufrag && s.responses > before.responses && ['connected', 'completed'].includes(s.state) ? s : null
  }, 20_000, 'checks answered with the new credentials')
  console.log(JSON.stringify({ before, after }))
  assert.ok(after.responses > 0)

  const f0 = Object.values(await framesByMid(viewer))[0]
  await new Promise((r) => setTimeout(r, 3000))
  const f1 = Object.values(await framesByMid(viewer))[0]
  assert.ok(f1 > f0 + 20, `viewer keeps decoding after the restart: ${f0} -> ${f1}`)
  assert.equal(await cam.evaluate(() => document.getElementById('state').textContent), 'connected')
  const joins = sfu.events.filter((e) => e.type === 'participant_joined' && e.participant === 'candidate:3')
  assert.equal(joins.length, 1, 'same session, no re-publish')
})
