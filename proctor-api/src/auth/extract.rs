//! Extractors that put access rules into handler signatures: a handler taking `Admin` can
//! only be reached by an administrator, one taking `AuthUser` by anyone signed in.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

use super::queries;
use super::role::Role;
use crate::error::ApiError;
use crate::state::AppState;

/// A signed-in account whose password is in order.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub account_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub must_change_password: bool,
    pub token_hash: String,
    pub expires_at: String,
}

/// A signed-in account that may still have to change its password: for the few routes that
/// let it do so (me, logout, password).
#[derive(Debug, Clone)]
pub struct PendingUser(pub AuthUser);

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn client_ip(parts: &Parts) -> Option<IpAddr> {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())
}

async fn session_user(parts: &Parts, state: &AppState) -> Result<AuthUser, ApiError> {
    let header = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::Unauthenticated)?;
    let token = header
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::Unauthenticated)?;
    let hash = token_hash(token);
    let (acc, expires_at) = queries::account_by_session(&state.db, &hash, &crate::db::now())
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    if acc.disabled != 0 {
        return Err(ApiError::Unauthenticated);
    }
    let role = Role::parse(&acc.role).ok_or_else(|| anyhow::anyhow!("unknown role in db"))?;
    Ok(AuthUser {
        account_id: acc.account_id,
        username: acc.username,
        display_name: acc.display_name,
        role,
        must_change_password: acc.must_change_password != 0,
        token_hash: hash,
        expires_at,
    })
}

impl<S> FromRequestParts<S> for PendingUser
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        session_user(parts, &state).await.map(PendingUser)
    }
}

impl<S> FromRequestParts<S> for AuthUser
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let user = session_user(parts, &state).await?;
        if user.must_change_password {
            return Err(ApiError::PasswordChangeRequired);
        }
        Ok(user)
    }
}

/// Declares an extractor admitting only the listed roles.
macro_rules! role_extractor {
    ($(#[$meta:meta])* $name:ident: $($role:ident)|+) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $name(pub AuthUser);

        impl $name {
            pub const ROLES: &'static [Role] = &[$(Role::$role),+];
        }

        impl<S> FromRequestParts<S> for $name
        where
            S: Send + Sync,
            AppState: FromRef<S>,
        {
            type Rejection = ApiError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &S,
            ) -> Result<Self, Self::Rejection> {
                let user = AuthUser::from_request_parts(parts, state).await?;
                if Self::ROLES.contains(&user.role) {
                    Ok($name(user))
                } else {
                    Err(ApiError::Forbidden)
                }
            }
        }
    };
}

role_extractor!(
    /// System administrator only.
    Admin: Admin
);
role_extractor!(
    /// Exam-affairs staff, or an administrator acting as one.
    Staff: Admin | Staff
);
role_extractor!(
    /// Anyone who supervises exams: staff, invigilators, supervisors (and administrators).
    Proctor: Admin | Staff | Invigilator | Supervisor
);
role_extractor!(
    /// Examiners (考评员), and staff acting for them.
    Examiner: Admin | Staff | Examiner
);
role_extractor!(
    /// A candidate (考生).
    Candidate: Candidate
);
role_extractor!(
    /// Anyone allowed to read across plans for oversight, including the provincial account.
    Overseer: Admin | Staff | Supervisor | Province
);
