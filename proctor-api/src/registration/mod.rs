//! Candidate registration (R1): the public entry creates the candidate's account and
//! registration in one step; the candidate uploads a portrait and materials, staff approve
//! or reject with a reason, the candidate corrects and resubmits, and every step is kept in
//! the registration's history. ID and phone numbers are sealed at rest and masked in every
//! list; reading them in clear is audited.

pub mod access;
pub mod files;
pub mod queries;
pub mod service;

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::audit;
use crate::auth::{ClientIp, SessionInfo, Staff};
use crate::error::{ApiError, ApiResult};
use crate::http::Json;
use crate::identity::vault::Vault;
use crate::state::AppState;
pub use access::SelfOrStaff;
use service::RegistrationForm;

pub fn router() -> OpenApiRouter<AppState> {
    let uploads = OpenApiRouter::new()
        .routes(routes!(upload_file, download_file))
        .routes(routes!(file_link))
        // Only the upload route takes large bodies; the JSON routes keep the global limit.
        .layer(DefaultBodyLimit::max(files::MAX_BYTES + 64 * 1024));
    OpenApiRouter::new()
        .routes(routes!(create_registration))
        .routes(routes!(consent_text))
        .routes(routes!(my_registrations, register_again))
        .routes(routes!(my_profile))
        .routes(routes!(plan_registrations))
        .routes(routes!(get_registration, resubmit))
        .routes(routes!(history))
        .routes(routes!(review))
        .routes(routes!(recheck_realname))
        .routes(routes!(candidate_record))
        .merge(uploads)
        // Not an API route: a signed link is its own authorization (like `/files`).
        .route(
            &format!("{}/{{*key}}", files::SEALED_ROUTE),
            axum::routing::get(open_sealed),
        )
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRegistration {
    #[serde(flatten)]
    pub form: RegistrationForm,
    /// Password of the new candidate account (sign-in name: the phone number).
    pub password: String,
    /// The candidate agreed to the text of `GET /api/registration/consent`.
    pub consent: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub registration_id: i64,
    pub session: SessionInfo,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FileInfo {
    pub kind: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub warnings: Vec<String>,
    pub uploaded_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Registration {
    pub id: i64,
    pub plan_id: i64,
    pub name: String,
    pub gender: String,
    pub id_type: String,
    /// Masked in lists; in clear only on the single-record view (audited for staff).
    pub id_number: String,
    pub birth_date: String,
    pub phone: String,
    pub education: String,
    pub work_unit: String,
    pub years_in_occupation: i64,
    pub declared_level: i64,
    /// `submitted`, `rejected` or `approved`.
    pub status: String,
    pub review_reason: Option<String>,
    pub reviewed_at: Option<String>,
    /// `match`, `mismatch` or `unavailable` (pending a re-check).
    pub realname_result: String,
    pub warnings: Vec<String>,
    pub ticket_no: Option<String>,
    pub session_id: Option<i64>,
    pub seat_no: Option<i64>,
    pub attendance: Option<String>,
    pub consent_at: String,
    pub files: Vec<FileInfo>,
    pub created_at: String,
    pub updated_at: String,
}

fn parse_list(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

async fn view(state: &AppState, r: queries::RegRow, clear: bool) -> ApiResult<Registration> {
    let (id_number, phone) = if clear {
        let v = Vault::for_data_dir(&state.settings.data_dir)?;
        (v.open(&r.id_number_enc)?, v.open(&r.phone_enc)?)
    } else {
        (r.id_number_masked.clone(), r.phone_masked.clone())
    };
    let files = queries::current_files(&state.db, r.registration_id)
        .await?
        .into_iter()
        .map(|f| FileInfo {
            kind: f.kind,
            content_type: f.content_type,
            size_bytes: f.size_bytes,
            sha256: f.sha256,
            warnings: parse_list(&f.warnings),
            uploaded_at: f.uploaded_at,
        })
        .collect();
    Ok(Registration {
        id: r.registration_id,
        plan_id: r.exam_plan_id,
        name: r.name,
        gender: r.gender,
        id_type: r.id_type,
        id_number,
        birth_date: r.birth_date,
        phone,
        education: r.education,
        work_unit: r.work_unit,
        years_in_occupation: r.years_in_occupation,
        declared_level: r.declared_level,
        status: r.status,
        review_reason: r.review_reason,
        reviewed_at: r.reviewed_at,
        realname_result: r.realname_result,
        warnings: parse_list(&r.warnings),
        ticket_no: r.ticket_no,
        session_id: r.exam_session_id,
        seat_no: r.seat_no,
        attendance: r.attendance,
        consent_at: r.consent_at,
        files,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

/// The registration `id` as its caller may see it: the candidate only their own.
pub async fn visible(state: &AppState, who: &SelfOrStaff, id: i64) -> ApiResult<queries::RegRow> {
    queries::get(&state.db, id)
        .await?
        .filter(|r| who.is_staff() || r.account_id == who.0.account_id)
        .ok_or(ApiError::NotFound("registration"))
}

/// The personal-information notice a candidate agrees to.
#[utoipa::path(get, path = "/api/registration/consent", tag = "registration", responses((status = 200, body = String)))]
async fn consent_text() -> Json<&'static str> {
    Json(service::CONSENT_TEXT)
}

/// Register for a plan: creates the candidate account (sign-in name = phone) and signs it in.
#[utoipa::path(post, path = "/api/plans/{id}/registrations", tag = "registration", params(("id" = i64, Path)),
    request_body = NewRegistration,
    responses((status = 201, body = Created), (status = 400, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
async fn create_registration(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    Json(req): Json<NewRegistration>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let done = service::register(&state, id, req.form, &req.password, req.consent).await?;
    let session = crate::auth::open_session(&state, &done.account, ip).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            registration_id: done.registration_id,
            session,
        }),
    ))
}

/// The caller's own registrations, in clear (their own data).
#[utoipa::path(get, path = "/api/me/registrations", tag = "registration", responses((status = 200, body = [Registration])), security(("bearer" = [])))]
async fn my_registrations(
    who: crate::auth::Candidate,
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<Registration>>> {
    let mut out = Vec::new();
    for r in queries::for_account(&state.db, who.0.account_id).await? {
        out.push(view(&state, r, true).await?);
    }
    Ok(Json(out))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatusFilter {
    pub status: Option<String>,
}

/// A plan's registrations for review, ID and phone numbers masked.
#[utoipa::path(get, path = "/api/plans/{id}/registrations", tag = "registration", params(("id" = i64, Path), StatusFilter),
    responses((status = 200, body = [Registration])), security(("bearer" = [])))]
async fn plan_registrations(
    _s: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(f): Query<StatusFilter>,
) -> ApiResult<Json<Vec<Registration>>> {
    let mut out = Vec::new();
    for r in queries::for_plan(&state.db, id, f.status.as_deref()).await? {
        out.push(view(&state, r, false).await?);
    }
    Ok(Json(out))
}

/// One registration with ID and phone numbers in clear; a staff read is audited.
#[utoipa::path(get, path = "/api/registrations/{id}", tag = "registration", params(("id" = i64, Path)),
    responses((status = 200, body = Registration), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn get_registration(
    who: SelfOrStaff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Registration>> {
    let r = visible(&state, &who, id).await?;
    if who.is_staff() {
        audit::record(
            &state.db,
            Some(&who.0),
            "registration.view_pii",
            "registration",
            Some(&id.to_string()),
            serde_json::json!({"fields": ["id_number", "phone"]}),
        )
        .await?;
    }
    Ok(Json(view(&state, r, true).await?))
}

/// Correct and resubmit (after a rejection, or before the decision).
#[utoipa::path(put, path = "/api/registrations/{id}", tag = "registration", params(("id" = i64, Path)), request_body = RegistrationForm,
    responses((status = 200, body = Registration), (status = 409, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn resubmit(
    who: crate::auth::Candidate,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(form): Json<RegistrationForm>,
) -> ApiResult<Json<Registration>> {
    service::resubmit(&state, &who.0, id, form).await?;
    let r = queries::get(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("registration"))?;
    Ok(Json(view(&state, r, true).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Event {
    pub at: String,
    pub actor_account_id: Option<i64>,
    /// `submit`, `resubmit`, `approve`, `reject`, `realname`, `upload`.
    pub action: String,
    /// JSON: the snapshot or decision (ID and phone masked).
    pub detail: serde_json::Value,
}

/// Everything that happened to a registration, oldest first.
#[utoipa::path(get, path = "/api/registrations/{id}/history", tag = "registration", params(("id" = i64, Path)),
    responses((status = 200, body = [Event])), security(("bearer" = [])))]
async fn history(
    who: SelfOrStaff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Event>>> {
    visible(&state, &who, id).await?;
    Ok(Json(
        queries::events(&state.db, id)
            .await?
            .into_iter()
            .map(|e| Event {
                at: e.at,
                actor_account_id: e.actor_account_id,
                action: e.action,
                detail: serde_json::from_str(&e.detail).unwrap_or_default(),
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// `approve` or `reject`.
    pub decision: String,
    /// Required when rejecting; shown to the candidate.
    pub reason: Option<String>,
}

/// Approve, or reject with a reason. Under the `block` policy approval needs a matching
/// real-name check; approval always needs a portrait photo.
#[utoipa::path(post, path = "/api/registrations/{id}/review", tag = "registration", params(("id" = i64, Path)), request_body = Review,
    responses((status = 200, body = Registration), (status = 409, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn review(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(req): Json<Review>,
) -> ApiResult<Json<Registration>> {
    let reason = req
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let approve = match req.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => {
            return Err(ApiError::invalid(
                "decision",
                "审核结果须为 approve 或 reject",
                "Decision must be approve or reject",
            ));
        }
    };
    if !approve && reason.is_none() {
        return Err(ApiError::invalid_code(
            "reason",
            "required",
            "驳回须填写原因",
            "A rejection needs a reason",
        ));
    }
    if reason.is_some_and(|r| r.chars().count() > 500) {
        return Err(ApiError::invalid_code(
            "reason",
            "too_long",
            "原因最多 500 个字符",
            "At most 500 characters",
        ));
    }
    let reg = queries::get(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("registration"))?;
    if reg.status != "submitted" {
        return Err(ApiError::conflict(
            None,
            "只能审核待审核的报名",
            "Only a submitted registration can be reviewed",
        ));
    }
    if approve {
        let plan = crate::plan::queries::plan(&state.db, reg.exam_plan_id)
            .await?
            .ok_or(ApiError::NotFound("plan"))?;
        if plan.realname_policy == "block" && reg.realname_result != "match" {
            return Err(ApiError::conflict(
                Some("realname_result"),
                format!(
                    "实名核验结果为 {}，本计划要求核验一致后方可通过",
                    reg.realname_result
                ),
                format!(
                    "The real-name check is {}; this plan requires a match before approval",
                    reg.realname_result
                ),
            ));
        }
        if !queries::current_files(&state.db, id)
            .await?
            .iter()
            .any(|f| f.kind == "photo")
        {
            return Err(ApiError::conflict(
                Some("photo"),
                "尚未上传证件照",
                "No portrait photo has been uploaded",
            ));
        }
    }
    let status = if approve { "approved" } else { "rejected" };
    if !queries::decide(&state.db, id, status, reason, user.account_id).await? {
        return Err(ApiError::conflict(
            None,
            "该报名已被他人审核",
            "Someone else reviewed this registration meanwhile",
        ));
    }
    let detail = serde_json::json!({"before": reg.status, "after": status, "reason": reason});
    queries::add_event(
        &state.db,
        id,
        Some(user.account_id),
        if approve { "approve" } else { "reject" },
        &detail,
    )
    .await?;
    audit::record(
        &state.db,
        Some(&user),
        "registration.review",
        "registration",
        Some(&id.to_string()),
        detail,
    )
    .await?;
    crate::notify::send(
        &state,
        crate::notify::Message::review(id, approve, reason.unwrap_or("")),
    )
    .await?;
    if approve && state.face.is_some() {
        // A refused portrait is recorded with its reason for staff; approval stands.
        if let Err(e) = crate::face::enrol::from_registration(&state, Some(&user), id).await {
            tracing::warn!(registration = id, error = %e, "face enrolment on approval failed");
        }
    }
    let r = queries::get(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("registration"))?;
    Ok(Json(view(&state, r, false).await?))
}

/// Ask the real-name service again (after it was unavailable, or after a correction).
#[utoipa::path(post, path = "/api/registrations/{id}/realname-check", tag = "registration", params(("id" = i64, Path)),
    responses((status = 200, body = Registration)), security(("bearer" = [])))]
async fn recheck_realname(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Registration>> {
    let reg = queries::get(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("registration"))?;
    let id_number = Vault::for_data_dir(&state.settings.data_dir)?.open(&reg.id_number_enc)?;
    let outcome = crate::identity::adapter(&state)
        .await?
        .verify(&reg.name, &id_number)
        .await;
    // Earlier real-name warnings are replaced by this outcome; other warnings stay.
    let mut warnings: Vec<String> = parse_list(&reg.warnings)
        .into_iter()
        .filter(|w| !w.contains("实名核验"))
        .collect();
    match outcome.verdict {
        crate::identity::realname::Verdict::Match => {}
        crate::identity::realname::Verdict::Mismatch => {
            warnings.push("实名核验不一致 / Real-name check: mismatch".to_owned())
        }
        crate::identity::realname::Verdict::Unavailable => warnings.push(
            "实名核验服务不可用，待复核 / Real-name service unavailable: re-check pending"
                .to_owned(),
        ),
    }
    let w = serde_json::to_string(&warnings).map_err(anyhow::Error::from)?;
    queries::set_realname(&state.db, id, outcome.verdict.as_str(), &w).await?;
    let detail =
        serde_json::json!({"before": reg.realname_result, "after": outcome.verdict.as_str()});
    queries::add_event(&state.db, id, Some(user.account_id), "realname", &detail).await?;
    audit::record(
        &state.db,
        Some(&user),
        "registration.realname",
        "registration",
        Some(&id.to_string()),
        detail,
    )
    .await?;
    let r = queries::get(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("registration"))?;
    Ok(Json(view(&state, r, false).await?))
}

/// Store an uploaded file for the caller's own registration; the form field is `file`.
pub async fn store_upload(
    state: &AppState,
    actor_account_id: i64,
    id: i64,
    kind: files::Kind,
    bytes: &[u8],
) -> ApiResult<FileInfo> {
    let mut s = match files::save(state, kind, bytes).await? {
        Ok(s) => s,
        Err(files::Refusal::TooLarge) => return Err(ApiError::PayloadTooLarge),
        Err(r) => return Err(ApiError::invalid_code("file", r.code(), r.zh(), r.en())),
    };
    if kind == files::Kind::Photo
        && let Some(n) = crate::face::count_faces(state, bytes).await
    {
        s.warnings.extend(files::face_count_warning(n));
    }
    let w = serde_json::to_string(&s.warnings).map_err(anyhow::Error::from)?;
    queries::add_file(
        &state.db,
        id,
        kind.as_str(),
        &s.stored_name,
        s.content_type,
        s.size as i64,
        &s.sha256,
        &w,
    )
    .await?;
    let detail = serde_json::json!({"kind": kind.as_str(), "size": s.size, "sha256": s.sha256, "warnings": s.warnings});
    queries::add_event(&state.db, id, Some(actor_account_id), "upload", &detail).await?;
    Ok(FileInfo {
        kind: kind.as_str().to_owned(),
        content_type: s.content_type.to_owned(),
        size_bytes: s.size as i64,
        sha256: s.sha256,
        warnings: s.warnings,
        uploaded_at: crate::db::now(),
    })
}

fn parse_kind(kind: &str) -> ApiResult<files::Kind> {
    files::Kind::parse(kind).ok_or_else(|| {
        ApiError::invalid(
            "kind",
            "材料类型须为 photo、id_front、id_back、diploma 或 experience",
            "Kind must be photo, id_front, id_back, diploma or experience",
        )
    })
}

/// Upload the portrait (`photo`) or a material (`id_front`, `id_back`, `diploma`,
/// `experience`) as multipart field `file`: JPEG, PNG or PDF, at most 10 MB.
#[utoipa::path(post, path = "/api/registrations/{id}/files/{kind}", tag = "registration",
    params(("id" = i64, Path), ("kind" = String, Path)),
    request_body(content_type = "multipart/form-data", content = String),
    responses((status = 201, body = FileInfo), (status = 400, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
async fn upload_file(
    who: crate::auth::Candidate,
    State(state): State<AppState>,
    Path((id, kind)): Path<(i64, String)>,
    mut multipart: Multipart,
) -> ApiResult<(StatusCode, Json<FileInfo>)> {
    let kind = parse_kind(&kind)?;
    let reg = queries::get(&state.db, id)
        .await?
        .filter(|r| r.account_id == who.0.account_id)
        .ok_or(ApiError::NotFound("registration"))?;
    if reg.status == "approved" {
        return Err(ApiError::conflict(
            None,
            "已审核通过的报名不能更换材料",
            "Materials of an approved registration cannot change",
        ));
    }
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
            let info = store_upload(&state, who.0.account_id, id, kind, &bytes).await?;
            return Ok((StatusCode::CREATED, Json(info)));
        }
    }
    Err(ApiError::invalid_code(
        "file",
        "missing_field",
        "缺少文件字段 file",
        "Missing form field: file",
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FileLink {
    /// A short-lived signed link; it opens without a session until `expires_at`.
    pub url: String,
    pub expires_at: String,
}

/// The current file of `kind` and a signed link to it; a staff request is audited.
async fn current_file_link(
    state: &AppState,
    who: &SelfOrStaff,
    id: i64,
    kind: &str,
) -> ApiResult<FileLink> {
    let reg = visible(state, who, id).await?;
    let kind = parse_kind(kind)?;
    let f = queries::current_files(&state.db, reg.registration_id)
        .await?
        .into_iter()
        .find(|f| f.kind == kind.as_str())
        .ok_or(ApiError::NotFound("file"))?;
    if who.is_staff() {
        audit::record(
            &state.db,
            Some(&who.0),
            "registration.view_file",
            "registration",
            Some(&id.to_string()),
            serde_json::json!({"kind": f.kind}),
        )
        .await?;
    }
    let (url, expires_at) = files::link(state, &f.stored_name).await?;
    Ok(FileLink { url, expires_at })
}

/// A short-lived signed link to the current file of a kind (own registration, or staff —
/// a staff request is audited).
#[utoipa::path(get, path = "/api/registrations/{id}/files/{kind}/link", tag = "registration",
    params(("id" = i64, Path), ("kind" = String, Path)),
    responses((status = 200, body = FileLink), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
async fn file_link(
    who: SelfOrStaff,
    State(state): State<AppState>,
    Path((id, kind)): Path<(i64, String)>,
) -> ApiResult<Json<FileLink>> {
    Ok(Json(current_file_link(&state, &who, id, &kind).await?))
}

/// The current file of a kind: a redirect (303) to its short-lived signed link.
#[utoipa::path(get, path = "/api/registrations/{id}/files/{kind}", tag = "registration",
    params(("id" = i64, Path), ("kind" = String, Path)),
    responses((status = 303, description = "to the signed link"), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
async fn download_file(
    who: SelfOrStaff,
    State(state): State<AppState>,
    Path((id, kind)): Path<(i64, String)>,
) -> ApiResult<Response> {
    let link = current_file_link(&state, &who, id, &kind).await?;
    Ok(axum::response::Redirect::to(&link.url).into_response())
}

/// Opens a sealed object behind a signed link (`files::link`): checks the signature and
/// its expiry, decrypts, and serves it uncached.
async fn open_sealed(
    State(state): State<AppState>,
    Path(key): Path<String>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> ApiResult<Response> {
    let (bytes, ct) = files::open_signed(&state, &key, query.as_deref().unwrap_or("")).await?;
    Ok((
        [
            (header::CONTENT_TYPE, ct),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnotherRegistration {
    pub plan_id: i64,
    pub form: RegistrationForm,
    /// The candidate agreed to the text of `GET /api/registration/consent`.
    pub consent: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationProfile {
    /// The registration the data comes from.
    pub registration_id: i64,
    pub form: RegistrationForm,
}

/// The personal data of the caller's newest registration, to prefill the next one.
#[utoipa::path(get, path = "/api/me/registration-profile", tag = "registration",
    responses((status = 200, body = RegistrationProfile), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
async fn my_profile(
    who: crate::auth::Candidate,
    State(state): State<AppState>,
) -> ApiResult<Json<RegistrationProfile>> {
    let (registration_id, form) = service::profile(&state, who.0.account_id)
        .await?
        .ok_or(ApiError::NotFound("registration"))?;
    Ok(Json(RegistrationProfile {
        registration_id,
        form,
    }))
}

/// Register the signed-in candidate for another plan; the photo and materials of the
/// newest earlier registration are carried over.
#[utoipa::path(post, path = "/api/me/registrations", tag = "registration", request_body = AnotherRegistration,
    responses((status = 201, body = Registration), (status = 400, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
async fn register_again(
    who: crate::auth::Candidate,
    State(state): State<AppState>,
    Json(req): Json<AnotherRegistration>,
) -> ApiResult<(StatusCode, Json<Registration>)> {
    let id = service::register_again(
        &state,
        who.0.account_id,
        Some(&who.0),
        req.plan_id,
        req.form,
        req.consent,
    )
    .await?;
    let r = queries::get(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("registration"))?;
    Ok((StatusCode::CREATED, Json(view(&state, r, true).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordLookup {
    /// `resident_id` (default), `hmt_permit` or `passport`.
    pub id_type: Option<String>,
    pub id_number: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordEntry {
    pub registration_id: i64,
    pub plan_id: i64,
    pub plan_code: String,
    pub plan_title: String,
    pub level: i64,
    pub name: String,
    pub id_number: String,
    pub status: String,
    pub ticket_no: Option<String>,
    pub attendance: Option<String>,
    pub registered_at: String,
}

/// A person's record (学籍) across plans, found by ID number (sent in the body, so it stays
/// out of URLs and access logs); every lookup is audited with the number masked.
#[utoipa::path(post, path = "/api/candidates/record", tag = "registration", request_body = RecordLookup,
    responses((status = 200, body = [RecordEntry])), security(("bearer" = [])))]
async fn candidate_record(
    Staff(user): Staff,
    State(state): State<AppState>,
    Json(req): Json<RecordLookup>,
) -> ApiResult<Json<Vec<RecordEntry>>> {
    let id_type = req.id_type.as_deref().unwrap_or("resident_id");
    if !matches!(id_type, "resident_id" | "hmt_permit" | "passport") {
        return Err(ApiError::invalid(
            "id_type",
            "证件类型须为 resident_id、hmt_permit 或 passport",
            "ID type must be resident_id, hmt_permit or passport",
        ));
    }
    let number = crate::identity::idcard::normalize(&req.id_number);
    if number.is_empty() || number.len() > 30 {
        return Err(ApiError::invalid(
            "id_number",
            "请填写证件号码",
            "Enter an ID number",
        ));
    }
    let hash = Vault::for_data_dir(&state.settings.data_dir)?.lookup_hash(id_type, &number);
    let rows = queries::record(&state.db, &hash).await?;
    audit::record(
        &state.db,
        Some(&user),
        "candidate.record_lookup",
        "candidate",
        None,
        serde_json::json!({"id_number": crate::identity::idcard::mask(&number), "found": rows.len()}),
    )
    .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| RecordEntry {
                registration_id: r.registration_id,
                plan_id: r.exam_plan_id,
                plan_code: r.code,
                plan_title: r.title,
                level: r.level,
                name: r.name,
                id_number: r.id_number_masked,
                status: r.status,
                ticket_no: r.ticket_no,
                attendance: r.attendance,
                registered_at: r.created_at,
            })
            .collect(),
    ))
}
