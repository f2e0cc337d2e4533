//! The audit trail: an append-only record of every change to accounts, the organisation
//! profile and (in later modules) papers, scores and certificates. Rows are never updated
//! or deleted by the application.

use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::{AuthUser, Overseer};
use crate::db::{self, Db};
use crate::error::ApiResult;
use crate::http::Json;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_events))
}

/// Appends one event. `actor` is `None` for the system itself (first start, jobs).
pub async fn record(
    db: &Db,
    actor: Option<&AuthUser>,
    action: &str,
    target_kind: &str,
    target_id: Option<&str>,
    detail: serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_event (at, actor_account_id, actor_role, action, target_kind, \
         target_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(db::now())
    .bind(actor.map(|a| a.account_id))
    .bind(actor.map(|a| a.role.as_str()))
    .bind(action)
    .bind(target_kind)
    .bind(target_id)
    .bind(detail.to_string())
    .execute(&db.pool)
    .await
    .map(|_| ())
}

#[derive(Debug, Serialize, FromRow, ToSchema)]
pub struct AuditEvent {
    pub audit_event_id: i64,
    pub at: String,
    pub actor_account_id: Option<i64>,
    pub actor_role: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<String>,
    /// JSON text describing the change (before/after values where they apply).
    pub detail: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    /// Newest first; at most 500.
    pub limit: Option<i64>,
}

pub async fn list(db: &Db, q: &AuditQuery) -> sqlx::Result<Vec<AuditEvent>> {
    sqlx::query_as(
        "SELECT audit_event_id, at, actor_account_id, actor_role, action, target_kind, target_id, \
         detail FROM audit_event \
         WHERE ($1 IS NULL OR target_kind = $1) AND ($2 IS NULL OR target_id = $2) \
         ORDER BY audit_event_id DESC LIMIT $3",
    )
    .bind(q.target_kind.as_deref())
    .bind(q.target_id.as_deref())
    .bind(q.limit.unwrap_or(100).clamp(1, 500))
    .fetch_all(&db.pool)
    .await
}

/// Audit trail, newest first.
#[utoipa::path(get, path = "/api/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = [AuditEvent])), security(("bearer" = [])))]
async fn list_events(
    _who: Overseer,
    State(state): State<AppState>,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<Vec<AuditEvent>>> {
    Ok(Json(list(&state.db, &q).await?))
}
