// Issue 7: a candidate who registered once registers for a second plan without typing their
// details again — on the SPA (phone width: the form comes filled in, one field is changed,
// the portrait is carried over) and on the no-JavaScript form (sign in on the plain page,
// the form comes filled in, submit).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { launchBrowser } from './lib/browser.mjs'
import { api, startProctor } from './lib/proctor.mjs'
import { idNumber, portraitPng, prepare } from './lib/registration.mjs'
import { signIn, trackPageErrors, withScreenshotOnFailure } from './lib/ui.mjs'

async function openPlan(server, staff, code) {
  const now = Date.now()
  const plan = await api(server.url, 'POST', '/api/plans', {
    token: staff,
    body: {
      code, title: `${code} 电工（三级）`, occupation_code: '6-31-01-03', occupation_name: '电工', level: 3,
      registration_opens_at: new Date(now - 86_400_000).toISOString(), registration_closes_at: new Date(now + 86_400_000 * 5).toISOString(),
      realname_policy: 'warn', subjects: [{ kind: 'skill', name: '操作技能', weight_pct: 100, pass_score_centi: 6000 }],
    },
  })
  assert.equal(plan.status, 201)
  assert.equal((await api(server.url, 'POST', `/api/plans/${plan.body.id}/transition`, { token: staff, body: { to: 'open' } })).status, 200)
  return plan.body.id
}

test('a second registration starts from the first, on the SPA and without JavaScript', { timeout: 240_000 }, async (t) => {
  const server = await startProctor()
  t.after(() => server.stop())
  const { staff, planId } = await prepare(server)
  const second = await openPlan(server, staff, 'SECOND1')
  const third = await openPlan(server, staff, 'THIRD1')
  const phone = '13933334444'
  const id = idNumber('52010219900315001')
  const reg = await api(server.url, 'POST', `/api/plans/${planId}/registrations`, {
    body: {
      name: '再报名', gender: 'female', id_type: 'resident_id', id_number: id, birth_date: '1990-03-15', phone,
      education: '本科', work_unit: '贵阳供电局', years_in_occupation: 8, declared_level: 3, password: 'Candidate-2026', consent: true,
    },
  })
  assert.equal(reg.status, 201)
  const form = new FormData()
  form.append('file', new Blob([portraitPng()], { type: 'image/png' }), 'photo.png')
  const up = await fetch(`${server.url}/api/registrations/${reg.body.registration_id}/files/photo`, {
    method: 'POST', headers: { Authorization: `Bearer ${reg.body.session.token}` }, body: form,
  })
  assert.equal(up.status, 201)

  const browser = await launchBrowser()
  t.after(() => browser.close())
  const page = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' })).newPage()
  page.setDefaultTimeout(15_000)
  const errors = trackPageErrors(page)

  await withScreenshotOnFailure(page, 'second-spa', async () => {
    await signIn(page, server.url, phone, 'Candidate-2026')
    await page.waitForURL('**/app/candidate')
    await page.goto(`${server.url}/app/candidate/exams`)
    await page.getByTestId('register-again-link').click()
    await page.getByTestId('prefilled-note').waitFor()
    assert.equal(await page.getByTestId('again-name').inputValue(), '再报名')
    assert.equal(await page.getByTestId('again-id-number').inputValue(), id)
    assert.equal(await page.getByTestId('again-phone').inputValue(), phone)
    await page.getByTestId('again-plan').click()
    await page.locator('.el-select-dropdown__item:visible', { hasText: 'SECOND1' }).click()
    await page.getByTestId('again-work-unit').fill('贵州电网有限责任公司')
    await page.getByTestId('again-submit').click()
    // Without consent the field says why.
    await page.getByText('须阅读并同意个人信息处理说明').waitFor()
    await page.getByTestId('again-consent').click()
    await page.getByTestId('again-submit').click()
    await page.waitForURL('**/app/candidate/exams')
    await page.locator('[data-testid^="registration-"]').nth(1).waitFor()
    assert.equal(await page.locator('.reg-card').count(), 2)
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`)
  })
  const mine = await api(server.url, 'GET', '/api/me/registrations', { token: reg.body.session.token })
  const spa = mine.body.find((r) => r.plan_id === second)
  assert.equal(spa.work_unit, '贵州电网有限责任公司')
  assert.equal(spa.years_in_occupation, 8)
  assert.ok(spa.files.some((f) => f.kind === 'photo'), 'the portrait is carried over')
  errors.assertNone()

  const plain = await (await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 }, locale: 'zh-CN' })).newPage()
  plain.setDefaultTimeout(15_000)
  await withScreenshotOnFailure(plain, 'second-nojs', async () => {
    await plain.goto(`${server.url}/register/${third}`)
    await plain.locator('#returning-link a').click()
    await plain.locator('#username').fill(phone)
    await plain.locator('#password').fill('Candidate-2026')
    await plain.getByRole('button', { name: /登录并继续/ }).click()
    await plain.locator('#returning-note').waitFor()
    assert.equal(await plain.locator('#name').inputValue(), '再报名')
    assert.equal(await plain.locator('#id_number').inputValue(), id)
    await plain.locator('#education').fill('研究生')
    await plain.locator('input[name="consent"]').check()
    await plain.getByRole('button', { name: /提交报名/ }).click()
    await plain.locator('#registered').waitFor()
  })
  const after = await api(server.url, 'GET', '/api/me/registrations', { token: reg.body.session.token })
  const nojs = after.body.find((r) => r.plan_id === third)
  assert.equal(nojs.education, '研究生')
  assert.equal(nojs.name, '再报名')
})
