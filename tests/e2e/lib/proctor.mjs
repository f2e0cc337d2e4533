// Starts the real `proctor serve` binary for one test file: a fresh data directory, a known
// first admin password, port 0 on loopback. The server tells its address on stdout with one
// `PROCTOR_LISTENING <url>` line; stop() ends it with SIGTERM (SIGKILL after 10 s) and
// removes the data directory.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

/** The first admin password the harness gives every fresh server. */
export const INITIAL_ADMIN_PASSWORD = 'Initial-Passw0rd-e2e'

export function proctorBinary() {
  if (process.env.PROCTOR_BIN) return resolve(process.env.PROCTOR_BIN)
  return resolve(REPO_ROOT, process.env.CARGO_TARGET_DIR ?? 'target', 'debug', 'proctor')
}

const STARTUP_TIMEOUT_MS = 60_000

/**
 * `command: 'media'` starts a separate media node instead (it reports `PROCTOR_MEDIA_LISTENING`).
 * @param {{ adminPassword?: string, env?: Record<string, string>, command?: 'serve' | 'media' }} [options]
 * @returns {Promise<{ url: string, adminPassword: string, dataDir: string, output: () => string, stop: () => Promise<void> }>}
 */
export async function startProctor(options = {}) {
  const bin = proctorBinary()
  if (!existsSync(bin)) {
    throw new Error(`proctor binary not found at ${bin}: run \`cargo build -p proctor-api --bin proctor\` or set PROCTOR_BIN`)
  }
  const webDir = process.env.PROCTOR_WEB_DIR ?? join(REPO_ROOT, 'web', 'dist')
  if (!existsSync(join(webDir, 'index.html'))) {
    throw new Error(`web build not found at ${webDir}: run \`npm ci && npm run build\` in web/`)
  }
  const adminPassword = options.adminPassword ?? INITIAL_ADMIN_PASSWORD
  const dataDir = await mkdtemp(join(tmpdir(), 'proctor-e2e-'))

  // The server rejects PROCTOR_* variables it does not know (PROCTOR_BIN is the harness's
  // own), and a DATABASE_URL from the caller's shell would point every test at one shared
  // database: the server sees only the settings chosen here.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('PROCTOR_') && k !== 'DATABASE_URL'),
  )
  Object.assign(env, {
    PROCTOR_DATA_DIR: dataDir,
    PROCTOR_LISTEN: '127.0.0.1:0',
    PROCTOR_MEDIA__UDP_BIND: '127.0.0.1:0',
    PROCTOR_ADMIN_PASSWORD: adminPassword,
    PROCTOR_WEB_DIR: webDir,
    ...options.env,
  })

  const command = options.command ?? 'serve'
  const ready = command === 'media' ? /^PROCTOR_MEDIA_LISTENING\s+(\S+)/ : /^PROCTOR_LISTENING\s+(\S+)/
  const child = spawn(bin, [command], { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  const keep = (chunk) => {
    log += chunk
    if (log.length > 200_000) log = log.slice(-100_000)
  }
  child.stderr.setEncoding('utf8').on('data', keep)
  let exited = null
  const exitedPromise = new Promise((res) => child.once('exit', (code, signal) => res((exited = { code, signal }))))

  const url = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`proctor did not report PROCTOR_LISTENING within ${STARTUP_TIMEOUT_MS} ms\n${log}`)), STARTUP_TIMEOUT_MS)
    const lines = createInterface({ input: child.stdout })
    lines.on('line', (line) => {
      keep(line + '\n')
      const m = ready.exec(line)
      if (m) {
        clearTimeout(timer)
        res(m[1].replace(/\/$/, ''))
      }
    })
    child.once('error', (e) => {
      clearTimeout(timer)
      rej(e)
    })
    void exitedPromise.then(({ code, signal }) => {
      clearTimeout(timer)
      rej(new Error(`proctor exited before listening (code ${code}, signal ${signal})\n${log}`))
    })
  }).catch(async (e) => {
    if (!exited) child.kill('SIGKILL')
    await rm(dataDir, { recursive: true, force: true })
    throw e
  })

  async function stop() {
    if (!exited) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exitedPromise
      clearTimeout(timer)
    }
    await rm(dataDir, { recursive: true, force: true })
  }

  /** Ends the process without warning (SIGKILL), as a crash would. */
  async function kill() {
    if (!exited) {
      child.kill('SIGKILL')
      await exitedPromise
    }
    await rm(dataDir, { recursive: true, force: true })
  }

  return { url, adminPassword, dataDir, output: () => log, stop, kill }
}

/** Calls the JSON API the way the web app does; returns { status, body }. */
export async function api(baseUrl, method, path, { token, body } = {}) {
  const headers = { Accept: 'application/json' }
  if (token) headers.Authorization = `Bearer ${token}`
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  const res = await fetch(baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : undefined }
}

/** Signs the first admin in and replaces the forced first password; returns the new one. */
export async function retireInitialAdminPassword(server, newPassword = 'Changed-Passw0rd-e2e') {
  const login = await api(server.url, 'POST', '/api/auth/login', {
    body: { username: 'admin', password: server.adminPassword },
  })
  if (login.status !== 200) throw new Error(`admin login failed: ${login.status} ${JSON.stringify(login.body)}`)
  const change = await api(server.url, 'POST', '/api/auth/password', {
    token: login.body.token,
    body: { current_password: server.adminPassword, new_password: newPassword },
  })
  if (change.status !== 200) throw new Error(`password change failed: ${change.status} ${JSON.stringify(change.body)}`)
  return newPassword
}
