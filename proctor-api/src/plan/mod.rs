//! Exam plans (评价计划): occupation and level, subjects with weights and pass lines, the
//! registration window, sessions (场次) in rooms, and the plan's life cycle
//! draft → open → closed → in_exam → scoring → published → archived. Which role may make
//! which move is the table in [`transition_rule`].

pub mod queries;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::audit;
use crate::auth::{Proctor, Role, Staff};
use crate::error::{ApiError, ApiResult};
use crate::http::Json;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_plans, create_plan))
        .routes(routes!(get_plan))
        .routes(routes!(transition))
        .routes(routes!(moves))
        .routes(routes!(set_realname_policy))
        .routes(routes!(add_session))
        .routes(routes!(delete_session))
        .routes(routes!(list_sessions))
        .routes(routes!(public_plans))
        .routes(routes!(download_document))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(list_documents, upload_document))
                // Only uploads take large bodies; the JSON routes keep the global limit.
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::registration::files::MAX_BYTES + 64 * 1024,
                )),
        )
}

pub const STATES: [&str; 7] = [
    "draft",
    "open",
    "closed",
    "in_exam",
    "scoring",
    "published",
    "archived",
];

/// Who may move a plan from `from` to `to`: `Some(roles)` when the move exists.
pub fn transition_rule(from: &str, to: &str) -> Option<&'static [Role]> {
    const STAFF: &[Role] = &[Role::Admin, Role::Staff];
    const ADMIN: &[Role] = &[Role::Admin];
    match (from, to) {
        ("draft", "open")
        | ("open", "closed")
        | ("closed", "open")
        | ("closed", "in_exam")
        | ("in_exam", "scoring") => Some(STAFF),
        // Publishing results and archiving are the organisation's sign-off, not day-to-day work.
        ("scoring", "published") | ("published", "archived") => Some(ADMIN),
        _ => None,
    }
}

pub fn level_name(level: i64) -> (&'static str, &'static str) {
    match level {
        5 => ("五级/初级工", "Level 5 / Junior worker"),
        4 => ("四级/中级工", "Level 4 / Intermediate worker"),
        3 => ("三级/高级工", "Level 3 / Senior worker"),
        2 => ("二级/技师", "Level 2 / Technician"),
        _ => ("一级/高级技师", "Level 1 / Senior technician"),
    }
}

#[derive(Debug, Deserialize, Serialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct SubjectInput {
    /// `theory`, `skill` or `review` (综合评审).
    pub kind: String,
    pub name: String,
    /// Weight in the total, percent; the weights of a plan add up to 100.
    pub weight_pct: i64,
    /// Pass line in hundredths of a point (6000 = 60.00).
    pub pass_score_centi: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePlan {
    pub code: String,
    pub title: String,
    pub occupation_code: String,
    pub occupation_name: String,
    /// 5 (五级/初级工) … 1 (一级/高级技师).
    pub level: i64,
    /// RFC 3339.
    pub registration_opens_at: String,
    pub registration_closes_at: String,
    /// `warn` or `block`.
    pub realname_policy: String,
    pub subjects: Vec<SubjectInput>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExamSession {
    pub id: i64,
    pub plan_id: i64,
    pub plan_title: String,
    pub name: String,
    pub starts_at: String,
    pub ends_at: String,
    pub room_id: i64,
    pub room: String,
    pub seats: i64,
    pub site: String,
    pub site_address: String,
    /// Candidates seated in it.
    pub seated: i64,
}

impl From<queries::SessionRow> for ExamSession {
    fn from(s: queries::SessionRow) -> Self {
        ExamSession {
            id: s.exam_session_id,
            plan_id: s.exam_plan_id,
            plan_title: s.plan_title,
            name: s.name,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            room_id: s.exam_room_id,
            room: s.room_name,
            seats: s.seats,
            site: s.site_name,
            site_address: s.site_address,
            seated: s.seated,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Plan {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub occupation_code: String,
    pub occupation_name: String,
    pub level: i64,
    pub level_name: String,
    pub registration_opens_at: String,
    pub registration_closes_at: String,
    pub realname_policy: String,
    pub state: String,
    pub subjects: Vec<SubjectInput>,
    pub sessions: Vec<ExamSession>,
}

pub async fn load(state: &AppState, id: i64) -> ApiResult<Plan> {
    let p = queries::plan(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("plan"))?;
    let subjects = queries::subjects(&state.db, id).await?;
    let sessions = queries::sessions(&state.db, id).await?;
    Ok(Plan {
        id: p.exam_plan_id,
        code: p.code,
        title: p.title,
        occupation_code: p.occupation_code,
        occupation_name: p.occupation_name,
        level: p.level,
        level_name: level_name(p.level).0.to_owned(),
        registration_opens_at: p.registration_opens_at,
        registration_closes_at: p.registration_closes_at,
        realname_policy: p.realname_policy,
        state: p.state,
        subjects: subjects
            .into_iter()
            .map(|s| SubjectInput {
                kind: s.kind,
                name: s.name,
                weight_pct: s.weight_pct,
                pass_score_centi: s.pass_score_centi,
            })
            .collect(),
        sessions: sessions.into_iter().map(ExamSession::from).collect(),
    })
}

pub fn parse_time(field: &str, v: &str) -> ApiResult<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(v)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| {
            ApiError::invalid(
                field,
                "时间格式须为 RFC 3339（如 2026-12-01T09:00:00+08:00）",
                "Use RFC 3339 time (e.g. 2026-12-01T09:00:00+08:00)",
            )
        })
}

fn required(field: &str, v: &str, max: usize) -> ApiResult<()> {
    if v.trim().is_empty() {
        return Err(ApiError::invalid_code(
            field,
            "required",
            "此项必填",
            "This field is required",
        ));
    }
    if v.chars().count() > max {
        return Err(ApiError::invalid_code(
            field,
            "too_long",
            format!("最多 {max} 个字符"),
            format!("At most {max} characters"),
        ));
    }
    Ok(())
}

impl CreatePlan {
    fn validate(&self) -> ApiResult<(String, String)> {
        required("code", &self.code, 50)?;
        required("title", &self.title, 200)?;
        required("occupation_name", &self.occupation_name, 100)?;
        // GB/T 6565 codes look like 4-01-02-01 (sometimes with a trailing -NN).
        let parts: Vec<&str> = self.occupation_code.split('-').collect();
        let code_ok = (4..=5).contains(&parts.len())
            && parts[0].len() == 1
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        if !code_ok {
            return Err(ApiError::invalid(
                "occupation_code",
                "职业编码格式如 4-01-02-01",
                "Occupation code looks like 4-01-02-01",
            ));
        }
        if !(1..=5).contains(&self.level) {
            return Err(ApiError::invalid(
                "level",
                "等级须为 1–5（一级至五级）",
                "Level must be 1–5",
            ));
        }
        if !matches!(self.realname_policy.as_str(), "warn" | "block") {
            return Err(ApiError::invalid(
                "realname_policy",
                "实名核验策略须为 warn 或 block",
                "Real-name policy must be warn or block",
            ));
        }
        let opens = parse_time("registration_opens_at", &self.registration_opens_at)?;
        let closes = parse_time("registration_closes_at", &self.registration_closes_at)?;
        if closes <= opens {
            return Err(ApiError::invalid(
                "registration_closes_at",
                "报名截止须晚于开始",
                "Registration must close after it opens",
            ));
        }
        if self.subjects.is_empty() {
            return Err(ApiError::invalid(
                "subjects",
                "至少需要一个科目",
                "At least one subject",
            ));
        }
        let mut total = 0;
        for (i, s) in self.subjects.iter().enumerate() {
            if !matches!(s.kind.as_str(), "theory" | "skill" | "review") {
                return Err(ApiError::invalid(
                    format!("subjects[{i}].kind"),
                    "科目类型须为 theory、skill 或 review",
                    "Subject kind must be theory, skill or review",
                ));
            }
            required(&format!("subjects[{i}].name"), &s.name, 100)?;
            if !(1..=100).contains(&s.weight_pct) {
                return Err(ApiError::invalid(
                    format!("subjects[{i}].weight_pct"),
                    "权重须为 1–100",
                    "Weight must be 1–100",
                ));
            }
            if !(0..=10_000).contains(&s.pass_score_centi) {
                return Err(ApiError::invalid(
                    format!("subjects[{i}].pass_score_centi"),
                    "合格线须为 0–100 分",
                    "Pass line must be 0–100 points",
                ));
            }
            total += s.weight_pct;
        }
        if total != 100 {
            return Err(ApiError::invalid(
                "subjects",
                format!("科目权重合计须为 100（现为 {total}）"),
                format!("Subject weights must add up to 100 (now {total})"),
            ));
        }
        Ok((crate::db::to_text(opens), crate::db::to_text(closes)))
    }
}

/// Create a plan (in draft).
#[utoipa::path(post, path = "/api/plans", tag = "plans", request_body = CreatePlan,
    responses((status = 201, body = Plan), (status = 400, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
async fn create_plan(
    Staff(user): Staff,
    State(state): State<AppState>,
    Json(req): Json<CreatePlan>,
) -> ApiResult<(StatusCode, Json<Plan>)> {
    let (opens, closes) = req.validate()?;
    let id = queries::insert_plan(
        &state.db,
        &queries::NewPlan {
            code: req.code.trim(),
            title: req.title.trim(),
            occupation_code: &req.occupation_code,
            occupation_name: req.occupation_name.trim(),
            level: req.level,
            opens_at: &opens,
            closes_at: &closes,
            realname_policy: &req.realname_policy,
        },
    )
    .await?;
    for s in &req.subjects {
        queries::insert_subject(
            &state.db,
            id,
            &s.kind,
            s.name.trim(),
            s.weight_pct,
            s.pass_score_centi,
        )
        .await?;
    }
    audit::record(
        &state.db,
        Some(&user),
        "plan.create",
        "exam_plan",
        Some(&id.to_string()),
        serde_json::json!({"code": req.code, "level": req.level, "subjects": req.subjects}),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(load(&state, id).await?)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PlanFilter {
    pub state: Option<String>,
}

/// All plans, newest first.
#[utoipa::path(get, path = "/api/plans", tag = "plans", params(PlanFilter),
    responses((status = 200, body = [Plan])), security(("bearer" = [])))]
async fn list_plans(
    _s: Staff,
    State(state): State<AppState>,
    Query(f): Query<PlanFilter>,
) -> ApiResult<Json<Vec<Plan>>> {
    let mut out = Vec::new();
    for p in queries::plans(&state.db, f.state.as_deref()).await? {
        out.push(load(&state, p.exam_plan_id).await?);
    }
    Ok(Json(out))
}

/// Plans open for registration now (for the public entry pages).
#[utoipa::path(get, path = "/api/public/plans", tag = "plans", responses((status = 200, body = [Plan])))]
async fn public_plans(State(state): State<AppState>) -> ApiResult<Json<Vec<Plan>>> {
    let mut out = Vec::new();
    for p in queries::plans(&state.db, Some("open")).await? {
        out.push(load(&state, p.exam_plan_id).await?);
    }
    Ok(Json(out))
}

/// One plan with its subjects and sessions.
#[utoipa::path(get, path = "/api/plans/{id}", tag = "plans", params(("id" = i64, Path)),
    responses((status = 200, body = Plan), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn get_plan(
    _s: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Plan>> {
    Ok(Json(load(&state, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// The state to move to.
    pub to: String,
}

/// Move a plan along its life cycle; refused (409) for moves that do not exist, 403 for
/// moves the caller's role may not make.
#[utoipa::path(post, path = "/api/plans/{id}/transition", tag = "plans", params(("id" = i64, Path)),
    request_body = Transition, responses((status = 200, body = Plan), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
async fn transition(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(req): Json<Transition>,
) -> ApiResult<Json<Plan>> {
    if !STATES.contains(&req.to.as_str()) {
        return Err(ApiError::invalid(
            "to",
            "未知的计划状态",
            "Unknown plan state",
        ));
    }
    let p = queries::plan(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("plan"))?;
    let roles = transition_rule(&p.state, &req.to).ok_or_else(|| {
        ApiError::conflict(
            Some("to"),
            format!("计划不能从 {} 变为 {}", p.state, req.to),
            format!("A plan cannot move from {} to {}", p.state, req.to),
        )
    })?;
    if !roles.contains(&user.role) {
        return Err(ApiError::Forbidden);
    }
    if !queries::set_state(&state.db, id, &p.state, &req.to).await? {
        return Err(ApiError::conflict(
            Some("to"),
            "计划状态已被他人修改，请刷新",
            "The plan changed meanwhile; reload",
        ));
    }
    audit::record(
        &state.db,
        Some(&user),
        "plan.transition",
        "exam_plan",
        Some(&id.to_string()),
        serde_json::json!({"before": p.state, "after": req.to}),
    )
    .await?;
    if req.to == "published" {
        // Every approved candidate learns that the results are out (in-app and SMS).
        for r in crate::registration::queries::for_plan(&state.db, id, Some("approved")).await? {
            crate::notify::send(
                &state,
                crate::notify::Message::score_published(r.registration_id, &p.title),
            )
            .await?;
        }
    }
    Ok(Json(load(&state, id).await?))
}

/// Exam sessions, newest first, to pick one for the live wall or the recordings: an
/// invigilator gets the sessions they are on duty at, other proctors every session.
#[utoipa::path(get, path = "/api/sessions", tag = "plans",
    responses((status = 200, body = [ExamSession])), security(("bearer" = [])))]
async fn list_sessions(Proctor(user): Proctor, State(state): State<AppState>) -> ApiResult<Json<Vec<ExamSession>>> {
    let on_duty_of = (user.role == Role::Invigilator).then_some(user.account_id);
    let rows = queries::recent_sessions(&state.db, on_duty_of).await?;
    Ok(Json(rows.into_iter().map(ExamSession::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSession {
    pub name: String,
    pub starts_at: String,
    pub ends_at: String,
    pub room_id: i64,
}

/// Add a sitting (场次) in a room.
#[utoipa::path(post, path = "/api/plans/{id}/sessions", tag = "plans", params(("id" = i64, Path)),
    request_body = CreateSession, responses((status = 201, body = ExamSession)), security(("bearer" = [])))]
async fn add_session(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(req): Json<CreateSession>,
) -> ApiResult<(StatusCode, Json<ExamSession>)> {
    required("name", &req.name, 100)?;
    let starts = parse_time("starts_at", &req.starts_at)?;
    let ends = parse_time("ends_at", &req.ends_at)?;
    if ends <= starts {
        return Err(ApiError::invalid(
            "ends_at",
            "结束时间须晚于开始时间",
            "The session must end after it starts",
        ));
    }
    queries::plan(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("plan"))?;
    if crate::affairs::queries::room(&state.db, req.room_id)
        .await?
        .is_none()
    {
        return Err(ApiError::invalid("room_id", "考场不存在", "No such room"));
    }
    let sid = queries::insert_session(
        &state.db,
        id,
        req.name.trim(),
        &crate::db::to_text(starts),
        &crate::db::to_text(ends),
        req.room_id,
    )
    .await?;
    audit::record(
        &state.db,
        Some(&user),
        "plan.session_add",
        "exam_plan",
        Some(&id.to_string()),
        serde_json::json!({"session": sid, "room": req.room_id, "starts_at": req.starts_at}),
    )
    .await?;
    let s = queries::session(&state.db, sid)
        .await?
        .ok_or(ApiError::NotFound("session"))?;
    Ok((StatusCode::CREATED, Json(s.into())))
}

/// Delete a session that nothing depends on yet: refused with the reason while candidates
/// are seated in it, a paper is assigned to it or face checks were made in it. Its duties
/// go with it. Audited.
#[utoipa::path(delete, path = "/api/plans/{id}/sessions/{session}", tag = "plans",
    params(("id" = i64, Path), ("session" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
async fn delete_session(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path((id, session)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    let s = queries::session(&state.db, session)
        .await?
        .filter(|s| s.exam_plan_id == id)
        .ok_or(ApiError::NotFound("session"))?;
    let uses = queries::session_uses(&state.db, session).await?;
    if uses.seated > 0 {
        return Err(ApiError::conflict(
            None,
            format!("该场次已编排 {} 名考生，不能删除", uses.seated),
            format!("{} candidate(s) are seated in this session; it cannot be deleted", uses.seated),
        ));
    }
    if uses.papers > 0 || uses.face > 0 {
        return Err(ApiError::conflict(
            None,
            "该场次已分配试卷或已有人脸核验记录，不能删除",
            "A paper is assigned to this session or face checks were made in it; it cannot be deleted",
        ));
    }
    queries::delete_session(&state.db, session).await?;
    audit::record(
        &state.db,
        Some(&user),
        "plan.session_delete",
        "exam_plan",
        Some(&id.to_string()),
        serde_json::json!({"session": session, "name": s.name, "room": s.exam_room_id, "starts_at": s.starts_at}),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn life_cycle_moves_and_who_makes_them() {
        assert_eq!(
            transition_rule("draft", "open"),
            Some(&[Role::Admin, Role::Staff][..])
        );
        assert_eq!(
            transition_rule("scoring", "published"),
            Some(&[Role::Admin][..])
        );
        assert_eq!(transition_rule("draft", "published"), None);
        assert_eq!(transition_rule("archived", "draft"), None);
        // Every state but archived has a way forward.
        for s in &STATES[..6] {
            assert!(
                STATES.iter().any(|t| transition_rule(s, t).is_some()),
                "{s} is a dead end"
            );
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Document {
    pub id: i64,
    pub title: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub uploaded_at: String,
}

fn document_out(d: queries::DocumentRow) -> Document {
    Document {
        id: d.plan_document_id,
        title: d.title,
        content_type: d.content_type,
        size_bytes: d.size_bytes,
        uploaded_at: d.uploaded_at,
    }
}

/// A plan's published documents (no sign-in needed).
#[utoipa::path(get, path = "/api/plans/{id}/documents", tag = "plans", params(("id" = i64, Path)),
    responses((status = 200, body = [Document])))]
async fn list_documents(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Document>>> {
    queries::plan(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("plan"))?;
    Ok(Json(
        queries::documents(&state.db, id)
            .await?
            .into_iter()
            .map(document_out)
            .collect(),
    ))
}

/// Publish a document for a plan: multipart fields `title` and `file` (JPEG, PNG or PDF, ≤ 10 MB).
#[utoipa::path(post, path = "/api/plans/{id}/documents", tag = "plans", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", content = String),
    responses((status = 201, body = Document), (status = 400, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
async fn upload_document(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    mut multipart: axum::extract::Multipart,
) -> ApiResult<(StatusCode, Json<Document>)> {
    queries::plan(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("plan"))?;
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::invalid("file", "无法读取上传内容", "The upload could not be read")
        }
    };
    let (mut title, mut bytes) = (String::new(), None);
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        match field.name() {
            Some("title") => title = field.text().await.map_err(bad)?.trim().to_owned(),
            Some("file") => bytes = Some(field.bytes().await.map_err(bad)?),
            _ => {}
        }
    }
    required("title", &title, 200)?;
    let bytes = bytes.ok_or_else(|| {
        ApiError::invalid_code(
            "file",
            "missing_field",
            "缺少文件字段 file",
            "Missing form field: file",
        )
    })?;
    let stored = match crate::registration::files::save_document(&state, &bytes).await? {
        Ok(s) => s,
        Err(crate::registration::files::Refusal::TooLarge) => {
            return Err(ApiError::PayloadTooLarge);
        }
        Err(r) => return Err(ApiError::invalid_code("file", r.code(), r.zh(), r.en())),
    };
    let doc = queries::insert_document(
        &state.db,
        id,
        &title,
        &stored.stored_name,
        stored.content_type,
        stored.size as i64,
        user.account_id,
    )
    .await?;
    audit::record(
        &state.db,
        Some(&user),
        "plan.document_add",
        "exam_plan",
        Some(&id.to_string()),
        serde_json::json!({"document": doc, "title": title, "sha256": stored.sha256}),
    )
    .await?;
    let d = queries::documents(&state.db, id)
        .await?
        .into_iter()
        .find(|d| d.plan_document_id == doc)
        .ok_or(ApiError::NotFound("document"))?;
    Ok((StatusCode::CREATED, Json(document_out(d))))
}

/// Download a published document: a redirect (303) to its short-lived signed link.
#[utoipa::path(get, path = "/api/plans/{id}/documents/{doc}", tag = "plans",
    params(("id" = i64, Path), ("doc" = i64, Path)),
    responses((status = 303, description = "to the signed link"), (status = 404, body = crate::error::ErrorBody)))]
async fn download_document(
    State(state): State<AppState>,
    Path((id, doc)): Path<(i64, i64)>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let d = queries::documents(&state.db, id)
        .await?
        .into_iter()
        .find(|d| d.plan_document_id == doc)
        .ok_or(ApiError::NotFound("document"))?;
    let (url, _) = crate::registration::files::link(&state, &d.stored_name).await?;
    Ok(axum::response::Redirect::to(&url).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Move {
    /// A state the plan can move to from where it is.
    pub to: String,
    /// Whether the caller's role may make this move.
    pub allowed: bool,
}

/// The moves that exist from the plan's present state, and which the caller may make.
#[utoipa::path(get, path = "/api/plans/{id}/moves", tag = "plans", params(("id" = i64, Path)),
    responses((status = 200, body = [Move]), (status = 404, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn moves(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<Move>>> {
    let p = queries::plan(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("plan"))?;
    Ok(Json(
        STATES
            .iter()
            .filter_map(|to| {
                transition_rule(&p.state, to).map(|roles| Move {
                    to: (*to).to_owned(),
                    allowed: roles.contains(&user.role),
                })
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RealnamePolicy {
    /// `warn` (a mismatch or an unavailable check becomes a staff warning) or `block`.
    pub realname_policy: String,
}

/// Change a plan's real-name policy (audited). It applies to registrations and approvals
/// from now on; existing registrations keep their stored check results.
#[utoipa::path(put, path = "/api/plans/{id}/realname-policy", tag = "plans", params(("id" = i64, Path)),
    request_body = RealnamePolicy, responses((status = 200, body = Plan), (status = 400, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
async fn set_realname_policy(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(req): Json<RealnamePolicy>,
) -> ApiResult<Json<Plan>> {
    if !matches!(req.realname_policy.as_str(), "warn" | "block") {
        return Err(ApiError::invalid(
            "realname_policy",
            "实名核验策略须为 warn 或 block",
            "Real-name policy must be warn or block",
        ));
    }
    let p = queries::plan(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("plan"))?;
    if matches!(p.state.as_str(), "published" | "archived") {
        return Err(ApiError::conflict(
            Some("realname_policy"),
            "成绩已发布或已归档的计划不能修改实名核验策略",
            "The real-name policy of a published or archived plan cannot change",
        ));
    }
    queries::set_realname_policy(&state.db, id, &req.realname_policy).await?;
    audit::record(
        &state.db,
        Some(&user),
        "plan.realname_policy",
        "exam_plan",
        Some(&id.to_string()),
        serde_json::json!({"before": p.realname_policy, "after": req.realname_policy}),
    )
    .await?;
    Ok(Json(load(&state, id).await?))
}
