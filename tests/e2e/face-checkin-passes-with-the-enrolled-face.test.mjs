// Issue 6 in the browser: a candidate whose registration portrait (img1) was enrolled on
// approval opens the camera check with a fake camera showing another photo of the same
// person (img2) and checks in by face at the first attempt. The page is publishing on the
// API's own SFU, so the server takes the picture from the live track (source `live`).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startProctor } from './lib/proctor.mjs'
import { signIn, trackPageErrors, withScreenshotOnFailure } from './lib/ui.mjs'
import { freeUdpPort, launchChromium } from './media/harness.mjs'
import { CANDIDATE_PASSWORD, checksOf, enrolledCandidate, waitForLiveCamera, y4mOf } from './lib/face.mjs'

test('face check-in passes with a camera showing the enrolled person', { timeout: 180_000 }, async (t) => {
  const server = await startProctor({ env: { PROCTOR_MEDIA__UDP_BIND: `127.0.0.1:${await freeUdpPort()}` } })
  t.after(() => server.stop())
  const { staff, phone, accountId } = await enrolledCandidate(server, 'img1.jpg')
  const camera = await y4mOf('img2.jpg')
  t.after(() => camera.cleanup())
  const browser = await launchChromium(camera.file)
  t.after(() => browser.close())
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })
  const page = await ctx.newPage()
  page.setDefaultTimeout(30_000)
  const errors = trackPageErrors(page)

  await withScreenshotOnFailure(page, 'face-checkin-pass', async () => {
    await signIn(page, server.url, phone, CANDIDATE_PASSWORD)
    await page.waitForURL('**/app/candidate')
    await page.getByTestId('nav-cameraCheck').click()
    await page.locator('[data-testid=face-state][data-state=none]').waitFor()
    await page.locator('[data-testid=face-check-in]:not([disabled])').waitFor()
    await waitForLiveCamera(server, staff, accountId)
    await page.getByTestId('face-check-in').click()
    await page.locator('[data-testid=face-state][data-state=passed]').waitFor()
    assert.equal((await page.getByTestId('face-state').innerText()).trim(), '已通过')
    const [check] = await checksOf(server, staff, accountId)
    assert.deepEqual([check.kind, check.frame_source, check.outcome], ['checkin', 'live', 'passed'], JSON.stringify(check))
    assert.ok(check.frame_url, 'the live grab is kept as evidence')
  })
  errors.assertNone()
})
