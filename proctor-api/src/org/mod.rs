//! The purchasing organisation's public profile (R1): staff edit it, the public home page
//! and every registration page show it.

pub mod queries;

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::audit;
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::http::Json;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_profile, put_profile)).merge(
        OpenApiRouter::new()
            .routes(routes!(get_logo, put_logo))
            // A logo is an image, not JSON: it alone gets a larger body limit.
            .layer(axum::extract::DefaultBodyLimit::max(MAX_LOGO_BYTES + 1024)),
    )
}

pub const LOGO_KEY: &str = "org/logo";
pub const MAX_LOGO_BYTES: usize = 2 << 20;

/// The organisation's logo: a redirect to a short-lived signed link (no sign-in needed).
#[utoipa::path(get, path = "/api/org/logo", tag = "org",
    responses((status = 307, description = "redirect to a signed link"), (status = 404, body = crate::error::ErrorBody)))]
async fn get_logo(State(state): State<AppState>) -> ApiResult<axum::response::Redirect> {
    state.files.store.head(LOGO_KEY).await.map_err(crate::files::storage_error)?;
    Ok(axum::response::Redirect::temporary(&state.files.link(LOGO_KEY).await?))
}

/// Replace the logo: the request body is a PNG or JPEG image of at most 2 MB.
#[utoipa::path(put, path = "/api/org/logo", tag = "org",
    request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 204), (status = 400, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn put_logo(
    Staff(user): Staff,
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> ApiResult<axum::http::StatusCode> {
    let content_type = if body.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if body.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else {
        return Err(ApiError::invalid_code("body", "not_an_image", "标志须为 PNG 或 JPEG 图片", "The logo must be a PNG or JPEG image"));
    };
    if body.len() > MAX_LOGO_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&body))
    };
    let opts = storage::PutOptions::new().content_type(content_type);
    state.files.store.put_bytes(LOGO_KEY, body, opts).await.map_err(crate::files::storage_error)?;
    crate::audit::record(&state.db, Some(&user), "org_profile.logo", "org_profile", Some("1"), serde_json::json!({"sha256": sha, "content_type": content_type})).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OrgProfileInput {
    pub name: String,
    /// Accreditation number of the evaluation organisation (评价机构备案编号).
    pub accreditation_no: String,
    pub address: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub website: String,
    pub introduction: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgProfile {
    #[serde(flatten)]
    pub fields: OrgProfileInput,
    pub updated_at: Option<String>,
}

impl OrgProfileInput {
    pub fn validate(&self) -> ApiResult<()> {
        let limits: [(&str, &str, usize, bool); 7] = [
            ("name", &self.name, 200, true),
            ("accreditation_no", &self.accreditation_no, 100, false),
            ("address", &self.address, 300, false),
            ("contact_phone", &self.contact_phone, 50, false),
            ("contact_email", &self.contact_email, 200, false),
            ("website", &self.website, 300, false),
            ("introduction", &self.introduction, 20_000, false),
        ];
        for (field, value, max, required) in limits {
            if required && value.trim().is_empty() {
                return Err(ApiError::invalid_code(field, "required", "此项必填", "This field is required"));
            }
            if value.chars().count() > max {
                return Err(ApiError::invalid_code(
                    field,
                    "too_long",
                    format!("最多 {max} 个字符"),
                    format!("At most {max} characters"),
                ));
            }
        }
        if !self.contact_email.is_empty() && !self.contact_email.contains('@') {
            return Err(ApiError::invalid("contact_email", "邮箱格式不正确", "Not an e-mail address"));
        }
        if !self.website.is_empty() && !self.website.starts_with("http://") && !self.website.starts_with("https://") {
            return Err(ApiError::invalid(
                "website",
                "网址须以 http:// 或 https:// 开头",
                "The website must start with http:// or https://",
            ));
        }
        Ok(())
    }
}

/// The public profile (no sign-in needed).
#[utoipa::path(get, path = "/api/org", tag = "org", responses((status = 200, body = OrgProfile)))]
async fn get_profile(State(state): State<AppState>) -> ApiResult<Json<OrgProfile>> {
    Ok(Json(queries::get(&state.db).await?))
}

/// Replace the public profile.
#[utoipa::path(put, path = "/api/org", tag = "org", request_body = OrgProfileInput,
    responses((status = 200, body = OrgProfile), (status = 400, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
async fn put_profile(
    Staff(user): Staff,
    State(state): State<AppState>,
    Json(mut input): Json<OrgProfileInput>,
) -> ApiResult<Json<OrgProfile>> {
    input.name = input.name.trim().to_owned();
    input.validate()?;
    let before = queries::get(&state.db).await?;
    queries::put(&state.db, &input, user.account_id).await?;
    audit::record(
        &state.db,
        Some(&user),
        "org_profile.update",
        "org_profile",
        Some("1"),
        serde_json::json!({"before": before.fields, "after": input}),
    )
    .await?;
    Ok(Json(queries::get(&state.db).await?))
}
