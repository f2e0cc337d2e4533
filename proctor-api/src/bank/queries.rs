//! SQL for `bank`, `item`, `item_version` and `bank_import`.

use sqlx::{AnyConnection, FromRow};

use super::item::{ItemBody, plain_text};
use crate::db::{self, Db};

#[derive(Debug, Clone, FromRow)]
pub struct BankRow {
    pub bank_id: i64,
    pub occupation_code: String,
    pub occupation_name: String,
    pub level: i64,
    pub kind: String,
    pub created_at: String,
    pub item_count: i64,
}

const BANK_COLS: &str = "b.bank_id, b.occupation_code, b.occupation_name, b.level, b.kind, b.created_at, \
     (SELECT COUNT(*) FROM item i WHERE i.bank_id = b.bank_id AND i.retired = 0) AS item_count";

pub async fn insert_bank(
    db: &Db,
    code: &str,
    name: &str,
    level: i64,
    kind: &str,
    by: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO bank (occupation_code, occupation_name, level, kind, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING bank_id",
    )
    .bind(code)
    .bind(name)
    .bind(level)
    .bind(kind)
    .bind(db::now())
    .bind(by)
    .fetch_one(&db.pool)
    .await
}

pub async fn list_banks(db: &Db) -> sqlx::Result<Vec<BankRow>> {
    sqlx::query_as(&format!(
        "SELECT {BANK_COLS} FROM bank b ORDER BY b.occupation_code, b.level, b.kind"
    ))
    .fetch_all(&db.pool)
    .await
}

pub async fn bank_by_id(db: &Db, id: i64) -> sqlx::Result<Option<BankRow>> {
    sqlx::query_as(&format!(
        "SELECT {BANK_COLS} FROM bank b WHERE b.bank_id = $1"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// An item with its current version's body.
#[derive(Debug, Clone, FromRow)]
pub struct ItemRow {
    pub item_id: i64,
    pub bank_id: i64,
    pub current_version: i64,
    pub item_version_id: i64,
    pub retired: i64,
    pub created_at: String,
    pub updated_at: String,
    pub content_hash: String,
    pub body: String,
}

impl ItemRow {
    pub fn body(&self) -> Result<ItemBody, serde_json::Error> {
        serde_json::from_str(&self.body)
    }
}

const ITEM_COLS: &str = "i.item_id, i.bank_id, i.current_version, v.item_version_id, i.retired, i.created_at, \
     i.updated_at, i.content_hash, v.body";
const ITEM_FROM: &str =
    "FROM item i JOIN item_version v ON v.item_id = i.item_id AND v.version = i.current_version";

/// Inserts an item as version 1; `None` when the bank already holds the same content.
pub async fn insert_item(
    conn: &mut AnyConnection,
    bank_id: i64,
    body: &ItemBody,
    hash: &str,
    by: i64,
) -> sqlx::Result<Option<i64>> {
    let now = db::now();
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO item (bank_id, current_version, item_type, stem_text, knowledge_point, difficulty, \
         score_centi, content_hash, retired, created_at, updated_at) \
         VALUES ($1, 1, $2, $3, $4, $5, $6, $7, 0, $8, $8) \
         ON CONFLICT (bank_id, content_hash) DO NOTHING RETURNING item_id",
    )
    .bind(bank_id)
    .bind(body.item_type.as_str())
    .bind(plain_text(&body.stem))
    .bind(&body.knowledge_point)
    .bind(body.difficulty)
    .bind(body.score_centi)
    .bind(hash)
    .bind(&now)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(id) = id else { return Ok(None) };
    insert_version(conn, id, 1, body, hash, by).await?;
    Ok(Some(id))
}

async fn insert_version(
    conn: &mut AnyConnection,
    item_id: i64,
    version: i64,
    body: &ItemBody,
    hash: &str,
    by: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO item_version (item_id, version, body, content_hash, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING item_version_id",
    )
    .bind(item_id)
    .bind(version)
    .bind(serde_json::to_string(body).unwrap_or_default())
    .bind(hash)
    .bind(db::now())
    .bind(by)
    .fetch_one(conn)
    .await
}

/// Writes a new version and makes it current. Papers keep pointing at the old one.
pub async fn new_version(
    db: &Db,
    cur: &ItemRow,
    body: &ItemBody,
    hash: &str,
    by: i64,
) -> sqlx::Result<()> {
    let mut tx = db.pool.begin().await?;
    let version = cur.current_version + 1;
    sqlx::query(
        "UPDATE item SET current_version = $1, item_type = $2, stem_text = $3, knowledge_point = $4, \
         difficulty = $5, score_centi = $6, content_hash = $7, updated_at = $8 WHERE item_id = $9",
    )
    .bind(version)
    .bind(body.item_type.as_str())
    .bind(plain_text(&body.stem))
    .bind(&body.knowledge_point)
    .bind(body.difficulty)
    .bind(body.score_centi)
    .bind(hash)
    .bind(db::now())
    .bind(cur.item_id)
    .execute(&mut *tx)
    .await?;
    insert_version(&mut tx, cur.item_id, version, body, hash, by).await?;
    tx.commit().await
}

pub async fn set_retired(db: &Db, item_id: i64, retired: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE item SET retired = $1, updated_at = $2 WHERE item_id = $3")
        .bind(retired as i64)
        .bind(db::now())
        .bind(item_id)
        .execute(&db.pool)
        .await
        .map(|_| ())
}

pub async fn item_by_id(db: &Db, id: i64) -> sqlx::Result<Option<ItemRow>> {
    sqlx::query_as(&format!(
        "SELECT {ITEM_COLS} {ITEM_FROM} WHERE i.item_id = $1"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct VersionRow {
    pub item_version_id: i64,
    pub item_id: i64,
    pub version: i64,
    pub body: String,
    pub created_at: String,
    pub created_by: Option<i64>,
}

pub async fn versions(db: &Db, item_id: i64) -> sqlx::Result<Vec<VersionRow>> {
    sqlx::query_as(
        "SELECT item_version_id, item_id, version, body, created_at, created_by FROM item_version \
         WHERE item_id = $1 ORDER BY version",
    )
    .bind(item_id)
    .fetch_all(&db.pool)
    .await
}

pub async fn version_by_id(db: &Db, id: i64) -> sqlx::Result<Option<VersionRow>> {
    sqlx::query_as("SELECT item_version_id, item_id, version, body, created_at, created_by FROM item_version WHERE item_version_id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

/// Filters for the item search; every one optional.
#[derive(Debug, Default, Clone)]
pub struct ItemFilter {
    pub item_type: Option<String>,
    pub knowledge_point: Option<String>,
    pub difficulty: Option<i64>,
    /// Substring of the stem's text.
    pub text: Option<String>,
    pub include_retired: bool,
    pub limit: i64,
    pub offset: i64,
}

pub async fn search(db: &Db, bank_id: i64, f: &ItemFilter) -> sqlx::Result<(i64, Vec<ItemRow>)> {
    let cond = "i.bank_id = $1 AND ($2 IS NULL OR i.item_type = $2) AND ($3 IS NULL OR i.knowledge_point = $3) \
         AND ($4 IS NULL OR i.difficulty = $4) AND ($5 IS NULL OR i.stem_text LIKE $5) AND ($6 = 1 OR i.retired = 0)";
    let like = f
        .text
        .as_ref()
        .map(|t| format!("%{}%", t.replace(['%', '_'], "")));
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM item i WHERE {cond}"))
        .bind(bank_id)
        .bind(f.item_type.as_deref())
        .bind(f.knowledge_point.as_deref())
        .bind(f.difficulty)
        .bind(like.as_deref())
        .bind(f.include_retired as i64)
        .fetch_one(&db.pool)
        .await?;
    let rows = sqlx::query_as(&format!(
        "SELECT {ITEM_COLS} {ITEM_FROM} WHERE {cond} ORDER BY i.item_id LIMIT $7 OFFSET $8"
    ))
    .bind(bank_id)
    .bind(f.item_type.as_deref())
    .bind(f.knowledge_point.as_deref())
    .bind(f.difficulty)
    .bind(like.as_deref())
    .bind(f.include_retired as i64)
    .bind(f.limit)
    .bind(f.offset)
    .fetch_all(&db.pool)
    .await?;
    Ok((total, rows))
}

/// Every active item of a bank with its current version, for assembly and export.
pub async fn active_items(db: &Db, bank_id: i64) -> sqlx::Result<Vec<ItemRow>> {
    sqlx::query_as(&format!(
        "SELECT {ITEM_COLS} {ITEM_FROM} WHERE i.bank_id = $1 AND i.retired = 0 ORDER BY i.item_id"
    ))
    .bind(bank_id)
    .fetch_all(&db.pool)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct StatRow {
    pub knowledge_point: String,
    pub difficulty: i64,
    pub item_type: String,
    pub items: i64,
    pub score_centi: i64,
}

/// Active items counted per knowledge point × difficulty × type.
pub async fn stats(db: &Db, bank_id: i64) -> sqlx::Result<Vec<StatRow>> {
    sqlx::query_as(
        "SELECT knowledge_point, difficulty, item_type, COUNT(*) AS items, CAST(SUM(score_centi) AS BIGINT) AS score_centi \
         FROM item WHERE bank_id = $1 AND retired = 0 \
         GROUP BY knowledge_point, difficulty, item_type ORDER BY knowledge_point, difficulty, item_type",
    )
    .bind(bank_id)
    .fetch_all(&db.pool)
    .await
}

pub async fn hashes(db: &Db, bank_id: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT content_hash FROM item WHERE bank_id = $1")
        .bind(bank_id)
        .fetch_all(&db.pool)
        .await
}

#[derive(Debug, Clone, FromRow)]
pub struct ImportRow {
    pub bank_import_id: i64,
    pub bank_id: i64,
    pub format: String,
    pub file_sha256: String,
    pub items: String,
    pub errors: String,
    pub status: String,
    pub created_count: i64,
    pub duplicate_count: i64,
    pub created_at: String,
    pub confirmed_at: Option<String>,
    pub processed_rows: i64,
    pub total_rows: i64,
}

/// A new import in state `parsing`, with nothing read yet.
pub async fn insert_import(
    db: &Db,
    bank_id: i64,
    format: &str,
    sha: &str,
    empty_items: &str,
    by: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO bank_import (bank_id, format, file_sha256, items, errors, status, created_at, created_by) \
         VALUES ($1, $2, $3, $4, '[]', 'parsing', $5, $6) RETURNING bank_import_id",
    )
    .bind(bank_id)
    .bind(format)
    .bind(sha)
    .bind(empty_items)
    .bind(db::now())
    .bind(by)
    .fetch_one(&db.pool)
    .await
}

pub async fn import_progress(db: &Db, id: i64, done: i64, total: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE bank_import SET processed_rows = $1, total_rows = $2 WHERE bank_import_id = $3 AND status = 'parsing'",
    )
    .bind(done)
    .bind(total)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Imports still `parsing` that were created before `started_at`: their job ran in a server
/// process that has stopped, so nobody will finish them. They become `failed` with `errors`.
pub async fn fail_interrupted_imports(db: &Db, started_at: &str, errors: &str) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE bank_import SET status = 'failed', errors = $1 WHERE status = 'parsing' AND created_at < $2",
    )
    .bind(errors)
    .bind(started_at)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected())
}

/// Stores what the parser found; `status` is `preview` or `failed`.
pub async fn finish_import(
    db: &Db,
    id: i64,
    status: &str,
    items: &str,
    errors: &str,
    total: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE bank_import SET status = $1, items = $2, errors = $3, processed_rows = $4, total_rows = $4 \
         WHERE bank_import_id = $5 AND status = 'parsing'",
    )
    .bind(status)
    .bind(items)
    .bind(errors)
    .bind(total)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn import_by_id(db: &Db, id: i64) -> sqlx::Result<Option<ImportRow>> {
    sqlx::query_as(
        "SELECT bank_import_id, bank_id, format, file_sha256, items, errors, status, created_count, \
         duplicate_count, created_at, confirmed_at, processed_rows, total_rows FROM bank_import WHERE bank_import_id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// Inserts the parsed items in one transaction; the status flip happens in the same
/// transaction, so a confirm that races another creates nothing twice.
pub async fn confirm_import(
    db: &Db,
    imp: &ImportRow,
    items: &[(ItemBody, String)],
    by: i64,
) -> sqlx::Result<Option<(i64, i64)>> {
    let mut tx = db.pool.begin().await?;
    let flipped = sqlx::query("UPDATE bank_import SET status = 'confirming' WHERE bank_import_id = $1 AND status = 'preview'")
        .bind(imp.bank_import_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if flipped != 1 {
        return Ok(None);
    }
    let (mut created, mut dup) = (0, 0);
    for (body, hash) in items {
        match insert_item(&mut tx, imp.bank_id, body, hash, by).await? {
            Some(_) => created += 1,
            None => dup += 1,
        }
    }
    sqlx::query(
        "UPDATE bank_import SET status = 'confirmed', created_count = $1, duplicate_count = $2, confirmed_at = $3 \
         WHERE bank_import_id = $4",
    )
    .bind(created)
    .bind(dup)
    .bind(db::now())
    .bind(imp.bank_import_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some((created, dup)))
}

#[derive(Debug, Clone, FromRow)]
pub struct MappingRow {
    pub import_mapping_id: i64,
    pub source: String,
    pub columns: String,
    pub created_at: String,
    pub updated_at: String,
    pub updated_by: Option<i64>,
}

const MAPPING_COLS: &str = "import_mapping_id, source, columns, created_at, updated_at, updated_by";

pub async fn list_mappings(db: &Db) -> sqlx::Result<Vec<MappingRow>> {
    sqlx::query_as(&format!(
        "SELECT {MAPPING_COLS} FROM import_mapping ORDER BY source"
    ))
    .fetch_all(&db.pool)
    .await
}

pub async fn mapping_by_id(db: &Db, id: i64) -> sqlx::Result<Option<MappingRow>> {
    sqlx::query_as(&format!(
        "SELECT {MAPPING_COLS} FROM import_mapping WHERE import_mapping_id = $1"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

pub async fn mapping_by_source(db: &Db, source: &str) -> sqlx::Result<Option<MappingRow>> {
    sqlx::query_as(&format!(
        "SELECT {MAPPING_COLS} FROM import_mapping WHERE source = $1"
    ))
    .bind(source)
    .fetch_optional(&db.pool)
    .await
}

pub async fn insert_mapping(db: &Db, source: &str, columns: &str, by: i64) -> sqlx::Result<i64> {
    let now = db::now();
    sqlx::query_scalar(
        "INSERT INTO import_mapping (source, columns, created_at, updated_at, updated_by) \
         VALUES ($1, $2, $3, $3, $4) RETURNING import_mapping_id",
    )
    .bind(source)
    .bind(columns)
    .bind(&now)
    .bind(by)
    .fetch_one(&db.pool)
    .await
}

pub async fn update_mapping(
    db: &Db,
    id: i64,
    source: &str,
    columns: &str,
    by: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE import_mapping SET source = $1, columns = $2, updated_at = $3, updated_by = $4 \
         WHERE import_mapping_id = $5",
    )
    .bind(source)
    .bind(columns)
    .bind(db::now())
    .bind(by)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(())
}
