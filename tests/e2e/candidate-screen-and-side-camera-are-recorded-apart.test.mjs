// Issue 5's "every published track (candidate webcams, screen shares, …)" in the browser,
// against the real `proctor serve` with its recorder (3 s segments): on a PC the candidate's
// camera check publishes the camera and, at a click, the screen (Chromium's fake screen; a
// first choice of a single window is refused with the reason); on a
// phone the same candidate makes the page the side camera (双机位). A supervisor's wall shows
// three tiles, the screen and the side camera labelled. Stopping the screen share leaves the
// camera untouched. Each source is its own recording of the candidate, with no reconnect gap
// in the camera's, and the staff recordings page names the screen share and the side camera.
// While the camera is still live, staff play its recording from the end of what is stored:
// the player waits for the next segment and goes on into it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { api } from './lib/proctor.mjs'
import { cameraScenario } from './lib/camera-scenario.mjs'
import { signIn, trackPageErrors, withScreenshotOnFailure } from './lib/ui.mjs'
import { waitFor, wallTileFrames } from './media/harness.mjs'
import { createAccount } from './lib/accounts.mjs'

test('screen share and side camera publish beside the camera and are recorded apart', { timeout: 300_000 }, async (t) => {
  const { server, browser, adminToken } = await cameraScenario(t, { PROCTOR_RECORDING__SEGMENT_SECS: '3' })
  const candidateId = await createAccount(server, adminToken, 'kaosheng07', '孙考生', 'candidate', 'Candidate-Passw0rd-7')
  await createAccount(server, adminToken, 'xunkao07', '赵巡考', 'supervisor', 'Supervisor-Passw0rd-7')
  await createAccount(server, adminToken, 'kaowu07', '钱考务', 'staff', 'Staff-Passw0rd-7')
  const camera = `candidate:${candidateId}`
  const screen = `${camera}:screen`
  const side = `${camera}:side`
  const room = `check-${candidateId}`

  const errors = []
  const newPage = async (options) => {
    const ctx = await browser.newContext({ locale: 'zh-CN', ...options })
    t.after(() => ctx.close())
    const page = await ctx.newPage()
    page.setDefaultTimeout(20_000)
    errors.push(trackPageErrors(page))
    return { ctx, page }
  }

  // PC: camera, then the screen. The first time the candidate picks a window, which the page
  // must refuse (Chromium's fake picker always gives the whole screen, so the page is told
  // "window" once).
  const pc = await newPage({ viewport: { width: 1280, height: 800 } })
  await pc.page.addInitScript(() => {
    const real = navigator.mediaDevices.getDisplayMedia.bind(navigator.mediaDevices)
    let first = true
    navigator.mediaDevices.getDisplayMedia = async (c) => {
      const stream = await real(c)
      if (first) {
        first = false
        const [track] = stream.getVideoTracks()
        const settings = track.getSettings()
        track.getSettings = () => ({ ...settings, displaySurface: 'window' })
      }
      return stream
    }
  })
  await withScreenshotOnFailure(pc.page, 'sources-pc', async () => {
    await signIn(pc.page, server.url, 'kaosheng07', 'Candidate-Passw0rd-7')
    await pc.page.waitForURL('**/app/candidate')
    await pc.page.getByTestId('nav-cameraCheck').click()
    await pc.page.locator('[data-testid=camera-state][data-state=connected]').waitFor({ timeout: 30_000 })
    assert.equal(await pc.page.getByTestId('screen-state').getAttribute('data-state'), 'stopped')
    await pc.page.getByTestId('screen-share').click()
    assert.match(await pc.page.getByTestId('screen-error').innerText(), /请共享整个屏幕/)
    assert.equal(await pc.page.getByTestId('screen-state').getAttribute('data-state'), 'stopped', 'a window is not published')
    await pc.page.getByTestId('screen-share').click()
    await pc.page.locator('[data-testid=screen-state][data-state=connected]').waitFor({ timeout: 30_000 })
    await waitFor(() => pc.page.evaluate(() => document.querySelector('[data-testid=screen-preview]')?.videoWidth > 0), 10_000, 'screen preview plays')
    assert.equal((await pc.page.getByTestId('camera-state').getAttribute('data-state')), 'connected', 'the camera stays up')
  })
  // The PC page shows a QR code of the side-camera page for the phone.
  const qr = pc.page.getByTestId('side-qr')
  const sideLink = await qr.getAttribute('data-link')
  assert.equal(sideLink, `${server.url}/app/candidate/camera-check?as=side`)
  assert.match(await qr.getAttribute('src'), /^data:image\/png;base64,/)

  // Phone: the same candidate, as the side camera. Face check-in belongs to the main camera.
  const phone = await newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
  await withScreenshotOnFailure(phone.page, 'sources-phone', async () => {
    await signIn(phone.page, server.url, 'kaosheng07', 'Candidate-Passw0rd-7')
    await phone.page.waitForURL('**/app/candidate')
    await phone.page.goto(sideLink)
    await phone.page.locator('[data-testid=camera-state][data-state=connected]').waitFor({ timeout: 30_000 })
    assert.equal(await phone.page.locator('[data-testid=device-role-side] input').isChecked(), true)
    assert.match(await phone.page.getByTestId('camera-device-role').locator('..').innerText(), /侧位机位/)
    assert.equal(await phone.page.getByTestId('screen-share').count(), 0, 'no screen share from the side camera')
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    assert.ok(overflow <= 0, `no sideways overflow on the phone (${overflow} px)`)
  })

  // The supervisor's wall: three tiles, two of them labelled.
  const sup = await newPage({ viewport: { width: 1366, height: 860 } })
  await withScreenshotOnFailure(sup.page, 'sources-wall', async () => {
    await signIn(sup.page, server.url, 'xunkao07', 'Supervisor-Passw0rd-7')
    await sup.page.waitForURL('**/app/supervisor')
    await sup.page.goto(`${server.url}/app/supervisor/patrol?room=${room}`)
    for (const p of [camera, screen, side]) {
      await sup.page.locator(`[data-testid=wall-tile][data-participant="${p}"]`).waitFor({ timeout: 30_000 })
      await waitFor(async () => (await wallTileFrames(sup.page, p)) > 5, 30_000, `tile of ${p} decoding`)
    }
    const label = (p) => sup.page.locator(`[data-testid=wall-tile][data-participant="${p}"] [data-testid=wall-tile-source]`)
    assert.equal((await label(screen).innerText()).trim(), '屏幕共享')
    assert.equal((await label(side).innerText()).trim(), '侧位机位')
    assert.equal(await label(camera).count(), 0, 'the main camera carries no label')
  })

  // During the exam: staff play the camera's recording and jump to its end; the player waits
  // for the next segment (3 s) and plays on into it.
  const staff = await newPage({ viewport: { width: 1366, height: 900 } })
  await withScreenshotOnFailure(staff.page, 'sources-follow-live', async () => {
    await signIn(staff.page, server.url, 'kaowu07', 'Staff-Passw0rd-7')
    await staff.page.waitForURL('**/app/staff')
    await staff.page.goto(`${server.url}/app/staff/recordings`)
    const rows = staff.page.locator('[data-testid=recordings-table] tr.el-table__row')
    await rows.first().waitFor()
    let row = null
    for (let i = 0; i < (await rows.count()); i++) {
      const cells = (await rows.nth(i).locator('td').allInnerTexts()).map((c) => c.trim())
      if (cells[1] === camera && cells[2] === '视频') row = rows.nth(i)
    }
    assert.ok(row, 'the camera recording is listed while it goes on')
    assert.equal((await row.getByTestId('recording-live').innerText()).trim(), '录制中')
    await row.getByTestId('play').click()
    const hint = staff.page.getByTestId('segment-of')
    await hint.waitFor()
    const stored = Number(await hint.getAttribute('data-total'))
    await staff.page.locator('.el-dialog .el-slider__button-wrapper').focus()
    await staff.page.keyboard.press('End')
    await waitFor(async () => Number(await hint.getAttribute('data-index')) > stored, 30_000, `a segment after the ${stored} stored when play began`)
    await waitFor(() => staff.page.evaluate(() => {
      const v = document.querySelector('[data-testid=recording-player]')
      return v.currentTime > 0.5 && !v.paused
    }), 10_000, 'the new segment plays')
    await staff.page.keyboard.press('Escape')
  })

  // Stopping the screen share ends its tile; the camera goes on.
  await new Promise((r) => setTimeout(r, 7_000))
  await pc.page.getByTestId('screen-stop').click()
  await pc.page.locator('[data-testid=screen-state][data-state=stopped]').waitFor()
  await sup.page.locator(`[data-testid=wall-tile][data-participant="${screen}"]`).waitFor({ state: 'detached', timeout: 30_000 })
  const before = await wallTileFrames(sup.page, camera)
  await new Promise((r) => setTimeout(r, 2_000))
  assert.ok((await wallTileFrames(sup.page, camera)) > before, 'the camera tile keeps decoding')
  assert.equal(await pc.page.getByTestId('camera-state').getAttribute('data-state'), 'connected')
  await pc.ctx.close()
  await phone.ctx.close()

  // Three recordings of the candidate's video, one per source.
  const videoOf = (list, p) => list.find((r) => r.kind === 'video' && r.participant === p)
  const list = await waitFor(async () => {
    const r = await api(server.url, 'GET', `/api/recordings?candidate_id=${candidateId}`, { token: adminToken })
    const l = r.body ?? []
    return [camera, screen, side].every((p) => videoOf(l, p)?.segments >= 2) ? l : null
  }, 60_000, 'camera, screen and side camera recorded')
  for (const p of [camera, screen, side]) assert.equal(videoOf(list, p).candidate_id, candidateId, p)
  const reconnects = videoOf(list, camera).gaps.filter((g) => g.reason === 'publisher_reconnect')
  assert.deepEqual(reconnects, [], 'sharing and stopping the screen never interrupted the camera')
  assert.ok(videoOf(list, screen).end_ms - videoOf(list, screen).start_ms >= 5_000, 'the screen was recorded while shared')

  // Staff see the sources named on the recordings page.
  await withScreenshotOnFailure(staff.page, 'sources-recordings', async () => {
    await staff.page.goto(`${server.url}/app/staff/recordings`)
    const table = staff.page.getByTestId('recordings-table')
    await table.getByText(screen).first().waitFor()
    const sources = await staff.page.getByTestId('recording-source').allInnerTexts()
    assert.ok(sources.some((s) => s.includes('屏幕共享')), `screen share named: ${sources}`)
    assert.ok(sources.some((s) => s.includes('侧位机位')), `side camera named: ${sources}`)
  })
  for (const e of errors) e.assertNone()
})
