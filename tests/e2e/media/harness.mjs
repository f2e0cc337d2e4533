// Node-side helpers for the media e2e tests: build/start the sfu-dev binary, make a
// fake-camera .y4m from a face photo, launch Chromium with fake media devices, a lossy
// UDP relay, and polling.
import { spawn, spawnSync } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
export const SHARED = process.env.SHARED_DIR ?? resolve(REPO_ROOT, '../shared')
/** Same constant as media-server/src/bin/sfu-dev.rs; public on purpose. */
export const DEV_KEY = 'sfu-dev-test-key-not-secret'

/** Path of sfu-dev: `SFU_DEV_BIN`, or built here with cargo (honours CARGO_TARGET_DIR). */
export function sfuDevBinary() {
  if (process.env.SFU_DEV_BIN) return resolve(process.env.SFU_DEV_BIN)
  const r = spawnSync('cargo', ['build', '-p', 'media-server', '--bin', 'sfu-dev'], {
    cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'],
  })
  if (r.status !== 0) throw new Error('cargo build of sfu-dev failed')
  const target = process.env.CARGO_TARGET_DIR ?? join(REPO_ROOT, 'target')
  const bin = resolve(REPO_ROOT, target, 'debug', 'sfu-dev')
  if (!existsSync(bin)) throw new Error(`sfu-dev not found at ${bin}`)
  return bin
}

/**
 * Start sfu-dev on loopback. `publicAddr` makes it advertise that address (a relay).
 * @returns {Promise<{http: string, udp: string, udpLocal: string, events: object[], token: Function, stop: Function}>}
 */
export async function startSfu({ publicAddr, turnUrl, turnSecret, http = '127.0.0.1:0', udp = '127.0.0.1:0', tcp } = {}) {
  const args = ['--http', http, '--udp', udp]
  if (tcp) args.push('--tcp', tcp)
  if (publicAddr) args.push('--public', publicAddr)
  if (turnUrl) args.push('--turn-url', turnUrl, '--turn-secret', turnSecret)
  const child = spawn(sfuDevBinary(), args, { stdio: ['ignore', 'pipe', 'inherit'] })
  const events = []
  const ready = await new Promise((resolveReady, reject) => {
    const t = setTimeout(() => reject(new Error('sfu-dev did not start')), 30_000)
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('SFU_DEV_READY ')) { clearTimeout(t); resolveReady(JSON.parse(line.slice(14))) }
      if (line.startsWith('EVENT ')) events.push(JSON.parse(line.slice(6)))
    })
    child.on('exit', (code) => reject(new Error(`sfu-dev exited ${code}`)))
  })
  const token = async (room, sub, role, ttlSecs = 600) => {
    const res = await fetch(`${ready.http}/dev/token`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ room, sub, name: sub, role, ttl_secs: ttlSecs }),
    })
    return res.text()
  }
  const stop = async () => {
    child.kill('SIGTERM')
    await new Promise((r) => { if (child.exitCode !== null) r(); else child.on('exit', r) })
  }
  return { ...ready, events, token, stop }
}

/** A 640×480 30 fps .y4m of a face photo (Chromium loops it as the fake camera). */
export async function makeFaceY4m() {
  const dir = await mkdtemp(join(tmpdir(), 'media-e2e-'))
  const out = join(dir, 'face.y4m')
  const photo = join(SHARED, 'data/faces/celebrity-pairs/img1.jpg')
  const r = spawnSync('gst-launch-1.0', ['-q',
    'filesrc', `location=${photo}`, '!', 'jpegdec', '!', 'videoconvert', '!', 'videoscale', '!',
    'video/x-raw,format=I420,width=640,height=480', '!', 'imagefreeze', 'num-buffers=90', '!',
    'video/x-raw,framerate=30/1', '!', 'y4menc', '!', 'filesink', `location=${out}`,
  ], { stdio: ['ignore', 'inherit', 'inherit'] })
  if (r.status !== 0 || !existsSync(out)) throw new Error('gst-launch could not make the y4m')
  return { file: out, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

/** Headless Debian Chromium with the fake camera playing `y4m`. */
export function launchChromium(y4m) {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: chromiumArgs(y4m) })
}

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

function chromiumArgs(y4m) {
  const args = [
    '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run',
    '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    // Loopback candidates are needed; mDNS obfuscation would hide them from the SFU.
    '--disable-features=WebRtcHideLocalIpsWithMdns',
  ]
  if (y4m) args.push(`--use-file-for-fake-video-capture=${y4m}`)
  return args
}

/**
 * Chromium that may not send UDP (as behind a firewall that lets only TCP out): its profile
 * sets WebRTC's IP handling policy to `disable_non_proxied_udp`. Returns a browser context
 * (`newPage`, `close`), not a browser.
 */
export async function launchChromiumWithoutUdp(y4m) {
  const profile = await mkdtemp(join(tmpdir(), 'media-e2e-tcp-'))
  await mkdir(join(profile, 'Default'))
  await writeFile(join(profile, 'Default', 'Preferences'), JSON.stringify({ webrtc: { ip_handling_policy: 'disable_non_proxied_udp' } }))
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: chromiumArgs(y4m) })
  const close = ctx.close.bind(ctx)
  ctx.close = async () => { await close(); await rm(profile, { recursive: true, force: true }) }
  return ctx
}

/** Transport protocol (`udp`/`tcp`) of the selected candidate pair of `window[client].pc`. */
export async function selectedProtocol(page, client) {
  return page.evaluate(async (name) => {
    const stats = await window[name].pc.getStats()
    let proto = null
    stats.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) {
        const pair = stats.get(s.selectedCandidatePairId)
        proto = stats.get(pair?.localCandidateId)?.protocol ?? null
      }
    })
    return proto
  }, client)
}

/** Poll `fn` until it returns truthy; returns that value or throws after `ms`. */
export async function waitFor(fn, ms = 20_000, what = 'condition') {
  const end = Date.now() + ms
  let last
  while (Date.now() < end) {
    try { last = await fn(); if (last) return last } catch (e) { last = e }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`timed out waiting for ${what}: ${last instanceof Error ? last.message : JSON.stringify(last)}`)
}

/**
 * A UDP relay between browsers and the SFU that drops `loss` of the RTP/RTCP datagrams
 * each way (ICE and DTLS pass, so set-up stays quick). Each browser address gets its own
 * upstream socket, so the SFU sees one distinct peer per browser.
 */
export async function lossyRelay(loss) {
  const front = createSocket('udp4')
  await new Promise((r) => front.bind(0, '127.0.0.1', r))
  const stats = { forwarded: 0, dropped: 0 }
  const upstream = new Map()
  let target = null
  const isMedia = (msg) => msg.length > 0 && msg[0] >= 128 && msg[0] <= 191
  const pass = (msg) => {
    if (isMedia(msg) && Math.random() < loss) { stats.dropped++; return false }
    stats.forwarded++
    return true
  }
  front.on('message', (msg, rinfo) => {
    if (!target) return
    const key = `${rinfo.address}:${rinfo.port}`
    let up = upstream.get(key)
    if (!up) {
      up = createSocket('udp4')
      up.bind(0, '127.0.0.1')
      up.on('message', (back) => { if (pass(back)) front.send(back, rinfo.port, rinfo.address) })
      upstream.set(key, up)
    }
    if (pass(msg)) up.send(msg, target.port, target.host)
  })
  return {
    port: front.address().port,
    stats,
    setTarget(hostPort) { const [host, port] = hostPort.split(':'); target = { host, port: Number(port) } },
    close() { front.close(); for (const u of upstream.values()) u.close() },
  }
}

/** Open the camera-check page as `sub` and wait until it publishes. */
export async function publish(browser, sfu, room, sub, { relay = false } = {}) {
  const page = await browser.newPage()
  const token = await sfu.token(room, sub, 'publish')
  await page.goto(`${sfu.http}/camera-check.html?token=${encodeURIComponent(token)}${relay ? '&relay=1' : ''}`)
  await page.waitForFunction(() => window.whipReady === true, null, { timeout: 20_000 })
  await page.waitForFunction(() => document.getElementById('state').textContent === 'connected', null, { timeout: 20_000 })
  return page
}

/** Sum of framesDecoded per mid of a page that defines window.videoStats(). */
export async function framesByMid(page) {
  const s = await page.evaluate(() => window.videoStats())
  return Object.fromEntries(Object.entries(s).map(([mid, v]) => [mid, v.framesDecoded]))
}

/** A free TCP port on loopback (tiny race with other processes; fine for tests). */
export async function freeTcpPort() {
  const { createServer } = await import('node:net')
  const srv = createServer()
  await new Promise((r) => srv.listen(0, '127.0.0.1', r))
  const { port } = srv.address()
  await new Promise((r) => srv.close(r))
  return port
}

/** A free UDP port on loopback (tiny race with other processes; fine for tests). */
export async function freeUdpPort() {
  const s = createSocket('udp4')
  await new Promise((r) => s.bind(0, '127.0.0.1', r))
  const { port } = s.address()
  await new Promise((r) => s.close(r))
  return port
}

/**
 * Start coturn on loopback with TURN REST auth (`use-auth-secret`), using the same
 * options as deploy/coturn/turnserver.conf plus loopback peers (the SFU is on 127.0.0.1).
 */
export async function startCoturn(secret) {
  const port = await freeUdpPort()
  const child = spawn('turnserver', [
    '-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--relay-ip=127.0.0.1',
    '--use-auth-secret', `--static-auth-secret=${secret}`, '--realm=proctor',
    '--allow-loopback-peers', '--no-cli', '--no-tls', '--no-dtls', '--fingerprint',
    '--min-port=41000', '--max-port=41999', '--log-file=stdout', '--simple-log',
  ], { stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  child.stdout.on('data', (d) => { log += d })
  child.stderr.on('data', (d) => { log += d })
  await waitFor(() => log.includes('Total General servers') || log.includes('listener opened on'), 10_000, 'coturn up')
  return {
    url: `turn:127.0.0.1:${port}?transport=udp`,
    log: () => log,
    stop: async () => {
      child.kill('SIGTERM')
      await new Promise((r) => { if (child.exitCode !== null) r(); else child.on('exit', r) })
    },
  }
}

/** Frames decoded by the <video> of the wall tile of `participant` in the web app (0 while there is none). */
export const wallTileFrames = (page, participant) =>
  page.evaluate((p) => {
    const v = document.querySelector(`[data-testid=wall-tile][data-participant="${p}"] video`)
    return v ? v.getVideoPlaybackQuality().totalVideoFrames : 0
  }, participant)
