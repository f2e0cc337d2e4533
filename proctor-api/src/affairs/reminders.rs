//! Exam reminders a day before each session, without anyone pressing a button: [`send_due`]
//! looks at the sessions starting within the next [`LEAD`] and reminds every seated,
//! approved candidate who has not been reminded of that session yet (in-app and SMS). The
//! clock is a parameter, so tests step time instead of waiting; [`run`] is the thin loop
//! `proctor serve` starts, and seating calls [`send_due`] too, so a candidate seated less
//! than a day before the exam hears at once.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::queries;
use crate::error::ApiResult;
use crate::plan::queries::SessionRow;
use crate::state::AppState;

/// How long before a session its reminder goes out.
pub const LEAD: chrono::Duration = chrono::Duration::hours(24);
/// How often the loop looks.
pub const CHECK_EVERY: Duration = Duration::from_secs(60);

/// Whether a session starting at `starts_at` is in the reminder window at `now`.
pub fn is_due(starts_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    starts_at > now && starts_at - now <= LEAD
}

/// The reminder text for a seated candidate: Beijing time, site, room and seat.
pub fn message(registration_id: i64, s: &SessionRow, seat: i64) -> crate::notify::Message {
    let when = chrono::DateTime::parse_from_rfc3339(&s.starts_at)
        .map(|t| {
            t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset"))
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| s.starts_at.clone());
    crate::notify::Message::exam_reminder(registration_id, &when, &s.site_name, &s.room_name, seat)
}

/// Sends the reminders due at `now`; returns how many went out.
pub async fn send_due(state: &AppState, now: DateTime<Utc>) -> ApiResult<i64> {
    let from = crate::db::to_text(now);
    let to = crate::db::to_text(now + LEAD);
    let mut sent = 0;
    for s in crate::plan::queries::sessions_starting_between(&state.db, &from, &to).await? {
        for (registration_id, seat) in queries::unreminded(&state.db, s.exam_session_id).await? {
            // The row first: whoever inserts it (this node or another) sends the message.
            if queries::claim_reminder(&state.db, registration_id, s.exam_session_id).await? {
                crate::notify::send(state, message(registration_id, &s, seat)).await?;
                sent += 1;
            }
        }
    }
    if sent > 0 {
        tracing::info!(sent, "exam reminders sent");
    }
    Ok(sent)
}

/// The background loop of `proctor serve`: checks every [`CHECK_EVERY`] until the process
/// ends; a failed round is logged and retried at the next.
pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(CHECK_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = send_due(&state, Utc::now()).await {
            tracing::warn!(error = %e, "exam reminder round failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_within_the_day_before_and_not_after_the_start() {
        let start: DateTime<Utc> = "2026-12-20T01:00:00Z".parse().unwrap();
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert!(
            !is_due(start, at("2026-12-18T12:00:00Z")),
            "two days before"
        );
        assert!(
            !is_due(start, at("2026-12-19T00:59:59Z")),
            "just over a day before"
        );
        assert!(
            is_due(start, at("2026-12-19T01:00:00Z")),
            "exactly a day before"
        );
        assert!(
            is_due(start, at("2026-12-20T00:30:00Z")),
            "half an hour before"
        );
        assert!(!is_due(start, at("2026-12-20T01:00:00Z")), "at the start");
    }
}
