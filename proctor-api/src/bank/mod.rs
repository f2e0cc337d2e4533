//! Question banks (题库): one per occupation code, level and kind (theory / skill); items of
//! every R7 type, each edit kept as a new version; search, statistics per knowledge point ×
//! difficulty; import from Excel and Word with a preview (see [`import`]) and export to Excel.
//! Staff only.

pub mod cells;
pub mod docx;
pub mod images;
pub mod import;
pub mod item;
pub mod mapping;
pub mod qti;
pub mod queries;
pub mod xlsx;

use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::audit;
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::http::Json;
use crate::state::AppState;
use item::{ItemBody, ItemType};

/// Bank files are larger than JSON bodies.
const MAX_IMPORT_BYTES: usize = 32 << 20;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_banks, create_bank))
        .routes(routes!(list_items, create_item))
        .routes(routes!(get_item, update_item))
        .routes(routes!(set_item_retired))
        .routes(routes!(bulk_edit))
        .routes(routes!(bank_stats))
        .routes(routes!(export_bank))
        .routes(routes!(export_qti))
        .routes(routes!(import::get_import))
        .routes(routes!(import::confirm_import))
        .routes(routes!(mapping::list_mappings, mapping::create_mapping))
        .routes(routes!(mapping::update_mapping))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(import::create_import))
                .routes(routes!(upload_image))
                .layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BankKind {
    /// 理论知识
    Theory,
    /// 技能操作
    Skill,
}

impl BankKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BankKind::Theory => "theory",
            BankKind::Skill => "skill",
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Bank {
    pub id: i64,
    pub occupation_code: String,
    pub occupation_name: String,
    /// 1 (五级/初级工) … 5 (一级/高级技师) as the occupation's standard numbers them.
    pub level: i64,
    pub kind: String,
    pub item_count: i64,
    pub created_at: String,
}

impl From<queries::BankRow> for Bank {
    fn from(r: queries::BankRow) -> Self {
        Bank {
            id: r.bank_id,
            occupation_code: r.occupation_code,
            occupation_name: r.occupation_name,
            level: r.level,
            kind: r.kind,
            item_count: r.item_count,
            created_at: r.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBank {
    /// Occupation code from the national classification, e.g. `6-31-01-03`.
    pub occupation_code: String,
    pub occupation_name: String,
    pub level: i64,
    pub kind: BankKind,
}

/// All banks.
#[utoipa::path(get, path = "/api/banks", tag = "bank", responses((status = 200, body = [Bank])), security(("bearer" = [])))]
async fn list_banks(_staff: Staff, State(state): State<AppState>) -> ApiResult<Json<Vec<Bank>>> {
    Ok(Json(
        queries::list_banks(&state.db)
            .await?
            .into_iter()
            .map(Bank::from)
            .collect(),
    ))
}

/// Create a bank for an occupation, level and kind (409 if it exists).
#[utoipa::path(post, path = "/api/banks", tag = "bank", request_body = CreateBank,
    responses((status = 201, body = Bank), (status = 409, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn create_bank(
    Staff(user): Staff,
    State(state): State<AppState>,
    Json(req): Json<CreateBank>,
) -> ApiResult<(StatusCode, Json<Bank>)> {
    let code = req.occupation_code.trim();
    if code.is_empty()
        || code.len() > 32
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        return Err(ApiError::invalid(
            "occupation_code",
            "职业编码须为 1–32 位字母、数字、- 或 .",
            "Occupation code: 1–32 letters, digits, - or .",
        ));
    }
    if req.occupation_name.trim().is_empty() || req.occupation_name.chars().count() > 100 {
        return Err(ApiError::invalid(
            "occupation_name",
            "职业名称须为 1–100 个字符",
            "Occupation name: 1–100 characters",
        ));
    }
    if !(1..=5).contains(&req.level) {
        return Err(ApiError::invalid(
            "level",
            "等级须为 1–5",
            "Level must be 1–5",
        ));
    }
    let existing = queries::list_banks(&state.db).await?;
    if existing
        .iter()
        .any(|b| b.occupation_code == code && b.level == req.level && b.kind == req.kind.as_str())
    {
        return Err(ApiError::conflict(
            Some("occupation_code"),
            "该职业、等级和类别的题库已存在",
            "A bank for this occupation, level and kind exists",
        ));
    }
    let id = queries::insert_bank(
        &state.db,
        code,
        req.occupation_name.trim(),
        req.level,
        req.kind.as_str(),
        user.account_id,
    )
    .await?;
    audit::record(
        &state.db,
        Some(&user),
        "bank.create",
        "bank",
        Some(&id.to_string()),
        serde_json::json!({"occupation_code": code, "level": req.level, "kind": req.kind.as_str()}),
    )
    .await?;
    let row = queries::bank_by_id(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("bank"))?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Item {
    pub id: i64,
    pub bank_id: i64,
    /// The current version number (1 for a new item).
    pub version: i64,
    pub item_version_id: i64,
    pub retired: bool,
    pub content_hash: String,
    pub created_at: String,
    pub updated_at: String,
    pub body: ItemBody,
}

/// An item for an answer: its pictures as short-lived links.
async fn signed_item(state: &AppState, r: queries::ItemRow) -> ApiResult<Item> {
    let mut item = to_item(r)?;
    images::sign_body(&state.files, &mut item.body).await?;
    Ok(item)
}

fn to_item(r: queries::ItemRow) -> ApiResult<Item> {
    let body = r
        .body()
        .map_err(|e| anyhow::anyhow!("stored item body: {e}"))?;
    Ok(Item {
        id: r.item_id,
        bank_id: r.bank_id,
        version: r.current_version,
        item_version_id: r.item_version_id,
        retired: r.retired != 0,
        content_hash: r.content_hash,
        created_at: r.created_at,
        updated_at: r.updated_at,
        body,
    })
}

/// Turns body rule violations into the API's error (the first one, field path included).
fn body_error(errs: Vec<item::BodyError>) -> ApiError {
    let e = errs
        .into_iter()
        .next()
        .map(|e| (e.field, e.zh, e.en))
        .unwrap_or_default();
    ApiError::invalid(e.0, e.1, e.2)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ItemQuery {
    pub item_type: Option<ItemType>,
    pub knowledge_point: Option<String>,
    pub difficulty: Option<i64>,
    /// Text the stem contains.
    pub q: Option<String>,
    #[serde(default)]
    pub include_retired: bool,
    /// At most 500; 50 by default.
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemPage {
    pub total: i64,
    pub items: Vec<Item>,
}

/// Search a bank's items.
#[utoipa::path(get, path = "/api/banks/{id}/items", tag = "bank", params(("id" = i64, Path), ItemQuery),
    responses((status = 200, body = ItemPage)), security(("bearer" = [])))]
async fn list_items(
    _staff: Staff,
    State(state): State<AppState>,
    Path(bank_id): Path<i64>,
    Query(q): Query<ItemQuery>,
) -> ApiResult<Json<ItemPage>> {
    queries::bank_by_id(&state.db, bank_id)
        .await?
        .ok_or(ApiError::NotFound("bank"))?;
    let f = queries::ItemFilter {
        item_type: q.item_type.map(|t| t.as_str().to_owned()),
        knowledge_point: q.knowledge_point.filter(|k| !k.is_empty()),
        difficulty: q.difficulty,
        text: q.q.filter(|t| !t.trim().is_empty()),
        include_retired: q.include_retired,
        limit: q.limit.unwrap_or(50).clamp(1, 500),
        offset: q.offset.unwrap_or(0).max(0),
    };
    let (total, rows) = queries::search(&state.db, bank_id, &f).await?;
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        items.push(signed_item(&state, r).await?);
    }
    Ok(Json(ItemPage { total, items }))
}

/// Add an item (version 1). Rich text is sanitised; the same content twice is a 409.
#[utoipa::path(post, path = "/api/banks/{id}/items", tag = "bank", params(("id" = i64, Path)), request_body = ItemBody,
    responses((status = 201, body = Item), (status = 400, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
async fn create_item(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(bank_id): Path<i64>,
    Json(mut body): Json<ItemBody>,
) -> ApiResult<(StatusCode, Json<Item>)> {
    queries::bank_by_id(&state.db, bank_id)
        .await?
        .ok_or(ApiError::NotFound("bank"))?;
    body.normalize_and_check().map_err(body_error)?;
    let hash = body.content_hash();
    let mut conn = state.db.pool.acquire().await?;
    let Some(id) = queries::insert_item(&mut conn, bank_id, &body, &hash, user.account_id).await?
    else {
        return Err(ApiError::conflict(
            Some("stem"),
            "题库中已有内容相同的试题",
            "The bank holds an item with the same content",
        ));
    };
    drop(conn);
    audit::record(
        &state.db,
        Some(&user),
        "item.create",
        "item",
        Some(&id.to_string()),
        serde_json::json!({"bank_id": bank_id, "after": body}),
    )
    .await?;
    let row = queries::item_by_id(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("item"))?;
    Ok((StatusCode::CREATED, Json(signed_item(&state, row).await?)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemVersion {
    pub item_version_id: i64,
    pub version: i64,
    pub created_at: String,
    pub created_by: Option<i64>,
    pub body: ItemBody,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemWithHistory {
    #[serde(flatten)]
    pub item: Item,
    /// Every version, oldest first.
    pub versions: Vec<ItemVersion>,
}

/// One item with all its versions.
#[utoipa::path(get, path = "/api/items/{id}", tag = "bank", params(("id" = i64, Path)),
    responses((status = 200, body = ItemWithHistory)), security(("bearer" = [])))]
async fn get_item(
    _staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<ItemWithHistory>> {
    let row = queries::item_by_id(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("item"))?;
    let versions = queries::versions(&state.db, id)
        .await?
        .into_iter()
        .map(|v| {
            let body = serde_json::from_str(&v.body)
                .map_err(|e| anyhow::anyhow!("stored version: {e}"))?;
            Ok(ItemVersion {
                item_version_id: v.item_version_id,
                version: v.version,
                created_at: v.created_at,
                created_by: v.created_by,
                body,
            })
        })
        .collect::<ApiResult<Vec<ItemVersion>>>()?;
    let mut versions = versions;
    for v in &mut versions {
        images::sign_body(&state.files, &mut v.body).await?;
    }
    Ok(Json(ItemWithHistory {
        item: signed_item(&state, row).await?,
        versions,
    }))
}

/// Edit an item: writes a new version and makes it current. Papers already assembled keep
/// the version they were assembled with.
#[utoipa::path(put, path = "/api/items/{id}", tag = "bank", params(("id" = i64, Path)), request_body = ItemBody,
    responses((status = 200, body = Item), (status = 400, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn update_item(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(mut body): Json<ItemBody>,
) -> ApiResult<Json<Item>> {
    let cur = queries::item_by_id(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("item"))?;
    body.normalize_and_check().map_err(body_error)?;
    let hash = body.content_hash();
    if hash == cur.content_hash {
        return Ok(Json(signed_item(&state, cur).await?));
    }
    let before = cur
        .body()
        .map_err(|e| anyhow::anyhow!("stored item body: {e}"))?;
    queries::new_version(&state.db, &cur, &body, &hash, user.account_id).await?;
    audit::record(
        &state.db,
        Some(&user),
        "item.update",
        "item",
        Some(&id.to_string()),
        serde_json::json!({"version": cur.current_version + 1, "before": before, "after": body}),
    )
    .await?;
    let row = queries::item_by_id(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("item"))?;
    Ok(Json(signed_item(&state, row).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetireItem {
    /// Retired items stay in old papers but are no longer offered for assembly.
    pub retired: bool,
}

/// Retire an item or bring it back.
#[utoipa::path(post, path = "/api/items/{id}/retired", tag = "bank", params(("id" = i64, Path)), request_body = RetireItem,
    responses((status = 200, body = Item)), security(("bearer" = [])))]
async fn set_item_retired(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(req): Json<RetireItem>,
) -> ApiResult<Json<Item>> {
    let cur = queries::item_by_id(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("item"))?;
    queries::set_retired(&state.db, id, req.retired).await?;
    audit::record(
        &state.db,
        Some(&user),
        "item.retire",
        "item",
        Some(&id.to_string()),
        serde_json::json!({"before": cur.retired != 0, "after": req.retired}),
    )
    .await?;
    let row = queries::item_by_id(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("item"))?;
    Ok(Json(signed_item(&state, row).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatCell {
    pub knowledge_point: String,
    pub difficulty: i64,
    pub item_type: String,
    pub items: i64,
    pub score_centi: i64,
}

/// Active items per knowledge point × difficulty × type: what a blueprint can ask for.
#[utoipa::path(get, path = "/api/banks/{id}/stats", tag = "bank", params(("id" = i64, Path)),
    responses((status = 200, body = [StatCell])), security(("bearer" = [])))]
async fn bank_stats(
    _staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<StatCell>>> {
    queries::bank_by_id(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("bank"))?;
    let rows = queries::stats(&state.db, id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| StatCell {
                knowledge_point: r.knowledge_point,
                difficulty: r.difficulty,
                item_type: r.item_type,
                items: r.items,
                score_centi: r.score_centi,
            })
            .collect(),
    ))
}

/// A bank and its active items (id, body), for the exports; 404 for an unknown bank.
async fn bank_with_active_items(state: &AppState, id: i64) -> ApiResult<(queries::BankRow, Vec<(i64, ItemBody)>)> {
    let bank = queries::bank_by_id(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("bank"))?;
    let items = queries::active_items(&state.db, id)
        .await?
        .iter()
        .map(|r| {
            r.body()
                .map(|b| (r.item_id, b))
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored item body: {e}")))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok((bank, items))
}

/// The bank's active items as an Excel file in the import template's layout.
#[utoipa::path(get, path = "/api/banks/{id}/export", tag = "bank", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = String)),
    security(("bearer" = [])))]
async fn export_bank(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let (bank, items) = bank_with_active_items(&state, id).await?;
    let bodies: Vec<ItemBody> = items.into_iter().map(|(_, b)| b).collect();
    let bytes = tokio::task::spawn_blocking(move || xlsx::export(&bodies))
        .await
        .map_err(|e| anyhow::anyhow!("export task: {e}"))?
        .map_err(|e| anyhow::anyhow!("xlsx: {e}"))?;
    audit::record(
        &state.db,
        Some(&user),
        "bank.export",
        "bank",
        Some(&id.to_string()),
        serde_json::json!({}),
    )
    .await?;
    let name = format!(
        "bank-{}-{}-{}.xlsx",
        bank.occupation_code, bank.level, bank.kind
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The bank's active items as a QTI 3.0 content package (zip: `imsmanifest.xml` and one
/// `qti-assessment-item` per item; case analyses are left out, counted in
/// `X-Skipped-Items`). Imports read such packages back.
#[utoipa::path(get, path = "/api/banks/{id}/export-qti", tag = "bank", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/zip", body = String)),
    security(("bearer" = [])))]
async fn export_qti(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let (bank, items) = bank_with_active_items(&state, id).await?;
    let (bytes, skipped) = tokio::task::spawn_blocking(move || qti::export(&items))
        .await
        .map_err(|e| anyhow::anyhow!("export task: {e}"))?
        .map_err(|e| anyhow::anyhow!("qti: {e}"))?;
    audit::record(
        &state.db,
        Some(&user),
        "bank.export_qti",
        "bank",
        Some(&id.to_string()),
        serde_json::json!({"skipped_case_analyses": skipped}),
    )
    .await?;
    let name = format!(
        "bank-{}-{}-{}-qti3.zip",
        bank.occupation_code, bank.level, bank.kind
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (
                header::HeaderName::from_static("x-skipped-items"),
                skipped.to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Largest picture the item editor may upload.
const MAX_IMAGE_BYTES: usize = 5 << 20;

#[derive(Debug, Serialize, ToSchema)]
pub struct StoredImage {
    /// `<sha256>.<ext>`.
    pub name: String,
    /// The stable address to keep in rich text (`item-image:<name>`).
    pub src: String,
    /// A short-lived link to show it now; rich text saved with it is stored with `src`.
    pub url: String,
}

/// Store a picture for item rich text (PNG, JPEG, GIF or WebP, at most 5 MiB) as the raw
/// body, in object storage under its content hash.
#[utoipa::path(post, path = "/api/item-images", tag = "bank",
    request_body(content = String, content_type = "application/octet-stream", description = "the picture"),
    responses((status = 201, body = StoredImage), (status = 400, body = crate::error::ErrorBody)), security(("bearer" = [])))]
async fn upload_image(
    Staff(user): Staff,
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<StoredImage>)> {
    let (ext, content_type) = if body.starts_with(b"\x89PNG\r\n\x1a\n") {
        ("png", "image/png")
    } else if body.starts_with(&[0xFF, 0xD8, 0xFF]) {
        ("jpg", "image/jpeg")
    } else if body.starts_with(b"GIF8") {
        ("gif", "image/gif")
    } else if body.len() > 12 && &body[..4] == b"RIFF" && &body[8..12] == b"WEBP" {
        ("webp", "image/webp")
    } else {
        return Err(ApiError::invalid_code(
            "body",
            "not_an_image",
            "图片须为 PNG、JPEG、GIF 或 WebP",
            "The picture must be PNG, JPEG, GIF or WebP",
        ));
    };
    if body.len() > MAX_IMAGE_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    let name = {
        use sha2::Digest;
        format!("{}.{ext}", hex::encode(sha2::Sha256::digest(&body)))
    };
    let key = format!("{}{name}", images::PREFIX);
    let opts = storage::PutOptions::new().content_type(content_type);
    state
        .files
        .store
        .put_bytes(&key, body, opts)
        .await
        .map_err(crate::files::storage_error)?;
    audit::record(
        &state.db,
        Some(&user),
        "item_image.upload",
        "item_image",
        Some(&name),
        serde_json::json!({"content_type": content_type}),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(StoredImage {
            src: format!("{}:{name}", images::SCHEME),
            url: state.files.link(&key).await?,
            name,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkEdit {
    pub item_ids: Vec<i64>,
    /// New difficulty for every listed item.
    #[serde(default)]
    pub difficulty: Option<i64>,
    /// New knowledge point for every listed item.
    #[serde(default)]
    pub knowledge_point: Option<String>,
    #[serde(default)]
    pub retired: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResult {
    /// Items that got a new version.
    pub new_versions: usize,
    /// Items whose retired flag was set.
    pub retired_changed: usize,
}

/// Change the difficulty, knowledge point or retired flag of many items at once. Every item
/// is checked before any is changed; content changes write new versions.
#[utoipa::path(post, path = "/api/banks/{id}/items/bulk", tag = "bank", params(("id" = i64, Path)),
    request_body = BulkEdit, responses((status = 200, body = BulkResult), (status = 400, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
async fn bulk_edit(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(bank_id): Path<i64>,
    Json(req): Json<BulkEdit>,
) -> ApiResult<Json<BulkResult>> {
    queries::bank_by_id(&state.db, bank_id)
        .await?
        .ok_or(ApiError::NotFound("bank"))?;
    if req.item_ids.is_empty() || req.item_ids.len() > 5000 {
        return Err(ApiError::invalid(
            "item_ids",
            "须列出 1–5000 道试题",
            "List 1–5000 items",
        ));
    }
    let mut planned = Vec::with_capacity(req.item_ids.len());
    for (i, id) in req.item_ids.iter().enumerate() {
        let field = format!("item_ids[{i}]");
        let row = queries::item_by_id(&state.db, *id)
            .await?
            .filter(|r| r.bank_id == bank_id)
            .ok_or_else(|| {
                ApiError::invalid(
                    field.clone(),
                    "该题库中没有这道试题",
                    "No such item in this bank",
                )
            })?;
        let before = row
            .body()
            .map_err(|e| anyhow::anyhow!("stored item body: {e}"))?;
        let mut after = before.clone();
        if let Some(d) = req.difficulty {
            after.difficulty = d;
        }
        if let Some(k) = &req.knowledge_point {
            after.knowledge_point = k.clone();
        }
        after.normalize_and_check().map_err(|errs| {
            let e = errs
                .into_iter()
                .next()
                .map(|e| (e.zh, e.en))
                .unwrap_or_default();
            ApiError::invalid(field, e.0, e.1)
        })?;
        planned.push((row, before, after));
    }
    let (mut new_versions, mut retired_changed) = (0, 0);
    for (row, before, after) in planned {
        let hash = after.content_hash();
        if hash != row.content_hash {
            queries::new_version(&state.db, &row, &after, &hash, user.account_id).await?;
            new_versions += 1;
        }
        if let Some(r) = req.retired.filter(|r| *r != (row.retired != 0)) {
            queries::set_retired(&state.db, row.item_id, r).await?;
            retired_changed += 1;
        }
        audit::record(
            &state.db,
            Some(&user),
            "item.bulk_update",
            "item",
            Some(&row.item_id.to_string()),
            serde_json::json!({"before": before, "after": after, "retired": req.retired}),
        )
        .await?;
    }
    Ok(Json(BulkResult {
        new_versions,
        retired_changed,
    }))
}
