//! SQL for sites, rooms, staff on duty, seating, attendance and the usage report.

use sqlx::FromRow;

use crate::db::{self, Db};

#[derive(Debug, Clone, FromRow)]
pub struct RoomRow {
    pub exam_room_id: i64,
    pub exam_site_id: i64,
    pub name: String,
    pub seats: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct SiteRow {
    pub exam_site_id: i64,
    pub name: String,
    pub address: String,
}

pub async fn insert_site(db: &Db, name: &str, address: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("INSERT INTO exam_site (name, address, created_at) VALUES ($1, $2, $3) RETURNING exam_site_id")
        .bind(name)
        .bind(address)
        .bind(db::now())
        .fetch_one(&db.pool)
        .await
}

pub async fn sites(db: &Db) -> sqlx::Result<Vec<SiteRow>> {
    sqlx::query_as("SELECT exam_site_id, name, address FROM exam_site ORDER BY exam_site_id")
        .fetch_all(&db.pool)
        .await
}

pub async fn site(db: &Db, id: i64) -> sqlx::Result<Option<SiteRow>> {
    sqlx::query_as("SELECT exam_site_id, name, address FROM exam_site WHERE exam_site_id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

pub async fn insert_room(db: &Db, site: i64, name: &str, seats: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("INSERT INTO exam_room (exam_site_id, name, seats) VALUES ($1, $2, $3) RETURNING exam_room_id")
        .bind(site)
        .bind(name)
        .bind(seats)
        .fetch_one(&db.pool)
        .await
}

pub async fn rooms(db: &Db, site: i64) -> sqlx::Result<Vec<RoomRow>> {
    sqlx::query_as("SELECT exam_room_id, exam_site_id, name, seats FROM exam_room WHERE exam_site_id = $1 ORDER BY exam_room_id")
        .bind(site)
        .fetch_all(&db.pool)
        .await
}

/// "Site · room" for every exam room, by id (what live walls call a room).
pub async fn room_titles(db: &Db) -> sqlx::Result<Vec<(i64, String)>> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT r.exam_room_id, s.name, r.name FROM exam_room r JOIN exam_site s ON s.exam_site_id = r.exam_site_id",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(|(id, site, room)| (id, format!("{site} · {room}"))).collect())
}

/// Whether `staff` is on duty at a session in which `candidate` is seated.
pub async fn on_duty_for_candidate(db: &Db, staff: i64, candidate: i64) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM session_staff ss JOIN registration r ON r.exam_session_id = ss.exam_session_id \
         WHERE ss.account_id = $1 AND r.account_id = $2",
    )
    .bind(staff)
    .bind(candidate)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

pub async fn room(db: &Db, id: i64) -> sqlx::Result<Option<RoomRow>> {
    sqlx::query_as(
        "SELECT exam_room_id, exam_site_id, name, seats FROM exam_room WHERE exam_room_id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct DutyRow {
    pub session_staff_id: i64,
    pub account_id: i64,
    pub display_name: String,
    pub duty: String,
    pub work_unit: String,
    pub qualification_no: String,
}

pub async fn insert_duty(
    db: &Db,
    session: i64,
    account: i64,
    duty: &str,
    work_unit: &str,
    qualification_no: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO session_staff (exam_session_id, account_id, duty, work_unit, qualification_no, assigned_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING session_staff_id",
    )
    .bind(session)
    .bind(account)
    .bind(duty)
    .bind(work_unit)
    .bind(qualification_no)
    .bind(db::now())
    .fetch_one(&db.pool)
    .await
}

pub async fn duties(db: &Db, session: i64) -> sqlx::Result<Vec<DutyRow>> {
    sqlx::query_as(
        "SELECT d.session_staff_id, d.account_id, a.display_name, d.duty, d.work_unit, d.qualification_no \
         FROM session_staff d JOIN account a ON a.account_id = d.account_id \
         WHERE d.exam_session_id = $1 ORDER BY d.session_staff_id",
    )
    .bind(session)
    .fetch_all(&db.pool)
    .await
}

/// Work units of the candidates seated in a session (for the conflict rule).
pub async fn seated_work_units(db: &Db, session: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT work_unit FROM registration WHERE exam_session_id = $1")
        .bind(session)
        .fetch_all(&db.pool)
        .await
}

/// Approved registrations of a plan not yet seated, oldest first.
pub async fn unseated(db: &Db, plan: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT registration_id FROM registration WHERE exam_plan_id = $1 AND status = 'approved' \
         AND exam_session_id IS NULL ORDER BY registration_id",
    )
    .bind(plan)
    .fetch_all(&db.pool)
    .await
}

pub async fn taken_seats(db: &Db, session: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT seat_no FROM registration WHERE exam_session_id = $1 AND seat_no IS NOT NULL",
    )
    .bind(session)
    .fetch_all(&db.pool)
    .await
}

pub async fn seat(db: &Db, reg: i64, session: i64, seat: i64, ticket_no: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE registration SET exam_session_id = $1, seat_no = $2, ticket_no = $3, updated_at = $4 \
         WHERE registration_id = $5 AND exam_session_id IS NULL",
    )
    .bind(session)
    .bind(seat)
    .bind(ticket_no)
    .bind(db::now())
    .bind(reg)
    .execute(&db.pool)
    .await
    .map(|_| ())
}

pub async fn set_attendance(db: &Db, reg: i64, attendance: &str) -> sqlx::Result<u64> {
    sqlx::query("UPDATE registration SET attendance = $1, updated_at = $2 WHERE registration_id = $3 AND exam_session_id IS NOT NULL")
        .bind(attendance)
        .bind(db::now())
        .bind(reg)
        .execute(&db.pool)
        .await
        .map(|r| r.rows_affected())
}

#[derive(Debug, Clone, FromRow)]
pub struct UsageRow {
    pub registered: i64,
    pub approved: i64,
    pub seated: i64,
    pub sat: i64,
    pub absent: i64,
}

pub async fn usage(db: &Db, plan: i64) -> sqlx::Result<UsageRow> {
    sqlx::query_as(
        "SELECT COUNT(*) AS registered, \
         COALESCE(SUM(CASE WHEN status = 'approved' THEN 1 ELSE 0 END), 0) AS approved, \
         COALESCE(SUM(CASE WHEN exam_session_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS seated, \
         COALESCE(SUM(CASE WHEN attendance = 'sat' THEN 1 ELSE 0 END), 0) AS sat, \
         COALESCE(SUM(CASE WHEN attendance = 'absent' THEN 1 ELSE 0 END), 0) AS absent \
         FROM registration WHERE exam_plan_id = $1",
    )
    .bind(plan)
    .fetch_one(&db.pool)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct UsageLine {
    pub registration_id: i64,
    pub ticket_no: Option<String>,
    pub name: String,
    pub id_number_masked: String,
    pub status: String,
    pub attendance: Option<String>,
}

pub async fn usage_lines(db: &Db, plan: i64) -> sqlx::Result<Vec<UsageLine>> {
    sqlx::query_as(
        "SELECT registration_id, ticket_no, name, id_number_masked, status, attendance FROM registration \
         WHERE exam_plan_id = $1 ORDER BY registration_id",
    )
    .bind(plan)
    .fetch_all(&db.pool)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct DeviceRow {
    pub exam_device_id: i64,
    pub kind: String,
    pub label: String,
    pub address: String,
}

pub async fn insert_device(
    db: &Db,
    room: i64,
    kind: &str,
    label: &str,
    address: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO exam_device (exam_room_id, kind, label, address) VALUES ($1, $2, $3, $4) RETURNING exam_device_id",
    )
    .bind(room)
    .bind(kind)
    .bind(label)
    .bind(address)
    .fetch_one(&db.pool)
    .await
}

pub async fn devices(db: &Db, room: i64) -> sqlx::Result<Vec<DeviceRow>> {
    sqlx::query_as("SELECT exam_device_id, kind, label, address FROM exam_device WHERE exam_room_id = $1 ORDER BY exam_device_id")
        .bind(room)
        .fetch_all(&db.pool)
        .await
}

/// Approved candidates seated in a session who have not had its reminder: (registration, seat).
pub async fn unreminded(db: &Db, session: i64) -> sqlx::Result<Vec<(i64, i64)>> {
    sqlx::query_as(
        "SELECT r.registration_id, r.seat_no FROM registration r WHERE r.exam_session_id = $1 \
         AND r.status = 'approved' AND r.seat_no IS NOT NULL AND NOT EXISTS \
         (SELECT 1 FROM exam_reminder m WHERE m.registration_id = r.registration_id AND m.exam_session_id = $1) \
         ORDER BY r.registration_id",
    )
    .bind(session)
    .fetch_all(&db.pool)
    .await
}

/// Records that a reminder goes out; false when it was already recorded (by any node).
pub async fn claim_reminder(db: &Db, registration: i64, session: i64) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "INSERT INTO exam_reminder (registration_id, exam_session_id, sent_at) VALUES ($1, $2, $3) \
         ON CONFLICT (registration_id, exam_session_id) DO NOTHING",
    )
    .bind(registration)
    .bind(session)
    .bind(db::now())
    .execute(&db.pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Enabled examiners, invigilators and supervisors: (account, user name, name, role).
pub async fn duty_people(db: &Db) -> sqlx::Result<Vec<(i64, String, String, String)>> {
    sqlx::query_as(
        "SELECT account_id, username, display_name, role FROM account \
         WHERE role IN ('examiner', 'invigilator', 'supervisor') AND disabled = 0 \
         ORDER BY role, display_name, account_id",
    )
    .fetch_all(&db.pool)
    .await
}

pub async fn delete_duty(db: &Db, duty: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM session_staff WHERE session_staff_id = $1").bind(duty).execute(&db.pool).await?;
    Ok(())
}

pub async fn delete_device(db: &Db, device: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM exam_device WHERE exam_device_id = $1").bind(device).execute(&db.pool).await?;
    Ok(())
}

/// Sessions held in the room and cameras registered in it.
pub async fn room_in_use(db: &Db, room: i64) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM exam_session WHERE exam_room_id = $1), \
         (SELECT COUNT(*) FROM room_camera WHERE exam_room_id = $1)",
    )
    .bind(room)
    .fetch_one(&db.pool)
    .await
}

/// Removes a room and its devices in one transaction.
pub async fn delete_room(db: &Db, room: i64) -> sqlx::Result<()> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM exam_device WHERE exam_room_id = $1").bind(room).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM exam_room WHERE exam_room_id = $1").bind(room).execute(&mut *tx).await?;
    tx.commit().await
}
