//! Admission tickets (准考证): one A4 page per seated candidate with the portrait, ticket
//! number, session, site, room, seat, the rules and a QR code carrying the ticket number and
//! a keyed check value (so a scanned ticket can be told from a forged one). The candidate
//! downloads their own; staff print a plan's tickets in one file. Text is set in Noto Sans
//! CJK SC (Debian `fonts-noto-cjk`), subset and embedded.

pub mod pdf;

use std::sync::{Arc, OnceLock};

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::identity::vault::Vault;
use crate::registration::{self, SelfOrStaff, files, queries as regq};
use crate::state::AppState;
use pdf::{Doc, Op};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_ticket))
        .routes(routes!(plan_tickets))
}

/// Font files tried in order; the first holds the simplified-Chinese face we want.
pub const FONT_FILES: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
];

struct LoadedFont {
    data: Vec<u8>,
    index: u32,
}

static FONT: OnceLock<Option<Arc<LoadedFont>>> = OnceLock::new();

/// The face to use: in a collection, the one whose family name ends in "SC".
fn font() -> ApiResult<Arc<LoadedFont>> {
    let f = FONT.get_or_init(|| {
        for path in FONT_FILES {
            let Ok(data) = std::fs::read(path) else {
                continue;
            };
            let count = ttf_parser::fonts_in_collection(&data).unwrap_or(1);
            let index = (0..count)
                .find(|i| {
                    ttf_parser::Face::parse(&data, *i).is_ok_and(|face| {
                        face.names().into_iter().any(|n| {
                            n.name_id == ttf_parser::name_id::FAMILY
                                && n.to_string().is_some_and(|s| s.trim_end().ends_with(" SC"))
                        })
                    })
                })
                .unwrap_or(0);
            return Some(Arc::new(LoadedFont { data, index }));
        }
        None
    });
    f.clone().ok_or_else(|| {
        ApiError::Internal(anyhow::anyhow!(
            "no CJK font found (install fonts-noto-cjk)"
        ))
    })
}

/// Beijing time for display.
fn local(t: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|d| {
            d.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset"))
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| t.to_owned())
}

fn photo_jpeg(bytes: &[u8]) -> Option<pdf::Jpeg> {
    let img = image::load_from_memory(bytes)
        .ok()?
        .thumbnail(300, 400)
        .to_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .ok()?;
    Some(pdf::Jpeg {
        bytes: out,
        width: img.width(),
        height: img.height(),
    })
}

const RULES: &[&str] = &[
    "1. 考生须持本准考证和有效身份证件，于开考前 30 分钟到达考场。",
    "2. 开考 15 分钟后不得入场；考试期间不得携带通讯工具。",
    "3. 在线考试须全程开启摄像头，接受远程监考与人脸核验。",
    "4. 违反考场纪律者，按职业技能等级认定考务规定处理。",
];

/// Appends one ticket page.
async fn add_page(
    state: &AppState,
    doc: &mut Doc,
    r: &regq::RegRow,
    org_name: &str,
) -> ApiResult<()> {
    let ticket = r.ticket_no.clone().ok_or_else(|| {
        ApiError::conflict(
            None,
            "尚未编排考场座位，准考证未生成",
            "No seat assigned yet, so no ticket",
        )
    })?;
    let session_id = r.exam_session_id.ok_or(ApiError::NotFound("session"))?;
    let s = crate::plan::queries::session(&state.db, session_id)
        .await?
        .ok_or(ApiError::NotFound("session"))?;
    let plan = crate::plan::queries::plan(&state.db, r.exam_plan_id)
        .await?
        .ok_or(ApiError::NotFound("plan"))?;
    let (level_zh, _) = crate::plan::level_name(plan.level);
    let (w, h) = pdf::A4;
    let mut ops = Vec::new();
    let text = |x: f32, y: f32, size: f32, t: String| Op::Text {
        x,
        y,
        size,
        text: t,
    };
    let title = if org_name.is_empty() {
        "职业技能等级认定".to_owned()
    } else {
        format!("{org_name} 职业技能等级认定")
    };
    ops.push(text(60.0, h - 80.0, 18.0, title));
    ops.push(text(
        60.0,
        h - 108.0,
        24.0,
        "准考证  Admission Ticket".to_owned(),
    ));
    ops.push(Op::Line {
        x1: 60.0,
        y1: h - 120.0,
        x2: w - 60.0,
        y2: h - 120.0,
    });
    let rows = [
        ("姓名 Name", r.name.clone()),
        ("准考证号 Ticket no.", ticket.clone()),
        ("证件号码 ID no.", r.id_number_masked.clone()),
        (
            "职业 Occupation",
            format!("{} {}", plan.occupation_code, plan.occupation_name),
        ),
        ("等级 Level", level_zh.to_owned()),
        ("场次 Session", s.name.clone()),
        (
            "时间 Time",
            format!("{} – {}", local(&s.starts_at), local(&s.ends_at)),
        ),
        ("考点 Site", s.site_name.clone()),
        ("地址 Address", s.site_address.clone()),
        ("考场 Room", s.room_name.clone()),
        (
            "座位号 Seat",
            r.seat_no.map(|n| n.to_string()).unwrap_or_default(),
        ),
    ];
    let mut y = h - 150.0;
    for (label, value) in rows {
        ops.push(text(60.0, y, 11.0, label.to_owned()));
        ops.push(text(180.0, y, 12.0, value));
        y -= 24.0;
    }
    // Portrait, 30 × 40 mm, top right.
    let photo = regq::current_files(&state.db, r.registration_id)
        .await?
        .into_iter()
        .find(|f| f.kind == "photo");
    if let Some(f) = photo {
        let bytes = files::load(state, &f.stored_name).await?;
        if let Some(j) = photo_jpeg(&bytes) {
            let index = doc.add_jpeg(j);
            ops.push(Op::Image {
                index,
                x: w - 60.0 - 85.0,
                y: h - 150.0 - 113.0 + 12.0,
                w: 85.0,
                h: 113.0,
            });
        }
    }
    // QR: ticket number, registration and a keyed check value.
    let vault = Vault::for_data_dir(&state.settings.data_dir)?;
    let check = &vault.lookup_hash("ticket", &format!("{ticket}:{}", r.registration_id))[..16];
    let payload = format!("PROCTOR-TICKET:{ticket}:{}:{check}", r.registration_id);
    let code = qrcode::QrCode::new(payload.as_bytes()).map_err(|e| anyhow::anyhow!("qr: {e}"))?;
    let n = code.width();
    let module = 100.0 / n as f32;
    let (qx, qy) = (w - 60.0 - 100.0, y - 110.0);
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (col, row) = ((i % n) as f32, (i / n) as f32);
            ops.push(Op::Rect {
                x: qx + col * module,
                y: qy + 100.0 - (row + 1.0) * module,
                w: module,
                h: module,
            });
        }
    }
    let mut ry = y - 20.0;
    ops.push(text(60.0, ry, 12.0, "考生须知 Rules".to_owned()));
    for rule in RULES {
        ry -= 20.0;
        ops.push(text(60.0, ry, 10.0, (*rule).to_owned()));
    }
    doc.page(ops);
    Ok(())
}

async fn render(state: &AppState, regs: &[regq::RegRow], title: &str) -> ApiResult<Vec<u8>> {
    let org = crate::org::queries::get(&state.db).await?.fields.name;
    let mut doc = Doc::default();
    for r in regs {
        add_page(state, &mut doc, r, &org).await?;
    }
    let f = font()?;
    let title = title.to_owned();
    tokio::task::spawn_blocking(move || {
        doc.render(
            &pdf::Font {
                data: &f.data,
                index: f.index,
            },
            &title,
        )
    })
    .await
    .map_err(|e| anyhow::anyhow!("pdf task: {e}"))?
    .map_err(ApiError::Internal)
}

fn pdf_response(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// The candidate's admission ticket (or any, for staff) as PDF.
#[utoipa::path(get, path = "/api/registrations/{id}/ticket.pdf", tag = "ticket", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf"), (status = 409, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn my_ticket(
    who: SelfOrStaff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let r = registration::visible(&state, &who, id).await?;
    if r.status != "approved" {
        return Err(ApiError::conflict(
            None,
            "报名尚未审核通过",
            "The registration is not approved",
        ));
    }
    let name = format!("ticket-{}.pdf", r.ticket_no.clone().unwrap_or_default());
    let bytes = render(&state, std::slice::from_ref(&r), "准考证 Admission Ticket").await?;
    Ok(pdf_response(bytes, &name))
}

/// Every seated candidate's ticket of a plan in one PDF, for batch printing.
#[utoipa::path(get, path = "/api/plans/{id}/tickets.pdf", tag = "ticket", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf")), security(("bearer" = [])))]
async fn plan_tickets(
    _s: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let plan = crate::plan::queries::plan(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("plan"))?;
    let regs: Vec<_> = regq::for_plan(&state.db, id, Some("approved"))
        .await?
        .into_iter()
        .filter(|r| r.ticket_no.is_some())
        .collect();
    if regs.is_empty() {
        return Err(ApiError::conflict(
            None,
            "本计划还没有已编排座位的考生",
            "No seated candidates in this plan yet",
        ));
    }
    let bytes = render(&state, &regs, &format!("准考证 {}", plan.code)).await?;
    Ok(pdf_response(bytes, &format!("tickets-{id}.pdf")))
}
