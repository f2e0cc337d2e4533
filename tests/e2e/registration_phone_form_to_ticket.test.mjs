// Issue 7: a candidate registers on a phone-sized screen through the server-rendered form
// (photo and a PDF diploma attached) — once with JavaScript on and once with it off; staff
// reject with a reason, the candidate corrects and resubmits, staff approve and seat; the
// public notice shows the masked entry and its name search works without script; the
// candidate's ticket PDF carries the name and ticket number (read back with pdftotext).
//
// The staff steps and the candidate's correction go through the JSON API: their Vue pages do
// not exist yet, and the API is what those pages will call.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32, deflateSync } from 'node:zlib'
import { launchBrowser } from './lib/browser.mjs'
import { api, retireInitialAdminPassword, startProctor } from './lib/proctor.mjs'
import { trackPageErrors, withScreenshotOnFailure } from './lib/ui.mjs'

/** A 300×400 portrait on a plain light background: the ID-photo standard. */
function portraitPng() {
  const [w, h] = [300, 400]
  const raw = Buffer.alloc((w * 3 + 1) * h)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dark = (x - 150) ** 2 + (y - 170) ** 2 < 70 * 70 || (y > 260 && x >= 60 && x < 240)
      raw.set(dark ? [80, 60, 50] : [245, 245, 250], y * (w * 3 + 1) + 1 + x * 3)
    }
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const td = Buffer.concat([Buffer.from(type), data])
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(td))
    return Buffer.concat([len, td, crc])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr.set([8, 2, 0, 0, 0], 8)
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/** The GB 11643 check character of 17 digits. */
function idNumber(first17) {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * weights[i], 0)
  return first17 + '10X98765432'[sum % 11]
}

async function prepare(server) {
  const adminPw = await retireInitialAdminPassword(server)
  const admin = (await api(server.url, 'POST', '/api/auth/login', { body: { username: 'admin', password: adminPw } })).body.token
  const created = await api(server.url, 'POST', '/api/users', {
    token: admin,
    body: { username: 'kw.staff', display_name: '考务员', role: 'staff', password: 'Temporary-2026' },
  })
  assert.equal(created.status, 201)
  const first = (await api(server.url, 'POST', '/api/auth/login', { body: { username: 'kw.staff', password: 'Temporary-2026' } })).body.token
  const staff = (await api(server.url, 'POST', '/api/auth/password', {
    token: first,
    body: { current_password: 'Temporary-2026', new_password: 'Staff-pass-2026' },
  })).body.token
  const now = Date.now()
  const plan = await api(server.url, 'POST', '/api/plans', {
    token: staff,
    body: {
      code: 'E2E2026',
      title: '2026年第四季度电工职业技能等级认定',
      occupation_code: '6-31-01-03',
      occupation_name: '电工',
      level: 3,
      registration_opens_at: new Date(now - 86_400_000).toISOString(),
      registration_closes_at: new Date(now + 10 * 86_400_000).toISOString(),
      realname_policy: 'warn',
      subjects: [{ kind: 'skill', name: '操作技能', weight_pct: 100, pass_score_centi: 6000 }],
    },
  })
  assert.equal(plan.status, 201, JSON.stringify(plan.body))
  const planId = plan.body.id
  assert.equal((await api(server.url, 'POST', `/api/plans/${planId}/transition`, { token: staff, body: { to: 'open' } })).status, 200)
  const site = await api(server.url, 'POST', '/api/sites', { token: staff, body: { name: '贵阳考点', address: '贵阳市观山湖区' } })
  const room = await api(server.url, 'POST', `/api/sites/${site.body.id}/rooms`, { token: staff, body: { name: '第一考场', seats: 30 } })
  const session = await api(server.url, 'POST', `/api/plans/${planId}/sessions`, {
    token: staff,
    body: { name: '第一场', starts_at: '2026-12-20T09:00:00+08:00', ends_at: '2026-12-20T11:00:00+08:00', room_id: room.body.id },
  })
  assert.equal(session.status, 201)
  return { staff, planId }
}

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
