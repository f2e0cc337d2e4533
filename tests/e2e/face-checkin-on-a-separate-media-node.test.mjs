// Face check-in when the candidate's camera runs on a separate media node: the API has no
// SFU of its own, the camera page publishes to `proctor media`, and the server still takes
// the picture from the live track — it asks the node for a frame through the node's signed
// grab endpoint (source `live`, not the page's still).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { api, startProctor } from './lib/proctor.mjs'
import { signIn, trackPageErrors, withScreenshotOnFailure } from './lib/ui.mjs'
import { freeTcpPort, freeUdpPort, launchChromium, waitFor } from './media/harness.mjs'
import { CANDIDATE_PASSWORD, checksOf, enrolledCandidate, waitForLiveCamera, y4mOf } from './lib/face.mjs'

const SECRET = 'e2e-installation-secret-of-32-characters-at-least'

test('face check-in grabs the live camera through a separate media node', { timeout: 240_000 }, async (t) => {
  const server = await startProctor({ env: { PROCTOR_MEDIA__ENABLED: 'false', PROCTOR_SECRET_KEY: SECRET } })
  t.after(() => server.stop())
  const nodePort = await freeTcpPort()
  const node = await startProctor({
    command: 'media',
    env: {
      PROCTOR_SECRET_KEY: SECRET,
      PROCTOR_MEDIA__UDP_BIND: `127.0.0.1:${await freeUdpPort()}`,
      PROCTOR_MEDIA_NODE__ID: 'media-face-1',
      PROCTOR_MEDIA_NODE__LISTEN: `127.0.0.1:${nodePort}`,
      PROCTOR_MEDIA_NODE__API_URL: server.url,
      PROCTOR_MEDIA_NODE__PUBLIC_URL: `http://127.0.0.1:${nodePort}/media`,
      PROCTOR_MEDIA_NODE__HEARTBEAT_SECS: '1',
      PROCTOR_STORAGE__ROOT: `${server.dataDir}/objects`,
    },
  })
  t.after(() => node.stop())

  const { staff, phone, accountId } = await enrolledCandidate(server, 'img1.jpg')
  // `enrolledCandidate` retired the first admin password with the harness default.
  const admin = (await api(server.url, 'POST', '/api/auth/login', { body: { username: 'admin', password: 'Changed-Passw0rd-e2e' } })).body.token
  await waitFor(async () => {
    const nodes = await api(server.url, 'GET', '/api/media-nodes', { token: admin })
    return nodes.body.some?.((n) => n.id === 'media-face-1' && n.fresh)
  }, 15_000, 'node registered')
  const camera = await y4mOf('img2.jpg')
  t.after(() => camera.cleanup())
  const browser = await launchChromium(camera.file)
  t.after(() => browser.close())
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })
  const page = await ctx.newPage()
  page.setDefaultTimeout(30_000)
  const errors = trackPageErrors(page)

  await withScreenshotOnFailure(page, 'face-checkin-node', async () => {
    await signIn(page, server.url, phone, CANDIDATE_PASSWORD)
    await page.waitForURL('**/app/candidate')
    await page.getByTestId('nav-cameraCheck').click()
    await page.locator('[data-testid=face-check-in]:not([disabled])').waitFor()
    await waitForLiveCamera(server, staff, accountId)
    const rooms = await api(server.url, 'GET', '/api/live/rooms', { token: staff })
    assert.equal(rooms.body.find((r) => r.room === `check-${accountId}`)?.node, 'media-face-1', 'the camera is on the node')
    await page.getByTestId('face-check-in').click()
    await page.locator('[data-testid=face-state][data-state=passed]').waitFor()
    const [check] = await checksOf(server, staff, accountId)
    assert.deepEqual([check.kind, check.frame_source, check.outcome], ['checkin', 'live', 'passed'], JSON.stringify(check))
    assert.ok(check.frame_url, 'the grabbed frame is kept as evidence')
  })
  errors.assertNone()
})
