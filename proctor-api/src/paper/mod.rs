//! The paper library (卷库) and its use (用卷): papers assembled by hand or from a blueprint
//! (see [`assemble`]), each item pinned to the version it was drawn at; states
//! draft → locked → in use → retired, where only drafts change (409 otherwise); usages that
//! tie a paper to an exam session and its start time; and a log of everyone who opened (or
//! was refused) a paper or its answer key.
//!
//! Access: staff and administrators see papers and answer keys at any time. Everyone else
//! reaches a paper only through a usage, and only once its start time (`starts_at`, copied
//! from the exam session when one is named) has passed; examiners may then also read the
//! answer key. Candidates further need an approved registration seated in the usage's exam
//! session: a usage without a session opens to no candidate.

pub mod assemble;
pub mod queries;

use std::collections::HashSet;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::audit;
use crate::auth::{AuthUser, Examiner, Role, Staff};
use crate::bank::images;
use crate::bank::item::{CandidateQuestion, ItemBody};
use crate::bank::queries as bank_q;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::http::Json;
use crate::state::AppState;
use assemble::BlueprintCell;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_papers, create_paper))
        .routes(routes!(assemble_papers))
        .routes(routes!(get_paper))
        .routes(routes!(replace_items))
        .routes(routes!(change_state))
        .routes(routes!(list_usages, create_usage))
        .routes(routes!(paper_for_session))
        .routes(routes!(answer_key_for_session))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaperState {
    Draft,
    Locked,
    InUse,
    Retired,
}

impl PaperState {
    pub fn as_str(self) -> &'static str {
        match self {
            PaperState::Draft => "draft",
            PaperState::Locked => "locked",
            PaperState::InUse => "in_use",
            PaperState::Retired => "retired",
        }
    }

    /// The moves the library allows; nothing leads back to draft.
    fn may_become(self, to: PaperState) -> bool {
        use PaperState::*;
        matches!(
            (self, to),
            (Draft, Locked) | (Locked, InUse) | (Draft | Locked | InUse, Retired)
        )
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaperSummary {
    pub id: i64,
    pub bank_id: i64,
    pub name: String,
    /// `draft`, `locked`, `in_use` or `retired`.
    pub state: String,
    /// Shared by parallel forms assembled together.
    pub form_group: Option<String>,
    /// `A`, `B`, … for parallel forms.
    pub form_label: Option<String>,
    pub item_count: i64,
    pub total_score_centi: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<queries::PaperRow> for PaperSummary {
    fn from(r: queries::PaperRow) -> Self {
        PaperSummary {
            id: r.paper_id,
            bank_id: r.bank_id,
            name: r.name,
            state: r.state,
            form_group: r.form_group,
            form_label: r.form_label,
            item_count: r.item_count,
            total_score_centi: r.total_score_centi,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

fn parse_state(s: &str) -> ApiResult<PaperState> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| ApiError::Internal(anyhow::anyhow!("unknown paper state {s}")))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PaperQuery {
    pub bank_id: Option<i64>,
    pub state: Option<PaperState>,
}

/// The paper library, newest first.
#[utoipa::path(get, path = "/api/papers", tag = "paper", params(PaperQuery),
    responses((status = 200, body = [PaperSummary])), security(("bearer" = [])))]
async fn list_papers(
    _staff: Staff,
    State(state): State<AppState>,
    Query(q): Query<PaperQuery>,
) -> ApiResult<Json<Vec<PaperSummary>>> {
    let rows = queries::list_papers(&state.db, q.bank_id, q.state.map(PaperState::as_str)).await?;
    Ok(Json(rows.into_iter().map(PaperSummary::from).collect()))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaperItemInput {
    pub item_id: i64,
    /// The item's own score when absent.
    #[serde(default)]
    pub score_centi: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePaper {
    pub bank_id: i64,
    pub name: String,
    /// In paper order.
    #[serde(default)]
    pub items: Vec<PaperItemInput>,
}

fn check_name(name: &str) -> ApiResult<()> {
    if name.trim().is_empty() || name.chars().count() > 200 {
        return Err(ApiError::invalid(
            "name",
            "试卷名称须为 1–200 个字符",
            "Paper name: 1–200 characters",
        ));
    }
    Ok(())
}

/// Resolves hand-picked items to their current versions: (item_id, item_version_id, score).
async fn pin_items(
    state: &AppState,
    bank_id: i64,
    items: &[PaperItemInput],
) -> ApiResult<Vec<(i64, i64, i64)>> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for (i, it) in items.iter().enumerate() {
        let field = format!("items[{i}].item_id");
        if !seen.insert(it.item_id) {
            return Err(ApiError::invalid(
                field,
                "同一试题在试卷中出现两次",
                "The item appears twice in the paper",
            ));
        }
        let row = bank_q::item_by_id(&state.db, it.item_id).await?;
        let Some(row) = row.filter(|r| r.bank_id == bank_id) else {
            return Err(ApiError::invalid(
                field,
                "该题库中没有这道试题",
                "No such item in this bank",
            ));
        };
        if row.retired != 0 {
            return Err(ApiError::invalid(
                field,
                "试题已停用",
                "The item is retired",
            ));
        }
        let body = row
            .body()
            .map_err(|e| anyhow::anyhow!("stored item body: {e}"))?;
        let score = it.score_centi.unwrap_or(body.score_centi);
        if score <= 0 {
            return Err(ApiError::invalid(
                format!("items[{i}].score_centi"),
                "分值须大于 0",
                "The score must be above 0",
            ));
        }
        out.push((row.item_id, row.item_version_id, score));
    }
    Ok(out)
}

/// Assemble a paper by hand (a draft).
#[utoipa::path(post, path = "/api/papers", tag = "paper", request_body = CreatePaper,
    responses((status = 201, body = PaperSummary), (status = 400, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn create_paper(
    Staff(user): Staff,
    State(state): State<AppState>,
    Json(req): Json<CreatePaper>,
) -> ApiResult<(StatusCode, Json<PaperSummary>)> {
    check_name(&req.name)?;
    bank_q::bank_by_id(&state.db, req.bank_id)
        .await?
        .ok_or_else(|| ApiError::invalid("bank_id", "题库不存在", "No such bank"))?;
    let items = pin_items(&state, req.bank_id, &req.items).await?;
    let mut tx = state.db.pool.begin().await?;
    let id = queries::insert_paper(
        &mut tx,
        &queries::NewPaper {
            bank_id: req.bank_id,
            name: req.name.trim(),
            form_group: None,
            form_label: None,
            blueprint: None,
            by: user.account_id,
        },
    )
    .await?;
    queries::insert_items(&mut tx, id, &items).await?;
    tx.commit().await?;
    audit::record(
        &state.db,
        Some(&user),
        "paper.create",
        "paper",
        Some(&id.to_string()),
        serde_json::json!({"bank_id": req.bank_id, "items": items}),
    )
    .await?;
    let row = load_paper(&state.db, id).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssembleRequest {
    pub bank_id: i64,
    /// Forms are named `<name> A卷`, `<name> B卷` when more than one.
    pub name: String,
    pub cells: Vec<BlueprintCell>,
    /// When given, the cells must add up to it.
    #[serde(default)]
    pub total_score_centi: Option<i64>,
    /// Leave out items used by the bank's N most recent papers.
    #[serde(default)]
    pub exclude_recent_papers: i64,
    /// Score-weighted mean difficulty (1–5) to aim for: the draw closest to it out of 64 is
    /// kept. Any mean when absent.
    #[serde(default)]
    pub target_difficulty: Option<f64>,
    /// 1 (default) or 2–4 parallel forms (A/B…).
    #[serde(default = "one")]
    pub forms: usize,
}

fn one() -> usize {
    1
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssembleResult {
    pub papers: Vec<PaperSummary>,
    /// Items that appear in more than one form (0 unless the bank is too small to avoid it).
    pub shared_items: usize,
    /// Score-weighted mean difficulty of each paper, in the order of `papers`.
    pub mean_difficulty: Vec<f64>,
}

/// Draw papers at random from a blueprint. When the bank is short, the 400 names the cell.
#[utoipa::path(post, path = "/api/papers/assemble", tag = "paper", request_body = AssembleRequest,
    responses((status = 201, body = AssembleResult), (status = 400, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn assemble_papers(
    Staff(user): Staff,
    State(state): State<AppState>,
    Json(req): Json<AssembleRequest>,
) -> ApiResult<(StatusCode, Json<AssembleResult>)> {
    check_name(&req.name)?;
    if req.cells.is_empty() {
        return Err(ApiError::invalid(
            "cells",
            "组卷规则至少要有一格",
            "The blueprint needs at least one cell",
        ));
    }
    for (i, c) in req.cells.iter().enumerate() {
        if c.count == 0 || c.count > 1000 {
            return Err(ApiError::invalid(
                format!("cells[{i}].count"),
                "题数须为 1–1000",
                "Count must be 1–1000",
            ));
        }
        if c.score_centi <= 0 {
            return Err(ApiError::invalid(
                format!("cells[{i}].score_centi"),
                "分值须大于 0",
                "The score must be above 0",
            ));
        }
        if c.difficulty.is_some_and(|d| !(1..=5).contains(&d)) {
            return Err(ApiError::invalid(
                format!("cells[{i}].difficulty"),
                "难度须为 1–5",
                "Difficulty must be 1–5",
            ));
        }
    }
    if let Some(t) = req.total_score_centi {
        let sum: i64 = req.cells.iter().map(BlueprintCell::total_centi).sum();
        if sum != t {
            return Err(ApiError::invalid(
                "total_score_centi",
                format!(
                    "各格分值合计 {}，与总分 {} 不符",
                    crate::bank::item::centi_text(sum),
                    crate::bank::item::centi_text(t)
                ),
                format!(
                    "The cells add up to {}, not the total {}",
                    crate::bank::item::centi_text(sum),
                    crate::bank::item::centi_text(t)
                ),
            ));
        }
    }
    if !(1..=4).contains(&req.forms) {
        return Err(ApiError::invalid(
            "forms",
            "平行卷份数须为 1–4",
            "Forms must be 1–4",
        ));
    }
    bank_q::bank_by_id(&state.db, req.bank_id)
        .await?
        .ok_or_else(|| ApiError::invalid("bank_id", "题库不存在", "No such bank"))?;
    let rows = bank_q::active_items(&state.db, req.bank_id).await?;
    let mut candidates = Vec::with_capacity(rows.len());
    let mut version_of = std::collections::HashMap::new();
    for r in &rows {
        let body = r
            .body()
            .map_err(|e| anyhow::anyhow!("stored item body: {e}"))?;
        version_of.insert(r.item_id, r.item_version_id);
        candidates.push(assemble::Candidate {
            item_id: r.item_id,
            item_type: body.item_type,
            knowledge_point: body.knowledge_point,
            difficulty: body.difficulty,
        });
    }
    let recent: HashSet<i64> = if req.exclude_recent_papers > 0 {
        queries::items_of_recent_papers(&state.db, req.bank_id, req.exclude_recent_papers)
            .await?
            .into_iter()
            .collect()
    } else {
        HashSet::new()
    };
    if req
        .target_difficulty
        .is_some_and(|t| !(1.0..=5.0).contains(&t))
    {
        return Err(ApiError::invalid(
            "target_difficulty",
            "目标难度须在 1–5 之间",
            "target_difficulty must be 1–5",
        ));
    }
    let difficulty_of: std::collections::HashMap<i64, i64> = candidates
        .iter()
        .map(|c| (c.item_id, c.difficulty))
        .collect();
    // The thread-local generator must not live across an await.
    let best = {
        let mut best: Option<(f64, Vec<Vec<assemble::Drawn>>, usize)> = None;
        let mut rng = rand::thread_rng();
        let tries = if req.target_difficulty.is_some() {
            64
        } else {
            1
        };
        for _ in 0..tries {
            let (forms, shared) = assemble::assemble(
                &candidates,
                &req.cells,
                &recent,
                req.forms,
                &mut rng,
            )
            .map_err(|s| {
                let (zh, en) = s.message(&req.cells);
                ApiError::invalid_code(format!("cells[{}]", s.cell), "bank_too_small", zh, en)
            })?;
            let off = match req.target_difficulty {
                Some(t) => forms
                    .iter()
                    .map(|f| (assemble::mean_difficulty(f, &difficulty_of) - t).abs())
                    .fold(0.0, f64::max),
                None => 0.0,
            };
            if best.as_ref().is_none_or(|b| off < b.0) {
                best = Some((off, forms, shared));
            }
        }
        best
    };
    let Some((_, forms, shared)) = best else {
        return Err(ApiError::Internal(anyhow::anyhow!("no draw")));
    };
    let mean_difficulty: Vec<f64> = forms
        .iter()
        .map(|f| (assemble::mean_difficulty(f, &difficulty_of) * 100.0).round() / 100.0)
        .collect();
    let group = (req.forms > 1).then(|| uuid::Uuid::new_v4().to_string());
    let blueprint = serde_json::json!({"cells": req.cells, "exclude_recent_papers": req.exclude_recent_papers, "forms": req.forms, "target_difficulty": req.target_difficulty}).to_string();
    let mut ids = Vec::new();
    let mut tx = state.db.pool.begin().await?;
    for (k, form) in forms.iter().enumerate() {
        let label = (req.forms > 1).then(|| ["A", "B", "C", "D"][k].to_owned());
        let name = match &label {
            Some(l) => format!("{} {l}卷", req.name.trim()),
            None => req.name.trim().to_owned(),
        };
        let id = queries::insert_paper(
            &mut tx,
            &queries::NewPaper {
                bank_id: req.bank_id,
                name: &name,
                form_group: group.as_deref(),
                form_label: label.as_deref(),
                blueprint: Some(&blueprint),
                by: user.account_id,
            },
        )
        .await?;
        let items: Vec<(i64, i64, i64)> = form
            .iter()
            .map(|d| (d.item_id, version_of[&d.item_id], d.score_centi))
            .collect();
        queries::insert_items(&mut tx, id, &items).await?;
        ids.push(id);
    }
    tx.commit().await?;
    let mut papers = Vec::new();
    for id in ids {
        audit::record(
            &state.db,
            Some(&user),
            "paper.assemble",
            "paper",
            Some(&id.to_string()),
            serde_json::json!({"blueprint": req.cells, "form_group": group}),
        )
        .await?;
        papers.push(load_paper(&state.db, id).await?.into());
    }
    Ok((
        StatusCode::CREATED,
        Json(AssembleResult {
            papers,
            shared_items: shared,
            mean_difficulty,
        }),
    ))
}

/// One question of a paper as staff preview it: the pinned version's full body (the answer key).
#[derive(Debug, Serialize, ToSchema)]
pub struct PaperEntry {
    pub position: i64,
    pub item_id: i64,
    pub item_version_id: i64,
    pub version: i64,
    pub score_centi: i64,
    pub body: ItemBody,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaperDetail {
    pub paper: PaperSummary,
    pub items: Vec<PaperEntry>,
}

/// The paper's questions in order, pictures as short-lived links.
async fn entries(state: &AppState, paper_id: i64) -> ApiResult<Vec<PaperEntry>> {
    let mut out = stored_entries(state, paper_id).await?;
    for e in &mut out {
        images::sign_body(&state.files, &mut e.body).await?;
    }
    Ok(out)
}

async fn stored_entries(state: &AppState, paper_id: i64) -> ApiResult<Vec<PaperEntry>> {
    queries::paper_items(&state.db, paper_id)
        .await?
        .into_iter()
        .map(|r| {
            let body = serde_json::from_str(&r.body)
                .map_err(|e| anyhow::anyhow!("stored version: {e}"))?;
            Ok(PaperEntry {
                position: r.position,
                item_id: r.item_id,
                item_version_id: r.item_version_id,
                version: r.version,
                score_centi: r.score_centi,
                body,
            })
        })
        .collect()
}

/// Staff preview of a paper with its answer key (logged).
#[utoipa::path(get, path = "/api/papers/{id}", tag = "paper", params(("id" = i64, Path)),
    responses((status = 200, body = PaperDetail)), security(("bearer" = [])))]
async fn get_paper(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<PaperDetail>> {
    let row = load_paper(&state.db, id).await?;
    let items = entries(&state, id).await?;
    queries::log_access(
        &state.db,
        &queries::Access {
            paper_id: id,
            usage_id: None,
            account_id: user.account_id,
            role: user.role.as_str(),
            what: "preview",
            granted: true,
        },
    )
    .await?;
    Ok(Json(PaperDetail {
        paper: row.into(),
        items,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceItems {
    pub items: Vec<PaperItemInput>,
}

fn not_draft(state: &str) -> ApiError {
    ApiError::conflict(
        Some("state"),
        format!("试卷状态为 {state}，只有草稿可以修改"),
        format!("The paper is {state}; only drafts can change"),
    )
}

/// Replace a draft's items (409 once locked).
#[utoipa::path(put, path = "/api/papers/{id}/items", tag = "paper", params(("id" = i64, Path)), request_body = ReplaceItems,
    responses((status = 200, body = PaperSummary), (status = 409, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn replace_items(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(req): Json<ReplaceItems>,
) -> ApiResult<Json<PaperSummary>> {
    let row = load_paper(&state.db, id).await?;
    if row.state != "draft" {
        return Err(not_draft(&row.state));
    }
    let items = pin_items(&state, row.bank_id, &req.items).await?;
    let before: Vec<i64> = queries::paper_items(&state.db, id)
        .await?
        .iter()
        .map(|r| r.item_version_id)
        .collect();
    if !queries::replace_items_of_draft(&state.db, id, &items).await? {
        let now = load_paper(&state.db, id).await?;
        return Err(not_draft(&now.state));
    }
    audit::record(
        &state.db,
        Some(&user),
        "paper.items",
        "paper",
        Some(&id.to_string()),
        serde_json::json!({"before": before, "after": items}),
    )
    .await?;
    Ok(Json(load_paper(&state.db, id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeState {
    pub state: PaperState,
}

/// Move a paper along draft → locked → in_use → retired (409 for any other move).
#[utoipa::path(post, path = "/api/papers/{id}/state", tag = "paper", params(("id" = i64, Path)), request_body = ChangeState,
    responses((status = 200, body = PaperSummary), (status = 409, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn change_state(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(req): Json<ChangeState>,
) -> ApiResult<Json<PaperSummary>> {
    let row = load_paper(&state.db, id).await?;
    let from = parse_state(&row.state)?;
    if !from.may_become(req.state) {
        return Err(ApiError::conflict(
            Some("state"),
            format!("试卷不能从 {} 变为 {}", from.as_str(), req.state.as_str()),
            format!(
                "A paper cannot go from {} to {}",
                from.as_str(),
                req.state.as_str()
            ),
        ));
    }
    if req.state == PaperState::Locked && row.item_count == 0 {
        return Err(ApiError::invalid(
            "state",
            "空试卷不能锁定",
            "An empty paper cannot be locked",
        ));
    }
    if !queries::set_state(&state.db, id, from.as_str(), req.state.as_str()).await? {
        return Err(ApiError::conflict(
            Some("state"),
            "试卷状态已被他人修改",
            "Someone else changed the paper's state",
        ));
    }
    let action = format!("paper.{}", req.state.as_str());
    audit::record(
        &state.db,
        Some(&user),
        &action,
        "paper",
        Some(&id.to_string()),
        serde_json::json!({"before": from.as_str(), "after": req.state.as_str()}),
    )
    .await?;
    Ok(Json(load_paper(&state.db, id).await?.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaperUsage {
    pub id: i64,
    pub paper_id: i64,
    pub session_name: String,
    /// The exam-plan module's session id, once it exists.
    pub session_ref: Option<String>,
    pub starts_at: String,
    pub created_at: String,
    pub created_by: Option<i64>,
    /// The exam session whose seated candidates may open the paper.
    pub exam_session_id: Option<i64>,
}

impl From<queries::UsageRow> for PaperUsage {
    fn from(r: queries::UsageRow) -> Self {
        PaperUsage {
            id: r.paper_usage_id,
            paper_id: r.paper_id,
            session_name: r.session_name,
            session_ref: r.session_ref,
            starts_at: r.starts_at,
            created_at: r.created_at,
            created_by: r.created_by,
            exam_session_id: r.exam_session_id,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccessEntry {
    pub usage_id: Option<i64>,
    pub account_id: i64,
    pub username: String,
    pub role: String,
    /// `preview`, `paper` or `answer_key`.
    pub what: String,
    pub granted: bool,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsageLog {
    pub usages: Vec<PaperUsage>,
    pub accesses: Vec<AccessEntry>,
}

/// Where a paper is used and everyone who opened it or its answer key.
#[utoipa::path(get, path = "/api/papers/{id}/usages", tag = "paper", params(("id" = i64, Path)),
    responses((status = 200, body = UsageLog)), security(("bearer" = [])))]
async fn list_usages(
    _staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<UsageLog>> {
    load_paper(&state.db, id).await?;
    let usages = queries::usages(&state.db, id)
        .await?
        .into_iter()
        .map(PaperUsage::from)
        .collect();
    let accesses = queries::access_log(&state.db, id)
        .await?
        .into_iter()
        .map(|a| AccessEntry {
            usage_id: a.paper_usage_id,
            account_id: a.account_id,
            username: a.username,
            role: a.role,
            what: a.what,
            granted: a.granted != 0,
            at: a.at,
        })
        .collect();
    Ok(Json(UsageLog { usages, accesses }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUsage {
    /// e.g. `2026年第4批 电工四级 理论 第1场`.
    pub session_name: String,
    #[serde(default)]
    pub session_ref: Option<String>,
    /// The exam session (场次) whose seated candidates may open the paper; without one no
    /// candidate may.
    #[serde(default)]
    pub exam_session_id: Option<i64>,
    /// RFC 3339; nobody but staff sees the paper before it. Defaults to the exam session's
    /// start when a session is named.
    #[serde(default)]
    pub starts_at: Option<String>,
}

/// Assign a locked paper to an exam session; the paper becomes in use.
#[utoipa::path(post, path = "/api/papers/{id}/usages", tag = "paper", params(("id" = i64, Path)), request_body = CreateUsage,
    responses((status = 201, body = PaperUsage), (status = 409, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn create_usage(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(req): Json<CreateUsage>,
) -> ApiResult<(StatusCode, Json<PaperUsage>)> {
    let row = load_paper(&state.db, id).await?;
    if req.session_name.trim().is_empty() || req.session_name.chars().count() > 200 {
        return Err(ApiError::invalid(
            "session_name",
            "场次名称须为 1–200 个字符",
            "Session name: 1–200 characters",
        ));
    }
    let session_start = match req.exam_session_id {
        Some(sid) => Some(
            queries::exam_session_start(&state.db, sid)
                .await?
                .ok_or_else(|| {
                    ApiError::invalid("exam_session_id", "考试场次不存在", "No such exam session")
                })?,
        ),
        None => None,
    };
    let starts_at = match (req.starts_at.as_deref(), session_start) {
        (Some(text), _) => {
            let t = chrono::DateTime::parse_from_rfc3339(text.trim()).map_err(|_| {
                ApiError::invalid(
                    "starts_at",
                    "开考时间须为 RFC 3339 格式，如 2026-12-05T09:00:00+08:00",
                    "starts_at must be RFC 3339, e.g. 2026-12-05T09:00:00+08:00",
                )
            })?;
            db::to_text(t.with_timezone(&chrono::Utc))
        }
        (None, Some(session)) => session,
        (None, None) => {
            return Err(ApiError::invalid(
                "starts_at",
                "须填写开考时间或选择考试场次",
                "Give starts_at or an exam session",
            ));
        }
    };
    match row.state.as_str() {
        "locked" => {
            queries::set_state(&state.db, id, "locked", "in_use").await?;
        }
        "in_use" => {}
        other => {
            return Err(ApiError::conflict(
                Some("state"),
                format!("试卷状态为 {other}，须先锁定才能用于考试"),
                format!("The paper is {other}; lock it before using it in an exam"),
            ));
        }
    }
    let uid = queries::insert_usage(
        &state.db,
        &queries::NewUsage {
            paper_id: id,
            name: req.session_name.trim(),
            session_ref: req.session_ref.as_deref(),
            exam_session_id: req.exam_session_id,
            starts_at: &starts_at,
        },
        user.account_id,
    )
    .await?;
    audit::record(&state.db, Some(&user), "paper.use", "paper", Some(&id.to_string()), serde_json::json!({"usage_id": uid, "session_name": req.session_name.trim(), "exam_session_id": req.exam_session_id, "starts_at": starts_at})).await?;
    let u = queries::usage_by_id(&state.db, uid)
        .await?
        .ok_or(ApiError::NotFound("usage"))?;
    Ok((StatusCode::CREATED, Json(u.into())))
}

fn is_staff(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Staff)
}

/// Checks the session has started (staff: always), logging the attempt either way.
async fn gate(
    state: &AppState,
    user: &AuthUser,
    usage: &queries::UsageRow,
    what: &str,
    allowed_role: bool,
) -> ApiResult<()> {
    let started = db::now() >= usage.starts_at;
    // Who belongs to the session: its seated candidates, and the invigilators and examiners
    // on duty at it; supervisors and the province oversee every session. A usage that names
    // no session has nobody on duty: only candidates are kept out of it.
    let seated = match (user.role, usage.exam_session_id) {
        (Role::Candidate, Some(sid)) => {
            queries::seated_in_session(&state.db, user.account_id, sid).await?
        }
        (Role::Invigilator | Role::Examiner, Some(sid)) => {
            crate::recording::queries::on_duty(&state.db, sid, user.account_id).await?
        }
        (Role::Candidate, None) => false,
        _ => true,
    };
    let granted = allowed_role && (is_staff(user.role) || (started && seated));
    queries::log_access(
        &state.db,
        &queries::Access {
            paper_id: usage.paper_id,
            usage_id: Some(usage.paper_usage_id),
            account_id: user.account_id,
            role: user.role.as_str(),
            what,
            granted,
        },
    )
    .await?;
    if granted {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionQuestion {
    pub position: i64,
    pub score_centi: i64,
    pub question: CandidateQuestion,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionPaper {
    pub usage_id: i64,
    pub name: String,
    pub session_name: String,
    pub starts_at: String,
    pub total_score_centi: i64,
    pub questions: Vec<SessionQuestion>,
}

/// The paper of a session without answers: staff at any time; once the session has started,
/// candidates seated in its exam session, invigilators and examiners on duty at it, and
/// supervisors; 403 otherwise. Every attempt is logged.
#[utoipa::path(get, path = "/api/paper-usages/{id}/paper", tag = "paper", params(("id" = i64, Path)),
    responses((status = 200, body = SessionPaper), (status = 403, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn paper_for_session(
    user: AuthUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<SessionPaper>> {
    let usage = queries::usage_by_id(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("usage"))?;
    gate(&state, &user, &usage, "paper", true).await?;
    let paper = load_paper(&state.db, usage.paper_id).await?;
    let mut questions = Vec::new();
    for e in stored_entries(&state, usage.paper_id).await? {
        let mut question = e.body.for_candidate();
        images::sign_question(&state.files, &mut question).await?;
        questions.push(SessionQuestion {
            position: e.position,
            score_centi: e.score_centi,
            question,
        });
    }
    Ok(Json(SessionPaper {
        usage_id: usage.paper_usage_id,
        name: paper.name,
        session_name: usage.session_name,
        starts_at: usage.starts_at,
        total_score_centi: paper.total_score_centi,
        questions,
    }))
}

/// The answer key of a session's paper: staff at any time, examiners once the session has
/// started; nobody else. Every attempt is logged.
#[utoipa::path(get, path = "/api/paper-usages/{id}/answer-key", tag = "paper", params(("id" = i64, Path)),
    responses((status = 200, body = PaperDetail), (status = 403, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn answer_key_for_session(
    Examiner(user): Examiner,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<PaperDetail>> {
    let usage = queries::usage_by_id(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("usage"))?;
    gate(&state, &user, &usage, "answer_key", true).await?;
    let paper = load_paper(&state.db, usage.paper_id).await?;
    Ok(Json(PaperDetail {
        paper: paper.into(),
        items: entries(&state, usage.paper_id).await?,
    }))
}

/// The paper with this id, or a 404 naming it.
async fn load_paper(db: &crate::db::Db, id: i64) -> ApiResult<queries::PaperRow> {
    queries::paper_by_id(db, id)
        .await?
        .ok_or(ApiError::NotFound("paper"))
}
