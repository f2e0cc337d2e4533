//! One verification against the enrolled embedding, recorded with its evidence picture,
//! distance and experimental liveness score — for check-ins and re-checks alike.

use super::enrol::{self, Reason};
use super::frame::{self, Frame};
use super::{engine, queries};
use crate::error::ApiResult;
use crate::state::AppState;

/// What the engine said about one picture, before an outcome is decided.
pub struct Measured {
    pub enrolment_id: i64,
    pub matched: bool,
    pub distance: Option<f32>,
    pub threshold: f32,
    /// A quality-gate reason (no face, several faces, …), or `mismatch`.
    pub reason: Option<Reason>,
    pub faces: usize,
    pub liveness: Option<(f32, &'static str)>,
    pub frame_key: String,
    pub frame_source: &'static str,
}

pub async fn measure(state: &AppState, account: i64, frame: Frame) -> ApiResult<Measured> {
    let face = engine::require(state)?;
    let (enrolment, embedding) = enrol::current_embedding(state, account).await?;
    let bytes = frame.bytes.clone();
    let verdict = face.run(move |e| e.verify(&embedding, &bytes)).await?;
    let key = format!(
        "face/checks/{account}/{}.{}",
        uuid::Uuid::now_v7(),
        frame::extension(frame.content_type)
    );
    enrol::put(state, &key, frame.bytes, frame.content_type).await?;
    let reason = match (&verdict.reason, verdict.matched) {
        (Some(i), _) => Some(Reason::of(i)),
        (None, false) => Some(Reason::from_code("mismatch")),
        (None, true) => None,
    };
    Ok(Measured {
        enrolment_id: enrolment.face_enrolment_id,
        matched: verdict.matched,
        distance: verdict.distance,
        threshold: verdict.threshold,
        reason,
        faces: verdict.faces,
        liveness: verdict.liveness.map(|l| (l.score, l.method)),
        frame_key: key,
        frame_source: frame.source,
    })
}

pub fn e4(v: f32) -> i64 {
    (f64::from(v) * 10_000.0).round() as i64
}

pub async fn record(
    state: &AppState,
    account: i64,
    kind: &str,
    session: Option<i64>,
    m: &Measured,
    outcome: &str,
) -> ApiResult<i64> {
    Ok(queries::insert_check(
        &state.db,
        queries::NewCheck {
            account_id: account,
            kind,
            exam_session_id: session,
            face_enrolment_id: Some(m.enrolment_id),
            frame_source: m.frame_source,
            frame_key: Some(&m.frame_key),
            matched: m.matched,
            distance_e4: m.distance.map(e4),
            threshold_e4: e4(m.threshold),
            reason: m.reason.as_ref().map(|r| r.code.as_str()),
            faces: m.faces as i64,
            liveness_e4: m.liveness.map(|l| e4(l.0)),
            liveness_method: m.liveness.map(|l| l.1),
            outcome,
        },
    )
    .await?)
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = FaceCheck)]
pub struct CheckView {
    pub check_id: i64,
    pub account_id: i64,
    /// `checkin` or `recheck`.
    pub kind: String,
    pub exam_session_id: Option<i64>,
    /// `still`, `live` or `none` (no picture arrived).
    pub frame_source: String,
    /// Short-lived signed link to the picture checked.
    pub frame_url: Option<String>,
    pub matched: bool,
    /// Distance to the enrolled face (lower is more alike).
    pub distance: Option<f64>,
    pub threshold: f64,
    pub reason: Option<Reason>,
    pub faces: i64,
    /// Experimental liveness score (0–1); recorded, never used to decide.
    pub liveness: Option<f64>,
    pub liveness_method: Option<String>,
    /// `passed`, `failed`, `review`, `approved`, `rejected`.
    pub outcome: String,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<String>,
    pub review_note: Option<String>,
    pub created_at: String,
}

pub async fn view(state: &AppState, r: &queries::CheckRow) -> ApiResult<CheckView> {
    let frame_url = match &r.frame_key {
        Some(k) => Some(state.files.link(k).await?),
        None => None,
    };
    Ok(CheckView {
        check_id: r.face_check_id,
        account_id: r.account_id,
        kind: r.kind.clone(),
        exam_session_id: r.exam_session_id,
        frame_source: r.frame_source.clone(),
        frame_url,
        matched: r.matched != 0,
        distance: r.distance_e4.map(|d| d as f64 / 10_000.0),
        threshold: r.threshold_e4 as f64 / 10_000.0,
        reason: r.reason.as_deref().map(Reason::from_code),
        faces: r.faces,
        liveness: r.liveness_e4.map(|d| d as f64 / 10_000.0),
        liveness_method: r.liveness_method.clone(),
        outcome: r.outcome.clone(),
        reviewed_by: r.reviewed_by,
        reviewed_at: r.reviewed_at.clone(),
        review_note: r.review_note.clone(),
        created_at: r.created_at.clone(),
    })
}
