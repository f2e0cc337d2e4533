//! What an invigilator looks after: the exam rooms of the sessions they are on duty at and
//! the candidates seated in those sessions. Invigilators watch live cameras and decide face
//! checks only for these; staff, supervisors on patrol and administrators see every room.

use crate::auth::{AuthUser, Role};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};

/// Refuses an invigilator who is not on duty at a session seating `candidate`.
pub async fn covers_candidate(db: &Db, user: &AuthUser, candidate: i64) -> ApiResult<()> {
    if user.role != Role::Invigilator || super::queries::on_duty_for_candidate(db, user.account_id, candidate).await? {
        return Ok(());
    }
    Err(ApiError::NotOnDuty)
}

/// Refuses an invigilator a media room outside their duties: `room-{exam_room}` needs a duty
/// in that exam room, `check-{account}` a duty at a session seating that candidate.
pub async fn covers_media_room(db: &Db, user: &AuthUser, room: &str) -> ApiResult<()> {
    if user.role != Role::Invigilator {
        return Ok(());
    }
    let id = |prefix: &str| room.strip_prefix(prefix).and_then(|id| id.parse::<i64>().ok());
    let covered = if let Some(exam_room) = id("room-") {
        crate::camera::queries::is_on_duty_in(db, user.account_id, exam_room).await?
    } else if let Some(candidate) = id("check-") {
        super::queries::on_duty_for_candidate(db, user.account_id, candidate).await?
    } else {
        false
    };
    if covered { Ok(()) } else { Err(ApiError::NotOnDuty) }
}
