// A candidate whose network allows only TURN publishes through coturn with the
// time-limited credentials the media server hands out (TURN REST scheme).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startSfu, startCoturn, makeFaceY4m, launchChromium, waitFor, publish, framesByMid } from './media/harness.mjs'

const SECRET = 'turn-rest-test-secret'
let sfu, turn, y4m, camBrowser, viewBrowser

before(async () => {
  y4m = await makeFaceY4m()
  turn = await startCoturn(SECRET)
  sfu = await startSfu({ turnUrl: turn.url, turnSecret: SECRET })
  camBrowser = await launchChromium(y4m.file)
  viewBrowser = await launchChromium()
})

after(async () => {
  await camBrowser?.close()
  await viewBrowser?.close()
  await sfu?.stop()
  await turn?.stop()
  await y4m?.cleanup()
})

test('publishing over a TURN relay with REST credentials', { timeout: 120_000 }, async () => {
  const room = 'turn-room'
  const token = await sfu.token(room, 'candidate:5', 'publish')
  const servers = await (await fetch(`${sfu.http}/media/ice-servers`, { headers: { Authorization: `Bearer ${token}` } })).json()
  assert.equal(servers.length, 1)
  assert.match(servers[0].username, /^\d+:candidate:5$/)

  const cam = await publish(camBrowser, sfu, room, 'candidate:5', { relay: true })
  const localType = await cam.evaluate(async () => {
    const stats = await window.whip.pc.getStats()
    let pair
    stats.forEach((s) => { if (s.type === 'transport') pair = stats.get(s.selectedCandidatePairId) })
    return pair && stats.get(pair.localCandidateId)?.candidateType
  })
  assert.equal(localType, 'relay', 'the publisher\'s media goes through coturn')

  const viewer = await viewBrowser.newPage()
  const viewToken = await sfu.token(room, 'invigilator:2', 'view')
  await viewer.goto(`${sfu.http}/viewer.html?participant=candidate%3A5&token=${encodeURIComponent(viewToken)}`)
  await waitFor(async () => Object.values(await framesByMid(viewer)).some((n) => n > 30), 30_000, 'frames relayed via TURN')
})
