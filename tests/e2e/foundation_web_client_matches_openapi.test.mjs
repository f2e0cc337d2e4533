// The web app's typed API client (web/src/api) is checked against the OpenAPI document the
// real server generates from its code: every call goes to a documented path and method, and
// every interface has exactly the properties of its schema (request bodies also agree on
// which are optional). A change on either side that the other did not follow fails here.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { REPO_ROOT, startProctor } from './lib/proctor.mjs'

/** TypeScript interface → OpenAPI schema, and whether it is sent (request) or received. */
const INTERFACES = {
  ApiErrorBody: { schema: 'ErrorBody', request: false },
  SessionUser: { schema: 'UserInfo', request: false },
  LoginRequest: { schema: 'LoginRequest', request: true },
  SessionResponse: { schema: 'SessionInfo', request: false },
  ChangePasswordRequest: { schema: 'ChangePasswordRequest', request: true },
  UserRecord: { schema: 'Account', request: false },
  CreateUserRequest: { schema: 'CreateUser', request: true },
  UpdateUserRequest: { schema: 'UpdateUser', request: true },
  ResetPasswordRequest: { schema: 'ResetPassword', request: true },
  AuditEvent: { schema: 'AuditEvent', request: false },
  OrgProfileInput: { schema: 'OrgProfileInput', request: true },
  OrgProfile: { schema: 'OrgProfile', request: false },
  MediaGrant: { schema: 'MediaGrant', request: false },
  WatchRequest: { schema: 'WatchRequest', request: true },
  LiveRoom: { schema: 'LiveRoom', request: false },
  LiveParticipant: { schema: 'LiveParticipant', request: false },
  Plan: { schema: 'Plan', request: false },
  PlanSubject: { schema: 'SubjectInput', request: false },
  ExamSession: { schema: 'ExamSession', request: false },
  Registration: { schema: 'Registration', request: false },
  RegistrationFile: { schema: 'FileInfo', request: false },
  RegistrationForm: { schema: 'RegistrationForm', request: true },
  ReviewRequest: { schema: 'Review', request: true },
  RecordingGap: { schema: 'RecordingGap', request: false },
  RecordingSummary: { schema: 'RecordingSummary', request: false },
  PlaybackRequest: { schema: 'PlaybackRequest', request: true },
  PlaybackSegment: { schema: 'PlaybackSegment', request: false },
  PlaybackPlan: { schema: 'PlaybackPlan', request: false },
  RecordingThumbnail: { schema: 'RecordingThumbnail', request: false },
  FaceReason: { schema: 'FaceReason', request: false },
  FaceEnrolment: { schema: 'FaceEnrolment', request: false },
  FaceCheck: { schema: 'FaceCheck', request: false },
  FaceCheckInResult: { schema: 'FaceCheckInResult', request: false },
  FaceCheckInStatus: { schema: 'FaceCheckInStatus', request: false },
  FaceReviewItem: { schema: 'FaceReviewItem', request: false },
  FaceDecision: { schema: 'FaceDecision', request: true },
  FaceTimeline: { schema: 'FaceTimeline', request: false },
  FaceDueRecheck: { schema: 'FaceDueRecheck', request: false },
  FaceAlert: { schema: 'FaceAlert', request: false },
  Bank: { schema: 'Bank', request: false },
  CreateBank: { schema: 'CreateBank', request: true },
  ItemBody: { schema: 'ItemBody', request: true },
  NumericAnswer: { schema: 'NumericAnswer', request: true },
  RubricRule: { schema: 'RubricRule', request: true },
  Item: { schema: 'Item', request: false },
  ItemPage: { schema: 'ItemPage', request: false },
  ItemVersion: { schema: 'ItemVersion', request: false },
  StatCell: { schema: 'StatCell', request: false },
  BulkEdit: { schema: 'BulkEdit', request: true },
  BulkResult: { schema: 'BulkResult', request: false },
  RowError: { schema: 'RowError', request: false },
  ImportPreview: { schema: 'ImportPreview', request: false },
  ImportMapping: { schema: 'ImportMapping', request: false },
  MappingInput: { schema: 'MappingInput', request: true },
  PaperSummary: { schema: 'PaperSummary', request: false },
  PaperItemInput: { schema: 'PaperItemInput', request: true },
  CreatePaper: { schema: 'CreatePaper', request: true },
  BlueprintCell: { schema: 'BlueprintCell', request: true },
  AssembleRequest: { schema: 'AssembleRequest', request: true },
  AssembleResult: { schema: 'AssembleResult', request: false },
  PaperEntry: { schema: 'PaperEntry', request: false },
  PaperDetail: { schema: 'PaperDetail', request: false },
  PaperUsage: { schema: 'PaperUsage', request: false },
  AccessEntry: { schema: 'AccessEntry', request: false },
  UsageLog: { schema: 'UsageLog', request: false },
  CreateUsage: { schema: 'CreateUsage', request: true },
  StoredImage: { schema: 'StoredImage', request: false },
  CreatePlan: { schema: 'CreatePlan', request: true },
  PlanMove: { schema: 'Move', request: false },
  RealnamePolicy: { schema: 'RealnamePolicy', request: true },
  CreateSession: { schema: 'CreateSession', request: true },
  PlanDocument: { schema: 'Document', request: false },
  Room: { schema: 'Room', request: false },
  Site: { schema: 'Site', request: false },
  CreateSite: { schema: 'CreateSite', request: true },
  CreateRoom: { schema: 'CreateRoom', request: true },
  Device: { schema: 'Device', request: false },
  NewDevice: { schema: 'NewDevice', request: true },
  Duty: { schema: 'Duty', request: false },
  AssignStaff: { schema: 'AssignStaff', request: true },
  DutyPerson: { schema: 'DutyPerson', request: false },
  SeatingResult: { schema: 'SeatingResult', request: false },
  RemindersSent: { schema: 'RemindersSent', request: false },
  Usage: { schema: 'UsageReport', request: false },
  RecordLookup: { schema: 'RecordLookup', request: true },
  RecordEntry: { schema: 'RecordEntry', request: false },
  FileLink: { schema: 'FileLink', request: false },
  AnotherRegistration: { schema: 'AnotherRegistration', request: true },
  RegistrationProfile: { schema: 'RegistrationProfile', request: false },
  Notification: { schema: 'Notification', request: false },
  RoomCamera: { schema: 'Camera', request: false },
  NewCameraRequest: { schema: 'NewCamera', request: true },
  CameraChangeRequest: { schema: 'CameraChange', request: true },
  RecordingExportRequest: { schema: 'RecordingExportRequest', request: true },
  RecordingExport: { schema: 'RecordingExport', request: false },
}

/** Interfaces of types.ts: name → { extends, fields: name → optional }. */
function parseInterfaces(source) {
  const out = {}
  for (const m of source.matchAll(/export interface (\w+)(?: extends (\w+))? \{([\s\S]*?)\n\}/g)) {
    const fields = {}
    for (const line of m[3].split('\n')) {
      const f = /^\s{2}(\w+)(\?)?:/.exec(line)
      if (f) fields[f[1]] = Boolean(f[2])
    }
    out[m[1]] = { extends: m[2], fields }
  }
  return out
}

function allFields(ifaces, name) {
  const i = ifaces[name]
  return { ...(i.extends ? allFields(ifaces, i.extends) : {}), ...i.fields }
}

/** Properties of a schema (following $ref and allOf): name → required. */
function schemaProps(doc, schema) {
  if (schema.$ref) return schemaProps(doc, doc.components.schemas[schema.$ref.split('/').pop()])
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s) => schemaProps(doc, s)))
  const required = new Set(schema.required ?? [])
  return Object.fromEntries(Object.keys(schema.properties ?? {}).map((p) => [p, required.has(p)]))
}

/** (method, path template) of every call in web/src/api/index.ts. */
function parseCalls(source) {
  return [...source.matchAll(/request<[^(]*>\(\s*'(GET|POST|PUT|PATCH|DELETE)',\s*[`'](\/api\/[^`']*)/g)].map((m) => ({
    method: m[1].toLowerCase(),
    path: m[2].replace(/\$\{encodeURIComponent\(String\((\w+)\)\)\}/g, '{$1}').replace(/\$\{.*$/, ''),
  }))
}

test('the web API client matches the OpenAPI document of the server', { timeout: 60_000 }, async (t) => {
  const server = await startProctor()
  t.after(() => server.stop())
  const res = await fetch(`${server.url}/api/openapi.json`)
  assert.equal(res.status, 200)
  const doc = await res.json()

  const apiDir = join(REPO_ROOT, 'web', 'src', 'api')
  const types = await readFile(join(apiDir, 'types.ts'), 'utf8')
  const index = await readFile(join(apiDir, 'index.ts'), 'utf8')

  const calls = parseCalls(index)
  assert.ok(calls.length >= 10, `found only ${calls.length} calls in web/src/api/index.ts`)
  for (const { method, path } of calls) {
    assert.ok(doc.paths[path]?.[method], `web calls ${method.toUpperCase()} ${path}, which the OpenAPI document lacks`)
  }

  const ifaces = parseInterfaces(types)
  for (const [name, { schema, request }] of Object.entries(INTERFACES)) {
    assert.ok(ifaces[name], `interface ${name} missing from web/src/api/types.ts`)
    assert.ok(doc.components.schemas[schema], `schema ${schema} missing from the OpenAPI document`)
    const ts = allFields(ifaces, name)
    const api = schemaProps(doc, { $ref: `#/components/schemas/${schema}` })
    assert.deepEqual(Object.keys(ts).sort(), Object.keys(api).sort(), `${name} has the properties of ${schema}`)
    if (request) {
      for (const [field, optional] of Object.entries(ts)) {
        assert.equal(optional, !api[field], `${name}.${field} is ${optional ? 'optional' : 'required'} in TS but not in ${schema}`)
      }
    }
  }

  const roles = /export const ROLES = \[([\s\S]*?)\] as const/.exec(types)[1].match(/'(\w+)'/g).map((r) => r.slice(1, -1))
  assert.deepEqual([...roles].sort(), [...doc.components.schemas.Role.enum].sort(), 'ROLES match the Role enum')
})
