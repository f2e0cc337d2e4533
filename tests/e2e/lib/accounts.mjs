// Accounts for browser tests, made through the real API the way an administrator would:
// created with a first password, which the user then replaces (the platform forces that).
import assert from 'node:assert/strict'
import { api } from './proctor.mjs'

/** Creates an account and retires its first password; returns the account id. */
export async function createAccount(server, adminToken, username, display_name, role, password) {
  const initial = `${password}-first`
  const created = await api(server.url, 'POST', '/api/users', {
    token: adminToken,
    body: { username, display_name, role, password: initial },
  })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  const login = await api(server.url, 'POST', '/api/auth/login', { body: { username, password: initial } })
  assert.equal(login.status, 200)
  const changed = await api(server.url, 'POST', '/api/auth/password', {
    token: login.body.token,
    body: { current_password: initial, new_password: password },
  })
  assert.equal(changed.status, 200)
  return Number(created.body.id)
}
