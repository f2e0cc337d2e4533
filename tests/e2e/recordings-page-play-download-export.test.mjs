// Issue 5 in the browser, against the real `proctor serve` with its recorder (3 s segments):
// a candidate publishes the fake camera (VP8 + Opus) for about 9 s; staff open the recordings
// page, the recording is listed and its player plays (the <video> time advances); "download
// range" runs as a job with a progress bar and ends with a link that returns one WebM (VP8 +
// Opus); "export MP4" ends with an H.264 + AAC MP4. Files are checked with gst-discoverer-1.0.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { api } from './lib/proctor.mjs'
import { cameraScenario } from './lib/camera-scenario.mjs'
import { signIn, trackPageErrors, withScreenshotOnFailure } from './lib/ui.mjs'
import { waitFor } from './media/harness.mjs'
import { createAccount } from './lib/accounts.mjs'

/** What gst-discoverer-1.0 says about a file. */
function discover(file) {
  const r = spawnSync('gst-discoverer-1.0', [file], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  return r.stdout
}

async function fetchFile(server, href, dir, name) {
  const res = await fetch(new URL(href, server.url))
  assert.equal(res.status, 200, `the signed link returns the file (${href})`)
  const body = Buffer.from(await res.arrayBuffer())
  assert.ok(body.length > 10_000, `a real file, not ${body.length} bytes`)
  const file = join(dir, name)
  await writeFile(file, body)
  return { file, type: res.headers.get('content-type') }
}

test('recordings page: listed, plays, range download and MP4 export finish with working links', { timeout: 240_000 }, async (t) => {
  const { server, browser, adminToken } = await cameraScenario(t, { PROCTOR_RECORDING__SEGMENT_SECS: '3' })
  const work = await mkdtemp(join(tmpdir(), 'recordings-e2e-'))
  t.after(() => rm(work, { recursive: true, force: true }))
  const candidateId = await createAccount(server, adminToken, 'kaosheng05', '周考生', 'candidate', 'Candidate-Passw0rd-5')
  await createAccount(server, adminToken, 'kaowu05', '吴考务', 'staff', 'Staff-Passw0rd-5')
  const participant = `candidate:${candidateId}`

  const errors = []
  const newPage = async () => {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' })
    const page = await ctx.newPage()
    page.setDefaultTimeout(20_000)
    errors.push(trackPageErrors(page))
    return { ctx, page }
  }

  // The candidate publishes for about 9 s (three segments), then leaves.
  const cand = await newPage()
  await withScreenshotOnFailure(cand.page, 'recordings-candidate', async () => {
    await signIn(cand.page, server.url, 'kaosheng05', 'Candidate-Passw0rd-5')
    await cand.page.waitForURL('**/app/candidate')
    await cand.page.getByTestId('nav-cameraCheck').click()
    await cand.page.locator('[data-testid=camera-state][data-state=connected]').waitFor({ timeout: 30_000 })
    await new Promise((r) => setTimeout(r, 9_000))
  })
  await cand.ctx.close()

  await waitFor(async () => {
    const list = await api(server.url, 'GET', `/api/recordings?candidate_id=${candidateId}`, { token: adminToken })
    const video = (list.body ?? []).find((r) => r.kind === 'video' && r.participant === participant)
    return video && video.segments >= 2 && video.end_ms - video.start_ms >= 5_000
  }, 30_000, 'the recording is stored in segments')

  const { ctx, page } = await newPage()
  t.after(() => ctx.close())
  await withScreenshotOnFailure(page, 'recordings-page', async () => {
    await signIn(page, server.url, 'kaowu05', 'Staff-Passw0rd-5')
    await page.waitForURL('**/app/staff')
    await page.getByTestId('nav-recordings').click()
    const row = page.locator('[data-testid=recordings-table] tr', { hasText: participant }).filter({ hasText: '视频' })
    await row.waitFor()
    await row.getByTestId('play').click()

    // The player plays the segments: its time moves on.
    const player = page.getByTestId('recording-player')
    await player.waitFor()
    await waitFor(
      () => page.evaluate(() => document.querySelector('[data-testid=recording-player]').currentTime > 1),
      20_000,
      'the recording plays',
    )

    // Download range (whole recording by default): one WebM, no transcoding.
    await page.getByTestId('export-remux').click()
    const remux = page.getByTestId('export-job-remux')
    await remux.waitFor()
    assert.ok(await remux.locator('.el-progress').count(), 'the job shows a progress bar')
    await page.locator('[data-testid=export-job-remux][data-status=done]').waitFor({ timeout: 60_000 })
    await waitFor(async () => (await remux.locator('[role=progressbar]').getAttribute('aria-valuenow')) === '100', 5_000, 'progress at 100 %')
    const remuxLink = remux.getByTestId('export-link')
    await remuxLink.waitFor()
    assert.match(await remuxLink.getAttribute('download'), /\.webm$/)
    const webm = await fetchFile(server, await remuxLink.getAttribute('href'), work, 'range.webm')
    assert.equal(webm.type, 'video/webm')
    const webmInfo = discover(webm.file)
    assert.match(webmInfo, /VP8/)
    assert.match(webmInfo, /Opus/)

    // Export MP4: H.264 + AAC for the supervision platform.
    await page.getByTestId('export-mp4').click()
    const mp4 = page.getByTestId('export-job-mp4')
    await page.locator('[data-testid=export-job-mp4][data-status=done]').waitFor({ timeout: 120_000 })
    const mp4Link = mp4.getByTestId('export-link')
    await mp4Link.waitFor()
    const file = await fetchFile(server, await mp4Link.getAttribute('href'), work, 'export.mp4')
    assert.equal(file.type, 'video/mp4')
    const mp4Info = discover(file.file)
    assert.match(mp4Info, /H\.264/)
    assert.match(mp4Info, /AAC/)
    const secs = /Duration: (\d+):(\d+):([\d.]+)/.exec(mp4Info)
    const duration = Number(secs[1]) * 3600 + Number(secs[2]) * 60 + Number(secs[3])
    const jobs = (await api(server.url, 'GET', '/api/recordings/exports', { token: adminToken })).body
    const job = jobs.find((j) => j.format === 'mp4')
    assert.ok(job.to_ms - job.from_ms >= 5_000, `the whole recording by default: ${JSON.stringify(job)}`)
    assert.ok(Math.abs(duration - (job.to_ms - job.from_ms) / 1000) < 1, `the MP4 lasts the range (${duration} s, ${JSON.stringify(job)})`)
    assert.ok(Math.abs(job.duration_ms / 1000 - duration) < 1, `the job reports the file's length: ${job.duration_ms} ms`)
  })
  for (const e of errors) e.assertNone()
})
