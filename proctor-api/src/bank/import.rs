//! Bank import in two steps: upload → a stored preview listing every bad row (row, column,
//! reason) and how many items are new; confirm → the items are created in one transaction.
//! A file with any bad row cannot be confirmed, so nothing is half-imported. Items are keyed
//! by content hash, so importing the same file again creates nothing.
//!
//! Reading runs as a background job: the import row starts as `parsing` and carries
//! processed/total rows, which the parser advances and a ticker copies to the database, then
//! becomes `preview` (or `failed`). Small files are answered when read (201); large files, or
//! any file with `?background=true`, are answered at once (202) and the client polls.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use super::item::ItemBody;
use super::{docx, queries, xlsx};
use crate::audit;
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::http::Json;
use crate::state::AppState;

/// A problem found in an uploaded file.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RowError {
    /// Spreadsheet row (as Excel numbers it) or Word paragraph, from 1; 0 for the whole file.
    pub row: usize,
    /// Spreadsheet column letter (`K`), when the problem is in one cell.
    pub column: Option<String>,
    /// The column's header (or the Word field, e.g. `答案`).
    pub column_name: String,
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ParsedItem {
    pub row: usize,
    pub body: ItemBody,
    pub content_hash: String,
}

/// What a parser made of a file.
#[derive(Debug, Default)]
pub struct Parsed {
    pub items: Vec<ParsedItem>,
    pub errors: Vec<RowError>,
    /// Question rows seen (sub-question rows included).
    pub rows: usize,
    /// Pictures the items refer to, each once.
    pub pictures: Vec<super::images::Picture>,
}

/// How far a parser got: rows (Excel) or paragraphs (Word) read of all there are.
#[derive(Debug, Default)]
pub struct Progress {
    done: AtomicUsize,
    total: AtomicUsize,
}

impl Progress {
    pub fn set_total(&self, n: usize) {
        self.total.store(n, Ordering::Relaxed);
    }

    pub fn set_done(&self, n: usize) {
        self.done.store(n, Ordering::Relaxed);
    }

    fn get(&self) -> (i64, i64) {
        (
            self.done.load(Ordering::Relaxed) as i64,
            self.total.load(Ordering::Relaxed) as i64,
        )
    }
}

/// Files above this size are always read in the background (202).
const BACKGROUND_ABOVE_BYTES: usize = 512 << 10;
/// How often a running job writes its progress.
const PROGRESS_EVERY: Duration = Duration::from_millis(200);

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportPreview {
    pub id: i64,
    pub bank_id: i64,
    /// `xlsx`, `docx` or `qti`.
    pub format: String,
    /// `parsing` while the file is read, then `preview` (or `failed` when it could not be
    /// read), `confirmed` once imported.
    pub status: String,
    /// Rows (Excel) or paragraphs (Word) read so far, of `total_rows`.
    pub processed_rows: i64,
    pub total_rows: i64,
    /// Items read without error.
    pub valid_items: usize,
    /// Of those, items the bank does not hold yet.
    pub new_items: usize,
    /// Items the bank already holds (same content); confirming skips them.
    pub already_in_bank: usize,
    /// Rows repeating an earlier row of the same file.
    pub repeated_in_file: usize,
    /// Every bad row; while this is non-empty the import cannot be confirmed.
    pub errors: Vec<RowError>,
    /// The first items as they will be stored, for a visual check.
    pub sample: Vec<ItemBody>,
    pub created_count: i64,
    pub duplicate_count: i64,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    items: Vec<ParsedItem>,
    repeated_in_file: usize,
}

fn detect(bytes: &[u8]) -> Option<&'static str> {
    let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let names: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.into_owned())
        .collect();
    if names.iter().any(|n| n == "xl/workbook.xml") {
        Some("xlsx")
    } else if super::qti::is_package(&names) {
        Some("qti")
    } else if names.iter().any(|n| n == "word/document.xml") {
        Some("docx")
    } else {
        None
    }
}

async fn preview(state: &AppState, imp: &queries::ImportRow) -> ApiResult<ImportPreview> {
    let stored: Stored =
        serde_json::from_str(&imp.items).map_err(|e| anyhow::anyhow!("stored import: {e}"))?;
    let errors: Vec<RowError> =
        serde_json::from_str(&imp.errors).map_err(|e| anyhow::anyhow!("stored import: {e}"))?;
    let existing: HashSet<String> = queries::hashes(&state.db, imp.bank_id)
        .await?
        .into_iter()
        .collect();
    let already = if imp.status == "preview" {
        stored
            .items
            .iter()
            .filter(|i| existing.contains(&i.content_hash))
            .count()
    } else {
        0
    };
    let mut sample: Vec<ItemBody> = stored
        .items
        .iter()
        .take(10)
        .map(|i| i.body.clone())
        .collect();
    for b in &mut sample {
        super::images::sign_body(&state.files, b).await?;
    }
    Ok(ImportPreview {
        id: imp.bank_import_id,
        bank_id: imp.bank_id,
        format: imp.format.clone(),
        status: imp.status.clone(),
        processed_rows: imp.processed_rows,
        total_rows: imp.total_rows,
        valid_items: stored.items.len(),
        new_items: if imp.status == "preview" {
            stored.items.len() - already
        } else {
            imp.created_count as usize
        },
        already_in_bank: if imp.status == "preview" {
            already
        } else {
            imp.duplicate_count as usize
        },
        repeated_in_file: stored.repeated_in_file,
        errors,
        sample,
        created_count: imp.created_count,
        duplicate_count: imp.duplicate_count,
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// For banks whose headers differ from the template (provincial sources): a JSON object
    /// mapping the file's headers to template columns, e.g. `{"试题类别":"题型","选项1":"选项A"}`.
    /// Applied over the stored mapping when both are given.
    pub columns: Option<String>,
    /// A stored source mapping (`/api/import-mappings`) to read the headers with.
    pub mapping_id: Option<i64>,
    /// Answer at once (202) and read the file in the background, whatever its size.
    #[serde(default)]
    pub background: bool,
}

async fn column_map(state: &AppState, q: &ImportQuery) -> ApiResult<xlsx::ColumnMap> {
    let mut map = match q.mapping_id {
        Some(id) => {
            let row = queries::mapping_by_id(&state.db, id)
                .await?
                .ok_or_else(|| {
                    ApiError::invalid("mapping_id", "列映射不存在", "No such column mapping")
                })?;
            super::mapping::to_mapping(row)?.columns
        }
        None => xlsx::ColumnMap::new(),
    };
    if let Some(text) = q.columns.as_deref() {
        let extra: xlsx::ColumnMap = serde_json::from_str(text).map_err(|_| {
            ApiError::invalid(
                "columns",
                "列映射须为 JSON 对象，如 {\"试题类别\":\"题型\"}",
                "columns must be a JSON object such as {\"试题类别\":\"题型\"}",
            )
        })?;
        map.extend(extra);
    }
    if let Err(bad) = xlsx::check_map(&map) {
        return Err(ApiError::invalid(
            "columns",
            format!("“{bad}”不是模板中的列"),
            format!("\"{bad}\" is not a template column"),
        ));
    }
    Ok(map)
}

/// Upload an Excel (.xlsx, template columns) or Word (.docx) bank file as the raw request
/// body. Nothing is imported yet: the answer is a preview listing every bad row (201), or,
/// for large files and `background=true`, the running job (202) to poll at
/// `GET /api/imports/{id}` until its status leaves `parsing`.
#[utoipa::path(post, path = "/api/banks/{id}/imports", tag = "bank",
    params(("id" = i64, Path), ImportQuery),
    request_body(content = String, content_type = "application/octet-stream", description = "the .xlsx or .docx file"),
    responses((status = 201, body = ImportPreview), (status = 202, body = ImportPreview), (status = 400, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_import(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(bank_id): Path<i64>,
    Query(q): Query<ImportQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ImportPreview>)> {
    let map = column_map(&state, &q).await?;
    queries::bank_by_id(&state.db, bank_id)
        .await?
        .ok_or(ApiError::NotFound("bank"))?;
    let Some(format) = detect(&body) else {
        return Err(ApiError::invalid_code(
            "file",
            "unsupported_file",
            "文件须为 Excel (.xlsx)、Word (.docx) 或 QTI 3.0 包 (.zip)",
            "The file must be Excel (.xlsx), Word (.docx) or a QTI 3.0 package (.zip)",
        ));
    };
    let sha = hex::encode(Sha256::digest(&body));
    let empty = serde_json::to_string(&Stored {
        items: Vec::new(),
        repeated_in_file: 0,
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let id =
        queries::insert_import(&state.db, bank_id, format, &sha, &empty, user.account_id).await?;
    let background = q.background || body.len() > BACKGROUND_ABOVE_BYTES;
    let job = tokio::spawn(run_job(state.clone(), id, format, body, map));
    let status = if background {
        StatusCode::ACCEPTED
    } else {
        job.await.map_err(|e| anyhow::anyhow!("import job: {e}"))?;
        StatusCode::CREATED
    };
    let imp = queries::import_by_id(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("import"))?;
    Ok((status, Json(preview(&state, &imp).await?)))
}

/// At start-up: imports a stopped server was still reading can never finish; mark them
/// failed with a reason so the page stops waiting and the user uploads again. (An import
/// another API instance is reading at this moment would be caught too; it then reports
/// failure instead of its preview, and the upload is simply repeated.)
pub async fn fail_interrupted(db: &crate::db::Db) -> anyhow::Result<u64> {
    let err = RowError {
        row: 0,
        column: None,
        column_name: String::new(),
        zh: "读取文件期间服务器重启，请重新上传".into(),
        en: "The server restarted while reading the file; upload it again".into(),
    };
    let errors = serde_json::to_string(&[err])?;
    Ok(queries::fail_interrupted_imports(db, &crate::db::now(), &errors).await?)
}

/// Reads the file, writing progress as it goes, and stores the preview. Any failure leaves
/// the import `failed` with the reason as its one error, never stuck in `parsing`.
async fn run_job(
    state: AppState,
    id: i64,
    format: &'static str,
    body: Bytes,
    map: xlsx::ColumnMap,
) {
    let progress = Arc::new(Progress::default());
    let p = progress.clone();
    let mut task = tokio::task::spawn_blocking(move || match format {
        "xlsx" => xlsx::parse_with_progress(&body, &map, &p),
        "qti" => super::qti::parse_with_progress(&body, &p),
        _ => docx::parse_with_progress(&body, &p),
    });
    let mut tick = tokio::time::interval(PROGRESS_EVERY);
    let parsed = loop {
        tokio::select! {
            done = &mut task => break done,
            _ = tick.tick() => {
                let (d, t) = progress.get();
                if let Err(e) = queries::import_progress(&state.db, id, d, t).await {
                    tracing::warn!(import = id, "cannot write import progress: {e}");
                }
            }
        }
    };
    let outcome = match parsed {
        Ok(parsed) => store_parsed(&state, id, parsed).await,
        Err(e) => Err(anyhow::anyhow!("parser stopped: {e}")),
    };
    if let Err(e) = outcome {
        tracing::error!(import = id, "import job failed: {e}");
        let err = RowError {
            row: 0,
            column: None,
            column_name: String::new(),
            zh: "读取文件时出错，请重新上传".into(),
            en: "Reading the file failed; upload it again".into(),
        };
        let errors = serde_json::to_string(&[err]).unwrap_or_else(|_| "[]".into());
        let (_, t) = progress.get();
        if let Err(e) = queries::finish_import(
            &state.db,
            id,
            "failed",
            "{\"items\":[],\"repeated_in_file\":0}",
            &errors,
            t,
        )
        .await
        {
            tracing::error!(import = id, "cannot mark the import failed: {e}");
        }
    }
}

async fn store_parsed(state: &AppState, id: i64, parsed: Parsed) -> anyhow::Result<()> {
    // Pictures first: a preview never refers to a picture that is not stored. Names are
    // content hashes, so storing one twice writes the same object.
    for p in &parsed.pictures {
        let opts = storage::PutOptions::new().content_type(p.content_type);
        state
            .files
            .store
            .put_bytes(
                &format!("{}{}", super::images::PREFIX, p.name),
                bytes::Bytes::from(p.bytes.clone()),
                opts,
            )
            .await
            .map_err(|e| anyhow::anyhow!("storing picture {}: {e}", p.name))?;
    }
    let mut seen = HashSet::new();
    let total = parsed.items.len();
    let items: Vec<ParsedItem> = parsed
        .items
        .into_iter()
        .filter(|i| seen.insert(i.content_hash.clone()))
        .collect();
    let stored = Stored {
        repeated_in_file: total - items.len(),
        items,
    };
    let mut errors = parsed.errors;
    errors.sort_by(|a, b| (a.row, &a.column).cmp(&(b.row, &b.column)));
    queries::finish_import(
        &state.db,
        id,
        "preview",
        &serde_json::to_string(&stored)?,
        &serde_json::to_string(&errors)?,
        parsed.rows as i64,
    )
    .await?;
    Ok(())
}

/// The preview (or, once confirmed, the outcome) of an import.
#[utoipa::path(get, path = "/api/imports/{id}", tag = "bank", params(("id" = i64, Path)),
    responses((status = 200, body = ImportPreview)), security(("bearer" = [])))]
pub async fn get_import(
    _staff: Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<ImportPreview>> {
    let imp = queries::import_by_id(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("import"))?;
    Ok(Json(preview(&state, &imp).await?))
}

/// Create the previewed items. Refused (409) while the file has bad rows or when it was
/// confirmed already; items the bank holds already are skipped.
#[utoipa::path(post, path = "/api/imports/{id}/confirm", tag = "bank", params(("id" = i64, Path)),
    responses((status = 200, body = ImportPreview), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn confirm_import(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Json<ImportPreview>> {
    let imp = queries::import_by_id(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("import"))?;
    if imp.status == "parsing" {
        return Err(ApiError::conflict(
            Some("status"),
            "文件仍在读取中，请稍候",
            "The file is still being read; wait for the preview",
        ));
    }
    let errors: Vec<RowError> =
        serde_json::from_str(&imp.errors).map_err(|e| anyhow::anyhow!("stored import: {e}"))?;
    if !errors.is_empty() {
        return Err(ApiError::conflict(
            Some("errors"),
            format!(
                "文件有 {} 处错误，未导入任何试题；请改正后重新上传",
                errors.len()
            ),
            format!(
                "The file has {} errors; nothing was imported. Fix them and upload again",
                errors.len()
            ),
        ));
    }
    let stored: Stored =
        serde_json::from_str(&imp.items).map_err(|e| anyhow::anyhow!("stored import: {e}"))?;
    let items: Vec<(ItemBody, String)> = stored
        .items
        .into_iter()
        .map(|i| (i.body, i.content_hash))
        .collect();
    let Some((created, dup)) =
        queries::confirm_import(&state.db, &imp, &items, user.account_id).await?
    else {
        return Err(ApiError::conflict(
            Some("status"),
            "该导入已确认过",
            "This import was confirmed already",
        ));
    };
    audit::record(
        &state.db,
        Some(&user),
        "bank.import",
        "bank",
        Some(&imp.bank_id.to_string()),
        serde_json::json!({"import_id": id, "format": imp.format, "file_sha256": imp.file_sha256, "created": created, "skipped_existing": dup}),
    )
    .await?;
    let imp = queries::import_by_id(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("import"))?;
    Ok(Json(preview(&state, &imp).await?))
}
