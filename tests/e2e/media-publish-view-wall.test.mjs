// Chromium publishes through WHIP; a second Chromium watches one stream through WHEP and
// the room through the wall; every tile keeps decoding, a focused tile switches to the
// high simulcast layer within 2 s, and a leaving candidate's tile is renegotiated away.
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

/** Two samples `ms` apart: each listed mid decoded more frames in the second. */
async function keepsDecoding(page, mids, ms = 2000) {
  const a = await framesByMid(page)
  await new Promise((r) => setTimeout(r, ms))
  const b = await framesByMid(page)
  for (const mid of mids) {
    assert.ok(b[mid] > (a[mid] ?? 0), `mid ${mid} stalled: ${a[mid]} -> ${b[mid]}`)
  }
}

test('publish, watch one stream and the wall, focus switches layer', { timeout: 180_000 }, async () => {
  const room = 'exam-room-1'
  const cam1 = await publish(camBrowser, sfu, room, 'candidate:1')
  const cam2 = await publish(camBrowser, sfu, room, 'candidate:2')

  // WHEP: one candidate's stream.
  const viewer = await viewBrowser.newPage()
  const viewToken = await sfu.token(room, 'invigilator:7', 'view')
  await viewer.goto(`${sfu.http}/viewer.html?participant=candidate%3A1&token=${encodeURIComponent(viewToken)}`)
  const whepMids = await waitFor(async () => {
    const f = await framesByMid(viewer)
    const mids = Object.keys(f).filter((m) => f[m] > 10)
    return mids.length ? mids : null
  }, 30_000, 'WHEP frames')
  await keepsDecoding(viewer, whepMids)

  // Wall: both candidates as tiles over one PeerConnection.
  const wall = await viewBrowser.newPage()
  const wallToken = await sfu.token(room, 'invigilator:7', 'wall')
  await wall.goto(`${sfu.http}/wall.html?token=${encodeURIComponent(wallToken)}`)
  const tiles = await waitFor(async () => {
    const t = await wall.evaluate(() => window.wallTiles?.() ?? [])
    const f = await framesByMid(wall)
    return t.length === 2 && t.every((x) => f[x.mid] > 10) ? t : null
  }, 30_000, 'two decoding wall tiles')
  await keepsDecoding(wall, tiles.map((t) => t.mid))

  // Tiles start on the low layer; focusing one must bring the high layer within 2 s.
  const widths = async () => Object.fromEntries(Object.entries(await wall.evaluate(() => window.videoStats())).map(([m, v]) => [m, v.frameWidth]))
  const before = await widths()
  const [focus, other] = tiles
  assert.ok(before[focus.mid] > 0 && before[focus.mid] < 640, `tile starts low: ${JSON.stringify(before)}`)
  const t0 = Date.now()
  await wall.click(`.tile[data-mid="${focus.mid}"]`)
  await waitFor(async () => (await widths())[focus.mid] === 640, 2000, 'high layer on focused tile')
  const switchMs = Date.now() - t0
  console.log(`tile widths before focus ${JSON.stringify(before)}; high layer after ${switchMs} ms`)
  assert.ok(switchMs <= 2000, `layer switch took ${switchMs} ms`)
  assert.ok((await widths())[other.mid] < 640, 'unfocused tile stays low')
  await keepsDecoding(wall, tiles.map((t) => t.mid))

  // A candidate leaves: the server renegotiates the wall down to one tile.
  await cam2.evaluate(() => window.whip.stop())
  await waitFor(async () => (await wall.evaluate(() => window.wallTiles().length)) === 1, 15_000, 'tile removed')
  const left = await wall.evaluate(() => window.wallTiles())
  assert.equal(left[0].participant, 'candidate:1')
  await keepsDecoding(wall, [left[0].mid])

  const types = new Set(sfu.events.map((e) => e.type))
  for (const t of ['participant_joined', 'track_published', 'track_unpublished', 'participant_left']) {
    assert.ok(types.has(t), `event ${t} seen (got ${[...types]})`)
  }
  await cam1.close()
})
