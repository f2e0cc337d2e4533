//! Random re-checks during an exam session (R7). Staff set how many checks each candidate
//! gets and within which window; the server draws the moments at random and keeps them to
//! itself. When a moment comes and the candidate publishes their camera on the in-process SFU,
//! the server grabs the picture from the live track itself, without the page taking part.
//! Otherwise (or when the grab fails) the candidate's camera page is asked for a picture (it
//! only learns of the check then) and has `face.recheck_answer_secs` to send one. A mismatch, no
//! face, several faces or no picture at all raises an alert for the session's invigilators,
//! with the evidence frame, and lands on the candidate's timeline.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;

use super::check::{self, Measured};
use super::enrol::Reason;
use super::frame::{Frame, FrameSource};
use super::queries;
use crate::db;
use crate::error::ApiResult;
use crate::state::AppState;

/// `count` moments per candidate, uniformly at random in `[from, to)`.
pub fn draw(candidates: &[i64], count: u32, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(i64, String)> {
    let span = (to - from).num_milliseconds().max(1);
    let mut rng = rand::thread_rng();
    let mut out = Vec::new();
    for &c in candidates {
        for _ in 0..count {
            let at = from + chrono::Duration::milliseconds(rng.gen_range(0..span));
            out.push((c, db::to_text(at)));
        }
    }
    out
}

/// Runs until the process ends: asks for due moments and closes unanswered ones.
pub fn spawn_scheduler(state: AppState) -> tokio::task::JoinHandle<()> {
    let tick = Duration::from_millis(state.settings.face.recheck_tick_ms.max(100));
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(tick);
        loop {
            interval.tick().await;
            if let Err(e) = step(&state).await {
                tracing::warn!(error = %e, "face re-check scheduler step failed");
            }
        }
    })
}

async fn step(state: &AppState) -> ApiResult<()> {
    let now = db::to_text(Utc::now());
    // Live cameras first, all at once (each grab may wait up to its timeout); whatever they
    // leave pending is then asked of the pages.
    let due = queries::due_pending(&state.db, &now).await?;
    futures::future::join_all(due.iter().map(|slot| grab_live(state, slot, &now))).await;
    queries::ask_due(&state.db, &now).await?;
    let now = Utc::now();
    let cutoff = now - chrono::Duration::seconds(state.settings.face.recheck_answer_secs as i64);
    for slot in queries::unanswered(&state.db, &db::to_text(cutoff)).await? {
        missed(state, &slot).await?;
    }
    Ok(())
}

/// No picture arrived in time: that is itself an alert.
async fn missed(state: &AppState, slot: &queries::SlotRow) -> ApiResult<()> {
    let threshold = state.face.as_ref().map(|f| f.threshold()).unwrap_or(state.settings.face.match_threshold);
    let id = queries::insert_check(
        &state.db,
        queries::NewCheck {
            account_id: slot.account_id,
            kind: "recheck",
            exam_session_id: Some(slot.exam_session_id),
            face_enrolment_id: None,
            frame_source: "none",
            frame_key: None,
            matched: false,
            distance_e4: None,
            threshold_e4: check::e4(threshold),
            reason: Some("no_frame"),
            faces: 0,
            liveness_e4: None,
            liveness_method: None,
            outcome: "failed",
        },
    )
    .await?;
    if queries::close_slot(&state.db, slot.face_recheck_slot_id, id).await? {
        raise(state, id, slot.account_id, Some(slot.exam_session_id), &Reason::from_code("no_frame")).await?;
    }
    Ok(())
}

/// Answers a due moment from the candidate's live camera while it is still pending, so the
/// page never sees it. Any failure leaves it pending for the page to be asked instead.
async fn grab_live(state: &AppState, slot: &queries::SlotRow, now: &str) {
    let Some(live) = FrameSource::live_of(state, slot.account_id, "candidate").await else { return };
    let measured = match live.take(state).await {
        Ok(frame) => check::measure(state, slot.account_id, frame).await,
        Err(e) => Err(e),
    };
    let m = match measured {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(slot = slot.face_recheck_slot_id, error = %e, "live re-check failed; asking the page");
            return;
        }
    };
    let closed = async {
        // Replanned or already taken meanwhile: the picture is kept, no check is recorded.
        if queries::ask_one(&state.db, slot.face_recheck_slot_id, now).await? {
            conclude(state, slot, &m).await?;
        }
        ApiResult::Ok(())
    };
    if let Err(e) = closed.await {
        tracing::warn!(slot = slot.face_recheck_slot_id, error = %e, "recording a live re-check failed");
    }
}

/// Verifies the picture answering an asked moment; returns the recorded check's id.
pub async fn answer(state: &AppState, slot: &queries::SlotRow, frame: Frame) -> ApiResult<(i64, Measured)> {
    let m = check::measure(state, slot.account_id, frame).await?;
    let id = conclude(state, slot, &m).await?;
    Ok((id, m))
}

/// Records the check of an asked moment, closes it, and raises an alert on a failure.
async fn conclude(state: &AppState, slot: &queries::SlotRow, m: &Measured) -> ApiResult<i64> {
    let outcome = if m.matched { "passed" } else { "failed" };
    let id = check::record(state, slot.account_id, "recheck", Some(slot.exam_session_id), m, outcome).await?;
    if queries::close_slot(&state.db, slot.face_recheck_slot_id, id).await? && !m.matched {
        let reason = m.reason.clone().unwrap_or_else(|| Reason::from_code("mismatch"));
        raise(state, id, slot.account_id, Some(slot.exam_session_id), &reason).await?;
    }
    Ok(id)
}

/// Stores the alert and tells the session's staff in-app.
async fn raise(state: &AppState, check: i64, account: i64, session: Option<i64>, reason: &Reason) -> ApiResult<()> {
    queries::insert_alert(&state.db, check, account, session, &reason.code).await?;
    let name = queries::account_name(&state.db, account).await?.map(|n| n.0).unwrap_or_default();
    let staff = match session {
        Some(s) => queries::session_staff(&state.db, s).await?,
        None => Vec::new(),
    };
    for to in staff {
        crate::notify::queries::insert(
            &state.db,
            to,
            "face_alert",
            &format!("人脸抽检异常：{name}（{}）", reason.zh),
            &format!("Face re-check alert: {name} ({})", reason.en),
            &format!("check {check}"),
            "in_app",
        )
        .await?;
    }
    Ok(())
}
