//! The registration steps shared by the JSON API and the no-JavaScript form: validate the
//! form, check the ID number locally, ask the real-name service, apply the plan's policy,
//! seal the sensitive fields, and keep the history.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::queries::{self, Fields};
use crate::audit;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::identity::idcard;
use crate::identity::realname::Verdict;
use crate::identity::vault::Vault;
use crate::plan::queries::PlanRow;
use crate::state::AppState;

/// The consent shown beside the submit button and stored with every registration (PIPL
/// art. 29: separate consent for sensitive personal information).
pub const CONSENT_TEXT: &str = "本人同意评价机构为职业技能等级认定之目的，收集、使用本人的姓名、身份证件号码、手机号码、\
照片及学历、工作经历材料（其中身份证件号码、照片属于敏感个人信息），用于报名审核、实名核验、考务安排、证书核发及\
向人力资源社会保障部门报送；审核通过后姓名与脱敏证件号将公示。I consent to the evaluation organisation collecting and \
using my name, ID number, phone number, photo and education and work materials (the ID number and photo being sensitive \
personal information) for registration review, real-name verification, exam arrangements, certification and reporting to \
the human-resources authorities; once approved, my name and masked ID number are published in the public notice.";

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationForm {
    pub name: String,
    /// `male` or `female`.
    pub gender: String,
    /// `resident_id` (居民身份证; checked against GB 11643), `hmt_permit` or `passport`.
    pub id_type: String,
    pub id_number: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// Mainland mobile number; it is also the sign-in name.
    pub phone: String,
    pub education: String,
    pub work_unit: String,
    pub years_in_occupation: i64,
    /// Must be the plan's level.
    pub declared_level: i64,
}

fn text(field: &str, v: &str, max: usize) -> ApiResult<()> {
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

pub fn valid_phone(p: &str) -> bool {
    p.len() == 11
        && p.starts_with('1')
        && p.bytes().all(|b| b.is_ascii_digit())
        && p.as_bytes()[1] >= b'3'
}

impl RegistrationForm {
    pub fn normalize(&mut self) {
        self.name = self.name.trim().to_owned();
        self.id_number = idcard::normalize(&self.id_number);
        self.phone = self.phone.trim().to_owned();
        self.work_unit = self.work_unit.trim().to_owned();
        self.education = self.education.trim().to_owned();
    }

    /// Field checks and the local ID-number checks; `today` fixes the age computation.
    pub fn validate(&self, plan: &PlanRow, today: NaiveDate) -> ApiResult<Vec<String>> {
        let mut warnings = Vec::new();
        text("name", &self.name, 50)?;
        if !matches!(self.gender.as_str(), "male" | "female") {
            return Err(ApiError::invalid(
                "gender",
                "性别须为 male 或 female",
                "Gender must be male or female",
            ));
        }
        let birth = NaiveDate::parse_from_str(&self.birth_date, "%Y-%m-%d").map_err(|_| {
            ApiError::invalid(
                "birth_date",
                "出生日期格式须为 YYYY-MM-DD",
                "Birth date must be YYYY-MM-DD",
            )
        })?;
        if !valid_phone(&self.phone) {
            return Err(ApiError::invalid(
                "phone",
                "请填写 11 位手机号码",
                "Enter an 11-digit mobile number",
            ));
        }
        text("education", &self.education, 50)?;
        text("work_unit", &self.work_unit, 200)?;
        if !(0..=60).contains(&self.years_in_occupation) {
            return Err(ApiError::invalid(
                "years_in_occupation",
                "从业年限须为 0–60 年",
                "Years in the occupation: 0–60",
            ));
        }
        if self.declared_level != plan.level {
            return Err(ApiError::invalid(
                "declared_level",
                "申报等级须与评价计划的等级一致",
                "The declared level must be the plan's level",
            ));
        }
        match self.id_type.as_str() {
            "resident_id" => {
                idcard::validate(&self.id_number, birth, self.declared_level, today)
                    .map_err(|p| ApiError::invalid_code("id_number", p.code(), p.zh(), p.en()))?;
            }
            "hmt_permit" | "passport" => {
                text("id_number", &self.id_number, 30)?;
                warnings.push("非居民身份证，须人工核验证件 / Not a resident ID card: check the document by hand".to_owned());
            }
            _ => {
                return Err(ApiError::invalid(
                    "id_type",
                    "证件类型须为 resident_id、hmt_permit 或 passport",
                    "ID type must be resident_id, hmt_permit or passport",
                ));
            }
        }
        Ok(warnings)
    }
}

/// Registration is possible only while the plan is open and inside its window.
pub fn check_window(plan: &PlanRow) -> ApiResult<()> {
    let now = crate::db::now();
    if plan.state != "open" || now < plan.registration_opens_at || now > plan.registration_closes_at
    {
        return Err(ApiError::conflict(
            None,
            "该评价计划当前不在报名期内",
            "This plan is not open for registration now",
        ));
    }
    Ok(())
}

/// Asks the real-name service and applies the plan's policy: a mismatch under `block`
/// refuses; otherwise the outcome becomes a warning. `unavailable` is never a pass.
pub async fn realname(
    state: &AppState,
    plan: &PlanRow,
    name: &str,
    id_type: &str,
    id_number: &str,
    warnings: &mut Vec<String>,
) -> ApiResult<Verdict> {
    if id_type != "resident_id" {
        warnings.push("实名核验待人工完成 / Real-name check left to staff".to_owned());
        return Ok(Verdict::Unavailable);
    }
    let outcome = crate::identity::adapter(state)
        .await?
        .verify(name, id_number)
        .await;
    match outcome.verdict {
        Verdict::Match => {}
        Verdict::Mismatch if plan.realname_policy == "block" => {
            return Err(ApiError::invalid_code(
                "id_number",
                "realname_mismatch",
                "实名核验不通过：姓名与身份证号不一致",
                "Real-name check failed: the name does not match the ID number",
            ));
        }
        Verdict::Mismatch => warnings.push("实名核验不一致 / Real-name check: mismatch".to_owned()),
        Verdict::Unavailable => {
            tracing::warn!(detail = %outcome.detail, "real-name service unavailable");
            warnings.push(
                "实名核验服务不可用，待复核 / Real-name service unavailable: re-check pending"
                    .to_owned(),
            );
        }
    }
    Ok(outcome.verdict)
}

pub struct Sealed {
    pub id_enc: String,
    pub id_hash: String,
    pub id_masked: String,
    pub phone_enc: String,
    pub phone_hash: String,
    pub phone_masked: String,
}

pub fn seal(state: &AppState, f: &RegistrationForm) -> ApiResult<Sealed> {
    let v = Vault::for_data_dir(&state.settings.data_dir)?;
    Ok(Sealed {
        id_enc: v.seal(&f.id_number)?,
        id_hash: v.lookup_hash(&f.id_type, &f.id_number),
        id_masked: idcard::mask(&f.id_number),
        phone_enc: v.seal(&f.phone)?,
        phone_hash: v.lookup_hash("phone", &f.phone),
        phone_masked: idcard::mask_phone(&f.phone),
    })
}

pub fn fields<'a>(
    f: &'a RegistrationForm,
    s: &'a Sealed,
    verdict: Verdict,
    warnings: &'a str,
) -> Fields<'a> {
    Fields {
        name: &f.name,
        gender: &f.gender,
        id_type: &f.id_type,
        id_number_enc: &s.id_enc,
        id_number_hash: &s.id_hash,
        id_number_masked: &s.id_masked,
        birth_date: &f.birth_date,
        phone_enc: &s.phone_enc,
        phone_hash: &s.phone_hash,
        phone_masked: &s.phone_masked,
        education: &f.education,
        work_unit: &f.work_unit,
        years_in_occupation: f.years_in_occupation,
        declared_level: f.declared_level,
        realname_result: verdict.as_str(),
        warnings,
    }
}

/// What the history keeps of a submission: no clear ID or phone numbers.
pub fn snapshot(
    f: &RegistrationForm,
    s: &Sealed,
    verdict: Verdict,
    warnings: &[String],
) -> serde_json::Value {
    serde_json::json!({
        "name": f.name, "gender": f.gender, "id_type": f.id_type, "id_number": s.id_masked,
        "birth_date": f.birth_date, "phone": s.phone_masked, "education": f.education,
        "work_unit": f.work_unit, "years_in_occupation": f.years_in_occupation,
        "declared_level": f.declared_level, "realname": verdict.as_str(), "warnings": warnings,
    })
}

pub struct Registered {
    pub registration_id: i64,
    pub account: crate::auth::queries::AccountRow,
}

/// A new candidate: account (the phone number as user name) and registration.
pub async fn register(
    state: &AppState,
    plan_id: i64,
    mut form: RegistrationForm,
    password: &str,
    consent: bool,
) -> ApiResult<Registered> {
    let plan = crate::plan::queries::plan(&state.db, plan_id)
        .await?
        .ok_or(ApiError::NotFound("plan"))?;
    check_window(&plan)?;
    form.normalize();
    let mut warnings = form.validate(&plan, chrono::Utc::now().date_naive())?;
    if !consent {
        return Err(ApiError::invalid_code(
            "consent",
            "consent_required",
            "须阅读并同意个人信息处理说明",
            "You must agree to the personal-information notice",
        ));
    }
    crate::auth::password::check_strength(password)
        .map_err(|w| crate::auth::weakness_error("password", w))?;
    let sealed = seal(state, &form)?;
    if queries::exists_for_person(&state.db, plan_id, &sealed.id_hash, 0).await? {
        return Err(ApiError::conflict(
            Some("id_number"),
            "该证件号已报名本计划",
            "This ID number is already registered for this plan",
        ));
    }
    if crate::auth::queries::account_by_username(&state.db, &form.phone)
        .await?
        .is_some()
    {
        return Err(ApiError::conflict(
            Some("phone"),
            "该手机号已注册，请登录后报名",
            "This phone number already has an account; sign in to register",
        ));
    }
    let verdict = realname(
        state,
        &plan,
        &form.name,
        &form.id_type,
        &form.id_number,
        &mut warnings,
    )
    .await?;
    let pw = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || crate::auth::password::hash(&pw))
        .await
        .map_err(|e| anyhow::anyhow!("hash task: {e}"))??;
    let account_id = crate::auth::queries::insert_account(
        &state.db,
        crate::auth::queries::NewAccount {
            username: &form.phone,
            display_name: &form.name,
            role: crate::auth::Role::Candidate.as_str(),
            password_hash: &hash,
            must_change_password: false,
        },
    )
    .await?;
    let w = serde_json::to_string(&warnings).map_err(anyhow::Error::from)?;
    let id = match queries::insert(
        &state.db,
        plan_id,
        account_id,
        &fields(&form, &sealed, verdict, &w),
        CONSENT_TEXT,
    )
    .await
    {
        Ok(id) => id,
        Err(e) => {
            // A concurrent submission for the same person won the unique index.
            queries::remove_orphan_candidate(&state.db, account_id).await?;
            return Err(e.into());
        }
    };
    let snap = snapshot(&form, &sealed, verdict, &warnings);
    queries::add_event(&state.db, id, Some(account_id), "submit", &snap).await?;
    audit::record(&state.db, None, "registration.submit", "registration", Some(&id.to_string()),
        serde_json::json!({"account": account_id, "plan": plan_id, "realname": verdict.as_str(), "consent_at": crate::db::now()})).await?;
    let account = crate::auth::queries::account_by_id(&state.db, account_id)
        .await?
        .ok_or(ApiError::NotFound("account"))?;
    Ok(Registered {
        registration_id: id,
        account,
    })
}

/// A candidate's corrected submission after a rejection (or before any decision).
pub async fn resubmit(
    state: &AppState,
    user: &AuthUser,
    id: i64,
    mut form: RegistrationForm,
) -> ApiResult<()> {
    let reg = queries::get(&state.db, id)
        .await?
        .filter(|r| r.account_id == user.account_id)
        .ok_or(ApiError::NotFound("registration"))?;
    if !matches!(reg.status.as_str(), "rejected" | "submitted") {
        return Err(ApiError::conflict(
            None,
            "已审核通过的报名不能修改",
            "An approved registration cannot be changed",
        ));
    }
    let plan = crate::plan::queries::plan(&state.db, reg.exam_plan_id)
        .await?
        .ok_or(ApiError::NotFound("plan"))?;
    check_window(&plan)?;
    form.normalize();
    let mut warnings = form.validate(&plan, chrono::Utc::now().date_naive())?;
    let sealed = seal(state, &form)?;
    if queries::exists_for_person(&state.db, reg.exam_plan_id, &sealed.id_hash, id).await? {
        return Err(ApiError::conflict(
            Some("id_number"),
            "该证件号已报名本计划",
            "This ID number is already registered for this plan",
        ));
    }
    let verdict = realname(
        state,
        &plan,
        &form.name,
        &form.id_type,
        &form.id_number,
        &mut warnings,
    )
    .await?;
    let w = serde_json::to_string(&warnings).map_err(anyhow::Error::from)?;
    queries::resubmit(&state.db, id, &fields(&form, &sealed, verdict, &w)).await?;
    let snap = snapshot(&form, &sealed, verdict, &warnings);
    queries::add_event(&state.db, id, Some(user.account_id), "resubmit", &snap).await?;
    audit::record(
        &state.db,
        Some(user),
        "registration.resubmit",
        "registration",
        Some(&id.to_string()),
        serde_json::json!({"before_status": reg.status, "realname": verdict.as_str()}),
    )
    .await?;
    Ok(())
}

/// The personal data of a candidate's newest registration, in clear: what a second
/// registration starts from (the candidate may still change any of it).
pub async fn profile(
    state: &AppState,
    account_id: i64,
) -> ApiResult<Option<(i64, RegistrationForm)>> {
    let Some(r) = queries::for_account(&state.db, account_id)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let v = Vault::for_data_dir(&state.settings.data_dir)?;
    Ok(Some((
        r.registration_id,
        RegistrationForm {
            name: r.name,
            gender: r.gender,
            id_type: r.id_type,
            id_number: v.open(&r.id_number_enc)?,
            birth_date: r.birth_date,
            phone: v.open(&r.phone_enc)?,
            education: r.education,
            work_unit: r.work_unit,
            years_in_occupation: r.years_in_occupation,
            declared_level: r.declared_level,
        },
    )))
}

/// A signed-in candidate registers for another plan: the same checks as a first
/// registration, on the same account (the account's sign-in name stays as it is). The
/// current photo and materials of the newest earlier registration come along, so the
/// candidate only replaces what changed.
pub async fn register_again(
    state: &AppState,
    account_id: i64,
    actor: Option<&AuthUser>,
    plan_id: i64,
    mut form: RegistrationForm,
    consent: bool,
) -> ApiResult<i64> {
    let plan = crate::plan::queries::plan(&state.db, plan_id)
        .await?
        .ok_or(ApiError::NotFound("plan"))?;
    check_window(&plan)?;
    form.normalize();
    let mut warnings = form.validate(&plan, chrono::Utc::now().date_naive())?;
    if !consent {
        return Err(ApiError::invalid_code(
            "consent",
            "consent_required",
            "须阅读并同意个人信息处理说明",
            "You must agree to the personal-information notice",
        ));
    }
    let sealed = seal(state, &form)?;
    if queries::exists_for_person(&state.db, plan_id, &sealed.id_hash, 0).await? {
        return Err(ApiError::conflict(
            Some("id_number"),
            "该证件号已报名本计划",
            "This ID number is already registered for this plan",
        ));
    }
    let previous = queries::for_account(&state.db, account_id)
        .await?
        .into_iter()
        .next();
    let verdict = realname(
        state,
        &plan,
        &form.name,
        &form.id_type,
        &form.id_number,
        &mut warnings,
    )
    .await?;
    let w = serde_json::to_string(&warnings).map_err(anyhow::Error::from)?;
    let id = queries::insert(
        &state.db,
        plan_id,
        account_id,
        &fields(&form, &sealed, verdict, &w),
        CONSENT_TEXT,
    )
    .await?;
    let copied = match &previous {
        Some(p) => queries::copy_current_files(&state.db, p.registration_id, id).await?,
        None => 0,
    };
    let mut snap = snapshot(&form, &sealed, verdict, &warnings);
    snap["files_from_registration"] =
        serde_json::json!(previous.as_ref().map(|p| p.registration_id));
    queries::add_event(&state.db, id, Some(account_id), "submit", &snap).await?;
    audit::record(
        &state.db,
        actor,
        "registration.submit",
        "registration",
        Some(&id.to_string()),
        serde_json::json!({"account": account_id, "plan": plan_id, "realname": verdict.as_str(),
            "consent_at": crate::db::now(), "files_copied": copied}),
    )
    .await?;
    Ok(id)
}
