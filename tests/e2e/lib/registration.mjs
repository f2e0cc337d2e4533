// Steps the registration scenarios share (issue 7): an ID-standard portrait, valid ID
// numbers, and a staff account with a plan open for registration and one session.
import assert from 'node:assert/strict'
import { crc32, deflateSync } from 'node:zlib'
import { api, retireInitialAdminPassword } from './proctor.mjs'

/** A 300×400 portrait on a plain light background: the ID-photo standard. */
export function portraitPng() {
  const [w, h] = [300, 400]
  const raw = Buffer.alloc((w * 3 + 1) * h)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dark = (x - 150) ** 2 + (y - 170) ** 2 < 70 * 70 || (y > 260 && x >= 60 && x < 240)
      raw.set(dark ? [80, 60, 50] : [245, 245, 250], y * (w * 3 + 1) + 1 + x * 3)
    }
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const td = Buffer.concat([Buffer.from(type), data])
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(td))
    return Buffer.concat([len, td, crc])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr.set([8, 2, 0, 0, 0], 8)
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/** The GB 11643 check character of 17 digits. */
export function idNumber(first17) {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * weights[i], 0)
  return first17 + '10X98765432'[sum % 11]
}

/** The staff account `prepare` creates signs in with `kw.staff` and this password. */
export const STAFF_PASSWORD = 'Staff-pass-2026'

export async function prepare(server) {
  const adminPw = await retireInitialAdminPassword(server)
  const admin = (await api(server.url, 'POST', '/api/auth/login', { body: { username: 'admin', password: adminPw } })).body.token
  const created = await api(server.url, 'POST', '/api/users', {
    token: admin,
    body: { username: 'kw.staff', display_name: '考务员', role: 'staff', password: 'Temporary-2026' },
  })
  assert.equal(created.status, 201)
  const first = (await api(server.url, 'POST', '/api/auth/login', { body: { username: 'kw.staff', password: 'Temporary-2026' } })).body.token
  const staff = (await api(server.url, 'POST', '/api/auth/password', {
    token: first,
    body: { current_password: 'Temporary-2026', new_password: STAFF_PASSWORD },
  })).body.token
  const now = Date.now()
  const plan = await api(server.url, 'POST', '/api/plans', {
    token: staff,
    body: {
      code: 'E2E2026',
      title: '2026年第四季度电工职业技能等级认定',
      occupation_code: '6-31-01-03',
      occupation_name: '电工',
      level: 3,
      registration_opens_at: new Date(now - 86_400_000).toISOString(),
      registration_closes_at: new Date(now + 10 * 86_400_000).toISOString(),
      realname_policy: 'warn',
      subjects: [{ kind: 'skill', name: '操作技能', weight_pct: 100, pass_score_centi: 6000 }],
    },
  })
  assert.equal(plan.status, 201, JSON.stringify(plan.body))
  const planId = plan.body.id
  assert.equal((await api(server.url, 'POST', `/api/plans/${planId}/transition`, { token: staff, body: { to: 'open' } })).status, 200)
  const site = await api(server.url, 'POST', '/api/sites', { token: staff, body: { name: '贵阳考点', address: '贵阳市观山湖区' } })
  const room = await api(server.url, 'POST', `/api/sites/${site.body.id}/rooms`, { token: staff, body: { name: '第一考场', seats: 30 } })
  const session = await api(server.url, 'POST', `/api/plans/${planId}/sessions`, {
    token: staff,
    body: { name: '第一场', starts_at: '2026-12-20T09:00:00+08:00', ends_at: '2026-12-20T11:00:00+08:00', room_id: room.body.id },
  })
  assert.equal(session.status, 201)
  return { staff, planId }
}
