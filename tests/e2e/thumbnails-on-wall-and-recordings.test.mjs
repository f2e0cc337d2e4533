// Periodic thumbnails in the web app against the real `proctor serve` (in-process SFU,
// recorder and thumbnailer with a two-second period): a candidate publishes the fake camera
// on the camera-check page; staff open the recording of that camera and see a strip of
// thumbnails whose pictures load; when the candidate leaves, the live wall keeps the room's
// last picture as an offline tile.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { api } from './lib/proctor.mjs'
import { cameraScenario } from './lib/camera-scenario.mjs'
import { signIn, trackPageErrors, withScreenshotOnFailure } from './lib/ui.mjs'
import { waitFor } from './media/harness.mjs'
import { createAccount } from './lib/accounts.mjs'

const SHOTS = process.env.E2E_SCREENSHOT_DIR

async function shot(page, name) {
  if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}.png`) })
}

const loadedImages = (page, selector) =>
  page.evaluate((s) => [...document.querySelectorAll(s)].filter((i) => i.complete && i.naturalWidth > 0).length, selector)

test('thumbnails appear on the recordings page and as the wall poster once offline', { timeout: 180_000 }, async (t) => {
  const { server, browser, adminToken } = await cameraScenario(t, {
    PROCTOR_RECORDING__THUMBNAIL_SECS: '2',
    PROCTOR_RECORDING__THUMBNAIL_WIDTH: '160',
    PROCTOR_RECORDING__SEGMENT_SECS: '2',
  })
  const candidateId = await createAccount(server, adminToken, 'kaosheng07', '孙考生', 'candidate', 'Candidate-Passw0rd-7')
  await createAccount(server, adminToken, 'kaowu07', '周考务', 'staff', 'Staff-Passw0rd-7')
  const participant = `candidate:${candidateId}`
  const room = `check-${candidateId}`

  const errors = []
  const newPage = async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })
    t.after(() => ctx.close())
    const page = await ctx.newPage()
    page.setDefaultTimeout(20_000)
    errors.push(trackPageErrors(page))
    return page
  }

  const cand = await newPage()
  await withScreenshotOnFailure(cand, 'thumbs-camera-check', async () => {
    await signIn(cand, server.url, 'kaosheng07', 'Candidate-Passw0rd-7')
    await cand.waitForURL('**/app/candidate')
    await cand.getByTestId('nav-cameraCheck').click()
    await cand.locator('[data-testid=camera-state][data-state=connected]').waitFor({ timeout: 30_000 })
  })

  // Two periods of thumbnails, and segments of the recording, indexed.
  await waitFor(async () => {
    const r = await api(server.url, 'GET', `/api/recordings/thumbnails?candidate_id=${candidateId}`, { token: adminToken })
    return r.status === 200 && r.body.length >= 2
  }, 40_000, 'two thumbnails indexed')
  const thumbs = (await api(server.url, 'GET', `/api/recordings/thumbnails?candidate_id=${candidateId}`, { token: adminToken })).body
  assert.equal(thumbs[0].width, 160, 'the configured width')
  assert.ok(thumbs[1].at_ms - thumbs[0].at_ms >= 1000, `a period apart: ${thumbs[1].at_ms - thumbs[0].at_ms} ms`)

  const staff = await newPage()
  await withScreenshotOnFailure(staff, 'thumbs-recordings', async () => {
    await signIn(staff, server.url, 'kaowu07', 'Staff-Passw0rd-7')
    await staff.waitForURL('**/app/staff')
    await staff.getByTestId('nav-recordings').click()
    const row = staff.locator('[data-testid=recordings-table] tr', { hasText: participant }).filter({ hasText: '视频' })
    await waitFor(async () => {
      if ((await row.count()) > 0) return true
      await staff.getByRole('button', { name: '刷新' }).click()
      return false
    }, 30_000, 'the video recording is listed')
    await row.first().getByTestId('play').click()
    await staff.getByTestId('recording-player').waitFor()
    await staff.locator('[data-testid=recording-thumbnail]').first().waitFor()
    await waitFor(async () => (await loadedImages(staff, '[data-testid=recording-thumbnail]')) >= 1, 15_000, 'a thumbnail picture loads')
    await shot(staff, 'recording-thumbnails')
    // A click seeks the player to the thumbnail's moment (the strip does not open a dialog).
    await staff.locator('[data-testid=recording-thumbnail]').first().click()
    await staff.keyboard.press('Escape')
  })

  // The candidate leaves: the wall keeps the last picture as an offline tile.
  await withScreenshotOnFailure(staff, 'thumbs-wall', async () => {
    await staff.goto(`${server.url}/app/staff/live?room=${room}`)
    await cand.context().close()
    const offline = staff.locator(`[data-testid=wall-offline-tile][data-participant="${participant}"]`)
    await offline.waitFor({ timeout: 60_000 })
    await waitFor(async () => (await loadedImages(staff, '[data-testid=wall-offline-tile] img')) >= 1, 15_000, 'the poster loads')
    assert.match(await offline.innerText(), /离线/)
    await shot(staff, 'wall-offline-poster')
  })

  for (const e of errors) e.assertNone()
})
