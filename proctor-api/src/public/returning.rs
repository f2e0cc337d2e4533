//! A second registration without JavaScript, for a candidate who registered before: sign
//! in with phone number and password on a plain form, get the registration form filled in
//! from the newest earlier registration (every field still editable), submit. Without
//! script there is no bearer token to keep, so signing in yields a *grant*: an HMAC over
//! (account, plan, expiry) under the installation's key, carried in a hidden field. It lets
//! its holder do one thing — register that account for that plan — for 30 minutes.
//!
//! The credential check is the sign-in's: the per-address throttle, the account lock after
//! repeated wrong passwords, the same answer for an unknown name as for a wrong password.

use std::time::Instant;

use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::html::{escape, layout};
use super::registration::{Entered, form_of, org_name, read_submission, render_form};
use crate::auth::{ClientIp, password, queries as auth_queries};
use crate::error::{ApiError, ApiResult};
use crate::plan;
use crate::registration::files::{self, Kind};
use crate::registration::service;
use crate::state::AppState;

/// How long a grant stays good.
const GRANT_SECS: i64 = 30 * 60;

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route(
        "/register/{id}/returning",
        get(sign_in_page).post(post).layer(DefaultBodyLimit::max(
            Kind::ALL.len() * files::MAX_BYTES + 256 * 1024,
        )),
    )
}

fn mac(state: &AppState, account: i64, plan: i64, exp: i64) -> Hmac<Sha256> {
    let mut m = Hmac::<Sha256>::new_from_slice(state.signing_key.as_slice())
        .expect("HMAC takes any key length");
    m.update(format!("registration-grant\n{account}\n{plan}\n{exp}").as_bytes());
    m
}

/// `account.exp.signature`, bound to one plan.
pub fn grant(state: &AppState, account: i64, plan: i64, now: i64) -> String {
    let exp = now + GRANT_SECS;
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(mac(state, account, plan, exp).finalize().into_bytes());
    format!("{account}.{exp}.{sig}")
}

/// The account a grant speaks for, if it is genuine, for this plan and not expired.
pub fn check_grant(state: &AppState, g: &str, plan: i64, now: i64) -> Option<i64> {
    let mut parts = g.splitn(3, '.');
    let account: i64 = parts.next()?.parse().ok()?;
    let exp: i64 = parts.next()?.parse().ok()?;
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parts.next()?)
        .ok()?;
    mac(state, account, plan, exp).verify_slice(&sig).ok()?;
    (now <= exp).then_some(account)
}

async fn sign_in_page(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Response> {
    page(&state, id, "", None).await
}

async fn page(
    state: &AppState,
    id: i64,
    username: &str,
    error: Option<&ApiError>,
) -> ApiResult<Response> {
    let p = plan::queries::plan(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("plan"))?;
    let err = error
        .map(|e| {
            let b = e.body();
            format!(
                "<p id=\"form-error\" class=\"card\" style=\"border-left:4px solid #d92d20\">{} <small>{}</small></p>",
                escape(&b.message.zh),
                escape(&b.message.en)
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<section class=\"card\"><h1>{title}</h1><p>已报名过其他评价计划的考生，登录后个人信息将自动填写。\
         <small>Registered for another plan before? Sign in and your details are filled in.</small></p></section>{err}\
         <form class=\"card\" method=\"post\" action=\"/register/{id}/returning\" enctype=\"multipart/form-data\">\
         <label for=\"username\">手机号码 <small>Mobile (sign-in name)</small></label>\
         <input id=\"username\" name=\"username\" type=\"tel\" value=\"{user}\" required maxlength=\"11\">\
         <label for=\"password\">密码 <small>Password</small></label>\
         <input id=\"password\" name=\"password\" type=\"password\" required>\
         <p><button type=\"submit\">登录并继续 / Sign in and continue</button></p>\
         <p><a href=\"/register/{id}\">首次报名 / First registration</a></p></form>",
        title = escape(&p.title),
        user = escape(username),
    );
    let status = error
        .map(ApiError::status)
        .unwrap_or(axum::http::StatusCode::OK);
    Ok((
        status,
        no_store(),
        Html(layout(&org_name(state).await?, &body)),
    )
        .into_response())
}

/// Pages holding a grant or personal data are not kept by the browser's cache.
fn no_store() -> [(header::HeaderName, &'static str); 1] {
    [(header::CACHE_CONTROL, "no-store")]
}

/// The sign-in's checks, for a candidate account: `Ok(account)` or the sign-in's error.
async fn verify(
    state: &AppState,
    ip: Option<std::net::IpAddr>,
    username: &str,
    pw: &str,
) -> ApiResult<i64> {
    let now = Instant::now();
    if let Some(ip) = ip
        && let Some(secs) = state.login_throttle.blocked_for(ip, now)
    {
        return Err(ApiError::TooManyAttempts {
            retry_after_secs: secs,
        });
    }
    let fail = |state: &AppState| {
        if let Some(ip) = ip {
            state.login_throttle.record_failure(ip, now);
        }
        ApiError::BadCredentials { field: None }
    };
    let Some(acc) = auth_queries::account_by_username(&state.db, username.trim()).await? else {
        let pw = pw.to_owned();
        let _ = tokio::task::spawn_blocking(move || password::verify(&pw, password::decoy_hash()))
            .await;
        return Err(fail(state));
    };
    if let Some(until) = acc
        .locked_until
        .as_deref()
        .filter(|u| *u > crate::db::now().as_str())
    {
        let secs = chrono::DateTime::parse_from_rfc3339(until)
            .map(|t| (t.timestamp() - chrono::Utc::now().timestamp()).max(1) as u64)
            .unwrap_or(60);
        return Err(ApiError::TooManyAttempts {
            retry_after_secs: secs,
        });
    }
    let (p, hash) = (pw.to_owned(), acc.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || password::verify(&p, &hash))
        .await
        .map_err(|e| anyhow::anyhow!("verify task: {e}"))?;
    if !ok {
        let lock_until = crate::db::to_text(
            chrono::Utc::now()
                + chrono::Duration::minutes(i64::from(state.settings.lockout_minutes)),
        );
        auth_queries::record_failed_login(
            &state.db,
            acc.account_id,
            i64::from(state.settings.max_failed_logins),
            &lock_until,
        )
        .await?;
        return Err(fail(state));
    }
    if acc.disabled != 0 || acc.role != crate::auth::Role::Candidate.as_str() {
        // Only candidates register; other accounts get the wrong-password answer.
        return Err(ApiError::BadCredentials { field: None });
    }
    auth_queries::clear_failed_logins(&state.db, acc.account_id).await?;
    if let Some(ip) = ip {
        state.login_throttle.record_success(ip);
    }
    Ok(acc.account_id)
}

/// The personal data of the newest registration as posted fields, to fill the form.
async fn prefilled(state: &AppState, account: i64) -> ApiResult<Entered> {
    let mut e = Entered::default();
    if let Some((_, f)) = service::profile(state, account).await? {
        for (k, v) in [
            ("name", f.name),
            ("gender", f.gender),
            ("id_type", f.id_type),
            ("id_number", f.id_number),
            ("birth_date", f.birth_date),
            ("phone", f.phone),
            ("education", f.education),
            ("work_unit", f.work_unit),
            ("years_in_occupation", f.years_in_occupation.to_string()),
        ] {
            e.form.push((k.to_owned(), v));
        }
    }
    Ok(e)
}

/// One route, two steps: without a `grant` field it is the sign-in, with one the
/// registration itself.
async fn post(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    mut mp: Multipart,
) -> ApiResult<Response> {
    plan::queries::plan(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("plan"))?;
    let (e, uploads) = read_submission(&mut mp).await?;
    let now = chrono::Utc::now().timestamp();
    let g = e.get("grant").to_owned();
    if g.is_empty() {
        let username = e.get("username").to_owned();
        return match verify(&state, ip, &username, e.get("password")).await {
            Ok(account) => {
                let filled = prefilled(&state, account).await?;
                let html = render_form(
                    &state,
                    id,
                    &filled,
                    None,
                    Some(&grant(&state, account, id, now)),
                )
                .await?;
                Ok((no_store(), Html(html)).into_response())
            }
            Err(err) if err.status().is_client_error() => {
                page(&state, id, &username, Some(&err)).await
            }
            Err(err) => Err(err),
        };
    }
    let Some(account) = check_grant(&state, &g, id, now) else {
        let err = ApiError::invalid_code(
            "grant",
            "grant_expired",
            "登录已过期，请重新登录",
            "The sign-in has expired; sign in again",
        );
        return page(&state, id, "", Some(&err)).await;
    };
    let outcome: ApiResult<i64> = async {
        for (kind, bytes) in &uploads {
            files::inspect(*kind, bytes)
                .map_err(|r| ApiError::invalid_code(kind.as_str(), r.code(), r.zh(), r.en()))?;
        }
        let form = form_of(&e)?;
        let reg =
            service::register_again(&state, account, None, id, form, e.get("consent") == "yes")
                .await?;
        for (kind, bytes) in &uploads {
            crate::registration::store_upload(&state, account, reg, *kind, bytes).await?;
        }
        Ok(reg)
    }
    .await;
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/register/{id}/done")).into_response()),
        Err(err) if err.status().is_client_error() && !matches!(err, ApiError::NotFound(_)) => {
            let html = render_form(&state, id, &e, Some(&err), Some(&g)).await?;
            Ok((err.status(), no_store(), Html(html)).into_response())
        }
        Err(err) => Err(err),
    }
}
