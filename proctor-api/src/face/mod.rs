//! Face verification in the exam flow (R2, R7), on top of the `face-verify` engine:
//! - enrolment: a candidate's registration portrait (when staff approve, or on demand) and
//!   each examiner's staff photo become a sealed embedding; refusals keep their reason;
//! - check-in: the server grabs the picture from the caller's live camera (on the in-process
//!   SFU or the media node carrying it), or else takes the still the camera page sends ([`frame::FrameSource`]), and verifies
//!   it; after `face.max_attempts` failures an invigilator compares both pictures and decides;
//! - random re-checks during a session ([`recheck`]) and the alerts they raise;
//! - a timeline of every check of an account, with signed links to the evidence.
//!
//! Every check is stored with its picture, distance and experimental liveness score.

pub mod check;
pub mod engine;
pub mod enrol;
pub mod frame;
pub mod issue;
pub mod queries;
pub mod recheck;

use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::affairs::duty;
use crate::audit;
use crate::auth::{AuthUser, Candidate, Proctor, Role, Staff};
use crate::error::{ApiError, ApiResult};
use crate::http::Json;
use crate::state::AppState;
use check::CheckView;
use enrol::{EnrolmentView, Reason};
pub use engine::FaceService;
use frame::FrameSource;

/// Largest picture accepted (a phone photo; the engine refuses more pixels by header).
pub const MAX_UPLOAD_BYTES: usize = 12 * 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    let uploads = OpenApiRouter::new()
        .routes(routes!(staff_photo))
        .routes(routes!(check_in, check_in_status))
        .routes(routes!(answer_recheck))
        // Room above the limit, so a slightly larger picture is read whole and refused
        // with a 413 by `picture` instead of the connection being cut mid-upload.
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 1024 * 1024));
    OpenApiRouter::new()
        .routes(routes!(enrol_registration))
        .routes(routes!(enrolments))
        .routes(routes!(reviews))
        .routes(routes!(decide))
        .routes(routes!(timeline))
        .routes(routes!(set_rechecks))
        .routes(routes!(my_recheck))
        .routes(routes!(alerts))
        .routes(routes!(acknowledge))
        .merge(uploads)
}

/// A candidate or an examiner: the people who sign in to an exam by face.
pub struct FaceUser(pub AuthUser);

impl<S> axum::extract::FromRequestParts<S> for FaceUser
where
    S: Send + Sync,
    AppState: axum::extract::FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, ApiError> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        match user.role {
            Role::Candidate | Role::Examiner => Ok(FaceUser(user)),
            _ => Err(ApiError::Forbidden),
        }
    }
}

/// Faces in a portrait (for the one-face warning); `None` when the engine is off or the
/// picture cannot be read (the upload checks report that themselves).
pub async fn count_faces(state: &AppState, bytes: &[u8]) -> Option<usize> {
    let face = state.face.as_ref()?;
    let bytes = bytes.to_vec();
    face.run(move |e| {
        let a = e.analyse(&e.decode(&bytes)?)?;
        Ok(match a.issue {
            Some(face_verify::QualityIssue::NoFace) => 0,
            Some(face_verify::QualityIssue::MultipleFaces { count }) => count,
            _ => 1,
        })
    })
    .await
    .ok()
}

/// Reads the one picture field (`file`) of a multipart upload.
async fn picture(multipart: Multipart) -> ApiResult<Bytes> {
    picture_if_any(multipart)
        .await?
        .ok_or_else(|| ApiError::invalid_code("file", "missing_field", "缺少文件字段 file", "Missing form field: file"))
}

/// The picture field (`file`) of a multipart upload, if the form has one.
async fn picture_if_any(mut multipart: Multipart) -> ApiResult<Option<Bytes>> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::invalid("file", "无法读取上传内容", "The upload could not be read")
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        if field.name() == Some("file") {
            let bytes = field.bytes().await.map_err(bad)?;
            if bytes.len() > MAX_UPLOAD_BYTES {
                return Err(ApiError::PayloadTooLarge);
            }
            return Ok(Some(bytes));
        }
    }
    Ok(None)
}

/// The picture of a check-in: the live camera when the caller publishes (on the in-process
/// SFU or a media node), else (or when the grab fails) the still the page sent.
async fn checkin_frame(state: &AppState, user: &AuthUser, still: Option<Bytes>) -> ApiResult<frame::Frame> {
    if let Some(live) = FrameSource::live_of(state, user.account_id, user.role.as_str()).await {
        match live.take(state).await {
            Ok(f) => return Ok(f),
            Err(e) => tracing::warn!(account = user.account_id, error = %e, "live grab failed; using the still"),
        }
    }
    match still {
        Some(bytes) => FrameSource::Still(bytes).take(state).await,
        None => Err(ApiError::invalid_code(
            "file",
            "missing_field",
            "未检测到直播画面，请上传摄像头照片（字段 file）",
            "No live camera here: send a still from the camera (field file)",
        )),
    }
}

/// Enrol (again) the current portrait of a registration.
#[utoipa::path(post, path = "/api/face/registrations/{id}/enrol", tag = "face", params(("id" = i64, Path)),
    responses((status = 200, body = EnrolmentView), (status = 409, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn enrol_registration(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<EnrolmentView>> {
    Ok(Json(enrol::from_registration(&state, Some(&user), id).await?))
}

/// Enrol the staff photo of an examiner (or other staff member) as multipart field `file`.
#[utoipa::path(post, path = "/api/face/accounts/{id}/photo", tag = "face", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", content = String),
    responses((status = 200, body = EnrolmentView), (status = 413, body = crate::error::ErrorBody), (status = 415, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
async fn staff_photo(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> ApiResult<Json<EnrolmentView>> {
    let bytes = picture(multipart).await?;
    let (_, role) = queries::account_name(&state.db, id).await?.ok_or(ApiError::NotFound("account"))?;
    if role == "candidate" {
        return Err(ApiError::invalid_code(
            "id",
            "candidate_account",
            "考生的人脸照片取自报名证件照",
            "A candidate's face photo comes from the registration portrait",
        ));
    }
    Ok(Json(enrol::enrol(&state, Some(&user), id, "staff_photo", None, bytes).await?))
}

/// Every enrolment attempt of an account, newest first.
#[utoipa::path(get, path = "/api/face/accounts/{id}/enrolments", tag = "face", params(("id" = i64, Path)),
    responses((status = 200, body = [EnrolmentView])), security(("bearer" = [])))]
async fn enrolments(
    _s: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<EnrolmentView>>> {
    let mut out = Vec::new();
    for r in queries::enrolments(&state.db, id).await? {
        out.push(enrol::view(&state, &r).await?);
    }
    Ok(Json(out))
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FaceCheckInResult)]
pub struct CheckInResult {
    pub check: CheckView,
    /// Failed attempts so far in this round, and how many are left before manual review.
    pub attempts_used: u32,
    pub attempts_left: u32,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FaceCheckInStatus)]
pub struct CheckInStatus {
    pub enrolled: bool,
    /// `none`, `passed`, `failed`, `review`, `approved`, `rejected`: the newest check-in's outcome.
    pub state: String,
    pub attempts_left: u32,
    pub latest: Option<CheckView>,
}

/// Consecutive failed attempts at the top of the newest-first list, and the newest outcome.
fn round(rows: &[queries::CheckRow]) -> (u32, Option<&str>) {
    let failed = rows.iter().take_while(|r| r.outcome == "failed").count() as u32;
    (failed, rows.first().map(|r| r.outcome.as_str()))
}

async fn checkins(state: &AppState, account: i64) -> ApiResult<Vec<queries::CheckRow>> {
    Ok(queries::checks(&state.db, account)
        .await?
        .into_iter()
        .filter(|c| c.kind == "checkin")
        .collect())
}

/// Sign in to the exam by face. When the caller publishes their camera on the in-process SFU
/// the server grabs the picture from the live track (`frame_source` `live`); otherwise the
/// multipart field `file` (a still from the camera page) is used and is then required.
/// After `face.max_attempts` failures the attempt goes to an invigilator for review.
#[utoipa::path(post, path = "/api/face/check-in", tag = "face",
    request_body(content_type = "multipart/form-data", content = String),
    responses((status = 200, body = CheckInResult), (status = 409, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
async fn check_in(
    FaceUser(user): FaceUser,
    State(state): State<AppState>,
    multipart: Option<Multipart>,
) -> ApiResult<Json<CheckInResult>> {
    // The picture is read first, so a refusal never cuts off an upload mid-way.
    let still = match multipart {
        Some(m) => picture_if_any(m).await?,
        None => None,
    };
    let rows = checkins(&state, user.account_id).await?;
    let (failed, latest) = round(&rows);
    if latest == Some("review") {
        return Err(ApiError::conflict(
            None,
            "正在等待监考员人工核验",
            "An invigilator is reviewing your check-in; please wait",
        ));
    }
    let frame = checkin_frame(&state, &user, still).await?;
    let m = check::measure(&state, user.account_id, frame).await?;
    let max = state.settings.face.max_attempts;
    let outcome = if m.matched {
        "passed"
    } else if failed + 1 >= max {
        "review"
    } else {
        "failed"
    };
    let id = check::record(&state, user.account_id, "checkin", None, &m, outcome).await?;
    let row = queries::check(&state.db, id).await?.ok_or(ApiError::NotFound("check"))?;
    let used = if m.matched { failed } else { failed + 1 };
    Ok(Json(CheckInResult {
        check: check::view(&state, &row).await?,
        attempts_used: used,
        attempts_left: if outcome == "failed" { max - used } else { 0 },
    }))
}

/// Where the caller's check-in stands.
#[utoipa::path(get, path = "/api/face/check-in", tag = "face",
    responses((status = 200, body = CheckInStatus)), security(("bearer" = [])))]
async fn check_in_status(FaceUser(user): FaceUser, State(state): State<AppState>) -> ApiResult<Json<CheckInStatus>> {
    let enrolled = queries::current_enrolment(&state.db, user.account_id).await?.is_some();
    let rows = checkins(&state, user.account_id).await?;
    let (failed, latest) = round(&rows);
    let max = state.settings.face.max_attempts;
    Ok(Json(CheckInStatus {
        enrolled,
        state: latest.unwrap_or("none").to_owned(),
        attempts_left: if matches!(latest, None | Some("failed") | Some("rejected") | Some("passed") | Some("approved")) {
            max.saturating_sub(failed)
        } else {
            0
        },
        latest: match rows.first() {
            Some(r) => Some(check::view(&state, r).await?),
            None => None,
        },
    }))
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FaceReviewItem)]
pub struct ReviewItem {
    pub check: CheckView,
    pub name: String,
    /// Signed link to the enrolled photo, to compare side by side with `check.frame_url`.
    pub enrolled_photo_url: Option<String>,
}

/// Check-ins waiting for an invigilator (an invigilator sees those of the candidates seated
/// in the sessions they are on duty at).
#[utoipa::path(get, path = "/api/face/reviews", tag = "face",
    responses((status = 200, body = [ReviewItem])), security(("bearer" = [])))]
async fn reviews(Proctor(user): Proctor, State(state): State<AppState>) -> ApiResult<Json<Vec<ReviewItem>>> {
    let mut out = Vec::new();
    for r in queries::pending_reviews(&state.db).await? {
        if duty::covers_candidate(&state.db, &user, r.account_id).await.is_err() {
            continue;
        }
        let name = queries::account_name(&state.db, r.account_id).await?.map(|n| n.0).unwrap_or_default();
        let enrolled_photo_url = match queries::current_enrolment(&state.db, r.account_id).await? {
            Some(e) => Some(state.files.link(&e.photo_key).await?),
            None => None,
        };
        out.push(ReviewItem { check: check::view(&state, &r).await?, name, enrolled_photo_url });
    }
    Ok(Json(out))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = FaceDecision)]
pub struct Decision {
    /// `approve` (it is the enrolled person) or `reject`.
    pub decision: String,
    pub note: Option<String>,
}

/// Decide a check-in under review; audited, and the person is told in-app.
#[utoipa::path(post, path = "/api/face/reviews/{id}", tag = "face", params(("id" = i64, Path)), request_body = Decision,
    responses((status = 200, body = CheckView), (status = 409, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn decide(
    Proctor(user): Proctor,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(req): Json<Decision>,
) -> ApiResult<Json<CheckView>> {
    let outcome = match req.decision.as_str() {
        "approve" => "approved",
        "reject" => "rejected",
        _ => return Err(ApiError::invalid("decision", "结果须为 approve 或 reject", "Decision must be approve or reject")),
    };
    let note = req.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 500) {
        return Err(ApiError::invalid_code("note", "too_long", "备注最多 500 个字符", "At most 500 characters"));
    }
    let row = queries::check(&state.db, id).await?.ok_or(ApiError::NotFound("check"))?;
    duty::covers_candidate(&state.db, &user, row.account_id).await?;
    if !queries::decide(&state.db, id, outcome, user.account_id, note).await? {
        return Err(ApiError::conflict(None, "该核验不在待审状态", "This check is not waiting for review"));
    }
    audit::record(
        &state.db,
        Some(&user),
        "face.review",
        "face_check",
        Some(&id.to_string()),
        serde_json::json!({"account_id": row.account_id, "before": row.outcome, "after": outcome, "note": note}),
    )
    .await?;
    let (zh, en) = if outcome == "approved" {
        ("人脸签到已由监考员确认通过", "An invigilator confirmed your face check-in")
    } else {
        ("人脸签到未通过人工核验", "Your face check-in was rejected on review")
    };
    crate::notify::queries::insert(&state.db, row.account_id, "face_review", zh, en, note.unwrap_or(""), "in_app").await?;
    let row = queries::check(&state.db, id).await?.ok_or(ApiError::NotFound("check"))?;
    Ok(Json(check::view(&state, &row).await?))
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FaceTimeline)]
pub struct Timeline {
    pub account_id: i64,
    pub name: String,
    pub enrolments: Vec<EnrolmentView>,
    /// Check-ins and re-checks, newest first.
    pub checks: Vec<CheckView>,
}

/// Everything face verification recorded about an account.
#[utoipa::path(get, path = "/api/face/accounts/{id}/checks", tag = "face", params(("id" = i64, Path)),
    responses((status = 200, body = Timeline)), security(("bearer" = [])))]
async fn timeline(Proctor(user): Proctor, State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Timeline>> {
    duty::covers_candidate(&state.db, &user, id).await?;
    let (name, _) = queries::account_name(&state.db, id).await?.ok_or(ApiError::NotFound("account"))?;
    let mut enrolments = Vec::new();
    for r in queries::enrolments(&state.db, id).await? {
        enrolments.push(enrol::view(&state, &r).await?);
    }
    let mut checks = Vec::new();
    for r in queries::checks(&state.db, id).await? {
        checks.push(check::view(&state, &r).await?);
    }
    Ok(Json(Timeline { account_id: id, name, enrolments, checks }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = FaceRecheckPlan)]
pub struct RecheckPlan {
    /// Checks per candidate (0 switches re-checks off).
    pub count: u32,
    /// Window (RFC 3339); defaults to the session's start and end.
    pub window_from: Option<String>,
    pub window_to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FaceRecheckPlanned)]
pub struct RecheckPlanned {
    pub candidates: usize,
    /// Moments drawn (their times are never revealed).
    pub checks: usize,
}

fn parse_time(field: &str, v: &str) -> ApiResult<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(v)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| ApiError::invalid(field, "时间格式须为 RFC 3339", "Time must be RFC 3339"))
}

/// Plan random re-checks for a session's seated candidates (replaces moments not yet due).
#[utoipa::path(put, path = "/api/face/sessions/{id}/rechecks", tag = "face", params(("id" = i64, Path)), request_body = RecheckPlan,
    responses((status = 200, body = RecheckPlanned)), security(("bearer" = [])))]
async fn set_rechecks(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(req): Json<RecheckPlan>,
) -> ApiResult<Json<RecheckPlanned>> {
    let times = queries::session_times(&state.db, id).await?.ok_or(ApiError::NotFound("session"))?;
    if req.count > 20 {
        return Err(ApiError::invalid("count", "每人最多 20 次抽检", "At most 20 re-checks per candidate"));
    }
    let from = parse_time("window_from", req.window_from.as_deref().unwrap_or(&times.starts_at))?;
    let to = parse_time("window_to", req.window_to.as_deref().unwrap_or(&times.ends_at))?;
    if to <= from {
        return Err(ApiError::invalid("window_to", "结束时间须晚于开始时间", "The window must end after it starts"));
    }
    let candidates = queries::session_candidates(&state.db, id).await?;
    let slots = recheck::draw(&candidates, req.count, from, to);
    let (f, t) = (crate::db::to_text(from), crate::db::to_text(to));
    queries::replace_plan(&state.db, id, i64::from(req.count), &f, &t, user.account_id, &slots).await?;
    audit::record(
        &state.db,
        Some(&user),
        "face.recheck_plan",
        "exam_session",
        Some(&id.to_string()),
        serde_json::json!({"count": req.count, "window_from": f, "window_to": t, "candidates": candidates.len()}),
    )
    .await?;
    Ok(Json(RecheckPlanned { candidates: candidates.len(), checks: slots.len() }))
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FaceDueRecheck)]
pub struct DueRecheck {
    /// A re-check that is due now, to answer with a picture; null when none is.
    pub slot_id: Option<i64>,
    pub seconds_to_answer: u64,
}

/// Is a re-check due now? (Only ever says so once the moment has come.)
#[utoipa::path(get, path = "/api/face/me/recheck", tag = "face",
    responses((status = 200, body = DueRecheck)), security(("bearer" = [])))]
async fn my_recheck(Candidate(user): Candidate, State(state): State<AppState>) -> ApiResult<Json<DueRecheck>> {
    let slot = queries::asked_for(&state.db, user.account_id).await?;
    Ok(Json(DueRecheck {
        slot_id: slot.map(|s| s.face_recheck_slot_id),
        seconds_to_answer: state.settings.face.recheck_answer_secs,
    }))
}

/// Answer a due re-check with a picture from the camera (multipart field `file`).
#[utoipa::path(post, path = "/api/face/me/recheck/{id}", tag = "face", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", content = String),
    responses((status = 200, body = CheckView), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
async fn answer_recheck(
    Candidate(user): Candidate,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> ApiResult<Json<CheckView>> {
    let picture = picture(multipart).await?;
    let slot = queries::slot(&state.db, id)
        .await?
        .filter(|s| s.account_id == user.account_id && s.state != "pending")
        .ok_or(ApiError::NotFound("recheck"))?;
    if slot.state != "asked" {
        return Err(ApiError::conflict(None, "该抽检已结束", "This re-check is closed"));
    }
    let frame = FrameSource::Still(picture).take(&state).await?;
    let (check_id, _) = recheck::answer(&state, &slot, frame).await?;
    let row = queries::check(&state.db, check_id).await?.ok_or(ApiError::NotFound("check"))?;
    Ok(Json(check::view(&state, &row).await?))
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FaceAlert)]
pub struct Alert {
    pub alert_id: i64,
    pub account_id: i64,
    pub name: String,
    pub exam_session_id: Option<i64>,
    pub reason: Reason,
    /// The check with the evidence frame.
    pub check: CheckView,
    pub acknowledged_at: Option<String>,
    pub created_at: String,
}

/// Re-check alerts, open ones first.
#[utoipa::path(get, path = "/api/face/alerts", tag = "face",
    responses((status = 200, body = [Alert])), security(("bearer" = [])))]
async fn alerts(Proctor(user): Proctor, State(state): State<AppState>) -> ApiResult<Json<Vec<Alert>>> {
    let mut out = Vec::new();
    for a in queries::alerts(&state.db).await? {
        if duty::covers_candidate(&state.db, &user, a.account_id).await.is_err() {
            continue;
        }
        let Some(c) = queries::check(&state.db, a.face_check_id).await? else { continue };
        let name = queries::account_name(&state.db, a.account_id).await?.map(|n| n.0).unwrap_or_default();
        out.push(Alert {
            alert_id: a.face_alert_id,
            account_id: a.account_id,
            name,
            exam_session_id: a.exam_session_id,
            reason: Reason::from_code(&a.reason),
            check: check::view(&state, &c).await?,
            acknowledged_at: a.acknowledged_at,
            created_at: a.created_at,
        });
    }
    Ok(Json(out))
}

/// Mark an alert as dealt with (audited).
#[utoipa::path(post, path = "/api/face/alerts/{id}/ack", tag = "face", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn acknowledge(Proctor(user): Proctor, State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    let account = queries::alert_account(&state.db, id).await?.ok_or(ApiError::NotFound("alert"))?;
    duty::covers_candidate(&state.db, &user, account).await?;
    if queries::acknowledge(&state.db, id, user.account_id).await? {
        audit::record(&state.db, Some(&user), "face.alert_ack", "face_alert", Some(&id.to_string()), serde_json::json!({})).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
