// Issue 2: the first admin signs in, is made to change the password, edits the
// organisation profile, and the public page shows the change — with JavaScript on and off.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { launchBrowser } from './lib/browser.mjs'
import { startProctor } from './lib/proctor.mjs'
import { signIn, trackPageErrors, withScreenshotOnFailure } from './lib/ui.mjs'

test('admin changes the forced password, edits the organisation profile, public page shows it', { timeout: 180_000 }, async (t) => {
  const server = await startProctor()
  t.after(() => server.stop())
  const browser = await launchBrowser()
  t.after(() => browser.close())

  const context = await browser.newContext({ viewport: { width: 1366, height: 860 }, locale: 'zh-CN' })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const pageErrors = trackPageErrors(page)

  const stamp = Date.now().toString(36)
  const profile = {
    name: `E2E 测试职业技能等级认定中心 ${stamp}`,
    accreditation_no: `Y-${stamp}`,
    address: '北京市海淀区中关村南大街 5 号',
    contact_phone: '010-6666 8888',
    contact_email: 'kaowu@example.org',
    website: 'https://skills.example.org',
    // Markup in the text must come back as text, not as HTML.
    introduction: `本中心承担电工、焊工等职业的技能等级认定。<b>bold-${stamp}</b> & “引号”`,
  }
  const newPassword = 'Brand-New-Passw0rd-9'

  await withScreenshotOnFailure(page, 'admin-profile', async () => {
    // The SPA sends a visitor without a session to the sign-in page.
    await page.goto(`${server.url}/app/`)
    await page.waitForURL('**/app/login**')

    // A wrong password shows the server's structured message, in Chinese by default.
    await page.getByTestId('login-username').fill('admin')
    await page.getByTestId('login-password').fill('not-the-password-1')
    await page.getByTestId('login-submit').click()
    const loginError = page.getByTestId('login-error')
    await loginError.waitFor()
    assert.match(await loginError.innerText(), /[\u4e00-\u9fff]/, 'the error is shown in Chinese')

    // The first sign-in lands on the forced password change, and nowhere else is reachable.
    await page.getByTestId('login-password').fill(server.adminPassword)
    await page.getByTestId('login-submit').click()
    await page.waitForURL('**/app/change-password')
    await page.getByTestId('forced-notice').waitFor()
    await page.goto(`${server.url}/app/admin/org`)
    await page.waitForURL('**/app/change-password')

    await page.getByTestId('password-current').fill(server.adminPassword)
    await page.getByTestId('password-new').fill(newPassword)
    await page.getByTestId('password-confirm').fill(newPassword)
    await page.getByTestId('password-submit').click()
    await page.waitForURL('**/app/admin')
    assert.equal(await page.getByTestId('dashboard-username').innerText(), 'admin')

    // Edit the organisation profile through the side menu.
    await page.getByTestId('nav-org').click()
    await page.waitForURL('**/app/admin/org')
    const nameInput = page.getByTestId('org-name')
    // Typing before the stored profile arrives would be overwritten by it.
    await page.locator('[data-testid=org-profile][data-loading=false]').waitFor()
    for (const [field, testId] of [
      ['name', 'org-name'],
      ['accreditation_no', 'org-accreditation-no'],
      ['address', 'org-address'],
      ['contact_phone', 'org-contact-phone'],
      ['contact_email', 'org-contact-email'],
      ['website', 'org-website'],
      ['introduction', 'org-introduction'],
    ]) {
      await page.getByTestId(testId).fill(profile[field])
    }
    const saved = page.waitForResponse((r) => r.url().endsWith('/api/org') && r.request().method() === 'PUT')
    await page.getByTestId('org-save').click()
    const response = await saved
    assert.equal(response.status(), 200, `PUT /api/org answered ${response.status()}: ${await response.text()}`)
    const body = await response.json()
    for (const [field, value] of Object.entries(profile)) assert.equal(body[field], value, `saved ${field}`)

    // The edit survives a reload (it came from the server, not from the form's memory).
    await page.reload()
    await nameInput.waitFor()
    await page.waitForFunction(
      (expected) => document.querySelector('[data-testid=org-name]')?.value === expected,
      profile.name,
    )

    // The public page shows the new profile.
    await page.goto(`${server.url}/`)
    const publicText = await page.locator('body').innerText()
    for (const field of ['name', 'accreditation_no', 'address', 'contact_phone', 'introduction']) {
      assert.ok(publicText.includes(profile[field]), `public page shows ${field}: ${profile[field]}`)
    }
    assert.equal(await page.locator('b', { hasText: `bold-${stamp}` }).count(), 0, 'markup in the profile is escaped')

    // The audit log lists the password change and the profile edit.
    await page.goto(`${server.url}/app/admin/audit`)
    const audit = page.getByTestId('audit-table')
    await audit.getByText('修改机构信息').first().waitFor()
    await audit.getByText('修改本人密码').first().waitFor()
  })

  // The same public page without JavaScript: it is rendered on the server.
  const noJs = await browser.newContext({ javaScriptEnabled: false, locale: 'zh-CN' })
  t.after(() => noJs.close())
  const plain = await noJs.newPage()
  await withScreenshotOnFailure(plain, 'public-no-js', async () => {
    const res = await plain.goto(`${server.url}/`)
    assert.equal(res.status(), 200)
    assert.match(res.headers()['content-type'] ?? '', /text\/html/)
    const text = await plain.locator('body').innerText()
    assert.ok(text.includes(profile.name), 'no-JS public page shows the new name')
    assert.ok(text.includes(profile.introduction), 'no-JS public page shows the introduction as text')
    assert.ok((await plain.locator('a[href^="/app"]').count()) > 0, 'no-JS public page links to sign-in')
  })

  // Signing out and back in: the old password is refused, the new one goes straight in.
  await withScreenshotOnFailure(page, 'admin-relogin', async () => {
    await page.goto(`${server.url}/app/admin`)
    await page.getByTestId('account-menu').click()
    await page.getByTestId('menu-logout').click()
    await page.waitForURL('**/app/login**')
    await signIn(page, server.url, 'admin', server.adminPassword)
    await page.getByTestId('login-error').waitFor()
    await signIn(page, server.url, 'admin', newPassword)
    await page.waitForURL('**/app/admin')
    await page.getByTestId('dashboard').waitFor()
  })

  pageErrors.assertNone()
})
