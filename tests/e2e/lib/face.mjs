// Shared steps of the face check-in scenarios: a candidate registered with a portrait from
// the labelled set and approved by staff (which enrols the portrait), an invigilator, and a
// fake camera (.y4m made with GStreamer) that shows a chosen photo.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { api } from './proctor.mjs'
import { idNumber, prepare } from './registration.mjs'
import { SHARED } from '../media/harness.mjs'

export const CANDIDATE_PASSWORD = 'Candidate-2026'
export const INVIGILATOR_PASSWORD = 'Invigilator-2026'

export const facePhoto = (file) => join(SHARED, 'data/faces/celebrity-pairs', file)

/** A 640×480 fake-camera file showing `file` (a photo of the celebrity set). */
export async function y4mOf(file) {
  const dir = await mkdtemp(join(tmpdir(), 'face-e2e-'))
  const out = join(dir, 'camera.y4m')
  const r = spawnSync('gst-launch-1.0', ['-q',
    'filesrc', `location=${facePhoto(file)}`, '!', 'jpegdec', '!', 'videoconvert', '!', 'videoscale', '!',
    'video/x-raw,format=I420,width=640,height=480', '!', 'imagefreeze', 'num-buffers=60', '!',
    'video/x-raw,framerate=30/1', '!', 'y4menc', '!', 'filesink', `location=${out}`,
  ], { stdio: ['ignore', 'inherit', 'inherit'] })
  if (r.status !== 0 || !existsSync(out)) throw new Error('gst-launch could not make the y4m')
  return { file: out, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

/** Staff, a candidate enrolled from `portrait` (signs in with phone + CANDIDATE_PASSWORD) and seated in the plan's session, and an invigilator on duty there. */
export async function enrolledCandidate(server, portrait) {
  const { staff, planId } = await prepare(server)
  const phone = '13912345678'
  const reg = await api(server.url, 'POST', `/api/plans/${planId}/registrations`, {
    body: {
      name: '王考生', gender: 'male', id_type: 'resident_id', id_number: idNumber('52010219900315001'),
      birth_date: '1990-03-15', phone, education: '高中', work_unit: '贵阳供电局', years_in_occupation: 6,
      declared_level: 3, password: CANDIDATE_PASSWORD, consent: true,
    },
  })
  assert.equal(reg.status, 201, JSON.stringify(reg.body))
  const form = new FormData()
  form.append('file', new Blob([await readFile(facePhoto(portrait))], { type: 'image/jpeg' }), portrait)
  const up = await fetch(`${server.url}/api/registrations/${reg.body.registration_id}/files/photo`, {
    method: 'POST', headers: { Authorization: `Bearer ${reg.body.session.token}` }, body: form,
  })
  assert.equal(up.status, 201, await up.text())
  const review = await api(server.url, 'POST', `/api/registrations/${reg.body.registration_id}/review`, { token: staff, body: { decision: 'approve' } })
  assert.equal(review.status, 200, JSON.stringify(review.body))
  const me = await api(server.url, 'GET', '/api/auth/me', { token: reg.body.session.token })
  const enrolments = await api(server.url, 'GET', `/api/face/accounts/${me.body.id}/enrolments`, { token: staff })
  assert.equal(enrolments.body[0]?.status, 'enrolled', JSON.stringify(enrolments.body))

  // `prepare` retired the first admin password with the harness default.
  const admin = (await api(server.url, 'POST', '/api/auth/login', { body: { username: 'admin', password: 'Changed-Passw0rd-e2e' } })).body.token
  const created = await api(server.url, 'POST', '/api/users', {
    token: admin, body: { username: 'jk.face', display_name: '赵监考', role: 'invigilator', password: 'Temporary-2026' },
  })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  const first = (await api(server.url, 'POST', '/api/auth/login', { body: { username: 'jk.face', password: 'Temporary-2026' } })).body.token
  const changed = await api(server.url, 'POST', '/api/auth/password', {
    token: first, body: { current_password: 'Temporary-2026', new_password: INVIGILATOR_PASSWORD },
  })
  assert.equal(changed.status, 200)
  // Invigilators look after the candidates seated in the sessions they are on duty at.
  assert.equal((await api(server.url, 'POST', `/api/plans/${planId}/seating`, { token: staff, body: {} })).status, 200)
  const plan = await api(server.url, 'GET', `/api/plans/${planId}`, { token: staff })
  const inv = await api(server.url, 'GET', '/api/auth/me', { token: changed.body.token })
  const duty = await api(server.url, 'POST', `/api/sessions/${plan.body.sessions[0].id}/staff`, {
    token: staff, body: { account_id: inv.body.id, duty: 'invigilator', work_unit: '贵州省职业技能鉴定中心', qualification_no: '' },
  })
  assert.equal(duty.status, 201, JSON.stringify(duty.body))
  return { staff, phone, accountId: me.body.id }
}

/** Waits until the candidate's camera page publishes video into their camera-check room. */
export async function waitForLiveCamera(server, staff, accountId, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const rooms = await api(server.url, 'GET', '/api/live/rooms', { token: staff })
    const room = rooms.body.find?.((r) => r.room === `check-${accountId}`)
    if (room?.participants.some((p) => p.participant === `candidate:${accountId}` && p.video_tracks > 0)) return
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`candidate ${accountId} never published video`)
}

/** The account's checks, newest first (the invigilators' timeline). */
export async function checksOf(server, staff, accountId) {
  const timeline = await api(server.url, 'GET', `/api/face/accounts/${accountId}/checks`, { token: staff })
  assert.equal(timeline.status, 200, JSON.stringify(timeline.body))
  return timeline.body.checks
}
