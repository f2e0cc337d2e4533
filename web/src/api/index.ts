// Typed calls of the proctor API, one function per endpoint.
import { ApiError, getToken, request } from './client'
import type {
  AuditEvent,
  AuditQuery,
  ChangePasswordRequest,
  CreateUserRequest,
  LiveRoom,
  LoginRequest,
  MediaGrant,
  OrgProfile,
  OrgProfileInput,
  PlaybackPlan,
  PlaybackRequest,
  Plan,
  RecordingQuery,
  RecordingSummary,
  Registration,
  RegistrationForm,
  ReviewRequest,
  ResetPasswordRequest,
  SessionResponse,
  SessionUser,
  UpdateUserRequest,
  UserRecord,
  WatchRequest,
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

export const registrationApi = {
  mine: () => request<Registration[]>('GET', '/api/me/registrations'),
  resubmit: (id: number, body: RegistrationForm) => request<Registration>('PUT', `/api/registrations/${encodeURIComponent(String(id))}`, body),
  plans: () => request<Plan[]>('GET', '/api/plans'),
  forPlan: (id: number) => request<Registration[]>('GET', `/api/plans/${encodeURIComponent(String(id))}/registrations`),
  review: (id: number, body: ReviewRequest) => request<Registration>('POST', `/api/registrations/${encodeURIComponent(String(id))}/review`, body),
  /** Multipart upload with progress (fetch cannot report upload progress). */
  upload: (id: number, kind: string, file: File, onProgress: (percent: number) => void) =>
    new Promise<void>((resolve, reject) => {
      const xhr = new XMLHttpRequest()
      xhr.open('POST', `/api/registrations/${id}/files/${encodeURIComponent(kind)}`)
      const token = getToken()
      if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`)
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100))
      }
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) resolve()
        else {
          try {
            reject(new ApiError(xhr.status, JSON.parse(xhr.responseText)))
          } catch {
            reject(new ApiError(xhr.status, { code: 'unexpected_response', message: { zh: `上传失败（${xhr.status}）`, en: `Upload failed (${xhr.status})` }, field: null }))
          }
        }
      }
      xhr.onerror = () =>
        reject(new ApiError(0, { code: 'network_error', message: { zh: '网络错误，上传失败', en: 'Network error: upload failed' }, field: null }))
      const form = new FormData()
      form.append('file', file)
      xhr.send(form)
    }),
  /** The ticket PDF as a blob (the download needs the session token). */
  ticket: async (id: number): Promise<Blob> => {
    const res = await fetch(`/api/registrations/${id}/ticket.pdf`, { headers: { Authorization: `Bearer ${getToken() ?? ''}` } })
    if (!res.ok) throw new ApiError(res.status, await res.json())
    return res.blob()
  },
}

export const liveApi = {
  /** Candidates: publish one's camera into one's own camera-check room. */
  publishToken: () => request<MediaGrant>('POST', '/api/live/publish-token'),
  /** Proctors: watch a room (`wall` for the tile wall). */
  watchToken: (body: WatchRequest) => request<MediaGrant>('POST', '/api/live/watch-token', body),
  rooms: () => request<LiveRoom[]>('GET', '/api/live/rooms'),
}

export const recordingApi = {
  list: (q: RecordingQuery = {}) => {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') params.set(k, String(v))
    const qs = params.toString()
    return request<RecordingSummary[]>('GET', `/api/recordings${qs ? `?${qs}` : ''}`)
  },
  playback: (body: PlaybackRequest) => request<PlaybackPlan>('POST', '/api/recordings/playback', body),
}
