// Issue 7: the progress bar of a material upload really moves. The browser's uplink is
// throttled through the DevTools protocol (Network.emulateNetworkConditions on a CDP
// session of playwright-core), a 6 MB diploma goes up from "My exams", and the test samples
// the bar while it is on screen: it must pass through several values between 0 and 100
// before the upload completes and the file shows as uploaded.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { launchBrowser } from './lib/browser.mjs'
import { api, startProctor } from './lib/proctor.mjs'
import { idNumber, prepare } from './lib/registration.mjs'
import { signIn, trackPageErrors, withScreenshotOnFailure } from './lib/ui.mjs'

const SIZE = 6 * 1024 * 1024
const UPLINK_BYTES_PER_SEC = 1_500_000

test('the upload progress bar moves while a large material goes up over a slow link', { timeout: 180_000 }, async (t) => {
  const server = await startProctor()
  t.after(() => server.stop())
  const { planId } = await prepare(server)
  const phone = '13922223333'
  const reg = await api(server.url, 'POST', `/api/plans/${planId}/registrations`, {
    body: {
      name: '慢网考生', gender: 'male', id_type: 'resident_id', id_number: idNumber('52010219900315001'),
      birth_date: '1990-03-15', phone, education: '大专', work_unit: '贵阳供电局', years_in_occupation: 6,
      declared_level: 3, password: 'Candidate-2026', consent: true,
    },
  })
  assert.equal(reg.status, 201, JSON.stringify(reg.body))
  const regId = reg.body.registration_id

  const browser = await launchBrowser()
  t.after(() => browser.close())
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' })
  const page = await context.newPage()
  page.setDefaultTimeout(20_000)
  const errors = trackPageErrors(page)

  await withScreenshotOnFailure(page, 'upload-progress', async () => {
    await signIn(page, server.url, phone, 'Candidate-2026')
    await page.waitForURL('**/app/candidate')
    await page.goto(`${server.url}/app/candidate/exams`)
    await page.getByTestId(`upload-${regId}-diploma`).waitFor({ state: 'attached' })

    const cdp = await context.newCDPSession(page)
    await cdp.send('Network.enable')
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: 40, downloadThroughput: -1, uploadThroughput: UPLINK_BYTES_PER_SEC,
    })

    // A PDF by its magic bytes, big enough to take seconds on the throttled link.
    const pdf = Buffer.alloc(SIZE, 0x20)
    pdf.write('%PDF-1.4\n', 0)
    const started = Date.now()
    await page.getByTestId(`upload-${regId}-diploma`).setInputFiles({ name: 'diploma.pdf', mimeType: 'application/pdf', buffer: pdf })

    // Sample the bar's value in the page until it goes away (upload finished).
    const seen = await page.evaluate(async (key) => {
      const values = []
      const deadline = Date.now() + 120_000
      let appeared = false
      while (Date.now() < deadline) {
        const el = document.querySelector(`[data-testid="progress-${key}"]`)
        const bar = el && (el.matches('[role="progressbar"]') ? el : el.querySelector('[role="progressbar"]'))
        if (bar) {
          appeared = true
          values.push(Number(bar.getAttribute('aria-valuenow')))
        } else if (appeared) {
          break
        }
        await new Promise((r) => setTimeout(r, 100))
      }
      return values
    }, `${regId}-diploma`)
    const elapsed = Date.now() - started
    await page.locator('.el-message--success').waitFor()
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })

    const between = [...new Set(seen.filter((v) => v > 0 && v < 100))]
    assert.ok(between.length >= 3, `progress passed through ${JSON.stringify(between)} (samples ${seen.length}, ${elapsed} ms)`)
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1], `progress never goes back: ${seen}`)
    assert.ok(elapsed >= (SIZE / UPLINK_BYTES_PER_SEC) * 1000 * 0.6, `the link was throttled (${elapsed} ms)`)

    const mine = await page.evaluate(async () => {
      const res = await fetch('/api/me/registrations', { headers: { Authorization: `Bearer ${localStorage.getItem('proctor.token')}` } })
      return res.json()
    })
    const diploma = mine[0].files.find((f) => f.kind === 'diploma')
    assert.equal(diploma.size_bytes, SIZE)
  })
  errors.assertNone()
})
