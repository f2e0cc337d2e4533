// Issue 6 in the browser: the camera shows another person (img3) than the enrolled portrait
// (img1). Each attempt fails with its reason; the third goes to manual review. The
// invigilator sees both pictures side by side on the face-check page and approves; the
// candidate's page then shows the approval.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startProctor } from './lib/proctor.mjs'
import { signIn, trackPageErrors, withScreenshotOnFailure } from './lib/ui.mjs'
import { freeUdpPort, launchChromium } from './media/harness.mjs'
import { CANDIDATE_PASSWORD, INVIGILATOR_PASSWORD, enrolledCandidate, y4mOf } from './lib/face.mjs'

test('a failed face check-in reaches manual review and an invigilator approves it', { timeout: 240_000 }, async (t) => {
  const server = await startProctor({ env: { PROCTOR_MEDIA__UDP_BIND: `127.0.0.1:${await freeUdpPort()}` } })
  t.after(() => server.stop())
  const { phone } = await enrolledCandidate(server, 'img1.jpg')
  const camera = await y4mOf('img3.jpg')
  t.after(() => camera.cleanup())
  const browser = await launchChromium(camera.file)
  t.after(() => browser.close())
  const newPage = async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })
    const page = await ctx.newPage()
    page.setDefaultTimeout(30_000)
    return page
  }

  const cand = await newPage()
  const candErrors = trackPageErrors(cand)
  await withScreenshotOnFailure(cand, 'face-checkin-fail', async () => {
    await signIn(cand, server.url, phone, CANDIDATE_PASSWORD)
    await cand.waitForURL('**/app/candidate')
    await cand.getByTestId('nav-cameraCheck').click()
    for (const left of ['2', '1']) {
      await cand.locator('[data-testid=face-check-in]:not([disabled])').waitFor()
      await cand.getByTestId('face-check-in').click()
      await cand.locator(`[data-testid=face-attempts-left]:text-is("${left}")`).waitFor()
      assert.equal(await cand.getByTestId('face-state').getAttribute('data-state'), 'failed')
      assert.equal(await cand.getByTestId('face-reason').getAttribute('data-code'), 'mismatch')
    }
    await cand.getByTestId('face-check-in').click()
    await cand.locator('[data-testid=face-state][data-state=review]').waitFor()
    await cand.getByTestId('face-review-hint').waitFor()
    assert.ok(await cand.getByTestId('face-check-in').isDisabled(), 'no attempt while a review is pending')
  })

  const inv = await newPage()
  const invErrors = trackPageErrors(inv)
  await withScreenshotOnFailure(inv, 'face-review-approve', async () => {
    await signIn(inv, server.url, 'jk.face', INVIGILATOR_PASSWORD)
    await inv.waitForURL('**/app/invigilator')
    await inv.getByTestId('nav-faceReview').click()
    await inv.getByTestId('face-review-item').waitFor()
    // Both pictures load through their signed links.
    for (const id of ['face-enrolled-photo', 'face-frame']) {
      await inv.waitForFunction((tid) => {
        const img = document.querySelector(`[data-testid=${tid}]`)
        return img && img.complete && img.naturalWidth > 0
      }, id)
    }
    await inv.getByTestId('face-approve').click()
    await inv.getByTestId('face-review-item').waitFor({ state: 'detached' })
  })

  await cand.reload()
  await cand.locator('[data-testid=face-state][data-state=approved]').waitFor()
  assert.equal((await cand.getByTestId('face-state').innerText()).trim(), '人工核验通过')
  candErrors.assertNone()
  invErrors.assertNone()
})
