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
  plan_id: number
  plan_title: string
  name: string
  starts_at: string
  ends_at: string
  room_id: number
  room: string
  seats: number
  site: string
  site_address: string
  /** Candidates seated in it. */
  seated: number
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

/**
 * What a candidate's device publishes; each source has its own identity
 * (`candidate:12`, `candidate:12:screen`, `candidate:12:side`), wall tile and recording.
 */
export type MediaSource = 'camera' | 'screen' | 'side'

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
  /** "Site · room" for an exam room's cameras. */
  title: string | null
  /** Media node carrying the room; null for the API's own SFU. */
  node: string | null
  participants: LiveParticipant[]
}

// Face verification (check-in, manual review, re-checks, alerts).
export interface FaceReason {
  /** `no_face`, `multiple_faces`, `mismatch`, `no_frame`, … */
  code: string
  zh: string
  en: string
}

export interface FaceEnrolment {
  enrolment_id: number
  account_id: number
  /** `registration_photo` or `staff_photo`. */
  source: string
  /** `enrolled` or `refused`. */
  status: string
  reason: FaceReason | null
  photo_url: string
  created_at: string
}

export interface FaceCheck {
  check_id: number
  account_id: number
  /** `checkin` or `recheck`. */
  kind: string
  exam_session_id: number | null
  frame_source: string
  frame_url: string | null
  matched: boolean
  distance: number | null
  threshold: number
  reason: FaceReason | null
  faces: number
  /** Experimental; recorded, never used to decide. */
  liveness: number | null
  liveness_method: string | null
  /** `passed`, `failed`, `review`, `approved`, `rejected`. */
  outcome: string
  reviewed_by: number | null
  reviewed_at: string | null
  review_note: string | null
  created_at: string
}

export interface FaceCheckInResult {
  check: FaceCheck
  attempts_used: number
  attempts_left: number
}

export interface FaceCheckInStatus {
  enrolled: boolean
  state: string
  attempts_left: number
  latest: FaceCheck | null
}

export interface FaceReviewItem {
  check: FaceCheck
  name: string
  enrolled_photo_url: string | null
}

export interface FaceDecision {
  decision: 'approve' | 'reject'
  note?: string | null
}

export interface FaceTimeline {
  account_id: number
  name: string
  enrolments: FaceEnrolment[]
  checks: FaceCheck[]
}

export interface FaceDueRecheck {
  slot_id: number | null
  seconds_to_answer: number
}

export interface FaceAlert {
  alert_id: number
  account_id: number
  name: string
  exam_session_id: number | null
  reason: FaceReason
  check: FaceCheck
  acknowledged_at: string | null
  created_at: string
}

// ---- Question banks and papers (R3) ----

export type BankKind = 'theory' | 'skill'

export interface Bank {
  id: number
  occupation_code: string
  occupation_name: string
  level: number
  kind: string
  item_count: number
  created_at: string
}

export interface CreateBank {
  occupation_code: string
  occupation_name: string
  level: number
  kind: BankKind
}

export const ITEM_TYPES = [
  'single',
  'multiple',
  'true_false',
  'fill_blank',
  'short_answer',
  'calculation',
  'essay',
  'flowchart',
  'case_analysis',
  'thesis',
] as const

export type ItemType = (typeof ITEM_TYPES)[number]

export interface NumericAnswer {
  value: number
  tolerance?: number
  unit?: string
}

export interface RubricRule {
  points_centi?: number
  description: string
}

/** An item's content; rich text is HTML, formulas TeX in `<span class="math">`. */
export interface ItemBody {
  item_type: ItemType
  stem: string
  options?: string[]
  answer?: string[]
  blanks?: string[][]
  numeric?: NumericAnswer | null
  reference_answer?: string
  explanation?: string
  rubric?: RubricRule[]
  score_centi: number
  difficulty?: number
  knowledge_point?: string
  sub_questions?: ItemBody[]
}

export interface Item {
  id: number
  bank_id: number
  version: number
  item_version_id: number
  retired: boolean
  content_hash: string
  created_at: string
  updated_at: string
  body: ItemBody
}

export interface ItemPage {
  total: number
  items: Item[]
}

export interface ItemVersion {
  item_version_id: number
  version: number
  created_at: string
  created_by: number | null
  body: ItemBody
}

export interface ItemWithHistory extends Item {
  versions: ItemVersion[]
}

export interface ItemQuery {
  item_type?: ItemType | ''
  knowledge_point?: string
  difficulty?: number | ''
  q?: string
  include_retired?: boolean
  limit?: number
  offset?: number
}

export interface StatCell {
  knowledge_point: string
  difficulty: number
  item_type: string
  items: number
  score_centi: number
}

export interface BulkEdit {
  item_ids: number[]
  difficulty?: number | null
  knowledge_point?: string | null
  retired?: boolean | null
}

export interface BulkResult {
  new_versions: number
  retired_changed: number
}

export interface RowError {
  row: number
  column: string | null
  column_name: string
  zh: string
  en: string
}

export interface ImportPreview {
  id: number
  bank_id: number
  format: string
  /** `parsing`, `preview`, `failed` or `confirmed`. */
  status: string
  processed_rows: number
  total_rows: number
  valid_items: number
  new_items: number
  already_in_bank: number
  repeated_in_file: number
  errors: RowError[]
  sample: ItemBody[]
  created_count: number
  duplicate_count: number
}

export interface ImportMapping {
  id: number
  source: string
  columns: Record<string, string>
  created_at: string
  updated_at: string
}

export interface StoredImage {
  name: string
  /** Stable address kept in rich text. */
  src: string
  /** Short-lived link to show the picture now. */
  url: string
}

export interface MappingInput {
  source: string
  columns: Record<string, string>
}

export type PaperState = 'draft' | 'locked' | 'in_use' | 'retired'

export interface PaperSummary {
  id: number
  bank_id: number
  name: string
  state: PaperState
  form_group: string | null
  form_label: string | null
  item_count: number
  total_score_centi: number
  created_at: string
  updated_at: string
}

export interface PaperItemInput {
  item_id: number
  score_centi?: number | null
}

export interface CreatePaper {
  bank_id: number
  name: string
  items?: PaperItemInput[]
}

export interface BlueprintCell {
  item_type: ItemType
  knowledge_point?: string | null
  difficulty?: number | null
  count: number
  score_centi: number
}

export interface AssembleRequest {
  bank_id: number
  name: string
  cells: BlueprintCell[]
  total_score_centi?: number | null
  exclude_recent_papers?: number
  target_difficulty?: number | null
  forms?: number
}

export interface AssembleResult {
  papers: PaperSummary[]
  shared_items: number
  mean_difficulty: number[]
}

export interface PaperEntry {
  position: number
  item_id: number
  item_version_id: number
  version: number
  score_centi: number
  body: ItemBody
}

export interface PaperDetail {
  paper: PaperSummary
  items: PaperEntry[]
}

export interface PaperUsage {
  id: number
  paper_id: number
  session_name: string
  session_ref: string | null
  starts_at: string
  created_at: string
  created_by: number | null
  exam_session_id: number | null
}

export interface AccessEntry {
  usage_id: number | null
  account_id: number
  username: string
  role: string
  what: string
  granted: boolean
  at: string
}

export interface UsageLog {
  usages: PaperUsage[]
  accesses: AccessEntry[]
}

export interface CreateUsage {
  session_name: string
  session_ref?: string | null
  exam_session_id?: number | null
  starts_at?: string | null
}

// Plans, exam affairs and candidate records in the staff area (issue 7).
export interface CreatePlan {
  code: string
  title: string
  occupation_code: string
  occupation_name: string
  level: number
  registration_opens_at: string
  registration_closes_at: string
  realname_policy: string
  subjects: PlanSubject[]
}

export interface PlanMove {
  to: string
  allowed: boolean
}

export interface RealnamePolicy {
  realname_policy: string
}

export interface CreateSession {
  name: string
  starts_at: string
  ends_at: string
  room_id: number
}

export interface PlanDocument {
  id: number
  title: string
  content_type: string
  size_bytes: number
  uploaded_at: string
}

export interface Room {
  id: number
  name: string
  seats: number
}

export interface Site {
  id: number
  name: string
  address: string
  rooms: Room[]
}

export interface CreateSite {
  name: string
  address: string
}

export interface CreateRoom {
  name: string
  seats: number
}

export interface Device {
  id: number
  kind: string
  label: string
  address: string
}

export interface NewDevice {
  kind: string
  label: string
  address: string
}

export interface Duty {
  id: number
  account_id: number
  name: string
  duty: string
  work_unit: string
  qualification_no: string
}

export interface AssignStaff {
  account_id: number
  duty: string
  work_unit: string
  qualification_no: string
}

export interface DutyPerson {
  account_id: number
  username: string
  name: string
  role: string
}

export interface SeatingResult {
  seated: number
  unseated: number
}

export interface RemindersSent {
  sent: number
}

export interface Usage {
  plan_id: number
  registered: number
  approved: number
  seated: number
  sat: number
  absent: number
}

export interface RecordLookup {
  id_type?: string | null
  id_number: string
}

export interface RecordEntry {
  registration_id: number
  plan_id: number
  plan_code: string
  plan_title: string
  level: number
  name: string
  id_number: string
  status: string
  ticket_no: string | null
  attendance: string | null
  registered_at: string
}

export interface FileLink {
  url: string
  expires_at: string
}

export interface AnotherRegistration {
  plan_id: number
  form: RegistrationForm
  consent: boolean
}

export interface RegistrationProfile {
  registration_id: number
  form: RegistrationForm
}

export interface Notification {
  id: number
  kind: string
  title_zh: string
  title_en: string
  body: string
  created_at: string
}

export type CameraStatus = 'disabled' | 'connecting' | 'online' | 'offline' | 'unauthorised'

/** An exam-room IP camera pulled into the room's live wall; credentials never come back. */
export interface RoomCamera {
  id: number
  room_id: number
  room_name: string
  site_name: string
  label: string
  /** `rtsp://host[:port]/path`, without credentials. */
  url: string
  has_credentials: boolean
  enabled: boolean
  status: CameraStatus
  /** The camera's last reason for not being online. */
  last_error: string | null
  status_at: string | null
  last_online_at: string | null
  last_offline_at: string | null
  /** The live room its picture appears in, e.g. `room-3`. */
  live_room: string
  /** Its participant id on the wall, e.g. `camera:7`. */
  participant: string
  created_at: string
  updated_at: string
}

export interface NewCameraRequest {
  label: string
  url: string
  username: string
  password: string
  enabled?: boolean | null
}

export interface CameraChangeRequest {
  label?: string | null
  url?: string | null
  username?: string | null
  password?: string | null
  enabled?: boolean | null
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
  /** The participant is publishing now: the recording is still growing. */
  live: boolean
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

/** A small JPEG of a participant's camera at `at_ms`, behind a short-lived signed link. */
export interface RecordingThumbnail {
  room: string
  participant: string
  candidate_id?: number | null
  at_ms: number
  width: number
  height: number
  url: string
}

export interface ThumbnailQuery {
  room?: string
  participant?: string
  candidate_id?: number
  session_id?: number
  from_ms?: number
  to_ms?: number
  limit?: number
}

/** How seating places candidates: shuffled, in registration order, or work units spread apart. */
export type SeatingOrder = 'random' | 'registration' | 'spread_units'

/** One file for a time range of a recording: `remux` (no transcoding) or `mp4` (H.264 + AAC). */
export interface RecordingExportRequest {
  room: string
  participant: string
  from_ms?: number | null
  to_ms?: number | null
  format: string
  session_id?: number | null
}

/** An export job; once done, `GET /api/recordings/exports/{id}` adds a short-lived link. */
export interface RecordingExport {
  id: number
  requested_by: number
  room: string
  participant: string
  session_id?: number | null
  from_ms: number
  to_ms: number
  format: string
  /** `queued`, `running`, `done`, `failed` or `expired`. */
  status: string
  /** 0 to 1. */
  progress: number
  file_name?: string | null
  mime?: string | null
  size_bytes?: number | null
  start_ms?: number | null
  duration_ms?: number | null
  video_codec?: string | null
  audio_codec?: string | null
  error?: string | null
  created_at: string
  started_at?: string | null
  finished_at?: string | null
  /** Runs that found the object store unreachable; with `retry_at` set the job waits for it. */
  attempts: number
  retry_at?: string | null
  url?: string | null
  link_ttl_secs?: number | null
}
