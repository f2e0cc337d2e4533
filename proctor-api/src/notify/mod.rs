//! Notifications: every message is kept in-app (the candidate's inbox) and handed to the
//! SMS adapter. The only adapter so far is the outbox stand-in, which appends one JSON line
//! per message to `data_dir/sms/outbox.jsonl` with the phone number masked — a real gateway
//! plugs in behind [`SmsAdapter`].

pub mod queries;

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::AuthUser;
use crate::error::ApiResult;
use crate::http::Json;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(my_notifications))
}

pub struct Message {
    pub registration_id: i64,
    pub kind: &'static str,
    pub title_zh: String,
    pub title_en: String,
    pub body: String,
}

impl Message {
    pub fn ticket_ready(registration_id: i64, ticket_no: &str) -> Message {
        Message {
            registration_id,
            kind: "ticket_ready",
            title_zh: "准考证已可下载".into(),
            title_en: "Your admission ticket is ready".into(),
            body: format!("准考证号 / Ticket no. {ticket_no}"),
        }
    }

    /// Before the exam: when and where, and what to bring.
    pub fn exam_reminder(
        registration_id: i64,
        when: &str,
        site: &str,
        room: &str,
        seat: i64,
    ) -> Message {
        Message {
            registration_id,
            kind: "exam_reminder",
            title_zh: "考试提醒".into(),
            title_en: "Exam reminder".into(),
            body: format!(
                "{when} {site} {room} 座位 {seat}，请携带准考证和身份证件 / bring your ticket and ID"
            ),
        }
    }

    /// The plan's results are out (the plan moved to `published`).
    pub fn score_published(registration_id: i64, plan_title: &str) -> Message {
        Message {
            registration_id,
            kind: "score_published",
            title_zh: "成绩已发布".into(),
            title_en: "Your results are published".into(),
            body: format!("{plan_title}：请登录平台查询成绩 / sign in to see your results"),
        }
    }

    pub fn review(registration_id: i64, approved: bool, reason: &str) -> Message {
        if approved {
            Message {
                registration_id,
                kind: "review_approved",
                title_zh: "报名审核通过".into(),
                title_en: "Your registration was approved".into(),
                body: String::new(),
            }
        } else {
            Message {
                registration_id,
                kind: "review_rejected",
                title_zh: "报名审核未通过，请修改后重新提交".into(),
                title_en: "Your registration was returned; correct it and resubmit".into(),
                body: reason.to_owned(),
            }
        }
    }
}

pub trait SmsAdapter {
    /// Returns the status to record (`queued`, `failed: …`).
    fn send(&self, phone: &str, text: &str) -> String;
}

/// Appends to the outbox file instead of sending.
pub struct Outbox {
    pub path: std::path::PathBuf,
}

impl SmsAdapter for Outbox {
    fn send(&self, phone: &str, text: &str) -> String {
        use std::io::Write;
        let line = serde_json::json!({"to": crate::identity::idcard::mask_phone(phone), "text": text, "at": crate::db::now()});
        let res = (|| -> std::io::Result<()> {
            if let Some(dir) = self.path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)?;
            writeln!(f, "{line}")
        })();
        match res {
            Ok(()) => "queued".into(),
            Err(e) => format!("failed: {e}"),
        }
    }
}

/// Stores the message for the registrant and passes it to the SMS adapter.
pub async fn send(state: &AppState, m: Message) -> ApiResult<()> {
    let Some((account, phone_enc)) = queries::registrant(&state.db, m.registration_id).await?
    else {
        return Ok(());
    };
    let vault = crate::identity::vault::Vault::for_data_dir(&state.settings.data_dir)?;
    let phone = vault.open(&phone_enc)?;
    let sms = Outbox {
        path: state.settings.data_dir.join("sms").join("outbox.jsonl"),
    };
    let status = sms.send(&phone, &format!("{} {}", m.title_zh, m.body));
    queries::insert(
        &state.db,
        account,
        m.kind,
        &m.title_zh,
        &m.title_en,
        &m.body,
        &status,
    )
    .await?;
    Ok(())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    pub title_zh: String,
    pub title_en: String,
    pub body: String,
    pub created_at: String,
}

/// The caller's messages, newest first.
#[utoipa::path(get, path = "/api/me/notifications", tag = "notify", responses((status = 200, body = [Notification])), security(("bearer" = [])))]
async fn my_notifications(
    user: AuthUser,
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<Notification>>> {
    let rows = queries::for_account(&state.db, user.account_id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| Notification {
                id: r.notification_id,
                kind: r.kind,
                title_zh: r.title_zh,
                title_en: r.title_en,
                body: r.body,
                created_at: r.created_at,
            })
            .collect(),
    ))
}
