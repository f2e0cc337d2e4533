// Issue 7, the staff side in the web app (PC width): create a plan with two subjects,
// open registration, add a session in a room; two candidates register and are approved;
// an examiner from a seated candidate's work unit is refused with the reason shown; the
// seating button seats both; the usage tab shows the figures and the chart. Then the same
// page at phone width does not overflow sideways.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { api, retireInitialAdminPassword, startProctor } from './lib/proctor.mjs'
import { STAFF_PASSWORD, idNumber, portraitPng } from './lib/registration.mjs'
import { signIn, trackPageErrors, withScreenshotOnFailure } from './lib/ui.mjs'
import { launchBrowser } from './lib/browser.mjs'

async function account(server, admin, username, role, password) {
  const created = await api(server.url, 'POST', '/api/users', {
    token: admin,
    body: { username, display_name: username === 'kp.li' ? '李考评' : username, role, password: 'Temporary-2026' },
  })
  assert.equal(created.status, 201)
  const first = (await api(server.url, 'POST', '/api/auth/login', { body: { username, password: 'Temporary-2026' } })).body.token
  return (await api(server.url, 'POST', '/api/auth/password', { token: first, body: { current_password: 'Temporary-2026', new_password: password } })).body.token
}

async function uploadPhoto(server, token, regId) {
  const form = new FormData()
  form.append('file', new Blob([portraitPng()], { type: 'image/png' }), 'photo.png')
  const res = await fetch(`${server.url}/api/registrations/${regId}/files/photo`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form })
  assert.equal(res.status, 201)
}

/** Picks an option of an Element Plus select by its visible text. */
async function choose(page, testId, text) {
  await page.getByTestId(testId).click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: text }).first().click()
}

const local = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16)

test('staff create a plan, open it, seat approved candidates and read the usage', { timeout: 240_000 }, async (t) => {
  const server = await startProctor()
  t.after(() => server.stop())
  const adminPw = await retireInitialAdminPassword(server)
  const admin = (await api(server.url, 'POST', '/api/auth/login', { body: { username: 'admin', password: adminPw } })).body.token
  const staff = await account(server, admin, 'kw.staff', 'staff', STAFF_PASSWORD)
  await account(server, admin, 'kp.li', 'examiner', 'Examiner-2026')
  const site = await api(server.url, 'POST', '/api/sites', { token: staff, body: { name: '贵阳考点', address: '贵阳市观山湖区' } })
  await api(server.url, 'POST', `/api/sites/${site.body.id}/rooms`, { token: staff, body: { name: '第一考场', seats: 30 } })

  const browser = await launchBrowser()
  t.after(() => browser.close())
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN', acceptDownloads: true })).newPage()
  page.setDefaultTimeout(15_000)
  const errors = trackPageErrors(page)
  let planId

  await withScreenshotOnFailure(page, 'affairs-create-plan', async () => {
    await signIn(page, server.url, 'kw.staff', STAFF_PASSWORD)
    await page.waitForURL('**/app/staff')
    await page.getByTestId('nav-plans').click()
    await page.getByTestId('new-plan').click()
    await page.getByTestId('plan-code').fill('UI2026')
    await page.getByTestId('plan-title').fill('2026年电工（三级）职业技能等级认定')
    await page.getByTestId('plan-occupation-code').fill('6-31-01-03')
    await page.getByTestId('plan-occupation-name').fill('电工')
    await choose(page, 'plan-level', '三级/高级工')
    const now = new Date()
    await page.getByTestId('plan-opens').fill(local(new Date(now.getTime() - 86_400_000)))
    await page.getByTestId('plan-closes').fill(local(new Date(now.getTime() + 10 * 86_400_000)))
    // Weights must add up to 100: a wrong sum is refused with the server's reason.
    await page.getByRole('button', { name: '添加科目' }).click()
    await page.getByTestId('subject-weight-1').locator('input').fill('50')
    await page.getByTestId('plan-submit').click()
    assert.match(await page.getByTestId('plan-error').innerText(), /权重合计须为 100（现为 150）/)
    await page.getByTestId('subject-weight-0').locator('input').fill('30')
    await page.getByTestId('subject-weight-1').locator('input').fill('70')
    await page.getByTestId('plan-submit').click()
    await page.getByTestId('plan-detail').waitFor()
    planId = Number(new URL(page.url()).searchParams.get('plan'))
    assert.ok(planId > 0)
    assert.match(await page.getByTestId('plan-state').innerText(), /草稿/)
    // Only the moves that exist from draft are offered.
    assert.equal(await page.locator('[data-testid^="move-"]').count(), 1)
    await page.getByTestId('move-open').click()
    await page.waitForFunction(() => document.querySelector('[data-testid="plan-state"]')?.textContent?.includes('报名中'))
  })

  await withScreenshotOnFailure(page, 'affairs-session', async () => {
    await page.getByRole('tab', { name: '场次与人员' }).click()
    await page.getByTestId('session-name').fill('第一场 操作技能')
    const day = new Date(Date.now() + 5 * 86_400_000)
    await page.getByTestId('session-starts').fill(local(day))
    await page.getByTestId('session-ends').fill(local(new Date(day.getTime() + 2 * 3_600_000)))
    await choose(page, 'session-room', '第一考场')
    await page.getByTestId('session-add').click()
    await page.locator('.el-card[data-testid^="session-"]').first().waitFor()
  })

  // Two candidates register (through the API, as the phone tests do through pages) and are approved.
  const units = ['贵阳供电局', '遵义供电局']
  for (const [i, first17] of ['52010219900315001', '52010219910416002'].entries()) {
    const reg = await api(server.url, 'POST', `/api/plans/${planId}/registrations`, {
      body: {
        name: `考生${i + 1}`, gender: 'male', id_type: 'resident_id', id_number: idNumber(first17),
        birth_date: `199${i}-0${3 + i}-1${5 + i}`, phone: `1391111000${i}`, education: '大专', work_unit: units[i],
        years_in_occupation: 6, declared_level: 3, password: 'Candidate-2026', consent: true,
      },
    })
    assert.equal(reg.status, 201, JSON.stringify(reg.body))
    await uploadPhoto(server, reg.body.session.token, reg.body.registration_id)
    const ok = await api(server.url, 'POST', `/api/registrations/${reg.body.registration_id}/review`, { token: staff, body: { decision: 'approve' } })
    assert.equal(ok.status, 200)
  }

  await withScreenshotOnFailure(page, 'affairs-seating', async () => {
    await page.getByRole('tab', { name: '座位编排' }).click()
    await page.getByTestId('run-seating').click()
    assert.match(await page.getByTestId('seating-result').innerText(), /已编排 2 人，未能编排 0 人/)
    const table = await page.getByTestId('seat-table').innerText()
    assert.match(table, /UI2026\d{6}/)
    assert.match(table, /520102\*{8}/)
  })

  await withScreenshotOnFailure(page, 'affairs-conflict', async () => {
    await page.getByRole('tab', { name: '场次与人员' }).click()
    const sessionId = (await api(server.url, 'GET', `/api/plans/${planId}`, { token: staff })).body.sessions[0].id
    await choose(page, `person-${sessionId}`, '李考评')
    await page.getByTestId(`work-unit-${sessionId}`).fill('贵阳供电局')
    await page.getByTestId(`qualification-${sessionId}`).fill('KP-52-0001')
    await page.getByTestId(`assign-${sessionId}`).click()
    const refusal = await page.getByTestId(`assign-refused-${sessionId}`).innerText()
    assert.match(refusal, /回避/)
    assert.match(refusal, /贵阳供电局/)
    await page.getByTestId(`work-unit-${sessionId}`).fill('毕节供电局')
    await page.getByTestId(`assign-${sessionId}`).click()
    await page.getByTestId(`session-${sessionId}`).getByText('毕节供电局').waitFor()
  })

  await withScreenshotOnFailure(page, 'affairs-usage', async () => {
    await page.getByRole('tab', { name: '使用统计' }).click()
    await page.getByTestId('usage-chart').waitFor()
    const value = async (k) => (await page.getByTestId(`usage-${k}`).innerText()).replace(/\D+/g, ' ').trim()
    assert.match(await value('registered'), /\b2$/)
    assert.match(await value('approved'), /\b2$/)
    assert.match(await value('seated'), /\b2$/)
    assert.match(await value('absent'), /\b0$/)
    const bars = await page.locator('[data-testid="usage-chart"] rect').evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('data-value'))))
    assert.deepEqual(bars, [2, 2, 2, 0, 0])
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('usage-export').click()])
    const csv = (await import('node:fs')).readFileSync(await download.path(), 'utf8')
    assert.match(csv, /registered=2,approved=2,seated=2/)
  })

  await withScreenshotOnFailure(page, 'affairs-phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 })
    await page.reload()
    await page.getByTestId('plan-detail').waitFor()
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    assert.ok(overflow <= 0, `the plan page is ${overflow}px wider than the phone`)
  })
  errors.assertNone()
})
