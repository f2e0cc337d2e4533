//! Account administration: the administrator creates staff, examiners, invigilators,
//! supervisors and provincial accounts, changes roles, disables and resets. Candidates
//! create their own accounts at registration (a later module).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::audit;
use crate::auth::queries::{self, AccountRow, NewAccount};
use crate::auth::{Admin, Role, password, weakness_error};
use crate::error::{ApiError, ApiResult};
use crate::http::Json;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(update_user))
        .routes(routes!(reset_password))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub disabled: bool,
    pub must_change_password: bool,
    pub created_at: String,
}

impl From<AccountRow> for Account {
    fn from(a: AccountRow) -> Self {
        Account {
            id: a.account_id,
            username: a.username,
            display_name: a.display_name,
            role: a.role,
            disabled: a.disabled != 0,
            must_change_password: a.must_change_password != 0,
            created_at: a.created_at,
        }
    }
}

/// All accounts.
#[utoipa::path(get, path = "/api/users", tag = "users",
    responses((status = 200, body = [Account])), security(("bearer" = [])))]
async fn list_users(_admin: Admin, State(state): State<AppState>) -> ApiResult<Json<Vec<Account>>> {
    let rows = queries::list_accounts(&state.db).await?;
    Ok(Json(rows.into_iter().map(Account::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Initial password; the user must change it at first sign-in.
    pub password: String,
}

pub fn check_username(u: &str) -> ApiResult<()> {
    let ok = (3..=64).contains(&u.len())
        && u.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "username",
            "用户名须为 3–64 位字母、数字或 _ - . @",
            "Username: 3–64 letters, digits or _ - . @",
        ))
    }
}

pub fn check_display_name(n: &str) -> ApiResult<()> {
    if n.trim().is_empty() || n.chars().count() > 100 {
        return Err(ApiError::invalid("display_name", "姓名须为 1–100 个字符", "Name: 1–100 characters"));
    }
    Ok(())
}

/// Create an account.
#[utoipa::path(post, path = "/api/users", tag = "users", request_body = CreateUser,
    responses((status = 201, body = Account), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
async fn create_user(
    Admin(admin): Admin,
    State(state): State<AppState>,
    Json(req): Json<CreateUser>,
) -> ApiResult<(StatusCode, Json<Account>)> {
    check_username(&req.username)?;
    check_display_name(&req.display_name)?;
    password::check_strength(&req.password).map_err(|w| weakness_error("password", w))?;
    let pw = req.password.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(|e| anyhow::anyhow!("hash task: {e}"))??;
    let id = queries::insert_account(
        &state.db,
        NewAccount {
            username: &req.username,
            display_name: req.display_name.trim(),
            role: req.role.as_str(),
            password_hash: &hash,
            must_change_password: true,
        },
    )
    .await?;
    audit::record(
        &state.db,
        Some(&admin),
        "account.create",
        "account",
        Some(&id.to_string()),
        serde_json::json!({"username": req.username, "role": req.role.as_str()}),
    )
    .await?;
    let row = queries::account_by_id(&state.db, id).await?.ok_or(ApiError::NotFound("account"))?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
}

/// Change an account's name, role or disabled state. Disabling revokes its sessions.
#[utoipa::path(patch, path = "/api/users/{id}", tag = "users", request_body = UpdateUser,
    params(("id" = i64, Path)), responses((status = 200, body = Account)), security(("bearer" = [])))]
async fn update_user(
    Admin(admin): Admin,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(req): Json<UpdateUser>,
) -> ApiResult<Json<Account>> {
    let cur = queries::account_by_id(&state.db, id).await?.ok_or(ApiError::NotFound("account"))?;
    if id == admin.account_id && (req.disabled == Some(true) || req.role.is_some_and(|r| r != Role::Admin)) {
        return Err(ApiError::conflict(
            Some("role"),
            "不能停用自己或取消自己的管理员角色",
            "You cannot disable yourself or drop your own admin role",
        ));
    }
    let name = req.display_name.clone().unwrap_or_else(|| cur.display_name.clone());
    check_display_name(&name)?;
    let role = req.role.map(Role::as_str).unwrap_or(&cur.role).to_owned();
    let disabled = req.disabled.unwrap_or(cur.disabled != 0);
    queries::update_account(&state.db, id, name.trim(), &role, disabled).await?;
    if disabled || role != cur.role {
        queries::revoke_all_sessions(&state.db, id).await?;
    }
    audit::record(
        &state.db,
        Some(&admin),
        "account.update",
        "account",
        Some(&id.to_string()),
        serde_json::json!({
            "before": {"display_name": cur.display_name, "role": cur.role, "disabled": cur.disabled != 0},
            "after": {"display_name": name.trim(), "role": role, "disabled": disabled},
        }),
    )
    .await?;
    let row = queries::account_by_id(&state.db, id).await?.ok_or(ApiError::NotFound("account"))?;
    Ok(Json(row.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPassword {
    pub password: String,
}

/// Set a temporary password; the user must change it at next sign-in.
#[utoipa::path(post, path = "/api/users/{id}/reset-password", tag = "users", request_body = ResetPassword,
    params(("id" = i64, Path)), responses((status = 204)), security(("bearer" = [])))]
async fn reset_password(
    Admin(admin): Admin,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(req): Json<ResetPassword>,
) -> ApiResult<StatusCode> {
    queries::account_by_id(&state.db, id).await?.ok_or(ApiError::NotFound("account"))?;
    password::check_strength(&req.password).map_err(|w| weakness_error("password", w))?;
    let pw = req.password.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(|e| anyhow::anyhow!("hash task: {e}"))??;
    queries::set_password(&state.db, id, &hash, true).await?;
    queries::clear_failed_logins(&state.db, id).await?;
    queries::revoke_all_sessions(&state.db, id).await?;
    audit::record(&state.db, Some(&admin), "account.reset_password", "account", Some(&id.to_string()), serde_json::json!({})).await?;
    Ok(StatusCode::NO_CONTENT)
}
