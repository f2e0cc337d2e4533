//! Undoing affairs set-up: taking a person off duty, removing a room's device, and removing
//! an exam room. A room still used by a session or with cameras registered is refused with
//! the reason (delete those first); nothing that candidates or evidence depend on is removed
//! from under them. Every removal is audited.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::queries;
use crate::audit;
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(remove_duty))
        .routes(routes!(remove_device))
        .routes(routes!(remove_room))
}

/// Take a person off duty at a session.
#[utoipa::path(delete, path = "/api/sessions/{id}/staff/{duty}", tag = "affairs",
    params(("id" = i64, Path), ("duty" = i64, Path, description = "the duty's id")),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn remove_duty(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path((session, duty)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    let d = queries::duties(&state.db, session)
        .await?
        .into_iter()
        .find(|d| d.session_staff_id == duty)
        .ok_or(ApiError::NotFound("duty"))?;
    queries::delete_duty(&state.db, duty).await?;
    audit::record(
        &state.db,
        Some(&user),
        "duty.remove",
        "session_staff",
        Some(&duty.to_string()),
        serde_json::json!({"session": session, "account_id": d.account_id, "duty": d.duty}),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove a device from a room.
#[utoipa::path(delete, path = "/api/rooms/{id}/devices/{device}", tag = "affairs",
    params(("id" = i64, Path), ("device" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn remove_device(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path((room, device)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    let d = queries::devices(&state.db, room)
        .await?
        .into_iter()
        .find(|d| d.exam_device_id == device)
        .ok_or(ApiError::NotFound("device"))?;
    queries::delete_device(&state.db, device).await?;
    audit::record(
        &state.db,
        Some(&user),
        "device.delete",
        "exam_device",
        Some(&device.to_string()),
        serde_json::json!({"room": room, "kind": d.kind, "label": d.label}),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove an exam room (with its devices). Refused while a session uses the room or
/// cameras are registered in it.
#[utoipa::path(delete, path = "/api/sites/{id}/rooms/{room}", tag = "affairs",
    params(("id" = i64, Path), ("room" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
async fn remove_room(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path((site, room)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    let r = queries::room(&state.db, room)
        .await?
        .filter(|r| r.exam_site_id == site)
        .ok_or(ApiError::NotFound("room"))?;
    let (sessions, cameras) = queries::room_in_use(&state.db, room).await?;
    if sessions > 0 {
        return Err(ApiError::conflict(
            None,
            format!("该考场仍有 {sessions} 个场次，请先删除这些场次"),
            format!("{sessions} session(s) still use this room; delete them first"),
        ));
    }
    if cameras > 0 {
        return Err(ApiError::conflict(
            None,
            format!("该考场登记了 {cameras} 个摄像头，请先删除摄像头"),
            format!("{cameras} camera(s) are registered in this room; delete them first"),
        ));
    }
    queries::delete_room(&state.db, room).await?;
    audit::record(
        &state.db,
        Some(&user),
        "room.delete",
        "exam_room",
        Some(&room.to_string()),
        serde_json::json!({"site": site, "name": r.name, "seats": r.seats}),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
