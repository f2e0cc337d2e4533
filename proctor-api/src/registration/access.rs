//! Who may read a registration: its own candidate, or staff. Ownership itself is checked
//! in the handler (another candidate's record is "not found").

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;

use crate::auth::{AuthUser, Role};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct SelfOrStaff(pub AuthUser);

impl SelfOrStaff {
    pub const ROLES: &'static [Role] = &[Role::Admin, Role::Staff, Role::Candidate];

    pub fn is_staff(&self) -> bool {
        matches!(self.0.role, Role::Admin | Role::Staff)
    }
}

impl<S> FromRequestParts<S> for SelfOrStaff
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        if Self::ROLES.contains(&user.role) {
            Ok(SelfOrStaff(user))
        } else {
            Err(ApiError::Forbidden)
        }
    }
}
