// Typed calls of the proctor API, one function per endpoint.
import { request } from './client'
import type {
  AuditEvent,
  AuditQuery,
  ChangePasswordRequest,
  CreateUserRequest,
  LoginRequest,
  OrgProfile,
  OrgProfileInput,
  ResetPasswordRequest,
  SessionResponse,
  SessionUser,
  UpdateUserRequest,
  UserRecord,
} from './types'

export { ApiError, getToken, setToken, installApiHooks } from './client'
export * from './types'

export const authApi = {
  login: (body: LoginRequest) =>
    request<SessionResponse>('POST', '/api/auth/login', body, { skipAuthHook: true }),
  logout: () => request<void>('POST', '/api/auth/logout', undefined, { skipAuthHook: true }),
  me: () => request<SessionUser>('GET', '/api/auth/me'),
  changePassword: (body: ChangePasswordRequest) => request<SessionResponse>('POST', '/api/auth/password', body),
}

export const usersApi = {
  list: () => request<UserRecord[]>('GET', '/api/users'),
  create: (body: CreateUserRequest) => request<UserRecord>('POST', '/api/users', body),
  update: (id: UserRecord['id'], body: UpdateUserRequest) =>
    request<UserRecord>('PATCH', `/api/users/${encodeURIComponent(String(id))}`, body),
  resetPassword: (id: UserRecord['id'], body: ResetPasswordRequest) =>
    request<void>('POST', `/api/users/${encodeURIComponent(String(id))}/reset-password`, body),
}

export const orgApi = {
  get: () => request<OrgProfile>('GET', '/api/org'),
  update: (body: OrgProfileInput) => request<OrgProfile>('PUT', '/api/org', body),
}

export const auditApi = {
  list: (q: AuditQuery = {}) => {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') params.set(k, String(v))
    const qs = params.toString()
    return request<AuditEvent[]>('GET', `/api/audit${qs ? `?${qs}` : ''}`)
  },
}
