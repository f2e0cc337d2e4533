//! Server-rendered public pages (T2): they must work as plain HTML with JavaScript off, in
//! old and embedded browsers, so they use no script at all. Chinese first, English beside it.

pub mod html;
pub mod registration;
pub mod returning;

use axum::extract::State;
use axum::response::Html;
use axum::routing::get;

use crate::error::ApiResult;
use crate::org;
use crate::state::AppState;
use html::{escape, layout};

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/", get(home))
        .merge(registration::router())
}

async fn home(State(state): State<AppState>) -> ApiResult<Html<String>> {
    let p = org::queries::get(&state.db).await?.fields;
    let name = if p.name.is_empty() {
        "职业技能等级认定考务服务平台".to_owned()
    } else {
        p.name.clone()
    };
    let row = |zh: &str, en: &str, v: &str| {
        if v.is_empty() {
            String::new()
        } else {
            format!(
                "<tr><th>{zh}<br><small>{en}</small></th><td>{}</td></tr>",
                escape(v)
            )
        }
    };
    let website = if p.website.is_empty() {
        String::new()
    } else {
        format!(
            "<tr><th>网站<br><small>Website</small></th><td><a href=\"{0}\" rel=\"noopener\">{0}</a></td></tr>",
            escape(&p.website)
        )
    };
    let intro: String = p
        .introduction
        .split('\n')
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("<p>{}</p>", escape(l)))
        .collect();
    let body = format!(
        "<section class=\"card\"><h1 id=\"org-name\">{name}</h1>\
         <p class=\"en\">Vocational skill level certification — exam services</p>\
         <table class=\"profile\">{acc}{addr}{phone}{email}{website}</table>\
         <div id=\"org-intro\" class=\"intro\">{intro}</div></section>\
         <section class=\"card\"><h2>服务入口 <small>Services</small></h2><ul class=\"links\">\
         <li><a href=\"/app/\">登录 / Sign in</a></li>\
         <li><a href=\"/api/docs\">接口文档 / API documentation</a></li></ul></section>",
        name = escape(&name),
        acc = row("评价机构备案编号", "Accreditation no.", &p.accreditation_no),
        addr = row("地址", "Address", &p.address),
        phone = row("联系电话", "Phone", &p.contact_phone),
        email = row("电子邮箱", "E-mail", &p.contact_email),
    );
    Ok(Html(layout(&name, &body)))
}
