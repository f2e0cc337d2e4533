// The camera-check page and the wall reconnect by themselves: the media server restarts
// (same address, all sessions lost) and both come back without a page reload.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startSfu, makeFaceY4m, launchChromium, waitFor, publish, framesByMid, freeTcpPort, freeUdpPort } from './media/harness.mjs'

let sfu, y4m, camBrowser, viewBrowser, addrs

before(async () => {
  y4m = await makeFaceY4m()
  addrs = { http: `127.0.0.1:${await freeTcpPort()}`, udp: `127.0.0.1:${await freeUdpPort()}` }
  sfu = await startSfu(addrs)
  camBrowser = await launchChromium(y4m.file)
  viewBrowser = await launchChromium()
})

after(async () => {
  await camBrowser?.close()
  await viewBrowser?.close()
  await sfu?.stop()
  await y4m?.cleanup()
})

test('publisher and wall come back after a server restart', { timeout: 150_000 }, async () => {
  const room = 'reconnect-room'
  const cam = await publish(camBrowser, sfu, room, 'candidate:4')
  const wall = await viewBrowser.newPage()
  // The sfu-dev key is fixed, so tokens stay valid across the restart.
  const token = await sfu.token(room, 'invigilator:4', 'wall')
  await wall.goto(`${sfu.http}/wall.html?token=${encodeURIComponent(token)}`)
  await waitFor(async () => Object.values(await framesByMid(wall)).some((n) => n > 10), 30_000, 'wall decoding')

  await sfu.stop()
  await waitFor(async () => (await cam.evaluate(() => document.getElementById('state').textContent)) !== 'connected', 30_000, 'publisher notices')
  sfu = await startSfu(addrs)

  await waitFor(async () => (await cam.evaluate(() => document.getElementById('state').textContent)) === 'connected', 60_000, 'publisher reconnected')
  const tiles = await waitFor(async () => {
    const t = await wall.evaluate(() => window.wallTiles())
    const f = await framesByMid(wall)
    return t.length === 1 && f[t[0].mid] > 10 ? t : null
  }, 60_000, 'wall reconnected and decoding')
  assert.equal(tiles[0].participant, 'candidate:4')
})
