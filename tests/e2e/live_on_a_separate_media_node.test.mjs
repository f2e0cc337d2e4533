// Scale-out: the API runs without its in-process SFU and a separate `proctor media` process
// carries the video. The node registers (signed heartbeat), the candidate's camera check is
// sent to the node by the grant, the node's events reach the API so a supervisor on patrol finds the
// room (attributed to the node) and the wall decodes it. When the node is killed and started
// again, the room vanishes with it and comes back when the candidate's page reconnects.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { api, retireInitialAdminPassword, startProctor } from './lib/proctor.mjs'
import { signIn, trackPageErrors, withScreenshotOnFailure } from './lib/ui.mjs'
import { freeTcpPort, freeUdpPort, launchChromium, makeFaceY4m, waitFor, wallTileFrames } from './media/harness.mjs'
import { createAccount } from './lib/accounts.mjs'

const SECRET = 'e2e-installation-secret-of-32-characters-at-least'

const tileFrames = wallTileFrames

test('a separate media node carries the camera check and the wall', { timeout: 240_000 }, async (t) => {
  const server = await startProctor({ env: { PROCTOR_MEDIA__ENABLED: 'false', PROCTOR_SECRET_KEY: SECRET } })
  t.after(() => server.stop())
  const nodePort = await freeTcpPort()
  const nodeEnv = {
    PROCTOR_SECRET_KEY: SECRET,
    PROCTOR_MEDIA__UDP_BIND: `127.0.0.1:${await freeUdpPort()}`,
    PROCTOR_MEDIA_NODE__ID: 'media-e2e-1',
    PROCTOR_MEDIA_NODE__LISTEN: `127.0.0.1:${nodePort}`,
    PROCTOR_MEDIA_NODE__API_URL: server.url,
    PROCTOR_MEDIA_NODE__PUBLIC_URL: `http://127.0.0.1:${nodePort}/media`,
    PROCTOR_MEDIA_NODE__HEARTBEAT_SECS: '1',
    // The node records into the API's object store (here: its local objects directory).
    PROCTOR_STORAGE__ROOT: `${server.dataDir}/objects`,
    PROCTOR_RECORDING__SEGMENT_SECS: '2',
  }
  let node = await startProctor({ command: 'media', env: nodeEnv })
  t.after(() => node.stop())

  const adminPassword = await retireInitialAdminPassword(server)
  const adminToken = (await api(server.url, 'POST', '/api/auth/login', { body: { username: 'admin', password: adminPassword } })).body.token
  await waitFor(async () => {
    const nodes = await api(server.url, 'GET', '/api/media-nodes', { token: adminToken })
    return nodes.body.some?.((n) => n.id === 'media-e2e-1' && n.fresh)
  }, 15_000, 'node registered')

  const candidateId = await createAccount(server, adminToken, 'kaosheng02', '孙考生', 'candidate', 'Candidate-Passw0rd-2')
  await createAccount(server, adminToken, 'xunkao02', '周巡考', 'supervisor', 'Supervisor-Passw0rd-2')
  const participant = `candidate:${candidateId}`
  const room = `check-${candidateId}`

  const y4m = await makeFaceY4m()
  t.after(() => y4m.cleanup())
  const browser = await launchChromium(y4m.file)
  t.after(() => browser.close())
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
  const whipUrls = []
  cand.on('request', (r) => {
    if (r.method() === 'POST' && r.url().includes('/whip')) whipUrls.push(r.url())
  })
  await withScreenshotOnFailure(cand, 'node-camera-check', async () => {
    await signIn(cand, server.url, 'kaosheng02', 'Candidate-Passw0rd-2')
    await cand.waitForURL('**/app/candidate')
    await cand.getByTestId('nav-cameraCheck').click()
    await cand.locator('[data-testid=camera-state][data-state=connected]').waitFor({ timeout: 30_000 })
  })
  assert.ok(whipUrls.length > 0 && whipUrls.every((u) => u.startsWith(`http://127.0.0.1:${nodePort}/media/`)), `published to the node: ${whipUrls}`)

  const inv = await newPage()
  await withScreenshotOnFailure(inv, 'node-wall', async () => {
    const rooms = await waitFor(async () => {
      const r = await api(server.url, 'GET', '/api/live/rooms', { token: adminToken })
      return r.body.find?.((x) => x.room === room)
    }, 15_000, 'room reported by the node')
    assert.equal(rooms.node, 'media-e2e-1')
    await signIn(inv, server.url, 'xunkao02', 'Supervisor-Passw0rd-2')
    await inv.waitForURL('**/app/supervisor')
    await inv.getByTestId('nav-patrol').click()
    await inv.locator(`[data-testid=live-room][data-room="${room}"]`).click()
    await inv.locator(`[data-testid=wall-tile][data-participant="${participant}"]`).waitFor({ timeout: 30_000 })
    await waitFor(async () => (await tileFrames(inv, participant)) > 10, 30_000, 'wall decodes through the node')
  })
  await waitFor(async () => {
    const r = await api(server.url, 'GET', `/api/recordings?room=${room}`, { token: adminToken })
    return r.body.some?.((x) => x.participant === participant && x.kind === 'video' && x.segments > 0)
  }, 30_000, 'the node recorded the camera check and the API lists it')

  // The node dies hard and comes back: its room disappears, then the candidate reconnects.
  await withScreenshotOnFailure(cand, 'node-restart', async () => {
    await node.kill()
    await cand.locator('[data-testid=camera-state]:not([data-state=connected])').waitFor({ timeout: 30_000 })
    node = await startProctor({ command: 'media', env: nodeEnv })
    await cand.locator('[data-testid=camera-state][data-state=connected]').waitFor({ timeout: 60_000 })
    await waitFor(async () => {
      const r = await api(server.url, 'GET', '/api/live/rooms', { token: adminToken })
      const live = r.body.find?.((x) => x.room === room)
      return live && live.node === 'media-e2e-1' && live.participants.some((p) => p.participant === participant && p.video_tracks > 0)
    }, 30_000, 'room back on the restarted node')
  })
  for (const e of errors) e.assertNone()
})
