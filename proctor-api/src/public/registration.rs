//! The no-JavaScript registration: a plain HTML form per plan (multipart POST → 303
//! redirect), the list of plans open for registration, and the public notice (公示) of
//! approved candidates with masked ID numbers, searchable by name and printable.

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use super::html::{escape, layout};
use crate::error::{ApiError, ApiResult};
use crate::plan;
use crate::registration::files::{self, Kind};
use crate::registration::service::{self, CONSENT_TEXT, RegistrationForm};
use crate::state::AppState;

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/register", get(open_plans))
        .route(
            "/register/{id}",
            get(form_page).post(submit).layer(DefaultBodyLimit::max(
                Kind::ALL.len() * files::MAX_BYTES + 256 * 1024,
            )),
        )
        .route("/register/{id}/done", get(done_page))
        .merge(super::returning::router())
        .route("/notice/{id}", get(notice))
}

pub(super) async fn org_name(state: &AppState) -> ApiResult<String> {
    let n = crate::org::queries::get(&state.db).await?.fields.name;
    Ok(if n.is_empty() {
        "职业技能等级认定考务服务平台".to_owned()
    } else {
        n
    })
}

async fn open_plans(State(state): State<AppState>) -> ApiResult<Html<String>> {
    let mut items = String::new();
    for p in plan::queries::plans(&state.db, Some("open")).await? {
        items.push_str(&format!(
            "<li><a href=\"/register/{id}\">{title}</a> — {occ}（{level}） <a href=\"/notice/{id}\">公示 / Notice</a></li>",
            id = p.exam_plan_id,
            title = escape(&p.title),
            occ = escape(&p.occupation_name),
            level = plan::level_name(p.level).0,
        ));
    }
    if items.is_empty() {
        items = "<li>目前没有开放报名的评价计划 / No plan is open for registration</li>".into();
    }
    let body = format!(
        "<section class=\"card\"><h1>在线报名 <small>Registration</small></h1><ul class=\"links\">{items}</ul></section>"
    );
    Ok(Html(layout(&org_name(&state).await?, &body)))
}

#[derive(Default)]
pub(super) struct Entered {
    pub(super) form: Vec<(String, String)>,
}

impl Entered {
    pub(super) fn get(&self, k: &str) -> &str {
        self.form
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

fn field(name: &str, zh: &str, en: &str, kind: &str, e: &Entered, extra: &str) -> String {
    format!(
        "<label for=\"{name}\">{zh} <small>{en}</small></label><input id=\"{name}\" name=\"{name}\" type=\"{kind}\" value=\"{v}\" {extra}>",
        v = if kind == "password" {
            String::new()
        } else {
            escape(e.get(name))
        }
    )
}

fn select(name: &str, zh: &str, en: &str, options: &[(&str, &str)], e: &Entered) -> String {
    let opts: String = options
        .iter()
        .map(|(v, label)| {
            format!(
                "<option value=\"{v}\"{}>{label}</option>",
                if e.get(name) == *v { " selected" } else { "" }
            )
        })
        .collect();
    format!(
        "<label for=\"{name}\">{zh} <small>{en}</small></label><select id=\"{name}\" name=\"{name}\">{opts}</select>"
    )
}

/// The registration form; with a `grant` (a signed-in returning candidate, see
/// `returning.rs`) it posts to the returning route, asks for no password and takes the
/// earlier photo and materials unless new ones are chosen.
pub(super) async fn render_form(
    state: &AppState,
    id: i64,
    e: &Entered,
    error: Option<&ApiError>,
    grant: Option<&str>,
) -> ApiResult<String> {
    let p = plan::queries::plan(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("plan"))?;
    let org = crate::org::queries::get(&state.db).await?.fields;
    let (lz, le) = plan::level_name(p.level);
    let err = error
        .map(|err| {
            let b = err.body();
            format!(
                "<p id=\"form-error\" class=\"card\" style=\"border-left:4px solid #d92d20\">{} <small>{}</small>{}</p>",
                escape(&b.message.zh),
                escape(&b.message.en),
                b.field.map(|f| format!(" <small>({})</small>", escape(&f))).unwrap_or_default()
            )
        })
        .unwrap_or_default();
    let level = p.level.to_string();
    let docs: String = plan::queries::documents(&state.db, id)
        .await?
        .into_iter()
        .map(|d| {
            format!(
                "<li><a href=\"/api/plans/{id}/documents/{}\">{}</a></li>",
                d.plan_document_id,
                escape(&d.title)
            )
        })
        .collect();
    let docs = if docs.is_empty() {
        String::new()
    } else {
        format!(
            "<section class=\"card\"><h2>考试文件 <small>Documents</small></h2><ul class=\"links\" id=\"documents\">{docs}</ul></section>"
        )
    };
    let files: String = Kind::ALL
        .iter()
        .map(|k| {
            format!(
                "<label for=\"file-{k}\">{zh}{req} <small>{k}</small></label><input id=\"file-{k}\" name=\"{k}\" type=\"file\" accept=\"{acc}\">",
                k = k.as_str(),
                zh = k.zh(),
                req = if grant.is_some() { "（不选则沿用上次）" } else if *k == Kind::Photo { "（必传）" } else { "" },
                acc = if *k == Kind::Photo { "image/jpeg,image/png" } else { "image/jpeg,image/png,application/pdf" },
            )
        })
        .collect();
    let (action, account_note, password) = match grant {
        Some(g) => (
            format!("/register/{id}/returning"),
            "<p id=\"returning-note\">已按您上次报名的信息填写，可修改后提交。 <small>Filled in from your last registration; change anything before submitting.</small></p>".to_owned(),
            format!("<input type=\"hidden\" name=\"grant\" value=\"{}\">", escape(g)),
        ),
        None => (
            format!("/register/{id}"),
            format!("<p id=\"returning-link\"><a href=\"/register/{id}/returning\">已有账号？登录后报名，自动填写个人信息</a> <small>Registered before? Sign in and your details are filled in.</small></p>"),
            field(
                "password",
                "设置登录密码（至少 10 位，含字母和数字）",
                "Password (10+ letters and digits)",
                "password",
                e,
                "required",
            ),
        ),
    };
    let body = format!(
        "<section class=\"card\"><h1>{title}</h1><p>{occ_code} {occ}（{lz} / {le}）</p>\
         <p><small>报名时间 Registration: {opens} – {closes}</small></p>\
         <p><small>{org_name} {org_phone}</small></p></section>{docs}{err}\
         <form class=\"card\" method=\"post\" action=\"{action}\" enctype=\"multipart/form-data\">{account_note}\
         {name}{gender}{id_type}{id_number}{birth}{phone}{edu}{unit}{years}\
         <input type=\"hidden\" name=\"declared_level\" value=\"{level}\">{password}\
         <h2>材料上传 <small>Photo and materials (JPEG/PNG/PDF, ≤ 10 MB)</small></h2>{files}\
         <h2>个人信息处理说明 <small>Personal information</small></h2><p id=\"consent-text\">{consent}</p>\
         <label><input type=\"checkbox\" name=\"consent\" value=\"yes\" style=\"width:auto\"> 我已阅读并同意 / I agree</label>\
         <p><button type=\"submit\">提交报名 / Submit</button></p></form>",
        title = escape(&p.title),
        occ_code = escape(&p.occupation_code),
        occ = escape(&p.occupation_name),
        opens = escape(&p.registration_opens_at),
        closes = escape(&p.registration_closes_at),
        org_name = escape(&org.name),
        org_phone = escape(&org.contact_phone),
        name = field(
            "name",
            "姓名",
            "Name",
            "text",
            e,
            "required maxlength=\"50\""
        ),
        gender = select(
            "gender",
            "性别",
            "Gender",
            &[("male", "男 Male"), ("female", "女 Female")],
            e
        ),
        id_type = select(
            "id_type",
            "证件类型",
            "ID type",
            &[
                ("resident_id", "居民身份证 Resident ID"),
                ("hmt_permit", "港澳台居民居住证/通行证"),
                ("passport", "护照 Passport")
            ],
            e
        ),
        id_number = field(
            "id_number",
            "证件号码",
            "ID number",
            "text",
            e,
            "required maxlength=\"30\""
        ),
        birth = field(
            "birth_date",
            "出生日期",
            "Birth date",
            "date",
            e,
            "required"
        ),
        phone = field(
            "phone",
            "手机号码（登录账号）",
            "Mobile (sign-in name)",
            "tel",
            e,
            "required maxlength=\"11\""
        ),
        edu = field("education", "学历", "Education", "text", e, "required"),
        unit = field("work_unit", "工作单位", "Work unit", "text", e, "required"),
        years = field(
            "years_in_occupation",
            "从事本职业年限",
            "Years in the occupation",
            "number",
            e,
            "required min=\"0\" max=\"60\""
        ),
        consent = escape(CONSENT_TEXT),
    );
    Ok(layout(&org_name(state).await?, &body))
}

async fn form_page(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Html<String>> {
    Ok(Html(
        render_form(&state, id, &Entered::default(), None, None).await?,
    ))
}

/// The fields and the non-empty uploads of a submitted plain-HTML registration form.
pub(super) async fn read_submission(mp: &mut Multipart) -> ApiResult<(Entered, Vec<(Kind, Vec<u8>)>)> {
    let mut e = Entered::default();
    let mut uploads: Vec<(Kind, Vec<u8>)> = Vec::new();
    let read_err = |_| {
        ApiError::invalid(
            "file",
            "无法读取提交内容（文件过大？）",
            "The submission could not be read (file too large?)",
        )
    };
    while let Some(f) = mp.next_field().await.map_err(read_err)? {
        let name = f.name().unwrap_or("").to_owned();
        if let Some(kind) = Kind::parse(&name) {
            let bytes = f.bytes().await.map_err(read_err)?;
            if !bytes.is_empty() {
                uploads.push((kind, bytes.to_vec()));
            }
        } else {
            let v = f.text().await.map_err(read_err)?;
            e.form.push((name, v));
        }
    }
    Ok((e, uploads))
}

async fn submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    mut mp: Multipart,
) -> ApiResult<Response> {
    let (e, uploads) = read_submission(&mut mp).await?;
    let outcome = async {
        for (kind, bytes) in &uploads {
            files::inspect(*kind, bytes)
                .map_err(|r| ApiError::invalid_code(kind.as_str(), r.code(), r.zh(), r.en()))?;
        }
        if !uploads.iter().any(|(k, _)| *k == Kind::Photo) {
            return Err(ApiError::invalid_code(
                "photo",
                "required",
                "请上传证件照",
                "Upload a portrait photo",
            ));
        }
        let form = form_of(&e)?;
        let done = service::register(
            &state,
            id,
            form,
            e.get("password"),
            e.get("consent") == "yes",
        )
        .await?;
        for (kind, bytes) in &uploads {
            crate::registration::store_upload(
                &state,
                done.account.account_id,
                done.registration_id,
                *kind,
                bytes,
            )
            .await?;
        }
        Ok(done)
    }
    .await;
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/register/{id}/done")).into_response()),
        Err(err) if err.status().is_client_error() && !matches!(err, ApiError::NotFound(_)) => {
            let page = render_form(&state, id, &e, Some(&err), None).await?;
            Ok((err.status(), Html(page)).into_response())
        }
        Err(err) => Err(err),
    }
}

/// The typed form out of the posted fields.
pub(super) fn form_of(e: &Entered) -> ApiResult<RegistrationForm> {
    let num = |k: &str| {
        e.get(k)
            .trim()
            .parse::<i64>()
            .map_err(|_| ApiError::invalid(k, "须为整数", "Must be a whole number"))
    };
    Ok(RegistrationForm {
        name: e.get("name").to_owned(),
        gender: e.get("gender").to_owned(),
        id_type: e.get("id_type").to_owned(),
        id_number: e.get("id_number").to_owned(),
        birth_date: e.get("birth_date").to_owned(),
        phone: e.get("phone").to_owned(),
        education: e.get("education").to_owned(),
        work_unit: e.get("work_unit").to_owned(),
        years_in_occupation: num("years_in_occupation")?,
        declared_level: num("declared_level")?,
    })
}

pub(super) async fn done_page(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<Html<String>> {
    let p = plan::queries::plan(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("plan"))?;
    let body = format!(
        "<section class=\"card\"><h1 id=\"registered\">报名已提交 <small>Registration submitted</small></h1>\
         <p>{title}</p><p>请使用手机号和设置的密码<a href=\"/app/\">登录</a>查看审核结果、修改材料和下载准考证。</p>\
         <p><small>Sign in at <a href=\"/app/\">/app/</a> with your phone number and password to follow the review, \
         correct your materials and download the admission ticket.</small></p></section>",
        title = escape(&p.title)
    );
    Ok(Html(layout(&org_name(&state).await?, &body)))
}

#[derive(Deserialize)]
struct NoticeQuery {
    q: Option<String>,
}

async fn notice(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> ApiResult<Response> {
    let p = plan::queries::plan(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("plan"))?;
    let query =
        q.q.unwrap_or_default()
            .trim()
            .chars()
            .take(50)
            .collect::<String>();
    let rows = crate::registration::queries::approved_matching(&state.db, id, &query).await?;
    let mut table = String::new();
    for (i, r) in rows.iter().enumerate() {
        table.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            i + 1,
            escape(&r.name),
            if r.gender == "male" { "男" } else { "女" },
            escape(&r.id_number_masked),
            plan::level_name(r.declared_level).0,
        ));
    }
    if rows.is_empty() {
        table = "<tr><td colspan=\"5\">暂无记录 / No entries</td></tr>".into();
    }
    let body = format!(
        "<section class=\"card\"><h1>审核通过人员公示 <small>Public notice of approved candidates</small></h1>\
         <p>{title} · {occ}（{level}）</p>\
         <form method=\"get\" action=\"/notice/{id}\"><label for=\"q\">按姓名查询 <small>Search by name</small></label>\
         <input id=\"q\" name=\"q\" value=\"{qv}\"> <button type=\"submit\">查询 / Search</button></form>\
         <p><small>打印请使用浏览器的打印功能 / Use the browser's print command to print this notice.</small></p>\
         <table class=\"profile\" id=\"notice\"><tr><th>序号</th><th>姓名 Name</th><th>性别</th><th>证件号码 ID no.</th><th>等级 Level</th></tr>{table}</table>\
         <p><small>共 {n} 人 / {n} candidate(s)</small></p></section>",
        title = escape(&p.title),
        occ = escape(&p.occupation_name),
        level = plan::level_name(p.level).0,
        qv = escape(&query),
        n = rows.len(),
    );
    Ok((
        StatusCode::OK,
        Html(layout(&org_name(&state).await?, &body)),
    )
        .into_response())
}
