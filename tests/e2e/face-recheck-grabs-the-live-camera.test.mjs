// Issue 6, random re-checks: a candidate enrolled from img1 keeps the camera page open, which
// publishes a fake camera showing img2 (same person) on the API's own SFU. Staff plan one
// re-check in a two-second window; when it is due the server grabs the picture from the live
// track itself, so the page is never asked: the re-check on the timeline is `live` and passed,
// and no alert is raised.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { api, startProctor } from './lib/proctor.mjs'
import { signIn, trackPageErrors, withScreenshotOnFailure } from './lib/ui.mjs'
import { freeUdpPort, launchChromium } from './media/harness.mjs'
import { CANDIDATE_PASSWORD, checksOf, enrolledCandidate, waitForLiveCamera, y4mOf } from './lib/face.mjs'

test('a due re-check is answered from the live camera without the page', { timeout: 180_000 }, async (t) => {
  const server = await startProctor({
    env: {
      PROCTOR_MEDIA__UDP_BIND: `127.0.0.1:${await freeUdpPort()}`,
      PROCTOR_FACE__RECHECK_TICK_MS: '200',
      // Long enough that a page answer or a `no_frame` could not come first.
      PROCTOR_FACE__RECHECK_ANSWER_SECS: '120',
    },
  })
  t.after(() => server.stop())
  const { staff, phone, accountId } = await enrolledCandidate(server, 'img1.jpg')
  const plans = await api(server.url, 'GET', '/api/plans', { token: staff })
  const planId = plans.body.find((p) => p.code === 'E2E2026')?.id
  assert.ok(planId, JSON.stringify(plans.body))
  assert.equal((await api(server.url, 'POST', `/api/plans/${planId}/seating`, { token: staff, body: {} })).status, 200)
  const plan = await api(server.url, 'GET', `/api/plans/${planId}`, { token: staff })
  const sessionId = plan.body.sessions[0].id

  const camera = await y4mOf('img2.jpg')
  t.after(() => camera.cleanup())
  const browser = await launchChromium(camera.file)
  t.after(() => browser.close())
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })
  const page = await ctx.newPage()
  page.setDefaultTimeout(30_000)
  const errors = trackPageErrors(page)

  await withScreenshotOnFailure(page, 'face-recheck-live', async () => {
    await signIn(page, server.url, phone, CANDIDATE_PASSWORD)
    await page.waitForURL('**/app/candidate')
    await page.getByTestId('nav-cameraCheck').click()
    await page.getByTestId('face-panel').waitFor()
    await waitForLiveCamera(server, staff, accountId)

    const now = Date.now()
    const planned = await api(server.url, 'PUT', `/api/face/sessions/${sessionId}/rechecks`, {
      token: staff,
      body: { count: 1, window_from: new Date(now).toISOString(), window_to: new Date(now + 2000).toISOString() },
    })
    assert.equal(planned.status, 200, JSON.stringify(planned.body))
    assert.equal(planned.body.checks, 1)

    let recheck
    for (let i = 0; i < 80 && !recheck; i++) {
      // The page only ever learns of a moment it must answer; a live grab leaves it nothing.
      const due = await page.evaluate(async () => {
        const token = localStorage.getItem('proctor.token')
        if (!token) return null
        const r = await fetch('/api/face/me/recheck', { headers: { Authorization: `Bearer ${token}` } })
        return (await r.json()).slot_id
      })
      assert.equal(due ?? null, null, 'the page was asked for a picture')
      recheck = (await checksOf(server, staff, accountId)).find((c) => c.kind === 'recheck')
      if (!recheck) await new Promise((r) => setTimeout(r, 250))
    }
    assert.ok(recheck, 'no re-check was recorded')
    assert.deepEqual([recheck.frame_source, recheck.outcome, recheck.exam_session_id], ['live', 'passed', sessionId], JSON.stringify(recheck))
    assert.ok(recheck.frame_url, 'the live grab is kept as evidence')
    const alerts = await api(server.url, 'GET', '/api/face/alerts', { token: staff })
    assert.deepEqual(alerts.body, [])
  })
  errors.assertNone()
})
