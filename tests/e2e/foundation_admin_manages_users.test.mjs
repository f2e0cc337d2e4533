// Issue 2: the admin creates an exam-affairs staff account; the new user must change the
// password, sees the staff menu (not the admin one) and cannot open admin pages; once the
// admin disables the account it can no longer sign in.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { launchBrowser } from './lib/browser.mjs'
import { retireInitialAdminPassword, startProctor } from './lib/proctor.mjs'
import { signIn, trackPageErrors, withScreenshotOnFailure } from './lib/ui.mjs'

test('admin creates a staff account, staff gets the staff area, disabled staff cannot sign in', { timeout: 180_000 }, async (t) => {
  const server = await startProctor()
  t.after(() => server.stop())
  const adminPassword = await retireInitialAdminPassword(server)
  const browser = await launchBrowser()
  t.after(() => browser.close())
  const pageErrors = []
  const newPage = async () => {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 860 }, locale: 'zh-CN' })
    const page = await ctx.newPage()
    page.setDefaultTimeout(15_000)
    pageErrors.push(trackPageErrors(page))
    return page
  }

  const admin = await newPage()
  const staffInitial = 'Staff-First-Passw0rd'
  const staffPassword = 'Staff-Own-Passw0rd-2'

  await withScreenshotOnFailure(admin, 'admin-creates-user', async () => {
    await signIn(admin, server.url, 'admin', adminPassword)
    await admin.waitForURL('**/app/admin')
    await admin.getByTestId('nav-users').click()
    await admin.getByTestId('user-table').waitFor()

    await admin.getByTestId('user-create').click()
    await admin.getByTestId('user-form-username').fill('kaowu01')
    await admin.getByTestId('user-form-display-name').fill('王考务')
    await admin.getByTestId('user-form-role').click()
    await admin.locator('.el-select-dropdown__item:visible', { hasText: '考务人员' }).click()
    await admin.getByTestId('user-form-password').fill(staffInitial)
    const created = admin.waitForResponse((r) => r.url().endsWith('/api/users') && r.request().method() === 'POST')
    await admin.getByTestId('user-form-submit').click()
    assert.equal((await created).status(), 201)
    await admin.locator('[data-testid=user-table] tr', { hasText: 'kaowu01' }).waitFor()

    // The same username again is refused by the server, and the form says so.
    await admin.getByTestId('user-create').click()
    await admin.getByTestId('user-form-username').fill('kaowu01')
    await admin.getByTestId('user-form-display-name').fill('重复')
    await admin.getByTestId('user-form-password').fill(staffInitial)
    const refused = admin.waitForResponse((r) => r.url().endsWith('/api/users') && r.request().method() === 'POST')
    await admin.getByTestId('user-form-submit').click()
    const refusal = await refused
    assert.ok(refusal.status() >= 400 && refusal.status() < 500, `duplicate answered ${refusal.status()}`)
    const shown = admin.locator('.el-dialog .el-form-item__error, .el-message--error').first()
    await shown.waitFor()
    assert.equal((await shown.innerText()).trim(), (await refusal.json()).message.zh)
    await admin.keyboard.press('Escape')
  })

  const staff = await newPage()
  await withScreenshotOnFailure(staff, 'staff-first-login', async () => {
    await signIn(staff, server.url, 'kaowu01', staffInitial)
    await staff.waitForURL('**/app/change-password')
    await staff.getByTestId('password-current').fill(staffInitial)
    await staff.getByTestId('password-new').fill(staffPassword)
    await staff.getByTestId('password-confirm').fill(staffPassword)
    await staff.getByTestId('password-submit').click()
    await staff.waitForURL('**/app/staff')
    assert.equal((await staff.getByTestId('dashboard-role').innerText()).trim(), '考务人员')
    assert.ok(await staff.getByTestId('nav-org').isVisible(), 'staff menu has the organisation profile')
    assert.equal(await staff.getByTestId('nav-users').count(), 0, 'staff menu has no user management')

    await staff.goto(`${server.url}/app/admin/users`)
    await staff.waitForURL('**/app/forbidden')

    // The arrangement overview lists the exam sessions (none yet on a fresh platform).
    await staff.getByTestId('nav-arrangement').click()
    await staff.getByTestId('sessions-overview').waitFor()
    assert.equal(await staff.getByTestId('sessions-row').count(), 0)

    // Staff may edit the organisation profile too.
    await staff.getByTestId('nav-org').click()
    await staff.waitForURL('**/app/staff/org')
    // Typing before the stored profile arrives would be overwritten by it.
    await staff.locator('[data-testid=org-profile][data-loading=false]').waitFor()
    await staff.getByTestId('org-name').fill('考务人员维护的鉴定中心')
    const saved = staff.waitForResponse((r) => r.url().endsWith('/api/org') && r.request().method() === 'PUT')
    await staff.getByTestId('org-save').click()
    assert.equal((await saved).status(), 200)
  })

  await withScreenshotOnFailure(admin, 'admin-disables-user', async () => {
    await admin.getByTestId('user-toggle-kaowu01').click()
    const patched = admin.waitForResponse((r) => /\/api\/users\/[^/]+$/.test(r.url()) && r.request().method() === 'PATCH')
    await admin.locator('.el-message-box__btns .el-button--primary').click()
    assert.equal((await patched).status(), 200)
    await admin.locator('[data-testid=user-table] tr', { hasText: 'kaowu01' }).getByText('已停用').waitFor()
  })

  await withScreenshotOnFailure(staff, 'disabled-staff-login', async () => {
    // Disabling revoked the open session: the next signed-in call sends staff to sign-in.
    await staff.getByTestId('nav-audit').click()
    await staff.waitForURL('**/app/login?**expired=1**')
    assert.equal(await staff.evaluate(() => localStorage.getItem('proctor.token')), null)
    await signIn(staff, server.url, 'kaowu01', staffPassword)
    await staff.getByTestId('login-error').waitFor()
    assert.match(staff.url(), /\/app\/login/)
  })

  for (const tracked of pageErrors) tracked.assertNone()
})
