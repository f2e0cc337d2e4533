// Issue 2: the interface is Chinese by default, switches to English from the header, keeps
// the choice across reloads, and shows the server's error messages in the chosen language.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { launchBrowser } from './lib/browser.mjs'
import { retireInitialAdminPassword, startProctor } from './lib/proctor.mjs'
import { signIn, trackPageErrors, withScreenshotOnFailure } from './lib/ui.mjs'

test('language switch changes the interface and server messages, and is remembered', { timeout: 120_000 }, async (t) => {
  const server = await startProctor()
  t.after(() => server.stop())
  const password = await retireInitialAdminPassword(server)
  const browser = await launchBrowser()
  t.after(() => browser.close())
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 860 }, locale: 'en-US' })).newPage()
  page.setDefaultTimeout(15_000)
  const pageErrors = trackPageErrors(page)

  await withScreenshotOnFailure(page, 'language', async () => {
    // Chinese by default, whatever the browser's language.
    await signIn(page, server.url, 'admin', password)
    await page.waitForURL('**/app/admin')
    assert.equal((await page.getByTestId('nav-users').innerText()).trim(), '用户管理')

    await page.getByTestId('language-switch').click()
    await page.getByTestId('language-en').click()
    await page.waitForFunction(() => document.querySelector('[data-testid=nav-users]')?.textContent?.trim() === 'Users')
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en')

    await page.reload()
    await page.getByTestId('dashboard').waitFor()
    assert.equal((await page.getByTestId('nav-users').innerText()).trim(), 'Users', 'English kept after reload')

    // A server error is shown with its English message.
    await page.getByTestId('account-menu').click()
    await page.getByTestId('menu-logout').click()
    await page.waitForURL('**/app/login**')
    await signIn(page, server.url, 'admin', 'wrong-passw0rd-x')
    const error = page.getByTestId('login-error')
    await error.waitFor()
    const text = await error.innerText()
    assert.match(text, /[A-Za-z]{3}/, 'English message')
    assert.doesNotMatch(text, /[\u4e00-\u9fff]/, 'no Chinese in the English message')
  })

  pageErrors.assertNone()
})
