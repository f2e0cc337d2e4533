//! Enrolment: a reference photo (a candidate's registration portrait, an examiner's staff
//! photo) becomes a sealed embedding. Every attempt is kept — a refusal with the quality
//! gate's reason, so staff can tell the person what to fix — and every change is audited.

use bytes::Bytes;
use face_verify::{Embedding, FaceError};

use super::{engine, frame, issue, queries};
use crate::audit;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::identity::vault::Vault;
use crate::state::AppState;

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = FaceReason)]
pub struct Reason {
    /// `no_face`, `multiple_faces`, `face_too_small`, `too_blurred`, `too_dark`,
    /// `too_bright`, `head_turned`, `no_frame`.
    pub code: String,
    pub zh: String,
    pub en: String,
}

impl Reason {
    pub fn of(i: &face_verify::QualityIssue) -> Reason {
        let (code, zh, en) = issue::describe(i);
        Reason { code: code.into(), zh, en }
    }

    /// From a stored code (the texts of codes whose measurements were not kept).
    pub fn from_code(code: &str) -> Reason {
        let (zh, en) = match code {
            "no_face" => ("未检测到人脸", "no face found"),
            "multiple_faces" => ("画面中不止一张人脸", "more than one face in the picture"),
            "face_too_small" => ("人脸太小，请靠近镜头", "face too small"),
            "too_blurred" => ("图像模糊", "picture too blurred"),
            "too_dark" => ("光线太暗", "too dark"),
            "too_bright" => ("光线太亮", "too bright"),
            "head_turned" => ("请正对镜头", "head turned too far"),
            "no_frame" => ("未收到摄像头画面", "no camera picture arrived"),
            "mismatch" => ("与登记照片不符", "does not match the enrolled photo"),
            _ => ("人脸不可用", "face unusable"),
        };
        Reason { code: code.into(), zh: zh.into(), en: en.into() }
    }
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = FaceEnrolment)]
pub struct EnrolmentView {
    pub enrolment_id: i64,
    pub account_id: i64,
    /// `registration_photo` or `staff_photo`.
    pub source: String,
    /// `enrolled` or `refused`.
    pub status: String,
    pub reason: Option<Reason>,
    /// Short-lived signed link to the photo.
    pub photo_url: String,
    pub created_at: String,
}

pub async fn view(state: &AppState, r: &queries::EnrolmentRow) -> ApiResult<EnrolmentView> {
    Ok(EnrolmentView {
        enrolment_id: r.face_enrolment_id,
        account_id: r.account_id,
        source: r.source.clone(),
        status: r.status.clone(),
        reason: r.reason.as_deref().map(Reason::from_code),
        photo_url: state.files.link(&r.photo_key).await?,
        created_at: r.created_at.clone(),
    })
}

/// Enrols `bytes` for `account`. A quality-gate refusal is recorded and returned as a
/// `refused` enrolment (not an error); unreadable uploads are 4xx errors and store nothing.
pub async fn enrol(
    state: &AppState,
    actor: Option<&AuthUser>,
    account: i64,
    source: &str,
    registration_id: Option<i64>,
    bytes: Bytes,
) -> ApiResult<EnrolmentView> {
    let face = engine::require(state)?;
    let content_type = frame::sniff(&bytes).ok_or(ApiError::UnsupportedMediaType)?;
    let input = bytes.clone();
    let result = face
        .run(move |e| match e.enroll(&input) {
            Ok(en) => Ok(Ok(en)),
            Err(FaceError::Rejected(i)) => Ok(Err(i)),
            Err(other) => Err(other),
        })
        .await?;
    let key = format!("face/enrolments/{account}/{}.{}", uuid::Uuid::now_v7(), frame::extension(content_type));
    put(state, &key, bytes, content_type).await?;
    let previous = queries::current_enrolment(&state.db, account).await?;
    let vault = Vault::for_data_dir(&state.settings.data_dir)?;
    let (status, reason, sealed, detail) = match &result {
        Ok(en) => (
            "enrolled",
            None,
            Some(vault.seal(&hex::encode(en.embedding.to_le_bytes()))?),
            serde_json::json!({"quality": en.quality, "liveness": en.liveness}),
        ),
        Err(i) => ("refused", Some(issue::code(i)), None, serde_json::json!({"issue": i})),
    };
    let id = queries::insert_enrolment(
        &state.db,
        queries::NewEnrolment {
            account_id: account,
            source,
            registration_id,
            status,
            reason,
            embedding_enc: sealed.as_deref(),
            photo_key: &key,
            detail: &detail.to_string(),
            enrolled_by: actor.map(|a| a.account_id),
        },
    )
    .await?;
    audit::record(
        &state.db,
        actor,
        if previous.is_some() { "face.re_enrol" } else { "face.enrol" },
        "account",
        Some(&account.to_string()),
        serde_json::json!({
            "source": source,
            "registration_id": registration_id,
            "before": previous.map(|p| p.face_enrolment_id),
            "after": id,
            "status": status,
            "reason": reason,
        }),
    )
    .await?;
    let row = queries::enrolments(&state.db, account)
        .await?
        .into_iter()
        .find(|r| r.face_enrolment_id == id)
        .ok_or(ApiError::NotFound("enrolment"))?;
    let mut v = view(state, &row).await?;
    if let Err(i) = &result {
        v.reason = Some(Reason::of(i));
    }
    Ok(v)
}

/// The embedding checks compare against, or 409 when the account has none.
pub async fn current_embedding(state: &AppState, account: i64) -> ApiResult<(queries::EnrolmentRow, Embedding)> {
    let row = queries::current_enrolment(&state.db, account).await?.ok_or_else(|| {
        ApiError::conflict(
            Some("enrolment"),
            "尚未登记人脸照片，请联系考务人员",
            "No face photo is enrolled for this account; ask the exam staff",
        )
    })?;
    let sealed = row.embedding_enc.as_deref().ok_or_else(|| anyhow::anyhow!("enrolled row without embedding"))?;
    let raw = hex::decode(Vault::for_data_dir(&state.settings.data_dir)?.open(sealed)?).map_err(anyhow::Error::from)?;
    let emb = Embedding::from_le_bytes(&raw).map_err(engine::face_error)?;
    Ok((row, emb))
}

/// Stores an evidence picture (kept for the exam-evidence retention period).
pub async fn put(state: &AppState, key: &str, bytes: Bytes, content_type: &str) -> ApiResult<()> {
    let opts = storage::PutOptions::new()
        .content_type(content_type)
        .class(storage::RetentionClass::Evidence);
    state.files.store.put_bytes(key, bytes, opts).await.map_err(crate::files::storage_error)?;
    Ok(())
}

/// Enrols the current portrait of a registration (on approval, or when staff ask again).
pub async fn from_registration(state: &AppState, actor: Option<&AuthUser>, registration_id: i64) -> ApiResult<EnrolmentView> {
    engine::require(state)?;
    let reg = crate::registration::queries::get(&state.db, registration_id)
        .await?
        .ok_or(ApiError::NotFound("registration"))?;
    let photo = crate::registration::queries::current_files(&state.db, registration_id)
        .await?
        .into_iter()
        .find(|f| f.kind == "photo")
        .ok_or_else(|| ApiError::conflict(Some("photo"), "尚未上传证件照", "No portrait photo has been uploaded"))?;
    let bytes = crate::registration::files::load(state, &photo.stored_name).await?;
    enrol(state, actor, reg.account_id, "registration_photo", Some(registration_id), Bytes::from(bytes)).await
}
