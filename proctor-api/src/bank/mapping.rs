//! Stored column mappings (列映射) per import source: a provincial bank exports its own
//! headers (`试题类别`, `选项1` …); staff map them to the template's columns once per source,
//! and every import from that source names the mapping (`?mapping_id=`) instead of sending
//! the JSON each time.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{queries, xlsx};
use crate::audit;
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::http::Json;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportMapping {
    pub id: i64,
    /// The source's name, e.g. `贵州省职业技能鉴定题库`.
    pub source: String,
    /// The file's header → the template column it stands for.
    pub columns: xlsx::ColumnMap,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MappingInput {
    pub source: String,
    pub columns: xlsx::ColumnMap,
}

pub(crate) fn to_mapping(r: queries::MappingRow) -> ApiResult<ImportMapping> {
    Ok(ImportMapping {
        id: r.import_mapping_id,
        source: r.source,
        columns: serde_json::from_str(&r.columns)
            .map_err(|e| anyhow::anyhow!("stored mapping: {e}"))?,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

/// Checks a mapping: a source name and at least one header, every target a template column.
fn check(req: &MappingInput) -> ApiResult<String> {
    let source = req.source.trim();
    if source.is_empty() || source.chars().count() > 100 {
        return Err(ApiError::invalid(
            "source",
            "来源名称须为 1–100 个字符",
            "Source name: 1–100 characters",
        ));
    }
    if req.columns.is_empty() || req.columns.keys().any(|k| k.trim().is_empty()) {
        return Err(ApiError::invalid(
            "columns",
            "至少映射一列，且表头不能为空",
            "Map at least one column; headers cannot be empty",
        ));
    }
    if let Err(bad) = xlsx::check_map(&req.columns) {
        return Err(ApiError::invalid(
            "columns",
            format!("“{bad}”不是模板中的列"),
            format!("\"{bad}\" is not a template column"),
        ));
    }
    Ok(source.to_owned())
}

/// Every stored mapping, by source name.
#[utoipa::path(get, path = "/api/import-mappings", tag = "bank",
    responses((status = 200, body = [ImportMapping])), security(("bearer" = [])))]
pub async fn list_mappings(
    _staff: Staff,
    State(state): State<AppState>,
) -> ApiResult<Json<Vec<ImportMapping>>> {
    let rows = queries::list_mappings(&state.db).await?;
    Ok(Json(
        rows.into_iter().map(to_mapping).collect::<ApiResult<_>>()?,
    ))
}

/// Store a source's column mapping (409 if the source has one).
#[utoipa::path(post, path = "/api/import-mappings", tag = "bank", request_body = MappingInput,
    responses((status = 201, body = ImportMapping), (status = 400, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_mapping(
    Staff(user): Staff,
    State(state): State<AppState>,
    Json(req): Json<MappingInput>,
) -> ApiResult<(StatusCode, Json<ImportMapping>)> {
    let source = check(&req)?;
    if queries::mapping_by_source(&state.db, &source)
        .await?
        .is_some()
    {
        return Err(ApiError::conflict(
            Some("source"),
            "该来源已有列映射",
            "This source has a mapping already",
        ));
    }
    let columns = serde_json::to_string(&req.columns).map_err(|e| anyhow::anyhow!("{e}"))?;
    let id = queries::insert_mapping(&state.db, &source, &columns, user.account_id).await?;
    audit::record(
        &state.db,
        Some(&user),
        "import_mapping.create",
        "import_mapping",
        Some(&id.to_string()),
        serde_json::json!({"source": source, "columns": req.columns}),
    )
    .await?;
    let row = queries::mapping_by_id(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("import mapping"))?;
    Ok((StatusCode::CREATED, Json(to_mapping(row)?)))
}

/// Change a source's name or columns; later imports use the new mapping.
#[utoipa::path(put, path = "/api/import-mappings/{id}", tag = "bank", params(("id" = i64, Path)), request_body = MappingInput,
    responses((status = 200, body = ImportMapping), (status = 400, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_mapping(
    Staff(user): Staff,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(req): Json<MappingInput>,
) -> ApiResult<Json<ImportMapping>> {
    let before = queries::mapping_by_id(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("import mapping"))?;
    let source = check(&req)?;
    if queries::mapping_by_source(&state.db, &source)
        .await?
        .is_some_and(|m| m.import_mapping_id != id)
    {
        return Err(ApiError::conflict(
            Some("source"),
            "该来源已有列映射",
            "This source has a mapping already",
        ));
    }
    let columns = serde_json::to_string(&req.columns).map_err(|e| anyhow::anyhow!("{e}"))?;
    queries::update_mapping(&state.db, id, &source, &columns, user.account_id).await?;
    audit::record(
        &state.db,
        Some(&user),
        "import_mapping.update",
        "import_mapping",
        Some(&id.to_string()),
        serde_json::json!({"before": {"source": before.source, "columns": before.columns}, "after": {"source": source, "columns": req.columns}}),
    )
    .await?;
    let row = queries::mapping_by_id(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("import mapping"))?;
    Ok(Json(to_mapping(row)?))
}
