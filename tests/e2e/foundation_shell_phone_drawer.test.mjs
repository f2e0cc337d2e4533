// Issue 2: the shell is usable on a phone — at 390×844 the side menu gives way to a drawer
// opened from the header, and the drawer's entries navigate; on a PC the side menu is back.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { launchBrowser } from './lib/browser.mjs'
import { retireInitialAdminPassword, startProctor } from './lib/proctor.mjs'
import { signIn, trackPageErrors, withScreenshotOnFailure } from './lib/ui.mjs'

test('on a phone-width screen the shell menu is a drawer', { timeout: 120_000 }, async (t) => {
  const server = await startProctor()
  t.after(() => server.stop())
  const password = await retireInitialAdminPassword(server)
  const browser = await launchBrowser()
  t.after(() => browser.close())

  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
  })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  const pageErrors = trackPageErrors(page)

  await withScreenshotOnFailure(page, 'phone-drawer', async () => {
    await signIn(page, server.url, 'admin', password)
    await page.waitForURL('**/app/admin')
    await page.getByTestId('dashboard').waitFor()

    // No side menu on a phone: the menu entries are hidden until the drawer opens.
    assert.equal(await page.getByTestId('side-menu').count(), 0, 'no side menu at phone width')
    assert.equal(await page.getByTestId('nav-users').isVisible(), false, 'menu entries hidden before opening')
    const toggle = page.getByTestId('menu-toggle')
    assert.ok(await toggle.isVisible(), 'menu button in the header')

    await toggle.click()
    const usersEntry = page.getByTestId('nav-users')
    await usersEntry.waitFor({ state: 'visible' })
    const box = await usersEntry.boundingBox()
    assert.ok(box && box.x < 390 && box.width <= 390, 'drawer entry lies within the phone screen')

    // Choosing an entry navigates and closes the drawer.
    await usersEntry.click()
    await page.waitForURL('**/app/admin/users')
    await page.getByTestId('user-table').waitFor()
    await page.getByTestId('nav-users').waitFor({ state: 'hidden' })

    // Nothing on the page is wider than the screen (no sideways scrolling of the frame).
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone screen`)

    // Back on a PC width the side menu returns.
    await page.setViewportSize({ width: 1366, height: 860 })
    await page.getByTestId('side-menu').waitFor({ state: 'visible' })
    assert.ok(await page.getByTestId('nav-org').isVisible(), 'side menu entries visible on PC')
  })

  pageErrors.assertNone()
})
