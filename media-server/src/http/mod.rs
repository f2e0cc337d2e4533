//! WHIP (RFC 9725), WHEP and wall signalling over axum. proctor-api nests this at `/media`.
//!
//! | method | path                          | token role    |
//! |--------|-------------------------------|---------------|
//! | POST   | `/whip`                       | publish       |
//! | PATCH, DELETE | `/whip/{session}`      | same identity |
//! | POST   | `/whep/{participant}`         | view, wall    |
//! | PATCH, DELETE | `/whep/{participant}/{session}` | same identity |
//! | POST   | `/wall`                       | wall          |
//! | DELETE | `/wall/{session}`             | same identity |
//! | GET    | `/ice-servers`                | any           |

mod auth;
mod error;

use axum::Json;
use axum::Router;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};

use crate::error::Result;
use crate::ids::{ParticipantId, SessionId};
use crate::server::MediaServer;
use crate::turn::{self, IceServer};
use auth::Bearer;

impl MediaServer {
    /// The signalling router (state included), to be nested under a prefix such as `/media`.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/whip", post(whip_post))
            .route("/whip/{session}", delete(session_delete).patch(session_patch))
            .route("/whep/{participant}", post(whep_post))
            .route(
                "/whep/{participant}/{session}",
                delete(viewer_delete).patch(viewer_patch),
            )
            .route("/wall", post(wall_post))
            .route("/wall/{session}", delete(session_delete))
            .route("/ice-servers", get(ice_servers))
            .with_state(self.clone())
    }
}

async fn whip_post(
    State(m): State<MediaServer>,
    Bearer(claims): Bearer,
    OriginalUri(uri): OriginalUri,
    offer: String,
) -> Result<Response> {
    let identity = claims.sub.clone();
    let (id, answer) = m.publish(claims, offer).await?;
    Ok(created(&m, uri.path(), id, answer, &identity))
}

async fn whep_post(
    State(m): State<MediaServer>,
    Bearer(claims): Bearer,
    OriginalUri(uri): OriginalUri,
    Path(participant): Path<String>,
    offer: String,
) -> Result<Response> {
    let identity = claims.sub.clone();
    let (id, answer) = m.view(claims, ParticipantId(participant), offer).await?;
    Ok(created(&m, uri.path(), id, answer, &identity))
}

async fn wall_post(
    State(m): State<MediaServer>,
    Bearer(claims): Bearer,
    OriginalUri(uri): OriginalUri,
    offer: String,
) -> Result<Response> {
    let identity = claims.sub.clone();
    let (id, answer) = m.open_wall(claims, offer).await?;
    Ok(created(&m, uri.path(), id, answer, &identity))
}

async fn session_delete(
    State(m): State<MediaServer>,
    Bearer(claims): Bearer,
    Path(session): Path<u64>,
) -> Result<StatusCode> {
    m.close_session(claims, SessionId(session)).await?;
    Ok(StatusCode::OK)
}

async fn viewer_delete(
    State(m): State<MediaServer>,
    Bearer(claims): Bearer,
    Path((_, session)): Path<(String, u64)>,
) -> Result<StatusCode> {
    m.close_session(claims, SessionId(session)).await?;
    Ok(StatusCode::OK)
}

async fn session_patch(
    State(m): State<MediaServer>,
    Bearer(claims): Bearer,
    Path(session): Path<u64>,
    frag: String,
) -> Result<Response> {
    patched(m.trickle(claims, SessionId(session), frag).await?)
}

async fn viewer_patch(
    State(m): State<MediaServer>,
    Bearer(claims): Bearer,
    Path((_, session)): Path<(String, u64)>,
    frag: String,
) -> Result<Response> {
    patched(m.trickle(claims, SessionId(session), frag).await?)
}

async fn ice_servers(State(m): State<MediaServer>, Bearer(claims): Bearer) -> Json<Vec<IceServer>> {
    Json(m.ice_servers(&claims.sub))
}

/// 204 for trickled candidates, 200 with our new credentials for an ICE restart.
fn patched(reply: Option<String>) -> Result<Response> {
    Ok(match reply {
        None => StatusCode::NO_CONTENT.into_response(),
        Some(frag) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/trickle-ice-sdpfrag")],
            frag,
        )
            .into_response(),
    })
}

/// 201 with the answer, the resource URL and TURN servers as `Link` headers.
fn created(m: &MediaServer, path: &str, id: SessionId, answer: String, identity: &str) -> Response {
    let mut headers = HeaderMap::new();
    let location = format!("{}/{id}", path.trim_end_matches('/'));
    if let Ok(v) = HeaderValue::from_str(&location) {
        headers.insert(header::LOCATION, v);
    }
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/sdp"));
    for server in m.ice_servers(identity) {
        for link in turn::link_header(&server) {
            if let Ok(v) = HeaderValue::from_str(&link) {
                headers.append(header::LINK, v);
            }
        }
    }
    (StatusCode::CREATED, headers, answer).into_response()
}
