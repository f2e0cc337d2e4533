//! Exam-room IP cameras (R7): staff register each camera of a room with its RTSP address and
//! sign-in; one media server — a separate node, or the in-process SFU when no node is live —
//! pulls every enabled camera into the room's live wall (live room `room-{exam_room_id}`,
//! participant `camera:{id}`, see [`ingest`]) and reports whether it is online. Credentials are sealed at rest and never returned — responses only say whether
//! they are set. Invigilators see the cameras of rooms they are on duty in; supervisors,
//! staff and admins see all. Every change is audited (without credentials).

pub mod ingest;
pub mod queries;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::audit;
use crate::auth::{AuthUser, Proctor, Role, Staff};
use crate::error::{ApiError, ApiResult};
use crate::http::Json;
use crate::identity::vault::Vault;
use crate::state::AppState;
use queries::CameraRow;

pub use ingest::Ingests;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_cameras))
        .routes(routes!(room_cameras, add_camera))
        .routes(routes!(update_camera, delete_camera))
}

/// A camera as staff and proctors see it: never its credentials.
#[derive(Debug, Serialize, ToSchema)]
pub struct Camera {
    pub id: i64,
    pub room_id: i64,
    pub room_name: String,
    pub site_name: String,
    pub label: String,
    /// `rtsp://host[:port]/path` (no credentials).
    pub url: String,
    /// Whether a user name / password is stored (they are never sent back).
    pub has_credentials: bool,
    pub enabled: bool,
    /// `disabled`, `connecting`, `online`, `offline` or `unauthorised`.
    pub status: String,
    /// The camera's last reason for not being online (e.g. refused credentials).
    pub last_error: Option<String>,
    pub status_at: Option<String>,
    pub last_online_at: Option<String>,
    pub last_offline_at: Option<String>,
    /// The live room its picture appears in (for a watch token).
    pub live_room: String,
    /// Its participant id on the wall.
    pub participant: String,
    pub created_at: String,
    pub updated_at: String,
}

fn camera_out(r: CameraRow) -> Camera {
    Camera {
        id: r.room_camera_id,
        room_id: r.exam_room_id,
        room_name: r.room_name,
        site_name: r.site_name,
        label: r.label,
        url: r.url,
        has_credentials: !r.username_enc.is_empty(),
        enabled: r.enabled != 0,
        status: r.status,
        last_error: r.last_error,
        status_at: r.status_at,
        last_online_at: r.last_online_at,
        last_offline_at: r.last_offline_at,
        live_room: ingest::live_room(r.exam_room_id),
        participant: ingest::participant(r.room_camera_id),
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCamera {
    pub label: String,
    /// `rtsp://host[:port]/path`; credentials go in `username` / `password`, not here.
    pub url: String,
    pub username: String,
    pub password: String,
    /// Default true: pulled as soon as it is saved.
    pub enabled: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CameraChange {
    pub label: Option<String>,
    pub url: Option<String>,
    /// New credentials: both together.
    pub username: Option<String>,
    pub password: Option<String>,
    pub enabled: Option<bool>,
}

fn check_label(label: &str) -> ApiResult<()> {
    if label.trim().is_empty() || label.chars().count() > 100 {
        return Err(ApiError::invalid("label", "名称须为 1–100 个字符", "Name: 1–100 characters"));
    }
    Ok(())
}

/// `rtsp://host[:port]/path` with a host, no user info (credentials have their own fields,
/// so the address can be shown to everyone who sees the camera), no spaces.
fn check_url(url: &str) -> ApiResult<()> {
    let bad = |zh: &str, en: &str| Err(ApiError::invalid_code("url", "invalid_camera_url", zh, en));
    let Some(rest) = url.strip_prefix("rtsp://").or_else(|| url.strip_prefix("rtsps://")) else {
        return bad("摄像头地址须以 rtsp:// 开头", "The camera address starts with rtsp://");
    };
    let authority = rest.split('/').next().unwrap_or("");
    if authority.contains('@') {
        return bad(
            "地址中不要包含用户名和密码，请填写在下面的字段中",
            "Leave the user name and password out of the address; use their own fields",
        );
    }
    if authority.is_empty() || url.len() > 500 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("摄像头地址格式不正确", "The camera address is malformed");
    }
    Ok(())
}

fn check_credentials(username: &str, password: &str) -> ApiResult<()> {
    if username.chars().count() > 100 {
        return Err(ApiError::invalid("username", "用户名最多 100 个字符", "User name: at most 100 characters"));
    }
    if password.chars().count() > 200 {
        return Err(ApiError::invalid("password", "密码最多 200 个字符", "Password: at most 200 characters"));
    }
    Ok(())
}

async fn room_exists(state: &AppState, room: i64) -> ApiResult<()> {
    crate::affairs::queries::room(&state.db, room)
        .await?
        .ok_or(ApiError::NotFound("room"))?;
    Ok(())
}

/// Invigilators only see rooms they are on duty in.
async fn may_see_room(state: &AppState, user: &AuthUser, room: i64) -> ApiResult<()> {
    if user.role == Role::Invigilator && !queries::is_on_duty_in(&state.db, user.account_id, room).await? {
        return Err(ApiError::Forbidden);
    }
    Ok(())
}

/// The camera `id` of room `room` (404 for a camera of another room).
async fn camera_of_room(state: &AppState, room: i64, id: i64) -> ApiResult<CameraRow> {
    queries::get(&state.db, id)
        .await?
        .filter(|c| c.exam_room_id == room)
        .ok_or(ApiError::NotFound("camera"))
}

fn vault(state: &AppState) -> ApiResult<std::sync::Arc<Vault>> {
    Ok(Vault::for_data_dir(&state.settings.data_dir)?)
}

/// Every camera the caller may see, with its status.
#[utoipa::path(get, path = "/api/cameras", tag = "camera",
    responses((status = 200, body = [Camera])), security(("bearer" = [])))]
async fn list_cameras(Proctor(user): Proctor, State(state): State<AppState>) -> ApiResult<Json<Vec<Camera>>> {
    let rows = if user.role == Role::Invigilator {
        queries::on_duty(&state.db, user.account_id).await?
    } else {
        queries::all(&state.db).await?
    };
    Ok(Json(rows.into_iter().map(camera_out).collect()))
}

/// The cameras of one room.
#[utoipa::path(get, path = "/api/rooms/{id}/cameras", tag = "camera", params(("id" = i64, Path)),
    responses((status = 200, body = [Camera]), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn room_cameras(
    Proctor(user): Proctor,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Camera>>> {
    room_exists(&state, id).await?;
    may_see_room(&state, &user, id).await?;
    Ok(Json(queries::in_room(&state.db, id).await?.into_iter().map(camera_out).collect()))
}

/// Register a camera in a room; an enabled camera is pulled right away.
#[utoipa::path(post, path = "/api/rooms/{id}/cameras", tag = "camera", params(("id" = i64, Path)), request_body = NewCamera,
    responses((status = 201, body = Camera), (status = 409, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn add_camera(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(req): Json<NewCamera>,
) -> ApiResult<(StatusCode, Json<Camera>)> {
    check_label(&req.label)?;
    let url = req.url.trim();
    check_url(url)?;
    check_credentials(&req.username, &req.password)?;
    room_exists(&state, id).await?;
    let v = vault(&state)?;
    let enabled = req.enabled.unwrap_or(true);
    let cid = queries::insert(
        &state.db,
        queries::NewCamera {
            room: id,
            label: req.label.trim(),
            url,
            username_enc: &seal_or_empty(&v, &req.username)?,
            password_enc: &seal_or_empty(&v, &req.password)?,
            enabled,
        },
    )
    .await?;
    audit::record(
        &state.db,
        Some(&user),
        "camera.create",
        "room_camera",
        Some(&cid.to_string()),
        serde_json::json!({"room": id, "label": req.label.trim(), "url": url, "enabled": enabled}),
    )
    .await?;
    let row = queries::get(&state.db, cid).await?.ok_or(ApiError::NotFound("camera"))?;
    replace_pulls(&state).await;
    Ok((StatusCode::CREATED, Json(camera_out(row))))
}

/// Applies a change at once on the in-process SFU; nodes pick it up within a heartbeat. The
/// change is saved either way, so a failure here is only logged (the next pass retries).
async fn replace_pulls(state: &AppState) {
    if let Err(e) = ingest::reconcile(state).await {
        tracing::warn!(error = %e, "camera change not applied to the pulls yet");
    }
}

/// Empty stays empty (a camera without sign-in), so "has credentials" can be told apart.
fn seal_or_empty(v: &Vault, s: &str) -> ApiResult<String> {
    if s.is_empty() { Ok(String::new()) } else { Ok(v.seal(s)?) }
}

/// Change a camera's name, address, credentials or enabled flag; its pull restarts.
#[utoipa::path(patch, path = "/api/rooms/{id}/cameras/{camera}", tag = "camera",
    params(("id" = i64, Path), ("camera" = i64, Path)), request_body = CameraChange,
    responses((status = 200, body = Camera), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn update_camera(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path((id, camera)): Path<(i64, i64)>,
    Json(req): Json<CameraChange>,
) -> ApiResult<Json<Camera>> {
    if let Some(l) = &req.label {
        check_label(l)?;
    }
    if let Some(u) = &req.url {
        check_url(u.trim())?;
    }
    if req.username.is_some() != req.password.is_some() {
        let field = if req.username.is_some() { "password" } else { "username" };
        return Err(ApiError::invalid(field, "用户名和密码须一起修改", "Change the user name and password together"));
    }
    if let (Some(u), Some(p)) = (&req.username, &req.password) {
        check_credentials(u, p)?;
    }
    let mut row = camera_of_room(&state, id, camera).await?;
    let before = serde_json::json!({"label": row.label, "url": row.url, "enabled": row.enabled != 0});
    let v = vault(&state)?;
    if let Some(l) = &req.label {
        row.label = l.trim().to_owned();
    }
    if let Some(u) = &req.url {
        row.url = u.trim().to_owned();
    }
    if let (Some(u), Some(p)) = (&req.username, &req.password) {
        row.username_enc = seal_or_empty(&v, u)?;
        row.password_enc = seal_or_empty(&v, p)?;
    }
    if let Some(e) = req.enabled {
        row.enabled = i64::from(e);
    }
    row.status = if row.enabled != 0 { "connecting" } else { "disabled" }.into();
    queries::update(&state.db, &row).await?;
    audit::record(
        &state.db,
        Some(&user),
        "camera.update",
        "room_camera",
        Some(&camera.to_string()),
        serde_json::json!({
            "before": before,
            "after": {"label": row.label, "url": row.url, "enabled": row.enabled != 0},
            "credentials_changed": req.username.is_some(),
        }),
    )
    .await?;
    let row = queries::get(&state.db, camera).await?.ok_or(ApiError::NotFound("camera"))?;
    replace_pulls(&state).await;
    Ok(Json(camera_out(row)))
}

/// Remove a camera; its pull stops and its tile leaves the wall.
#[utoipa::path(delete, path = "/api/rooms/{id}/cameras/{camera}", tag = "camera",
    params(("id" = i64, Path), ("camera" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn delete_camera(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path((id, camera)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    let row = camera_of_room(&state, id, camera).await?;
    queries::delete(&state.db, camera).await?;
    replace_pulls(&state).await;
    audit::record(
        &state.db,
        Some(&user),
        "camera.delete",
        "room_camera",
        Some(&camera.to_string()),
        serde_json::json!({"room": id, "label": row.label, "url": row.url}),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
