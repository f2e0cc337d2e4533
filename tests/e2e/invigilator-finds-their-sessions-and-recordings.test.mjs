// An invigilator's "my rooms" page lists the sessions they are on duty at (and nothing else);
// from a session they open its recordings, already filtered to it, and the room's live wall.
// Staff see every session on the arrangement page, with how many candidates are seated.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { launchBrowser } from './lib/browser.mjs'
import { createAccount } from './lib/accounts.mjs'
import { api, startProctor } from './lib/proctor.mjs'
import { STAFF_PASSWORD, prepare } from './lib/registration.mjs'
import { signIn, trackPageErrors, withScreenshotOnFailure } from './lib/ui.mjs'

test('an invigilator finds their sessions, opens its recordings and its wall', { timeout: 180_000 }, async (t) => {
  const server = await startProctor()
  t.after(() => server.stop())
  const { staff, planId } = await prepare(server)
  const admin = (await api(server.url, 'POST', '/api/auth/login', { body: { username: 'admin', password: 'Changed-Passw0rd-e2e' } })).body.token
  const invId = await createAccount(server, admin, 'jk.rooms', '孙监考', 'invigilator', 'Invigilator-Passw0rd-3')
  await createAccount(server, admin, 'jk.other', '吴监考', 'invigilator', 'Invigilator-Passw0rd-4')
  const plan = await api(server.url, 'GET', `/api/plans/${planId}`, { token: staff })
  const session = plan.body.sessions[0]
  const duty = await api(server.url, 'POST', `/api/sessions/${session.id}/staff`, {
    token: staff, body: { account_id: invId, duty: 'invigilator', work_unit: '贵州省职业技能鉴定中心', qualification_no: '' },
  })
  assert.equal(duty.status, 201, JSON.stringify(duty.body))

  const browser = await launchBrowser()
  t.after(() => browser.close())
  const newPage = async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })
    const page = await ctx.newPage()
    page.setDefaultTimeout(20_000)
    return page
  }

  const inv = await newPage()
  const errors = trackPageErrors(inv)
  await withScreenshotOnFailure(inv, 'invigilator-rooms', async () => {
    await signIn(inv, server.url, 'jk.rooms', 'Invigilator-Passw0rd-3')
    await inv.waitForURL('**/app/invigilator')
    await inv.getByTestId('nav-rooms').click()
    await inv.getByTestId('sessions-overview').waitFor()
    const rows = inv.getByTestId('sessions-row')
    await rows.first().waitFor()
    assert.equal(await rows.count(), 1)
    assert.equal(await rows.first().getAttribute('data-session'), String(session.id))
    assert.match(await inv.getByTestId('sessions-overview').innerText(), /第一场[\s\S]*贵阳考点 · 第一考场/)

    await inv.getByTestId('sessions-recordings').click()
    await inv.waitForURL(`**/app/invigilator/recordings?session=${session.id}`)
    // The session filter is chosen, so the list loads without asking for it.
    await inv.getByTestId('recordings-session').filter({ hasText: '第一场 · 贵阳考点 第一考场' }).waitFor()
    await inv.getByTestId('recordings-table').waitFor()

    await inv.getByTestId('nav-rooms').click()
    await inv.getByTestId('sessions-wall').click()
    await inv.waitForURL(`**/app/invigilator/live?room=room-${session.room_id}`)
  })
  errors.assertNone()

  // Another invigilator has no duty: an empty list that says so.
  const other = await newPage()
  await signIn(other, server.url, 'jk.other', 'Invigilator-Passw0rd-4')
  await other.waitForURL('**/app/invigilator')
  await other.getByTestId('nav-rooms').click()
  await other.getByTestId('sessions-overview').waitFor()
  await other.getByText('您目前没有值岗的场次').waitFor()

  // Staff see every session with the seated count on the arrangement page.
  const st = await newPage()
  await signIn(st, server.url, 'kw.staff', STAFF_PASSWORD)
  await st.waitForURL('**/app/staff')
  await st.getByTestId('nav-arrangement').click()
  await st.locator(`[data-testid=sessions-row][data-session="${session.id}"]`).waitFor()
  assert.match(await st.getByTestId('sessions-overview').innerText(), /0\/30/)
})
