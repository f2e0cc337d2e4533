//! `Authorization: Bearer <media token>` as an extractor, so each handler's signature
//! shows that it needs a verified token.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::error::Error;
use crate::server::MediaServer;
use crate::token::{self, MediaClaims};

/// Verified claims of the request's bearer token.
pub struct Bearer(pub MediaClaims);

impl FromRequestParts<MediaServer> for Bearer {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, m: &MediaServer) -> Result<Self, Error> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(Error::InvalidToken("missing bearer token"))?;
        let claims = token::verify(value.trim(), &m.inner.settings.token_key, crate::unix_now())?;
        Ok(Bearer(claims))
    }
}
