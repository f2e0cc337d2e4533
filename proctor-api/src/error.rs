//! The one HTTP error type. Every failure leaves the API as
//! `{"code", "message": {"zh", "en"}, "field"}` with a 4xx for the caller's mistakes;
//! 5xx is reserved for faults of ours and never carries internal detail.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// A message in both languages the platform speaks.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Bilingual {
    pub zh: String,
    pub en: String,
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `invalid_field`.
    pub code: &'static str,
    pub message: Bilingual,
    /// The request field at fault, as a path (`options[2].text`), when there is one.
    pub field: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    #[error("invalid field {field}: {en}")]
    Invalid { field: String, code: &'static str, zh: String, en: String },
    #[error("bad request: {en}")]
    BadRequest { code: &'static str, zh: String, en: String },
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("bad credentials")]
    BadCredentials { field: Option<&'static str> },
    #[error("forbidden")]
    Forbidden,
    /// The role may do this, but not for this candidate or room: an invigilator outside the
    /// sessions they are on duty at.
    #[error("not on duty")]
    NotOnDuty,
    #[error("password change required")]
    PasswordChangeRequired,
    #[error("not found: {0}")]
    NotFound(&'static str),
    #[error("conflict: {en}")]
    Conflict { field: Option<String>, zh: String, en: String },
    #[error("too many attempts")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("internal: {0}")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, zh: impl Into<String>, en: impl Into<String>) -> Self {
        ApiError::Invalid { field: field.into(), code: "invalid_field", zh: zh.into(), en: en.into() }
    }

    pub fn invalid_code(
        field: impl Into<String>,
        code: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        ApiError::Invalid { field: field.into(), code, zh: zh.into(), en: en.into() }
    }

    pub fn conflict(field: Option<&str>, zh: impl Into<String>, en: impl Into<String>) -> Self {
        ApiError::Conflict { field: field.map(str::to_owned), zh: zh.into(), en: en.into() }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Invalid { .. } | ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::BadCredentials { field: Some(_) } => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated | ApiError::BadCredentials { field: None } => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::Forbidden | ApiError::NotOnDuty | ApiError::PasswordChangeRequired => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Database(e) if unique_violation(e).is_some() => StatusCode::CONFLICT,
            ApiError::Database(sqlx::Error::RowNotFound) => StatusCode::NOT_FOUND,
            ApiError::Database(_) | ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn body(&self) -> ErrorBody {
        let b = |code, zh: &str, en: &str, field: Option<String>| ErrorBody {
            code,
            message: Bilingual { zh: zh.to_owned(), en: en.to_owned() },
            field,
        };
        match self {
            ApiError::Invalid { field, code, zh, en } => b(code, zh, en, Some(field.clone())),
            ApiError::BadRequest { code, zh, en } => b(code, zh, en, None),
            ApiError::Unauthenticated => {
                b("unauthenticated", "请先登录或登录已过期", "Sign in first, or your session has expired", None)
            }
            ApiError::BadCredentials { field } => b(
                "bad_credentials",
                "用户名或密码错误",
                "Wrong username or password",
                field.map(str::to_owned),
            ),
            ApiError::Forbidden => b("forbidden", "无权执行此操作", "You may not do this", None),
            ApiError::NotOnDuty => b(
                "not_on_duty",
                "您未在该考生或考场所在场次值岗",
                "You are not on duty at a session of this candidate or room",
                None,
            ),
            ApiError::PasswordChangeRequired => b(
                "password_change_required",
                "首次登录须先修改密码",
                "Change your password before continuing",
                None,
            ),
            ApiError::NotFound(what) => {
                b("not_found", &format!("未找到：{what}"), &format!("Not found: {what}"), None)
            }
            ApiError::Conflict { field, zh, en } => b("conflict", zh, en, field.clone()),
            ApiError::TooManyAttempts { retry_after_secs } => b(
                "too_many_attempts",
                &format!("尝试次数过多，请 {retry_after_secs} 秒后再试"),
                &format!("Too many attempts; try again in {retry_after_secs} s"),
                None,
            ),
            ApiError::PayloadTooLarge => {
                b("payload_too_large", "请求内容过大", "The request body is too large", None)
            }
            ApiError::UnsupportedMediaType => b(
                "unsupported_media_type",
                "请求内容类型须为 application/json",
                "The request body must be application/json",
                None,
            ),
            ApiError::MethodNotAllowed => {
                b("method_not_allowed", "不支持该请求方法", "Method not allowed", None)
            }
            ApiError::Database(e) => match unique_violation(e) {
                Some(field) => b(
                    "already_exists",
                    "该记录已存在",
                    "A record with this value already exists",
                    field,
                ),
                None if matches!(e, sqlx::Error::RowNotFound) => {
                    b("not_found", "未找到", "Not found", None)
                }
                None => b("internal", "服务器内部错误", "Internal server error", None),
            },
            ApiError::Internal(_) => b("internal", "服务器内部错误", "Internal server error", None),
        }
    }
}

/// Turns a unique-constraint violation into the name of the column at fault, so a duplicate
/// is a 409 that names the field rather than a 500.
fn unique_violation(e: &sqlx::Error) -> Option<Option<String>> {
    let sqlx::Error::Database(db) = e else { return None };
    if !db.is_unique_violation() {
        return None;
    }
    // SQLite: "UNIQUE constraint failed: account.username"; PostgreSQL: constraint name
    // "<table>_<column>_key".
    let msg = db.message();
    if let Some(rest) = msg.strip_prefix("UNIQUE constraint failed: ") {
        return Some(rest.split(',').next().and_then(|c| c.split('.').nth(1)).map(str::to_owned));
    }
    Some(db.constraint().and_then(|c| {
        let c = c.strip_suffix("_key")?;
        c.split_once('_').map(|(_, col)| col.to_owned())
    }))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut resp = (status, axum::Json(self.body())).into_response();
        if let ApiError::TooManyAttempts { retry_after_secs } = self
            && let Ok(v) = retry_after_secs.to_string().parse()
        {
            resp.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
