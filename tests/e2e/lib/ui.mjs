// Steps through the web app that several scenarios share. Selectors are the data-testid
// attributes the Vue components set (on Element Plus inputs they land on the <input>).
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export async function signIn(page, baseUrl, username, password) {
  await page.goto(`${baseUrl}/app/login`)
  await page.getByTestId('login-username').fill(username)
  await page.getByTestId('login-password').fill(password)
  await page.getByTestId('login-submit').click()
}

/** Runs `body`; on failure saves a screenshot beside the error so a red CI run shows the page. */
export async function withScreenshotOnFailure(page, name, body) {
  try {
    return await body()
  } catch (e) {
    const path = join(tmpdir(), `proctor-e2e-${name}-${Date.now()}.png`)
    await page.screenshot({ path, fullPage: true }).catch(() => {})
    e.message += `\n(screenshot: ${path}; page: ${page.url()})`
    throw e
  }
}

/**
 * Collects uncaught page errors and console errors (an i18n message that fails to compile,
 * a render error) so a scenario fails on them even when the page still looks usable.
 * Failed HTTP responses are left out: scenarios provoke 401s and 4xx on purpose.
 */
export function trackPageErrors(page) {
  const errors = []
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(`console: ${m.text()}`)
  })
  return {
    errors,
    assertNone() {
      if (errors.length) throw new Error(`errors in the page:\n${errors.join('\n')}`)
    },
  }
}
