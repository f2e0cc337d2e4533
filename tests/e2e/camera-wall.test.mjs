// Issue 5 (RTSP half), in the web app against the real `proctor serve`: a staff member
// registers an exam-room IP camera (a real RTSP server with digest auth and H.264, the
// `rtsp-camera` test bin) on the cameras page; it turns online, and the room's live wall in
// Chromium decodes its picture (H.264 passed through without transcoding). A second camera
// with a wrong password shows "unauthorised" with the camera's reason. An invigilator not
// on duty in the room sees no camera.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { REPO_ROOT, api, retireInitialAdminPassword, startProctor } from './lib/proctor.mjs'
import { signIn, trackPageErrors, withScreenshotOnFailure } from './lib/ui.mjs'
import { launchChromium, waitFor } from './media/harness.mjs'

/** Path of the test camera: `RTSP_CAMERA_BIN`, or built here (honours CARGO_TARGET_DIR). */
function cameraBinary() {
  if (process.env.RTSP_CAMERA_BIN) return resolve(process.env.RTSP_CAMERA_BIN)
  const r = spawnSync('cargo', ['build', '-p', 'media-server', '--bin', 'rtsp-camera'], {
    cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'],
  })
  if (r.status !== 0) throw new Error('cargo build of rtsp-camera failed')
  const bin = resolve(REPO_ROOT, process.env.CARGO_TARGET_DIR ?? join(REPO_ROOT, 'target'), 'debug', 'rtsp-camera')
  if (!existsSync(bin)) throw new Error(`rtsp-camera not found at ${bin}`)
  return bin
}

// Built before the test's clock starts (a first build takes minutes on a busy machine).
const CAMERA_BIN = cameraBinary()

/** Starts the camera; resolves with its URL once it accepts connections. */
function startCamera(user, password) {
  const child = spawn(CAMERA_BIN, ['--user', user, '--password', password], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error('rtsp-camera did not start')), 20_000)
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer)
      const m = /^RTSP_CAMERA_READY (\S+)/.exec(line)
      if (!m) return rej(new Error(`rtsp-camera said ${line}`))
      res({ url: m[1], stop: () => child.kill('SIGKILL') })
    })
  })
}

async function createAccount(server, adminToken, username, role, password) {
  const initial = `${password}-first`
  const created = await api(server.url, 'POST', '/api/users', {
    token: adminToken,
    body: { username, display_name: username, role, password: initial },
  })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  const login = await api(server.url, 'POST', '/api/auth/login', { body: { username, password: initial } })
  const changed = await api(server.url, 'POST', '/api/auth/password', {
    token: login.body.token,
    body: { current_password: initial, new_password: password },
  })
  assert.equal(changed.status, 200)
  return changed.body.token
}

const tileFrames = (page, participant) =>
  page.evaluate((p) => {
    const v = document.querySelector(`[data-testid=wall-tile][data-participant="${p}"] video`)
    return v ? v.getVideoPlaybackQuality().totalVideoFrames : 0
  }, participant)

test('a registered RTSP camera goes online and its H.264 picture plays on the room wall', { timeout: 240_000 }, async (t) => {
  const camera = await startCamera('admin', 'Cam-Passw0rd-e2e')
  t.after(() => camera.stop())
  const server = await startProctor()
  t.after(() => server.stop())
  const browser = await launchChromium()
  t.after(() => browser.close())

  const adminPassword = await retireInitialAdminPassword(server)
  const admin = (await api(server.url, 'POST', '/api/auth/login', { body: { username: 'admin', password: adminPassword } })).body.token
  const staff = await createAccount(server, admin, 'kaowu01', 'staff', 'Staff-Passw0rd-1')
  await createAccount(server, admin, 'jiankao02', 'invigilator', 'Invigilator-Passw0rd-2')
  const site = await api(server.url, 'POST', '/api/sites', { token: staff, body: { name: '贵阳考点', address: '观山湖区' } })
  assert.equal(site.status, 201)
  const room = await api(server.url, 'POST', `/api/sites/${site.body.id}/rooms`, { token: staff, body: { name: '第一考场', seats: 30 } })
  assert.equal(room.status, 201)

  const ctx = await browser.newContext({ viewport: { width: 1366, height: 860 }, locale: 'zh-CN' })
  t.after(() => ctx.close())
  const page = await ctx.newPage()
  page.setDefaultTimeout(20_000)
  const errors = trackPageErrors(page)

  await withScreenshotOnFailure(page, 'camera-register', async () => {
    await signIn(page, server.url, 'kaowu01', 'Staff-Passw0rd-1')
    await page.waitForURL('**/app/staff')
    await page.getByTestId('nav-cameras').click()
    await page.getByTestId('cameras-empty').waitFor()

    const register = async (label, password) => {
      await page.getByTestId('camera-add').click()
      await page.getByTestId('camera-room').click()
      await page.getByRole('option', { name: '贵阳考点 · 第一考场' }).click()
      await page.getByTestId('camera-label').fill(label)
      await page.getByTestId('camera-url').fill(camera.url)
      await page.getByTestId('camera-username').fill('admin')
      await page.getByTestId('camera-password').fill(password)
      await page.getByTestId('camera-save').click()
      await page.getByTestId('camera-dialog').waitFor({ state: 'hidden' })
    }
    await register('前门摄像头', 'Cam-Passw0rd-e2e')
    const row = page.locator('[data-testid=camera-row]').filter({ hasText: '前门摄像头' })
    await row.locator('[data-testid=camera-status]').waitFor()
    await waitFor(async () => (await row.getAttribute('data-status')) === 'online', 30_000, 'camera online')
    assert.equal((await row.getByTestId('camera-status').innerText()).trim(), '在线')
    assert.ok(!(await page.content()).includes('Cam-Passw0rd-e2e'), 'the password is never shown')

    await register('后门摄像头', 'wrong-password')
    const bad = page.locator('[data-testid=camera-row]').filter({ hasText: '后门摄像头' })
    await waitFor(async () => (await bad.getAttribute('data-status')) === 'unauthorised', 30_000, 'camera unauthorised')
    assert.equal((await bad.getByTestId('camera-status').innerText()).trim(), '账号或密码错误')
    assert.match(await bad.getByTestId('camera-reason').innerText(), /401/)
  })

  const cameraId = await page.locator('[data-testid=camera-row]').filter({ hasText: '前门摄像头' }).getAttribute('data-camera')
  const participant = `camera:${cameraId}`
  await withScreenshotOnFailure(page, 'camera-wall', async () => {
    await page.locator('[data-testid=camera-row]').filter({ hasText: '前门摄像头' }).getByTestId('camera-watch').click()
    await page.waitForURL(`**/app/staff/live?room=room-${room.body.id}`)
    const tile = page.locator(`[data-testid=wall-tile][data-participant="${participant}"]`)
    await tile.waitFor({ timeout: 30_000 })
    assert.match(await tile.innerText(), /前门摄像头/)
    await waitFor(async () => (await tileFrames(page, participant)) > 10, 30_000, 'camera tile decoding')
    const a = await tileFrames(page, participant)
    await new Promise((r) => setTimeout(r, 2000))
    const b = await tileFrames(page, participant)
    assert.ok(b > a, `tile keeps decoding: ${a} -> ${b}`)
    const width = await page.evaluate((p) => document.querySelector(`[data-testid=wall-tile][data-participant="${p}"] video`).videoWidth, participant)
    assert.equal(width, 320, 'the camera picture as sent (no transcoding)')
    // The room list names the exam room, not its media room id.
    const roomButton = page.locator(`[data-testid=live-room][data-room="room-${room.body.id}"]`)
    assert.match(await roomButton.innerText(), /贵阳考点 · 第一考场/)
  })

  // An invigilator who is not on duty in the room sees no camera.
  const inv = await ctx.browser().newContext({ locale: 'en' })
  t.after(() => inv.close())
  const ip = await inv.newPage()
  await signIn(ip, server.url, 'jiankao02', 'Invigilator-Passw0rd-2')
  await ip.waitForURL('**/app/invigilator')
  await ip.getByTestId('nav-cameras').click()
  await ip.getByTestId('cameras-empty').waitFor()
  errors.assertNone()
})
