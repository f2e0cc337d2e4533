//! Sign-in, sessions and roles. A session is an opaque bearer token whose SHA-256 is stored;
//! it expires after `session_ttl_minutes` and is revoked by sign-out or a password change.
//! Failed sign-ins lock the account after `max_failed_logins` and throttle the address.

pub mod extract;
pub mod password;
pub mod queries;
pub mod role;
pub mod throttle;

use std::time::Instant;

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::extract::FromRequestParts;
use base64::Engine;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub use extract::{Admin, AuthUser, Candidate, Examiner, Overseer, PendingUser, Proctor, Staff};
pub use role::Role;

use crate::audit;
use crate::error::{ApiError, ApiResult};
use crate::http::Json;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(change_password))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserInfo {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub must_change_password: bool,
}

impl From<&AuthUser> for UserInfo {
    fn from(u: &AuthUser) -> Self {
        UserInfo {
            id: u.account_id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
            must_change_password: u.must_change_password,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfo {
    /// Bearer token for `Authorization: Bearer …`.
    pub token: String,
    pub expires_at: String,
    pub user: UserInfo,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// The client address, for throttling and the session record.
pub struct ClientIp(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(extract::client_ip(parts)))
    }
}

/// Creates a session for an account and returns its token.
pub async fn open_session(
    state: &AppState,
    acc: &queries::AccountRow,
    ip: Option<std::net::IpAddr>,
) -> ApiResult<SessionInfo> {
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
    let ttl = chrono::Duration::minutes(i64::from(state.settings.session_ttl_minutes));
    let expires_at = crate::db::to_text(chrono::Utc::now() + ttl);
    let ip_text = ip.map(|i| i.to_string());
    queries::insert_session(
        &state.db,
        &extract::token_hash(&token),
        acc.account_id,
        &expires_at,
        ip_text.as_deref(),
    )
    .await?;
    let role = Role::parse(&acc.role).ok_or_else(|| anyhow::anyhow!("unknown role in db"))?;
    Ok(SessionInfo {
        token,
        expires_at,
        user: UserInfo {
            id: acc.account_id,
            username: acc.username.clone(),
            display_name: acc.display_name.clone(),
            role,
            must_change_password: acc.must_change_password != 0,
        },
    })
}

/// Sign in with username and password.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = SessionInfo), (status = 401, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Json<SessionInfo>> {
    let now = Instant::now();
    if let Some(ip) = ip
        && let Some(secs) = state.login_throttle.blocked_for(ip, now)
    {
        return Err(ApiError::TooManyAttempts { retry_after_secs: secs });
    }
    let acc = queries::account_by_username(&state.db, req.username.trim()).await?;
    let Some(acc) = acc else {
        // Spend the same time as a real check so usernames cannot be probed by timing.
        let pw = req.password.clone();
        let _ = tokio::task::spawn_blocking(move || password::verify(&pw, password::decoy_hash()))
            .await;
        if let Some(ip) = ip {
            state.login_throttle.record_failure(ip, now);
        }
        return Err(ApiError::BadCredentials { field: None });
    };
    let now_text = crate::db::now();
    if let Some(until) = acc.locked_until.as_deref().filter(|u| *u > now_text.as_str()) {
        let until = chrono::DateTime::parse_from_rfc3339(until)
            .map(|t| (t.timestamp() - chrono::Utc::now().timestamp()).max(1) as u64)
            .unwrap_or(60);
        return Err(ApiError::TooManyAttempts { retry_after_secs: until });
    }
    let (pw, hash) = (req.password.clone(), acc.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || password::verify(&pw, &hash))
        .await
        .map_err(|e| anyhow::anyhow!("verify task: {e}"))?;
    if ok && acc.disabled != 0 {
        // Same answer as a wrong password, but the right password is no guessing attempt.
        return Err(ApiError::BadCredentials { field: None });
    }
    if !ok {
        let lock_until = crate::db::to_text(
            chrono::Utc::now()
                + chrono::Duration::minutes(i64::from(state.settings.lockout_minutes)),
        );
        queries::record_failed_login(
            &state.db,
            acc.account_id,
            i64::from(state.settings.max_failed_logins),
            &lock_until,
        )
        .await?;
        if let Some(ip) = ip {
            state.login_throttle.record_failure(ip, now);
        }
        return Err(ApiError::BadCredentials { field: None });
    }
    queries::clear_failed_logins(&state.db, acc.account_id).await?;
    if let Some(ip) = ip {
        state.login_throttle.record_success(ip);
    }
    Ok(Json(open_session(&state, &acc, ip).await?))
}

/// Sign out: revokes this session.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth",
    responses((status = 204)), security(("bearer" = [])))]
async fn logout(PendingUser(user): PendingUser, State(state): State<AppState>) -> ApiResult<StatusCode> {
    queries::revoke_session(&state.db, &user.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who is signed in.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth",
    responses((status = 200, body = UserInfo)), security(("bearer" = [])))]
async fn me(PendingUser(user): PendingUser) -> Json<UserInfo> {
    Json(UserInfo::from(&user))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

pub fn weakness_error(field: &str, w: password::Weakness) -> ApiError {
    let (zh, en) = match w {
        password::Weakness::TooShort => (
            format!("密码至少 {} 个字符", password::MIN_LEN),
            format!("The password needs at least {} characters", password::MIN_LEN),
        ),
        password::Weakness::NeedsLettersAndDigits => {
            ("密码须同时包含字母和数字".into(), "The password needs both letters and digits".into())
        }
        password::Weakness::TooLong => ("密码过长".into(), "The password is too long".into()),
    };
    ApiError::invalid_code(field, "weak_password", zh, en)
}

/// Change one's own password. Revokes every other session and returns a fresh one.
#[utoipa::path(post, path = "/api/auth/password", tag = "auth", request_body = ChangePasswordRequest,
    responses((status = 200, body = SessionInfo), (status = 400, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
async fn change_password(
    PendingUser(user): PendingUser,
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(req): Json<ChangePasswordRequest>,
) -> ApiResult<Json<SessionInfo>> {
    let acc = queries::account_by_id(&state.db, user.account_id)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let (cur, hash) = (req.current_password.clone(), acc.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || password::verify(&cur, &hash))
        .await
        .map_err(|e| anyhow::anyhow!("verify task: {e}"))?;
    if !ok {
        return Err(ApiError::BadCredentials { field: Some("current_password") });
    }
    password::check_strength(&req.new_password).map_err(|w| weakness_error("new_password", w))?;
    if req.new_password == req.current_password {
        return Err(ApiError::invalid_code(
            "new_password",
            "same_password",
            "新密码不能与当前密码相同",
            "The new password must differ from the current one",
        ));
    }
    let new = req.new_password.clone();
    let new_hash = tokio::task::spawn_blocking(move || password::hash(&new))
        .await
        .map_err(|e| anyhow::anyhow!("hash task: {e}"))??;
    queries::set_password(&state.db, user.account_id, &new_hash, false).await?;
    queries::revoke_all_sessions(&state.db, user.account_id).await?;
    audit::record(&state.db, Some(&user), "password.change", "account", Some(&user.account_id.to_string()), serde_json::json!({})).await?;
    let acc = queries::account_by_id(&state.db, user.account_id)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    Ok(Json(open_session(&state, &acc, ip).await?))
}
