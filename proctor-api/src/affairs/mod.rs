//! Exam affairs (R4): sites and rooms (seats numbered 1..N), staff on duty at sessions with
//! the conflict rule (an examiner never assesses a session seating candidates from the
//! examiner's own work unit), seating (random, in registration order, or with work units
//! spread apart) with ticket numbers, attendance on the day and
//! the per-plan usage report (registered, sat, absent) for per-candidate billing.

pub mod duty;
pub mod queries;
pub mod reminders;
pub mod removal;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::audit;
use crate::auth::{Overseer, Proctor, Staff};
use crate::error::{ApiError, ApiResult};
use crate::http::Json;
use crate::plan;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_sites, create_site))
        .routes(routes!(create_room))
        .routes(routes!(list_devices, add_device))
        .routes(routes!(list_duties, assign_staff))
        .routes(routes!(duty_people))
        .routes(routes!(assign_seats))
        .routes(routes!(record_attendance))
        .routes(routes!(send_reminders))
        .routes(routes!(usage_report))
        .routes(routes!(usage_csv))
        .merge(removal::router())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSite {
    pub name: String,
    pub address: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Room {
    pub id: i64,
    pub name: String,
    pub seats: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Site {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub rooms: Vec<Room>,
}

async fn site_out(state: &AppState, s: queries::SiteRow) -> ApiResult<Site> {
    let rooms = queries::rooms(&state.db, s.exam_site_id).await?;
    Ok(Site {
        id: s.exam_site_id,
        name: s.name,
        address: s.address,
        rooms: rooms
            .into_iter()
            .map(|r| Room {
                id: r.exam_room_id,
                name: r.name,
                seats: r.seats,
            })
            .collect(),
    })
}

fn text(field: &str, v: &str, max: usize) -> ApiResult<()> {
    if v.trim().is_empty() || v.chars().count() > max {
        return Err(ApiError::invalid(
            field,
            format!("须为 1–{max} 个字符"),
            format!("1–{max} characters"),
        ));
    }
    Ok(())
}

/// All exam sites with their rooms.
#[utoipa::path(get, path = "/api/sites", tag = "affairs", responses((status = 200, body = [Site])), security(("bearer" = [])))]
async fn list_sites(_s: Staff, State(state): State<AppState>) -> ApiResult<Json<Vec<Site>>> {
    let mut out = Vec::new();
    for s in queries::sites(&state.db).await? {
        out.push(site_out(&state, s).await?);
    }
    Ok(Json(out))
}

/// Add an exam site.
#[utoipa::path(post, path = "/api/sites", tag = "affairs", request_body = CreateSite,
    responses((status = 201, body = Site)), security(("bearer" = [])))]
async fn create_site(
    Staff(user): Staff,
    State(state): State<AppState>,
    Json(req): Json<CreateSite>,
) -> ApiResult<(StatusCode, Json<Site>)> {
    text("name", &req.name, 100)?;
    text("address", &req.address, 300)?;
    let id = queries::insert_site(&state.db, req.name.trim(), req.address.trim()).await?;
    audit::record(
        &state.db,
        Some(&user),
        "site.create",
        "exam_site",
        Some(&id.to_string()),
        serde_json::json!({"name": req.name}),
    )
    .await?;
    let s = queries::site(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("site"))?;
    Ok((StatusCode::CREATED, Json(site_out(&state, s).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRoom {
    pub name: String,
    pub seats: i64,
}

/// Add a room to a site.
#[utoipa::path(post, path = "/api/sites/{id}/rooms", tag = "affairs", params(("id" = i64, Path)), request_body = CreateRoom,
    responses((status = 201, body = Room)), security(("bearer" = [])))]
async fn create_room(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(req): Json<CreateRoom>,
) -> ApiResult<(StatusCode, Json<Room>)> {
    text("name", &req.name, 100)?;
    if !(1..=1000).contains(&req.seats) {
        return Err(ApiError::invalid(
            "seats",
            "座位数须为 1–1000",
            "Seats must be 1–1000",
        ));
    }
    queries::site(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("site"))?;
    let rid = queries::insert_room(&state.db, id, req.name.trim(), req.seats).await?;
    audit::record(
        &state.db,
        Some(&user),
        "room.create",
        "exam_room",
        Some(&rid.to_string()),
        serde_json::json!({"site": id, "seats": req.seats}),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(Room {
            id: rid,
            name: req.name.trim().to_owned(),
            seats: req.seats,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignStaff {
    pub account_id: i64,
    /// `examiner`, `invigilator` or `supervisor`.
    pub duty: String,
    /// The person's employer, compared with the candidates' work units.
    pub work_unit: String,
    /// Examiner qualification number (考评员证号); may be empty for other duties.
    pub qualification_no: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Duty {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub duty: String,
    pub work_unit: String,
    pub qualification_no: String,
}

fn duty_out(d: queries::DutyRow) -> Duty {
    Duty {
        id: d.session_staff_id,
        account_id: d.account_id,
        name: d.display_name,
        duty: d.duty,
        work_unit: d.work_unit,
        qualification_no: d.qualification_no,
    }
}

/// Work units compare without blanks and case, so "某某公司 " and "某某公司" are the same.
pub fn same_unit(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    let (a, b) = (norm(a), norm(b));
    !a.is_empty() && a == b
}

/// Staff on duty at a session.
#[utoipa::path(get, path = "/api/sessions/{id}/staff", tag = "affairs", params(("id" = i64, Path)),
    responses((status = 200, body = [Duty])), security(("bearer" = [])))]
async fn list_duties(
    _s: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Duty>>> {
    plan::queries::session(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("session"))?;
    Ok(Json(
        queries::duties(&state.db, id)
            .await?
            .into_iter()
            .map(duty_out)
            .collect(),
    ))
}

/// Put a person on duty at a session. An examiner whose work unit is that of a candidate
/// seated in the session is refused with 409 and the reason.
#[utoipa::path(post, path = "/api/sessions/{id}/staff", tag = "affairs", params(("id" = i64, Path)), request_body = AssignStaff,
    responses((status = 201, body = Duty), (status = 409, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn assign_staff(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(req): Json<AssignStaff>,
) -> ApiResult<(StatusCode, Json<Duty>)> {
    let wanted_role = match req.duty.as_str() {
        "examiner" => "examiner",
        "invigilator" => "invigilator",
        "supervisor" => "supervisor",
        _ => {
            return Err(ApiError::invalid(
                "duty",
                "职责须为 examiner、invigilator 或 supervisor",
                "Duty must be examiner, invigilator or supervisor",
            ));
        }
    };
    text("work_unit", &req.work_unit, 200)?;
    if req.duty == "examiner" {
        text("qualification_no", &req.qualification_no, 50)?;
    }
    plan::queries::session(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("session"))?;
    let acc = crate::auth::queries::account_by_id(&state.db, req.account_id)
        .await?
        .ok_or(ApiError::NotFound("account"))?;
    if acc.role != wanted_role {
        return Err(ApiError::invalid(
            "account_id",
            format!("该账号的角色不是 {wanted_role}"),
            format!("This account's role is not {wanted_role}"),
        ));
    }
    if req.duty == "examiner" {
        let clashes = queries::seated_work_units(&state.db, id)
            .await?
            .iter()
            .filter(|u| same_unit(u, &req.work_unit))
            .count();
        if clashes > 0 {
            return Err(ApiError::conflict(
                Some("work_unit"),
                format!(
                    "回避：本场次有 {clashes} 名考生与该考评员同属“{}”，考评员不得评价本单位考生",
                    req.work_unit.trim()
                ),
                format!(
                    "Conflict of interest: {clashes} candidate(s) in this session work at \"{}\", the examiner's own unit",
                    req.work_unit.trim()
                ),
            ));
        }
    }
    let did = queries::insert_duty(
        &state.db,
        id,
        req.account_id,
        &req.duty,
        req.work_unit.trim(),
        req.qualification_no.trim(),
    )
    .await?;
    audit::record(&state.db, Some(&user), "session.assign_staff", "exam_session", Some(&id.to_string()),
        serde_json::json!({"account": req.account_id, "duty": req.duty, "work_unit": req.work_unit})).await?;
    let d = queries::duties(&state.db, id)
        .await?
        .into_iter()
        .find(|d| d.session_staff_id == did)
        .ok_or(ApiError::NotFound("duty"))?;
    Ok((StatusCode::CREATED, Json(duty_out(d))))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SeatingResult {
    pub seated: i64,
    /// Approved candidates left without a seat: the rooms are full, or every free seat is in
    /// a session with an examiner from the candidate's own work unit.
    pub unseated: i64,
}

/// How candidates are placed on the free seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeatingOrder {
    /// Candidates and seats shuffled: neither registration order nor work unit decides who
    /// sits next to whom (the default).
    Random,
    /// Seats filled in order (session, then seat number) in the order candidates registered.
    Registration,
    /// Seats filled in order, candidates of one work unit spread apart so that neighbours
    /// come from different units wherever the numbers allow.
    SpreadUnits,
}

impl SeatingOrder {
    fn parse(s: Option<&str>) -> ApiResult<SeatingOrder> {
        match s.unwrap_or("random") {
            "random" => Ok(SeatingOrder::Random),
            "registration" => Ok(SeatingOrder::Registration),
            "spread_units" => Ok(SeatingOrder::SpreadUnits),
            _ => Err(ApiError::invalid(
                "order",
                "编排规则只能是 random、registration 或 spread_units",
                "order must be random, registration or spread_units",
            )),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SeatingQuery {
    /// `random` (default), `registration` (in order of registration) or `spread_units`
    /// (in order, neighbours from different work units where possible).
    pub order: Option<String>,
}

/// Orders `regs` (id, work unit; in registration order) so that consecutive candidates come
/// from different units wherever possible: always take the unit with most candidates left
/// that is not the one just taken.
pub fn spread_units(regs: &[(i64, String)]) -> Vec<i64> {
    let mut groups: Vec<(String, std::collections::VecDeque<i64>)> = Vec::new();
    for (id, unit) in regs {
        match groups.iter_mut().find(|(u, _)| same_unit(u, unit) || (u.trim().is_empty() && unit.trim().is_empty())) {
            Some((_, g)) => g.push_back(*id),
            None => groups.push((unit.clone(), std::collections::VecDeque::from([*id]))),
        }
    }
    let mut out = Vec::with_capacity(regs.len());
    let mut last: Option<usize> = None;
    while out.len() < regs.len() {
        // Most left first; ties go to the unit that registered first (stable order).
        let pick = (0..groups.len())
            .filter(|&i| !groups[i].1.is_empty())
            .filter(|&i| Some(i) != last || groups.iter().filter(|g| !g.1.is_empty()).count() == 1)
            .max_by_key(|&i| (groups[i].1.len(), std::cmp::Reverse(i)))
            .expect("some group is non-empty while candidates remain");
        out.extend(groups[pick].1.pop_front());
        last = Some(pick);
    }
    out
}

/// Seat every approved, unseated candidate of the plan over the plan's sessions by the
/// chosen order (random by default), filling free seats and never in a session with an
/// examiner from their own work unit; each gets a ticket number and a notification.
#[utoipa::path(post, path = "/api/plans/{id}/seating", tag = "affairs", params(("id" = i64, Path), SeatingQuery),
    responses((status = 200, body = SeatingResult)), security(("bearer" = [])))]
async fn assign_seats(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<SeatingQuery>,
) -> ApiResult<Json<SeatingResult>> {
    let order = SeatingOrder::parse(q.order.as_deref())?;
    let p = plan::queries::plan(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("plan"))?;
    let mut regs = queries::unseated(&state.db, id).await?;
    let mut free: Vec<(i64, i64)> = Vec::new();
    for s in plan::queries::sessions(&state.db, id).await? {
        let taken = queries::taken_seats(&state.db, s.exam_session_id).await?;
        free.extend(
            (1..=s.seats)
                .filter(|n| !taken.contains(n))
                .map(|n| (s.exam_session_id, n)),
        );
    }
    match order {
        SeatingOrder::Random => {
            let mut rng = rand::thread_rng();
            regs.shuffle(&mut rng);
            free.shuffle(&mut rng);
        }
        SeatingOrder::Registration => free.sort_unstable(),
        SeatingOrder::SpreadUnits => {
            free.sort_unstable();
            let mut units = Vec::with_capacity(regs.len());
            for reg in &regs {
                let unit = crate::registration::queries::get(&state.db, *reg)
                    .await?
                    .map(|r| r.work_unit)
                    .unwrap_or_default();
                units.push((*reg, unit));
            }
            regs = spread_units(&units);
        }
    }
    // The conflict rule holds at seating too: nobody is seated in a session where an
    // examiner from their own work unit is on duty.
    let mut examiner_units: std::collections::HashMap<i64, Vec<String>> =
        std::collections::HashMap::new();
    for (session, _) in &free {
        if !examiner_units.contains_key(session) {
            let units = queries::duties(&state.db, *session)
                .await?
                .into_iter()
                .filter(|d| d.duty == "examiner")
                .map(|d| d.work_unit)
                .collect();
            examiner_units.insert(*session, units);
        }
    }
    let mut seated = 0;
    for reg in &regs {
        let Some(r) = crate::registration::queries::get(&state.db, *reg).await? else {
            continue;
        };
        let Some(pos) = free.iter().position(|(session, _)| {
            !examiner_units
                .get(session)
                .is_some_and(|units| units.iter().any(|u| same_unit(u, &r.work_unit)))
        }) else {
            continue;
        };
        let (session, seat) = free.remove(pos);
        let ticket = format!("{}{:03}{:03}", p.code, session, seat);
        queries::seat(&state.db, *reg, session, seat, &ticket).await?;
        crate::notify::send(&state, crate::notify::Message::ticket_ready(*reg, &ticket)).await?;
        seated += 1;
    }
    let unseated = regs.len() as i64 - seated;
    // Someone seated less than a day before their session is reminded now, not tomorrow.
    reminders::send_due(&state, chrono::Utc::now()).await?;
    audit::record(
        &state.db,
        Some(&user),
        "plan.seating",
        "exam_plan",
        Some(&id.to_string()),
        serde_json::json!({"seated": seated, "unseated": unseated, "order": q.order.as_deref().unwrap_or("random")}),
    )
    .await?;
    Ok(Json(SeatingResult { seated, unseated }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Attendance {
    /// `sat` or `absent`.
    pub attendance: String,
}

/// Record whether a seated candidate sat the exam.
#[utoipa::path(post, path = "/api/registrations/{id}/attendance", tag = "affairs", params(("id" = i64, Path)), request_body = Attendance,
    responses((status = 204)), security(("bearer" = [])))]
async fn record_attendance(
    Proctor(user): Proctor,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(req): Json<Attendance>,
) -> ApiResult<StatusCode> {
    if !matches!(req.attendance.as_str(), "sat" | "absent") {
        return Err(ApiError::invalid(
            "attendance",
            "须为 sat 或 absent",
            "Must be sat or absent",
        ));
    }
    if queries::set_attendance(&state.db, id, &req.attendance).await? == 0 {
        return Err(ApiError::NotFound("seated registration"));
    }
    audit::record(
        &state.db,
        Some(&user),
        "registration.attendance",
        "registration",
        Some(&id.to_string()),
        serde_json::json!({"after": req.attendance}),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsageReport {
    pub plan_id: i64,
    pub registered: i64,
    pub approved: i64,
    pub seated: i64,
    pub sat: i64,
    pub absent: i64,
}

/// Usage figures of a plan (for per-candidate billing).
#[utoipa::path(get, path = "/api/plans/{id}/usage", tag = "affairs", params(("id" = i64, Path)),
    responses((status = 200, body = UsageReport)), security(("bearer" = [])))]
async fn usage_report(
    _o: Overseer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<UsageReport>> {
    plan::queries::plan(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("plan"))?;
    let u = queries::usage(&state.db, id).await?;
    Ok(Json(UsageReport {
        plan_id: id,
        registered: u.registered,
        approved: u.approved,
        seated: u.seated,
        sat: u.sat,
        absent: u.absent,
    }))
}

fn csv_field(s: &str) -> String {
    // Quote everything; a leading = + - @ is neutralised so spreadsheets do not run it.
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The usage report as CSV (UTF-8 with BOM for spreadsheet programs), one line per
/// registration with masked ID numbers, then the totals.
#[utoipa::path(get, path = "/api/plans/{id}/usage.csv", tag = "affairs", params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/csv")), security(("bearer" = [])))]
async fn usage_csv(
    _o: Overseer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let p = plan::queries::plan(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("plan"))?;
    let mut out =
        String::from("\u{feff}registration_id,ticket_no,name,id_number,status,attendance\r\n");
    for l in queries::usage_lines(&state.db, id).await? {
        out.push_str(&format!(
            "{},{},{},{},{},{}\r\n",
            l.registration_id,
            csv_field(l.ticket_no.as_deref().unwrap_or("")),
            csv_field(&l.name),
            csv_field(&l.id_number_masked),
            csv_field(&l.status),
            csv_field(l.attendance.as_deref().unwrap_or("")),
        ));
    }
    let u = queries::usage(&state.db, id).await?;
    out.push_str(&format!(
        "total,registered={},approved={},seated={},sat={},absent={}\r\n",
        u.registered, u.approved, u.seated, u.sat, u.absent
    ));
    let disposition = format!(
        "attachment; filename=\"usage-{}.csv\"",
        p.code
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        out,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn work_units_compare_without_blanks_and_case() {
        assert!(super::same_unit("贵阳 某某 公司", "贵阳某某公司 "));
        assert!(super::same_unit("ACME Ltd", "acme ltd"));
        assert!(!super::same_unit("", ""));
        assert!(!super::same_unit("甲公司", "乙公司"));
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RemindersSent {
    pub sent: i64,
}

/// Send every seated candidate of the plan an exam reminder (in-app and SMS): session time
/// in Beijing time, site, room and seat.
#[utoipa::path(post, path = "/api/plans/{id}/reminders", tag = "affairs", params(("id" = i64, Path)),
    responses((status = 200, body = RemindersSent)), security(("bearer" = [])))]
async fn send_reminders(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<RemindersSent>> {
    plan::queries::plan(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("plan"))?;
    let sessions = plan::queries::sessions(&state.db, id).await?;
    let mut sent = 0;
    for r in crate::registration::queries::for_plan(&state.db, id, Some("approved")).await? {
        let (Some(session), Some(seat)) = (r.exam_session_id, r.seat_no) else {
            continue;
        };
        let Some(s) = sessions.iter().find(|s| s.exam_session_id == session) else {
            continue;
        };
        let m = reminders::message(r.registration_id, s, seat);
        crate::notify::send(&state, m).await?;
        sent += 1;
    }
    audit::record(
        &state.db,
        Some(&user),
        "plan.reminders",
        "exam_plan",
        Some(&id.to_string()),
        serde_json::json!({"sent": sent}),
    )
    .await?;
    Ok(Json(RemindersSent { sent }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDevice {
    /// `camera` or `computer`.
    pub kind: String,
    pub label: String,
    /// A camera's stream URL (rtsp://, http(s)://), or a computer's host name / asset number.
    pub address: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Device {
    pub id: i64,
    pub kind: String,
    pub label: String,
    pub address: String,
}

/// A room's cameras and exam computers.
#[utoipa::path(get, path = "/api/rooms/{id}/devices", tag = "affairs", params(("id" = i64, Path)),
    responses((status = 200, body = [Device])), security(("bearer" = [])))]
async fn list_devices(
    _p: Proctor,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Device>>> {
    queries::room(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("room"))?;
    Ok(Json(
        queries::devices(&state.db, id)
            .await?
            .into_iter()
            .map(|d| Device {
                id: d.exam_device_id,
                kind: d.kind,
                label: d.label,
                address: d.address,
            })
            .collect(),
    ))
}

/// Register a camera or an exam computer in a room.
#[utoipa::path(post, path = "/api/rooms/{id}/devices", tag = "affairs", params(("id" = i64, Path)), request_body = NewDevice,
    responses((status = 201, body = Device), (status = 409, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn add_device(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(req): Json<NewDevice>,
) -> ApiResult<(StatusCode, Json<Device>)> {
    if !matches!(req.kind.as_str(), "camera" | "computer") {
        return Err(ApiError::invalid(
            "kind",
            "设备类型须为 camera 或 computer",
            "Kind must be camera or computer",
        ));
    }
    text("label", &req.label, 100)?;
    text("address", &req.address, 500)?;
    if req.kind == "camera"
        && !["rtsp://", "http://", "https://"]
            .iter()
            .any(|p| req.address.starts_with(p))
    {
        return Err(ApiError::invalid(
            "address",
            "摄像头地址须以 rtsp://、http:// 或 https:// 开头",
            "A camera address starts with rtsp://, http:// or https://",
        ));
    }
    queries::room(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("room"))?;
    let did = queries::insert_device(
        &state.db,
        id,
        &req.kind,
        req.label.trim(),
        req.address.trim(),
    )
    .await?;
    audit::record(
        &state.db,
        Some(&user),
        "room.device_add",
        "exam_room",
        Some(&id.to_string()),
        serde_json::json!({"device": did, "kind": req.kind, "label": req.label}),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(Device {
            id: did,
            kind: req.kind,
            label: req.label.trim().to_owned(),
            address: req.address.trim().to_owned(),
        }),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DutyPerson {
    pub account_id: i64,
    pub username: String,
    pub name: String,
    /// `examiner`, `invigilator` or `supervisor`.
    pub role: String,
}

/// The enabled accounts that can be put on duty (examiners, invigilators, supervisors).
#[utoipa::path(get, path = "/api/duty-people", tag = "affairs",
    responses((status = 200, body = [DutyPerson])), security(("bearer" = [])))]
async fn duty_people(_s: Staff, State(state): State<AppState>) -> ApiResult<Json<Vec<DutyPerson>>> {
    Ok(Json(
        queries::duty_people(&state.db)
            .await?
            .into_iter()
            .map(|(account_id, username, name, role)| DutyPerson {
                account_id,
                username,
                name,
                role,
            })
            .collect(),
    ))
}
