// The common start of the browser tests with a camera: the real `proctor serve` (with `env`),
// Debian Chromium whose fake camera plays a face, and the admin's token; all closed after `t`.
import { api, retireInitialAdminPassword, startProctor } from './proctor.mjs'
import { launchChromium, makeFaceY4m } from '../media/harness.mjs'

export async function cameraScenario(t, env = {}) {
  const server = await startProctor({ env })
  t.after(() => server.stop())
  const y4m = await makeFaceY4m()
  t.after(() => y4m.cleanup())
  const browser = await launchChromium(y4m.file)
  t.after(() => browser.close())
  const adminPassword = await retireInitialAdminPassword(server)
  const login = await api(server.url, 'POST', '/api/auth/login', { body: { username: 'admin', password: adminPassword } })
  return { server, browser, adminToken: login.body.token }
}
