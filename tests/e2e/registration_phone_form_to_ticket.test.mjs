// Issue 7: a candidate registers on a phone-sized screen through the server-rendered form
// (photo and a PDF diploma attached) — once with JavaScript on and once with it off; staff
// reject with a reason, the candidate corrects and resubmits, staff approve and seat; the
// public notice shows the masked entry and its name search works without script; the
// candidate's ticket PDF carries the name and ticket number (read back with pdftotext).
//
// Here the staff steps and the candidate's correction go through the JSON API; the same loop
// through the Vue pages is registration_vue_pages_review_loop.test.mjs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { launchBrowser } from './lib/browser.mjs'
import { api, startProctor } from './lib/proctor.mjs'
import { idNumber, portraitPng, prepare } from './lib/registration.mjs'
import { trackPageErrors, withScreenshotOnFailure } from './lib/ui.mjs'

async function scenario(t, javaScriptEnabled) {
  const server = await startProctor()
  t.after(() => server.stop())
  const { staff, planId } = await prepare(server)
  const browser = await launchBrowser()
  t.after(() => browser.close())
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    javaScriptEnabled,
  })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const pageErrors = trackPageErrors(page)
  const id = idNumber('52010219900315001')
  const phone = '13912345678'

  await withScreenshotOnFailure(page, `registration-js-${javaScriptEnabled}`, async () => {
    // The entry page lists the plan; the form is one column on the phone.
    await page.goto(`${server.url}/register`)
    await page.click(`a[href="/register/${planId}"]`)
    await page.waitForURL(`**/register/${planId}`)
    await page.fill('#name', '欧阳娜娜')
    await page.selectOption('#gender', 'female')
    await page.fill('#id_number', id)
    await page.fill('#birth_date', '1990-03-15')
    await page.fill('#phone', phone)
    await page.fill('#education', '大专')
    await page.fill('#work_unit', '贵阳供电局')
    await page.fill('#years_in_occupation', '6')
    await page.fill('#password', 'Candidate-2026')
    await page.setInputFiles('#file-photo', { name: 'photo.png', mimeType: 'image/png', buffer: portraitPng() })
    await page.setInputFiles('#file-diploma', { name: 'diploma.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% diploma\n') })
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth).catch(() => 0)
    assert.ok(overflow <= 0, `form is ${overflow}px wider than the phone`)

    // Forgetting the consent brings the form back with the reason and the values kept.
    await page.click('button[type="submit"]')
    await page.locator('#form-error').waitFor()
    assert.match(await page.locator('#form-error').innerText(), /须阅读并同意/)
    assert.equal(await page.inputValue('#name'), '欧阳娜娜')
    await page.fill('#password', 'Candidate-2026')
    await page.setInputFiles('#file-photo', { name: 'photo.png', mimeType: 'image/png', buffer: portraitPng() })
    await page.setInputFiles('#file-diploma', { name: 'diploma.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% diploma\n') })
    await page.check('input[name="consent"]')
    await page.click('button[type="submit"]')
    await page.waitForURL(`**/register/${planId}/done`)
    await page.locator('#registered').waitFor()
  })

  // Staff see the registration masked, reject it with a reason.
  const list = await api(server.url, 'GET', `/api/plans/${planId}/registrations`, { token: staff })
  assert.equal(list.body.length, 1)
  const reg = list.body[0]
  assert.equal(reg.id_number, `520102********${id.slice(14)}`)
  assert.deepEqual(reg.files.map((f) => f.kind), ['diploma', 'photo'])
  const reject = await api(server.url, 'POST', `/api/registrations/${reg.id}/review`, {
    token: staff,
    body: { decision: 'reject', reason: '工作单位须填写全称' },
  })
  assert.equal(reject.status, 200)

  // The candidate sees the reason, corrects and resubmits.
  const cand = (await api(server.url, 'POST', '/api/auth/login', { body: { username: phone, password: 'Candidate-2026' } })).body.token
  const mine = await api(server.url, 'GET', '/api/me/registrations', { token: cand })
  assert.equal(mine.body[0].review_reason, '工作单位须填写全称')
  const { id: _id, plan_id: _p, status: _s, review_reason: _r, reviewed_at: _ra, realname_result: _rr, warnings: _w, ticket_no: _t,
    session_id: _si, seat_no: _sn, attendance: _a, consent_at: _c, files: _f, created_at: _ca, updated_at: _u, ...form } = mine.body[0]
  const resubmit = await api(server.url, 'PUT', `/api/registrations/${reg.id}`, {
    token: cand,
    body: { ...form, work_unit: '贵州电网有限责任公司贵阳供电局' },
  })
  assert.equal(resubmit.status, 200, JSON.stringify(resubmit.body))

  // Staff approve and seat.
  assert.equal((await api(server.url, 'POST', `/api/registrations/${reg.id}/review`, { token: staff, body: { decision: 'approve' } })).status, 200)
  assert.equal((await api(server.url, 'POST', `/api/plans/${planId}/seating`, { token: staff, body: {} })).body.seated, 1)

  // The public notice shows the masked entry; the name search is a plain GET form.
  await withScreenshotOnFailure(page, `notice-js-${javaScriptEnabled}`, async () => {
    await page.goto(`${server.url}/notice/${planId}`)
    const notice = await page.locator('#notice').innerText()
    assert.match(notice, /欧阳娜娜/)
    assert.ok(notice.includes(`520102********${id.slice(14)}`), notice)
    assert.ok(!notice.includes(id), 'the clear ID number is never shown')
    await page.fill('#q', '王')
    await page.click('form button[type="submit"]')
    await page.waitForURL('**/notice/*?q=*')
    assert.doesNotMatch(await page.locator('#notice').innerText(), /欧阳娜娜/)
  })
  pageErrors.assertNone()

  // The candidate's ticket: the PDF's text has the name and the ticket number.
  const me = await api(server.url, 'GET', `/api/registrations/${reg.id}`, { token: cand })
  const ticketNo = me.body.ticket_no
  assert.ok(ticketNo)
  const res = await fetch(`${server.url}/api/registrations/${reg.id}/ticket.pdf`, { headers: { Authorization: `Bearer ${cand}` } })
  assert.equal(res.status, 200)
  const dir = mkdtempSync(join(tmpdir(), 'ticket-'))
  writeFileSync(join(dir, 't.pdf'), Buffer.from(await res.arrayBuffer()))
  const text = execFileSync('pdftotext', ['-enc', 'UTF-8', join(dir, 't.pdf'), '-'], { encoding: 'utf8' })
  assert.ok(text.includes('欧阳娜娜') && text.includes(ticketNo), text)
}

test('a candidate registers on a phone with JavaScript on and gets a ticket', { timeout: 180_000 }, (t) => scenario(t, true))
test('the same registration works with JavaScript off', { timeout: 180_000 }, (t) => scenario(t, false))
