//! A JSON body extractor whose every rejection is a structured [`ApiError`] naming the field
//! at fault: wrong content type → 415, oversize → 413, malformed → 400 `malformed_json`,
//! a wrong type, missing or unknown field → 400 `invalid_field` with its path.

use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                let m = m.trim();
                m.eq_ignore_ascii_case("application/json")
                    || (m.starts_with("application/") && m.ends_with("+json"))
            });
        if !is_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::BadRequest {
                    code: "unreadable_body",
                    zh: "无法读取请求内容".into(),
                    en: "The request body could not be read".into(),
                }
            }
        })?;
        parse(&bytes).map(Json)
    }
}

pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        describe(path, &inner)
    })?;
    de.end().map_err(|e| describe(String::new(), &e))?;
    Ok(value)
}

fn describe(path: String, e: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::BadRequest {
            code: "malformed_json",
            zh: format!("JSON 格式错误（第 {} 行第 {} 列）", e.line(), e.column()),
            en: format!("Malformed JSON at line {} column {}", e.line(), e.column()),
        },
        Category::Data => {
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
            let join = |name: &str| {
                if path.is_empty() || path == "." { name.to_owned() } else { format!("{path}.{name}") }
            };
            if let Some(name) = quoted_after(&msg, "unknown field `") {
                // The path already ends at the unknown key.
                let field = if path.is_empty() || path == "." { name.to_owned() } else { path.clone() };
                ApiError::invalid_code(
                    field,
                    "unknown_field",
                    format!("不认识的字段：{name}"),
                    format!("Unknown field: {name}"),
                )
            } else if let Some(name) = quoted_after(&msg, "missing field `") {
                ApiError::invalid_code(
                    join(name),
                    "missing_field",
                    format!("缺少必填字段：{name}"),
                    format!("Missing required field: {name}"),
                )
            } else {
                let field = if path == "." { String::new() } else { path };
                ApiError::invalid_code(field, "invalid_type", format!("字段类型或取值错误：{msg}"), msg)
            }
        }
    }
}

fn quoted_after<'a>(msg: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = &msg[msg.find(prefix)? + prefix.len()..];
    rest.split('`').next()
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        inner: Option<Inner>,
    }
    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    fn field_and_code(json: &str) -> (Option<String>, &'static str) {
        let e = parse::<Body>(json.as_bytes()).unwrap_err();
        let b = e.body();
        (b.field, b.code)
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(field_and_code(r#"{"name": 3}"#), (Some("name".into()), "invalid_type"));
        assert_eq!(field_and_code(r#"{}"#), (Some("name".into()), "missing_field"));
        assert_eq!(field_and_code(r#"{"name":"a","x":1}"#), (Some("x".into()), "unknown_field"));
        assert_eq!(
            field_and_code(r#"{"name":"a","inner":{"count":-1}}"#),
            (Some("inner.count".into()), "invalid_type")
        );
        assert_eq!(field_and_code(r#"{"name":"#), (None, "malformed_json"));
        assert_eq!(field_and_code(r#"{"name":"a"} x"#), (None, "malformed_json"));
    }
}
