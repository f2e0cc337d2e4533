// Issue 4, in the web app against the real `proctor serve` and its in-process SFU: a
// candidate opens the camera check (fake camera) and gets "connected"; a supervisor on patrol
// opens live rooms, finds the candidate's check room, opens its wall and the tile keeps
// decoding; a click focuses the tile and brings the high simulcast layer; at 390×844 the
// wall is one column; a supervisor on patrol sees the same wall. A camera refusal is
// explained and "retry" recovers. When the server restarts (same address and data), both
// pages reconnect by themselves.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { api, retireInitialAdminPassword, startProctor } from './lib/proctor.mjs'
import { signIn, trackPageErrors, withScreenshotOnFailure } from './lib/ui.mjs'
import { freeTcpPort, freeUdpPort, launchChromium, makeFaceY4m, waitFor, wallTileFrames } from './media/harness.mjs'
import { createAccount } from './lib/accounts.mjs'

const SHOTS = process.env.E2E_SCREENSHOT_DIR

async function shot(page, name) {
  if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}.png`) })
}

/** Creates an account through the API and retires its first password; returns its id. */

/** Frames decoded by the <video> of the tile of `participant` (0 while there is none). */
const tileFrames = wallTileFrames

const tileWidth = (page, participant) =>
  page.evaluate((p) => document.querySelector(`[data-testid=wall-tile][data-participant="${p}"] video`)?.videoWidth ?? 0, participant)

async function keepsDecoding(page, participant, ms = 2000) {
  const a = await tileFrames(page, participant)
  await new Promise((r) => setTimeout(r, ms))
  const b = await tileFrames(page, participant)
  assert.ok(b > a, `tile of ${participant} stalled: ${a} -> ${b} frames`)
}

const gridColumns = (page) =>
  page.evaluate(() => getComputedStyle(document.querySelector('[data-testid=wall-grid]')).gridTemplateColumns.split(' ').length)

const attr = (page, testId, name) => page.getByTestId(testId).getAttribute(name)

test('camera check publishes, the patrol wall shows it, focus and reconnect work', { timeout: 300_000 }, async (t) => {
  // A fixed address and data directory, so the server can be restarted under the pages.
  const dataDir = await mkdtemp(join(tmpdir(), 'proctor-live-e2e-'))
  t.after(() => rm(dataDir, { recursive: true, force: true }))
  const env = {
    PROCTOR_DATA_DIR: dataDir,
    PROCTOR_LISTEN: `127.0.0.1:${await freeTcpPort()}`,
    PROCTOR_MEDIA__UDP_BIND: `127.0.0.1:${await freeUdpPort()}`,
  }
  let server = await startProctor({ env })
  t.after(() => server.stop())
  const y4m = await makeFaceY4m()
  t.after(() => y4m.cleanup())
  const browser = await launchChromium(y4m.file)
  t.after(() => browser.close())

  const adminPassword = await retireInitialAdminPassword(server)
  const adminToken = (await api(server.url, 'POST', '/api/auth/login', { body: { username: 'admin', password: adminPassword } })).body.token
  const candidateId = await createAccount(server, adminToken, 'kaosheng01', '李考生', 'candidate', 'Candidate-Passw0rd-1')
  await createAccount(server, adminToken, 'xunkao01', '钱巡考', 'supervisor', 'Supervisor-Passw0rd-1')
  const participant = `candidate:${candidateId}`
  const room = `check-${candidateId}`

  const errors = []
  const newPage = async (viewport) => {
    const ctx = await browser.newContext({ viewport, locale: 'zh-CN' })
    t.after(() => ctx.close())
    const page = await ctx.newPage()
    page.setDefaultTimeout(20_000)
    errors.push(trackPageErrors(page))
    return page
  }

  // The candidate first refuses the camera (the page explains and offers retry), then allows it.
  const cand = await newPage({ width: 1280, height: 800 })
  await cand.addInitScript(() => {
    window.__denyCamera = true
    const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices)
    navigator.mediaDevices.getUserMedia = (c) =>
      window.__denyCamera ? Promise.reject(new DOMException('Permission denied', 'NotAllowedError')) : real(c)
  })
  await withScreenshotOnFailure(cand, 'live-camera-check', async () => {
    await signIn(cand, server.url, 'kaosheng01', 'Candidate-Passw0rd-1')
    await cand.waitForURL('**/app/candidate')
    await cand.getByTestId('nav-cameraCheck').click()
    await cand.getByTestId('camera-problem').waitFor()
    assert.equal(await attr(cand, 'camera-problem', 'data-problem'), 'denied')
    assert.match(await cand.getByTestId('camera-problem').innerText(), /摄像头权限被拒绝/)
    await cand.evaluate(() => (window.__denyCamera = false))
    await cand.getByTestId('camera-retry').click()
    await cand.locator('[data-testid=camera-state][data-state=connected]').waitFor({ timeout: 30_000 })
    assert.equal((await cand.getByTestId('camera-state').innerText()).trim(), '已连接')
    assert.equal((await cand.getByTestId('camera-room').innerText()).trim(), room)
    await waitFor(() => cand.evaluate(() => document.querySelector('[data-testid=camera-preview]').videoWidth > 0), 10_000, 'preview plays')
    await shot(cand, 'camera-check')

    await cand.setViewportSize({ width: 390, height: 844 })
    const overflow = await cand.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    assert.ok(overflow <= 0, `no sideways overflow on the phone (${overflow} px)`)
    await shot(cand, 'camera-check-phone')
    await cand.setViewportSize({ width: 1280, height: 800 })
  })

  const inv = await newPage({ width: 1366, height: 860 })
  await withScreenshotOnFailure(inv, 'live-wall', async () => {
    await signIn(inv, server.url, 'xunkao01', 'Supervisor-Passw0rd-1')
    await inv.waitForURL('**/app/supervisor')
    await inv.getByTestId('nav-patrol').click()
    const card = inv.locator(`[data-testid=live-room][data-room="${room}"]`)
    await card.waitFor()
    assert.match(await card.innerText(), /摄像头检测 · 李考生/)
    await card.click()
    await inv.waitForURL(`**/app/supervisor/patrol?room=${room}`)
    const tile = inv.locator(`[data-testid=wall-tile][data-participant="${participant}"]`)
    await tile.waitFor({ timeout: 30_000 })
    await inv.locator('[data-testid=wall-state][data-state=connected]').waitFor()
    assert.match(await tile.innerText(), /李考生/)
    await waitFor(async () => (await tileFrames(inv, participant)) > 10, 30_000, 'tile decoding')
    await keepsDecoding(inv, participant)
    await waitFor(async () => (await tile.getAttribute('data-state')) === 'live', 5_000, 'tile shows live')

    // The grid shows the low layer; a click focuses the tile and asks for the high one.
    const lowWidth = await tileWidth(inv, participant)
    assert.ok(lowWidth > 0 && lowWidth < 640, `tile starts on the low layer (width ${lowWidth})`)
    assert.ok((await gridColumns(inv)) >= 2, 'PC wall has several columns')
    await tile.click()
    assert.equal(await tile.getAttribute('data-focused'), 'true')
    await waitFor(async () => (await tileWidth(inv, participant)) === 640, 5_000, 'high layer on the focused tile')
    await keepsDecoding(inv, participant)
    await shot(inv, 'live-wall-focused')
    await tile.click()
    assert.equal(await tile.getAttribute('data-focused'), 'false')
    await waitFor(async () => (await tileWidth(inv, participant)) < 640, 5_000, 'back to the low layer')

    // Phone: one column, no sideways overflow.
    await inv.setViewportSize({ width: 390, height: 844 })
    await waitFor(async () => (await gridColumns(inv)) === 1, 5_000, 'one column at 390 px')
    const overflow = await inv.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    assert.ok(overflow <= 0, `no sideways overflow on the phone (${overflow} px)`)
    await shot(inv, 'live-wall-phone')
    await inv.setViewportSize({ width: 1366, height: 860 })
  })

  // A supervisor on patrol gets the same page under their own menu entry.
  const sup = await newPage({ width: 1024, height: 768 })
  await withScreenshotOnFailure(sup, 'live-patrol', async () => {
    await signIn(sup, server.url, 'xunkao01', 'Supervisor-Passw0rd-1')
    await sup.waitForURL('**/app/supervisor')
    await sup.getByTestId('nav-patrol').click()
    await sup.locator(`[data-testid=live-room][data-room="${room}"]`).click()
    const tile = sup.locator(`[data-testid=wall-tile][data-participant="${participant}"]`)
    await tile.waitFor({ timeout: 30_000 })
    await waitFor(async () => (await tileFrames(sup, participant)) > 10, 30_000, 'patrol tile decoding')
    assert.equal(await gridColumns(sup), 2, 'tablet-width wall has two columns')
    await sup.context().close()
  })

  // The server goes away and comes back on the same address: both pages recover unaided.
  await withScreenshotOnFailure(inv, 'live-reconnect', async () => {
    await server.stop()
    await cand.locator('[data-testid=camera-state]:not([data-state=connected])').waitFor({ timeout: 30_000 })
    await inv.locator('[data-testid=wall-state]:not([data-state=connected])').waitFor({ timeout: 30_000 })
    server = await startProctor({ env })
    await cand.locator('[data-testid=camera-state][data-state=connected]').waitFor({ timeout: 60_000 })
    await inv.locator('[data-testid=wall-state][data-state=connected]').waitFor({ timeout: 60_000 })
    await waitFor(async () => (await tileFrames(inv, participant)) > 10, 60_000, 'wall decoding again')
    await keepsDecoding(inv, participant)
  })

  for (const e of errors) e.assertNone()
})
