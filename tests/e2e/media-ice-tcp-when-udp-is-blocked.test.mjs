// Exam sites often let only TCP out. A publisher and a viewer whose Chromium may not send UDP
// (WebRTC policy `disable_non_proxied_udp`) reach the SFU over ICE-TCP (`--tcp`): both pick a
// TCP candidate pair, and the viewer keeps decoding the publisher's camera.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startSfu, makeFaceY4m, launchChromiumWithoutUdp, waitFor, publish, framesByMid, selectedProtocol } from './media/harness.mjs'

let sfu, y4m, camBrowser, viewBrowser

before(async () => {
  y4m = await makeFaceY4m()
  sfu = await startSfu({ tcp: '127.0.0.1:0' })
  camBrowser = await launchChromiumWithoutUdp(y4m.file)
  viewBrowser = await launchChromiumWithoutUdp()
})

after(async () => {
  await camBrowser?.close()
  await viewBrowser?.close()
  await sfu?.stop()
  await y4m?.cleanup()
})

test('publisher and viewer without UDP connect over ICE-TCP', { timeout: 120_000 }, async () => {
  const room = 'tcp-room'
  const cam = await publish(camBrowser, sfu, room, 'candidate:41')
  assert.equal(await selectedProtocol(cam, 'whip'), 'tcp', 'the publisher sends over TCP')

  const viewer = await viewBrowser.newPage()
  const token = await sfu.token(room, 'invigilator:41', 'view')
  await viewer.goto(`${sfu.http}/viewer.html?participant=candidate%3A41&token=${encodeURIComponent(token)}`)
  await waitFor(async () => Object.values(await framesByMid(viewer)).some((n) => n > 10), 30_000, 'frames over TCP')
  assert.equal(await selectedProtocol(viewer, 'whep'), 'tcp', 'the viewer receives over TCP')

  const f0 = Math.max(...Object.values(await framesByMid(viewer)))
  await new Promise((r) => setTimeout(r, 3000))
  const f1 = Math.max(...Object.values(await framesByMid(viewer)))
  assert.ok(f1 > f0 + 30, `the viewer keeps decoding: ${f0} -> ${f1}`)
})
