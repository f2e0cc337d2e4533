// Issue 7, through the web app: staff return a registration with a reason on the review page;
// the candidate, on a phone, sees the reason on "My exams", uploads the portrait (with a
// progress bar), corrects the work unit and resubmits; staff approve; after seating the
// candidate downloads the ticket, whose PDF text has the name and the ticket number.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { launchBrowser } from './lib/browser.mjs'
import { api, startProctor } from './lib/proctor.mjs'
import { STAFF_PASSWORD, idNumber, portraitPng, prepare } from './lib/registration.mjs'
import { signIn, trackPageErrors, withScreenshotOnFailure } from './lib/ui.mjs'

test('staff return, candidate corrects on a phone, staff approve, ticket downloads', { timeout: 240_000 }, async (t) => {
  const server = await startProctor()
  t.after(() => server.stop())
  const { staff, planId } = await prepare(server)
  const phone = '13911112222'
  const reg = await api(server.url, 'POST', `/api/plans/${planId}/registrations`, {
    body: {
      name: '欧阳娜娜', gender: 'female', id_type: 'resident_id', id_number: idNumber('52010219900315001'),
      birth_date: '1990-03-15', phone, education: '大专', work_unit: '贵阳供电局', years_in_occupation: 6,
      declared_level: 3, password: 'Candidate-2026', consent: true,
    },
  })
  assert.equal(reg.status, 201, JSON.stringify(reg.body))
  const regId = reg.body.registration_id

  const browser = await launchBrowser()
  t.after(() => browser.close())
  const staffPage = await (await browser.newContext({ viewport: { width: 1366, height: 860 }, locale: 'zh-CN' })).newPage()
  const candContext = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN', acceptDownloads: true,
  })
  const candPage = await candContext.newPage()
  for (const p of [staffPage, candPage]) p.setDefaultTimeout(15_000)
  const staffErrors = trackPageErrors(staffPage)
  const candErrors = trackPageErrors(candPage)

  await withScreenshotOnFailure(staffPage, 'review-reject', async () => {
    await signIn(staffPage, server.url, 'kw.staff', STAFF_PASSWORD)
    await staffPage.waitForURL('**/app/staff')
    await staffPage.goto(`${server.url}/app/staff/registration`)
    await staffPage.getByTestId(`reject-${regId}`).click()
    await staffPage.locator('.el-message-box input').fill('工作单位须填写全称')
    await staffPage.locator('.el-message-box .el-button--primary').click()
    await staffPage.getByTestId(`approve-${regId}`).waitFor({ state: 'detached' })
    const row = await staffPage.getByTestId('registration-table').innerText()
    assert.match(row, /520102\*{8}/)
    assert.match(row, /已驳回/)
  })

  await withScreenshotOnFailure(candPage, 'candidate-correct', async () => {
    await signIn(candPage, server.url, phone, 'Candidate-2026')
    await candPage.waitForURL('**/app/candidate')
    await candPage.goto(`${server.url}/app/candidate/exams`)
    assert.match(await candPage.getByTestId(`reason-${regId}`).innerText(), /工作单位须填写全称/)
    assert.match(await candPage.getByTestId(`status-${regId}`).innerText(), /已驳回/)
    await candPage.getByTestId(`upload-${regId}-photo`).setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: portraitPng() })
    await candPage.locator('.el-message--success').waitFor()
    await candPage.getByTestId('correct').click()
    await candPage.getByTestId('edit-work-unit').fill('贵州电网有限责任公司贵阳供电局')
    await candPage.getByTestId('resubmit').click()
    await candPage.waitForFunction((id) => document.querySelector(`[data-testid="status-${id}"]`)?.textContent?.includes('待审核'), regId)
    const overflow = await candPage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`)
  })

  await withScreenshotOnFailure(staffPage, 'review-approve', async () => {
    await staffPage.reload()
    await staffPage.getByTestId(`approve-${regId}`).click()
    await staffPage.getByTestId(`approve-${regId}`).waitFor({ state: 'detached' })
    assert.match(await staffPage.getByTestId('registration-table').innerText(), /审核通过/)
  })
  assert.equal((await api(server.url, 'POST', `/api/plans/${planId}/seating`, { token: staff, body: {} })).body.seated, 1)

  await withScreenshotOnFailure(candPage, 'candidate-ticket', async () => {
    await candPage.reload()
    const ticketNo = (await candPage.getByTestId('ticket-no').innerText()).trim()
    assert.ok(ticketNo.startsWith('E2E2026'), ticketNo)
    const [download] = await Promise.all([candPage.waitForEvent('download'), candPage.getByTestId('ticket-download').click()])
    const path = await download.path()
    assert.ok(readFileSync(path).subarray(0, 5).toString() === '%PDF-')
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', path, '-'], { encoding: 'utf8' })
    assert.ok(text.includes('欧阳娜娜') && text.includes(ticketNo), text)
  })
  staffErrors.assertNone()
  candErrors.assertNone()
})
