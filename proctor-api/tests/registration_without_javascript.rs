//! The same registration through the server-rendered form with no script: a multipart POST
//! with the photo, answered by a 303 to the confirmation page; a mistake re-renders the form
//! with the reason and the values entered (never the password).

mod common;
mod registration_support;

use common::TestServer;
use registration_support::*;
use serde_json::Value;

fn html_form(
    level: &str,
    id: &str,
    birth: &str,
    with_photo: bool,
    consent: bool,
) -> reqwest::multipart::Form {
    let mut f = reqwest::multipart::Form::new()
        .text("name", "周八")
        .text("gender", "female")
        .text("id_type", "resident_id")
        .text("id_number", id.to_owned())
        .text("birth_date", birth.to_owned())
        .text("phone", "13711112222")
        .text("education", "中专")
        .text("work_unit", "遵义市某机电公司")
        .text("years_in_occupation", "8")
        .text("declared_level", level.to_owned())
        .text("password", "Candidate-2026");
    if consent {
        f = f.text("consent", "yes");
    }
    if with_photo {
        f = f.part(
            "photo",
            reqwest::multipart::Part::bytes(photo_png()).file_name("photo.png"),
        );
    }
    f.part(
        "diploma",
        reqwest::multipart::Part::bytes(b"%PDF-1.4 diploma".to_vec()).file_name("d.pdf"),
    )
}

#[tokio::test]
async fn plain_html_form_registers_with_photo() {
    let srv = TestServer::start(None).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.staff", "staff").await;
    let plan = open_plan(&srv, &staff, "NOJS-01", "warn").await;
    let id = id_number("52030219850808004");
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // The list of open plans and the form are plain HTML without script.
    let list = srv
        .client
        .get(srv.url("/register"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains(&format!("/register/{plan}")));
    let page = srv
        .client
        .get(srv.url(&format!("/register/{plan}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("enctype=\"multipart/form-data\"")
            && page.contains("name=\"id_number\"")
            && page.contains("id=\"consent-text\"")
    );
    assert!(!page.contains("<script"));

    // Mistakes: the form comes back with the reason and what was typed.
    let r = no_redirect
        .post(srv.url(&format!("/register/{plan}")))
        .multipart(html_form("3", &id, "1985-08-09", true, true))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("id=\"form-error\"") && page.contains("出生日期与身份证号不符"),
        "{page}"
    );
    assert!(page.contains("value=\"周八\"") && !page.contains("Candidate-2026"));
    let r = no_redirect
        .post(srv.url(&format!("/register/{plan}")))
        .multipart(html_form("3", &id, "1985-08-08", false, true))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("请上传证件照"));
    let r = no_redirect
        .post(srv.url(&format!("/register/{plan}")))
        .multipart(html_form("3", &id, "1985-08-08", true, false))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("须阅读并同意"));

    // Correct: 303 to the confirmation page.
    let r = no_redirect
        .post(srv.url(&format!("/register/{plan}")))
        .multipart(html_form("3", &id, "1985-08-08", true, true))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(to, format!("/register/{plan}/done"));
    let done = srv
        .client
        .get(srv.url(&to))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(done.contains("id=\"registered\""));

    // The registration, photo and diploma are there for the candidate and staff.
    let token = srv
        .login("13711112222", "Candidate-2026")
        .await
        .json::<Value>()
        .await
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mine: Value = get(&srv, &token, "/api/me/registrations")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine[0]["name"], "周八");
    assert_eq!(mine[0]["gender"], "female");
    let kinds: Vec<_> = mine[0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["diploma", "photo"]);
    let staff_list: Value = get(&srv, &staff, &format!("/api/plans/{plan}/registrations"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(staff_list.as_array().unwrap().len(), 1);
    srv.stop().await;
}
