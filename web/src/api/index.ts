// Typed calls of the proctor API, one function per endpoint.
import { ApiError, getToken, request } from './client'
import type {
  MediaSource,
  RecordingThumbnail,
  ThumbnailQuery,
  SeatingOrder,
  FaceAlert,
  FaceCheck,
  FaceCheckInResult,
  FaceCheckInStatus,
  FaceDecision,
  FaceDueRecheck,
  FaceReviewItem,
  FaceTimeline,
  ApiErrorBody,
  AssembleRequest,
  AssembleResult,
  Bank,
  BulkEdit,
  BulkResult,
  CreateBank,
  CreatePaper,
  CreateUsage,
  ImportMapping,
  ImportPreview,
  Item,
  ItemBody,
  ItemPage,
  ItemQuery,
  ItemWithHistory,
  MappingInput,
  PaperDetail,
  PaperItemInput,
  PaperState,
  PaperSummary,
  PaperUsage,
  StatCell,
  StoredImage,
  UsageLog,
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
  RecordingExport,
  RecordingExportRequest,
  Registration,
  RegistrationForm,
  ReviewRequest,
  ResetPasswordRequest,
  SessionResponse,
  SessionUser,
  UpdateUserRequest,
  UserRecord,
  WatchRequest,
  AnotherRegistration,
  AssignStaff,
  CreatePlan,
  CreateRoom,
  CreateSession,
  CreateSite,
  Device,
  Duty,
  DutyPerson,
  ExamSession,
  FileLink,
  NewDevice,
  Notification,
  PlanDocument,
  PlanMove,
  RealnamePolicy,
  RecordEntry,
  RecordLookup,
  RegistrationProfile,
  RemindersSent,
  Room,
  SeatingResult,
  Site,
  Usage,
} from './types'
import type { CameraChangeRequest, NewCameraRequest, RoomCamera } from './types'

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
  /** A short-lived signed link to a registration's current file of a kind. */
  fileLink: (id: number, kind: string) => request<FileLink>('GET', `/api/registrations/${encodeURIComponent(String(id))}/files/${encodeURIComponent(String(kind))}/link`),
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
  /** Candidates: publish one's camera, screen or side camera into one's own camera-check room. */
  publishToken: (source: MediaSource = 'camera') =>
    request<MediaGrant>('POST', `/api/live/publish-token${query({ source: source === 'camera' ? undefined : source })}`),
  /** Proctors: watch a room (`wall` for the tile wall). */
  watchToken: (body: WatchRequest) => request<MediaGrant>('POST', '/api/live/watch-token', body),
  rooms: () => request<LiveRoom[]>('GET', '/api/live/rooms'),
}

function query(q: object): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v))
  const qs = params.toString()
  return qs ? `?${qs}` : ''
}

/** Downloads an authorised file as a blob (the link needs the session token). */
async function blob(path: string): Promise<Blob> {
  const res = await fetch(path, { headers: { Authorization: `Bearer ${getToken() ?? ''}` } })
  if (!res.ok) throw new ApiError(res.status, await res.json())
  return res.blob()
}

const enc = (v: number | string) => encodeURIComponent(String(v))
const authorizedBlob = blob

export const bankApi = {
  list: () => request<Bank[]>('GET', '/api/banks'),
  create: (body: CreateBank) => request<Bank>('POST', '/api/banks', body),
  items: (id: number, q: ItemQuery = {}) => request<ItemPage>('GET', `/api/banks/${encodeURIComponent(String(id))}/items${query(q)}`),
  createItem: (id: number, body: ItemBody) => request<Item>('POST', `/api/banks/${encodeURIComponent(String(id))}/items`, body),
  item: (id: number) => request<ItemWithHistory>('GET', `/api/items/${encodeURIComponent(String(id))}`),
  updateItem: (id: number, body: ItemBody) => request<Item>('PUT', `/api/items/${encodeURIComponent(String(id))}`, body),
  setRetired: (id: number, retired: boolean) => request<Item>('POST', `/api/items/${encodeURIComponent(String(id))}/retired`, { retired }),
  bulk: (id: number, body: BulkEdit) => request<BulkResult>('POST', `/api/banks/${encodeURIComponent(String(id))}/items/bulk`, body),
  stats: (id: number) => request<StatCell[]>('GET', `/api/banks/${encodeURIComponent(String(id))}/stats`),
  exportXlsx: (id: number) => blob(`/api/banks/${encodeURIComponent(String(id))}/export`),
  /** QTI 3.0 content package (zip); case analyses are left out. */
  exportQti: (id: number) => blob(`/api/banks/${encodeURIComponent(String(id))}/export-qti`),
  importStatus: (id: number) => request<ImportPreview>('GET', `/api/imports/${encodeURIComponent(String(id))}`),
  confirmImport: (id: number) => request<ImportPreview>('POST', `/api/imports/${encodeURIComponent(String(id))}/confirm`),
  /** Uploads a bank file as the raw body with upload progress; the server reads it in the
   *  background and answers with the job to poll. */
  upload: (id: number, file: File, mappingId: number | null, onProgress: (percent: number) => void) =>
    new Promise<ImportPreview>((resolve, reject) => {
      const xhr = new XMLHttpRequest()
      xhr.open('POST', `/api/banks/${encodeURIComponent(String(id))}/imports${query({ background: true, mapping_id: mappingId ?? undefined })}`)
      const token = getToken()
      if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`)
      xhr.setRequestHeader('Content-Type', 'application/octet-stream')
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100))
      }
      xhr.onload = () => {
        let body: unknown
        try {
          body = JSON.parse(xhr.responseText)
        } catch {
          body = null
        }
        if (xhr.status >= 200 && xhr.status < 300) resolve(body as ImportPreview)
        else if (body && typeof body === 'object' && 'code' in body) reject(new ApiError(xhr.status, body as ApiErrorBody))
        else reject(new ApiError(xhr.status, { code: 'unexpected_response', message: { zh: `上传失败（${xhr.status}）`, en: `Upload failed (${xhr.status})` }, field: null }))
      }
      xhr.onerror = () =>
        reject(new ApiError(0, { code: 'network_error', message: { zh: '网络错误，上传失败', en: 'Network error: upload failed' }, field: null }))
      xhr.send(file)
    }),
  /** Stores a picture for rich text; the answer's `url` shows it now. */
  uploadImage: async (file: File): Promise<StoredImage> => {
    let res: Response
    try {
      res = await fetch('/api/item-images', {
        method: 'POST',
        headers: { Authorization: `Bearer ${getToken() ?? ''}`, 'Content-Type': 'application/octet-stream' },
        body: file,
      })
    } catch {
      throw new ApiError(0, { code: 'network_error', message: { zh: '网络错误，上传失败', en: 'Network error: upload failed' }, field: null })
    }
    const body = await res.json().catch(() => null)
    if (!res.ok) throw new ApiError(res.status, body ?? { code: 'unexpected_response', message: { zh: `上传失败（${res.status}）`, en: `Upload failed (${res.status})` }, field: null })
    return body as StoredImage
  },
  mappings: () => request<ImportMapping[]>('GET', '/api/import-mappings'),
  createMapping: (body: MappingInput) => request<ImportMapping>('POST', '/api/import-mappings', body),
  updateMapping: (id: number, body: MappingInput) => request<ImportMapping>('PUT', `/api/import-mappings/${encodeURIComponent(String(id))}`, body),
}

export const paperApi = {
  list: (q: { bank_id?: number; state?: PaperState | '' } = {}) => request<PaperSummary[]>('GET', `/api/papers${query(q)}`),
  create: (body: CreatePaper) => request<PaperSummary>('POST', '/api/papers', body),
  assemble: (body: AssembleRequest) => request<AssembleResult>('POST', '/api/papers/assemble', body),
  get: (id: number) => request<PaperDetail>('GET', `/api/papers/${encodeURIComponent(String(id))}`),
  replaceItems: (id: number, items: PaperItemInput[]) => request<PaperSummary>('PUT', `/api/papers/${encodeURIComponent(String(id))}/items`, { items }),
  setState: (id: number, state: PaperState) => request<PaperSummary>('POST', `/api/papers/${encodeURIComponent(String(id))}/state`, { state }),
  usages: (id: number) => request<UsageLog>('GET', `/api/papers/${encodeURIComponent(String(id))}/usages`),
  use: (id: number, body: CreateUsage) => request<PaperUsage>('POST', `/api/papers/${encodeURIComponent(String(id))}/usages`, body),
}

/** Multipart upload with progress (fetch cannot report upload progress). */
export function uploadWithProgress<T>(path: string, form: FormData, onProgress: (percent: number) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', path)
    const token = getToken()
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`)
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100))
    }
    xhr.onload = () => {
      let body: unknown = undefined
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined
      } catch {
        body = undefined
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as T)
      else if (body && typeof body === 'object' && 'code' in body) reject(new ApiError(xhr.status, body as never))
      else reject(new ApiError(xhr.status, { code: 'unexpected_response', message: { zh: `上传失败（${xhr.status}）`, en: `Upload failed (${xhr.status})` }, field: null }))
    }
    xhr.onerror = () =>
      reject(new ApiError(0, { code: 'network_error', message: { zh: '网络错误，上传失败', en: 'Network error: upload failed' }, field: null }))
    xhr.send(form)
  })
}

export const plansApi = {
  list: () => request<Plan[]>('GET', '/api/plans'),
  get: (id: number) => request<Plan>('GET', `/api/plans/${encodeURIComponent(String(id))}`),
  create: (body: CreatePlan) => request<Plan>('POST', '/api/plans', body),
  moves: (id: number) => request<PlanMove[]>('GET', `/api/plans/${encodeURIComponent(String(id))}/moves`),
  transition: (id: number, to: string) => request<Plan>('POST', `/api/plans/${encodeURIComponent(String(id))}/transition`, { to }),
  setPolicy: (id: number, body: RealnamePolicy) => request<Plan>('PUT', `/api/plans/${encodeURIComponent(String(id))}/realname-policy`, body),
  addSession: (id: number, body: CreateSession) => request<ExamSession>('POST', `/api/plans/${encodeURIComponent(String(id))}/sessions`, body),
  /** Sessions newest first; an invigilator gets only the sessions they are on duty at. */
  sessions: () => request<ExamSession[]>('GET', '/api/sessions'),
  deleteSession: (id: number, session: number) =>
    request<void>('DELETE', `/api/plans/${encodeURIComponent(String(id))}/sessions/${encodeURIComponent(String(session))}`),
  documents: (id: number) => request<PlanDocument[]>('GET', `/api/plans/${encodeURIComponent(String(id))}/documents`),
  uploadDocument: (id: number, title: string, file: File, onProgress: (p: number) => void) => {
    const form = new FormData()
    form.append('title', title)
    form.append('file', file)
    return uploadWithProgress<PlanDocument>(`/api/plans/${enc(id)}/documents`, form, onProgress)
  },
  documentUrl: (id: number, doc: number) => `/api/plans/${enc(id)}/documents/${enc(doc)}`,
  seating: (id: number, order: SeatingOrder = 'random') =>
    request<SeatingResult>('POST', `/api/plans/${encodeURIComponent(String(id))}/seating${query({ order })}`),
  reminders: (id: number) => request<RemindersSent>('POST', `/api/plans/${encodeURIComponent(String(id))}/reminders`),
  usage: (id: number) => request<Usage>('GET', `/api/plans/${encodeURIComponent(String(id))}/usage`),
  usageCsv: (id: number) => authorizedBlob(`/api/plans/${enc(id)}/usage.csv`),
  tickets: (id: number) => authorizedBlob(`/api/plans/${enc(id)}/tickets.pdf`),
  open: () => request<Plan[]>('GET', '/api/public/plans'),
}

export const affairsApi = {
  sites: () => request<Site[]>('GET', '/api/sites'),
  createSite: (body: CreateSite) => request<Site>('POST', '/api/sites', body),
  createRoom: (id: number, body: CreateRoom) => request<Room>('POST', `/api/sites/${encodeURIComponent(String(id))}/rooms`, body),
  devices: (id: number) => request<Device[]>('GET', `/api/rooms/${encodeURIComponent(String(id))}/devices`),
  addDevice: (id: number, body: NewDevice) => request<Device>('POST', `/api/rooms/${encodeURIComponent(String(id))}/devices`, body),
  duties: (id: number) => request<Duty[]>('GET', `/api/sessions/${encodeURIComponent(String(id))}/staff`),
  assign: (id: number, body: AssignStaff) => request<Duty>('POST', `/api/sessions/${encodeURIComponent(String(id))}/staff`, body),
  people: () => request<DutyPerson[]>('GET', '/api/duty-people'),
  removeDuty: (id: number, duty: number) =>
    request<void>('DELETE', `/api/sessions/${encodeURIComponent(String(id))}/staff/${encodeURIComponent(String(duty))}`),
  removeDevice: (id: number, device: number) =>
    request<void>('DELETE', `/api/rooms/${encodeURIComponent(String(id))}/devices/${encodeURIComponent(String(device))}`),
  removeRoom: (id: number, room: number) =>
    request<void>('DELETE', `/api/sites/${encodeURIComponent(String(id))}/rooms/${encodeURIComponent(String(room))}`),
  record: (body: RecordLookup) => request<RecordEntry[]>('POST', '/api/candidates/record', body),
}

export const candidateApi = {
  profile: () => request<RegistrationProfile>('GET', '/api/me/registration-profile'),
  registerAgain: (body: AnotherRegistration) => request<Registration>('POST', '/api/me/registrations', body),
  notifications: () => request<Notification[]>('GET', '/api/me/notifications'),
}

export const recordingApi = {
  list: (q: RecordingQuery = {}) => {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') params.set(k, String(v))
    const qs = params.toString()
    return request<RecordingSummary[]>('GET', `/api/recordings${qs ? `?${qs}` : ''}`)
  },
  playback: (body: PlaybackRequest) => request<PlaybackPlan>('POST', '/api/recordings/playback', body),
  createExport: (body: RecordingExportRequest) => request<RecordingExport>('POST', '/api/recordings/exports', body),
  exports: () => request<RecordingExport[]>('GET', '/api/recordings/exports'),
  exportJob: (id: number) => request<RecordingExport>('GET', `/api/recordings/exports/${encodeURIComponent(String(id))}`),
}

/** A picture as multipart field `file`, answered with JSON or an ApiError. */
async function sendPicture<T>(path: string, picture: Blob): Promise<T> {
  const form = new FormData()
  form.append('file', picture, 'frame.jpg')
  const res = await fetch(path, { method: 'POST', headers: { Authorization: `Bearer ${getToken() ?? ''}` }, body: form })
  const body = await res.json().catch(() => null)
  if (!res.ok) {
    throw new ApiError(res.status, body ?? { code: 'unexpected_response', message: { zh: `请求失败（${res.status}）`, en: `Request failed (${res.status})` }, field: null })
  }
  return body as T
}

export const faceApi = {
  /** Candidates and examiners: where one's check-in stands. */
  checkInStatus: () => request<FaceCheckInStatus>('GET', '/api/face/check-in'),
  /** Sign in by face with a still from the camera. */
  checkIn: (picture: Blob) => sendPicture<FaceCheckInResult>('/api/face/check-in', picture),
  /** Candidates: a re-check due now (never before). */
  dueRecheck: () => request<FaceDueRecheck>('GET', '/api/face/me/recheck'),
  answerRecheck: (id: number, picture: Blob) => sendPicture<FaceCheck>(`/api/face/me/recheck/${encodeURIComponent(String(id))}`, picture),
  /** Proctors: check-ins waiting for a person to decide. */
  reviews: () => request<FaceReviewItem[]>('GET', '/api/face/reviews'),
  decide: (id: number, body: FaceDecision) => request<FaceCheck>('POST', `/api/face/reviews/${encodeURIComponent(String(id))}`, body),
  alerts: () => request<FaceAlert[]>('GET', '/api/face/alerts'),
  acknowledge: (id: number) => request<void>('POST', `/api/face/alerts/${encodeURIComponent(String(id))}/ack`),
  timeline: (id: number) => request<FaceTimeline>('GET', `/api/face/accounts/${encodeURIComponent(String(id))}/checks`),
}

export const camerasApi = {
  /** Every camera the caller may see (invigilators: rooms on duty). */
  list: () => request<RoomCamera[]>('GET', '/api/cameras'),
  inRoom: (id: number) => request<RoomCamera[]>('GET', `/api/rooms/${encodeURIComponent(String(id))}/cameras`),
  create: (id: number, body: NewCameraRequest) =>
    request<RoomCamera>('POST', `/api/rooms/${encodeURIComponent(String(id))}/cameras`, body),
  update: (id: number, camera: number, body: CameraChangeRequest) =>
    request<RoomCamera>(
      'PATCH',
      `/api/rooms/${encodeURIComponent(String(id))}/cameras/${encodeURIComponent(String(camera))}`,
      body,
    ),
  remove: (id: number, camera: number) =>
    request<void>('DELETE', `/api/rooms/${encodeURIComponent(String(id))}/cameras/${encodeURIComponent(String(camera))}`),
}

/** Periodic thumbnails of live video: strips for recordings and timelines, posters for the wall. */
export const thumbnailApi = {
  list: (q: ThumbnailQuery = {}) => request<RecordingThumbnail[]>('GET', `/api/recordings/thumbnails${query(q)}`),
  /** The newest thumbnail of each participant of a live room. */
  latest: (room: string) => request<RecordingThumbnail[]>('GET', `/api/live/thumbnails${query({ room })}`),
}
