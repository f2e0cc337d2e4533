// Types of the proctor HTTP API (see /api/openapi.json). Keep in step with proctor-api.

export const ROLES = [
  'admin',
  'staff',
  'examiner',
  'invigilator',
  'supervisor',
  'candidate',
  'province',
] as const

export type Role = (typeof ROLES)[number]

/** Every failure from the API has this body. */
export interface ApiErrorBody {
  code: string
  message: { zh: string; en: string }
  field: string | null
}

export interface SessionUser {
  id: number | string
  username: string
  display_name: string
  role: Role
  must_change_password: boolean
}

export interface LoginRequest {
  username: string
  password: string
}

export interface SessionResponse {
  token: string
  expires_at: string
  user: SessionUser
}

export interface ChangePasswordRequest {
  current_password: string
  new_password: string
}

export interface UserRecord {
  id: number | string
  username: string
  display_name: string
  role: Role
  disabled: boolean
  must_change_password: boolean
  created_at: string
}

export interface CreateUserRequest {
  username: string
  display_name: string
  role: Role
  password: string
}

export interface UpdateUserRequest {
  display_name?: string
  role?: Role
  disabled?: boolean
}

export interface ResetPasswordRequest {
  password: string
}

export interface AuditEvent {
  audit_event_id: number
  at: string
  actor_account_id: number | null
  actor_role: Role | null
  action: string
  target_kind: string
  target_id: string | null
  /** JSON text: before/after values where they apply. */
  detail: string
}

export interface AuditQuery {
  target_kind?: string
  target_id?: string
  limit?: number
}

export interface OrgProfileInput {
  name: string
  accreditation_no: string
  address: string
  contact_phone: string
  contact_email: string
  website: string
  introduction: string
}

export interface OrgProfile extends OrgProfileInput {
  updated_at: string | null
}

// Plans and registration (issue 7).
export interface PlanSubject {
  kind: string
  name: string
  weight_pct: number
  pass_score_centi: number
}

export interface ExamSession {
  id: number
  name: string
  starts_at: string
  ends_at: string
  room_id: number
  room: string
  seats: number
  site: string
  site_address: string
}

export interface Plan {
  id: number
  code: string
  title: string
  occupation_code: string
  occupation_name: string
  level: number
  level_name: string
  registration_opens_at: string
  registration_closes_at: string
  realname_policy: string
  state: string
  subjects: PlanSubject[]
  sessions: ExamSession[]
}

export interface RegistrationFile {
  kind: string
  content_type: string
  size_bytes: number
  sha256: string
  warnings: string[]
  uploaded_at: string
}

export interface RegistrationForm {
  name: string
  gender: string
  id_type: string
  id_number: string
  birth_date: string
  phone: string
  education: string
  work_unit: string
  years_in_occupation: number
  declared_level: number
}

export interface Registration extends RegistrationForm {
  id: number
  plan_id: number
  status: 'submitted' | 'rejected' | 'approved'
  review_reason: string | null
  reviewed_at: string | null
  realname_result: string
  warnings: string[]
  ticket_no: string | null
  session_id: number | null
  seat_no: number | null
  attendance: string | null
  consent_at: string
  files: RegistrationFile[]
  created_at: string
  updated_at: string
}

export interface ReviewRequest {
  decision: 'approve' | 'reject'
  reason?: string
}

/** A short-lived token for the media node's signalling endpoints (WHIP, wall). */
export interface MediaGrant {
  token: string
  /** Unix seconds. */
  expires_at: number
  room: string
  /** The participant identity the token carries, e.g. `candidate:12`. */
  identity: string
  /** Base path of the signalling endpoints, e.g. `/media`. */
  signal_base: string
}

export type WatchKind = 'view' | 'wall'

export interface WatchRequest {
  room: string
  kind: WatchKind
}

export interface LiveParticipant {
  /** Media identity, e.g. `candidate:12`. */
  participant: string
  name: string
  /** `publish`, `view` or `wall`. */
  role: string
  video_tracks: number
  audio_tracks: number
  /** Last reported fraction of packets lost (0–1). */
  loss: number | null
}

export interface LiveRoom {
  room: string
  participants: LiveParticipant[]
}

/** A hole in a recording (times in Unix milliseconds). */
export interface RecordingGap {
  from_ms: number
  to_ms: number
  /** `publisher_reconnect`, `lost_frames` or `server_restart`. */
  reason: string
}

/** Everything recorded of one participant's audio or video in one room. */
export interface RecordingSummary {
  room: string
  participant: string
  candidate_id?: number | null
  /** `audio` or `video`. */
  kind: string
  start_ms: number
  end_ms: number
  segments: number
  size_bytes: number
  gaps: RecordingGap[]
}

export interface PlaybackRequest {
  room: string
  participant: string
  kind: string
  from_ms?: number | null
  to_ms?: number | null
  session_id?: number | null
}

/** One self-contained, seekable file of a recording, behind a short-lived signed link. */
export interface PlaybackSegment {
  start_ms: number
  end_ms: number
  codec: string
  size_bytes: number
  url: string
}

export interface PlaybackPlan {
  segments: PlaybackSegment[]
  gaps: RecordingGap[]
  link_ttl_secs: number
}

export interface RecordingQuery {
  room?: string
  candidate_id?: number
  session_id?: number
}
