//! Assembles the application: the API routers of every domain (merged into one OpenAPI
//! document), the public server-rendered pages, the built front end, health, metrics and the
//! middleware every request passes (request id, tracing, body limit, panic → structured 500).

pub mod json;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;

pub use json::Json;

use crate::error::ApiError;
use crate::state::AppState;
use crate::{
    affairs, audit, auth, bank, identity, live, notify, org, paper, plan, public, registration,
    ticket, users,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Proctor API", description = "职业技能等级认定考务服务平台 — Vocational skill certification exam platform"),
    components(schemas(crate::error::ErrorBody)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// Every API route of every domain, with its OpenAPI description.
pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(auth::router())
        .merge(users::router())
        .merge(org::router())
        .merge(audit::router())
        .merge(plan::router())
        .merge(registration::router())
        .merge(identity::router())
        .merge(affairs::router())
        .merge(ticket::router())
        .merge(notify::router())
        .merge(live::router())
        .merge(crate::media_node::router())
        .merge(bank::router())
        .merge(paper::router())
        .merge(crate::recording::router())
        .merge(crate::face::router())
        .merge(crate::camera::router())
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    api_routes().split_for_parts().1
}

pub fn app(state: AppState) -> Router {
    let (api, doc) = api_routes().split_for_parts();
    let doc = Arc::new(doc.to_pretty_json().unwrap_or_default());
    let web_dir = state.settings.web_dir.clone();
    let spa = ServeDir::new(&web_dir)
        .append_index_html_on_directories(true)
        .fallback(ServeFile::new(web_dir.join("index.html")));

    let api = api
        .route("/api/openapi.json", get(move || openapi_json(doc.clone())))
        .route("/api/docs", get(docs_page))
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.settings.max_json_bytes))
        .layer(axum::middleware::map_response(structure_errors));

    let media = state.media.as_ref().map(|m| m.router());
    let mut router = Router::new()
        .merge(api)
        .merge(public::router())
        .merge(crate::files::router())
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .nest_service("/app", spa)
        .route_layer(axum::middleware::from_fn_with_state(state.metrics.clone(), crate::metrics::track))
        .with_state(state);
    if let Some(m) = media {
        router = router.nest("/media", m);
    }
    router
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

async fn openapi_json(doc: Arc<String>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], doc.as_str().to_owned()).into_response()
}

async fn docs_page() -> Html<&'static str> {
    Html(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>Proctor API</title>\
         <link rel=\"stylesheet\" href=\"/app/swagger/swagger-ui.css\"></head><body>\
         <div id=\"swagger\"></div><script src=\"/app/swagger/swagger-ui-bundle.js\"></script>\
         <script>window.ui = SwaggerUIBundle({url: '/api/openapi.json', dom_id: '#swagger'});</script>\
         <noscript><p>交互式文档需要 JavaScript；原始文档见 <a href=\"/api/openapi.json\">/api/openapi.json</a>。\
         The interactive viewer needs JavaScript; the raw document is at /api/openapi.json.</p></noscript>\
         </body></html>",
    )
}

async fn api_not_found() -> ApiError {
    ApiError::NotFound("route")
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    let mut resp = state.metrics.encode().into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    resp
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    ApiError::Internal(anyhow::anyhow!("panic")).into_response()
}

/// Safety net for rejections raised outside our extractors (path parameters, query strings,
/// framework limits): a non-JSON error response under `/api` is rewritten into the structured
/// shape, keeping its status and carrying the original text in the message.
pub async fn structure_errors(resp: Response) -> Response {
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    let text = match axum::body::to_bytes(resp.into_body(), 64 * 1024).await {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(_) => String::new(),
    };
    let (code, zh) = match status.as_u16() {
        413 => ("payload_too_large", "请求内容过大"),
        404 => ("not_found", "未找到"),
        405 => ("method_not_allowed", "不支持该请求方法"),
        s if s >= 500 => ("internal", "服务器内部错误"),
        _ => ("bad_request", "请求参数错误"),
    };
    let en = if text.is_empty() || status.is_server_error() {
        status.canonical_reason().unwrap_or("error").to_owned()
    } else {
        text.clone()
    };
    let zh = if text.is_empty() || status.is_server_error() { zh.to_owned() } else { format!("{zh}：{text}") };
    let body = crate::error::ErrorBody {
        code,
        message: crate::error::Bilingual { zh, en },
        field: None,
    };
    (status, axum::Json(body)).into_response()
}
