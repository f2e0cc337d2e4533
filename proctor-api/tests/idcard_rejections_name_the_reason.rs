//! ID numbers with a wrong check digit, an impossible date, or a birth date that contradicts
//! the form are refused at registration with the reason and the field named; nothing is
//! stored for them.

mod common;
mod registration_support;

use common::TestServer;
use registration_support::*;
use serde_json::{Value, json};

#[tokio::test]
async fn bad_id_numbers_are_refused_with_the_reason() {
    let srv = TestServer::start(None).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.staff", "staff").await;
    let plan = open_plan(&srv, &staff, "GZ-DG-01", "warn").await;

    let good = id_number("52010219900315001");
    let mut wrong_check = good.clone();
    let last = wrong_check.pop().unwrap();
    wrong_check.push(if last == '0' { '1' } else { '0' });
    let impossible = id_number("52010219900230001");
    let cases = [
        (
            wrong_check.as_str(),
            "1990-03-15",
            "id_check_digit",
            "校验位",
        ),
        (
            impossible.as_str(),
            "1990-02-28",
            "id_birth_date",
            "出生日期无效",
        ),
        (
            good.as_str(),
            "1990-03-16",
            "id_birth_date_mismatch",
            "1990-03-15",
        ),
        ("99010219900315001X", "1990-03-15", "id_region", "地区码"),
        ("5201021990031500", "1990-03-15", "id_length", "18 位"),
    ];
    for (i, (id, birth, code, zh_part)) in cases.iter().enumerate() {
        let r = register(
            &srv,
            plan,
            form("张三", id, birth, &format!("1390000000{i}"), json!({})),
        )
        .await;
        assert_eq!(r.status(), 400, "{id}");
        let b: Value = r.json().await.unwrap();
        assert_eq!(
            (b["code"].as_str(), b["field"].as_str()),
            (Some(*code), Some("id_number")),
            "{id}: {b}"
        );
        assert!(
            b["message"]["zh"].as_str().unwrap().contains(zh_part),
            "{b}"
        );
        assert!(!b["message"]["en"].as_str().unwrap().is_empty());
    }

    // Too young for level 3 (三级 needs 20): born 2010.
    let young = id_number("52010220100101001");
    let r = register(
        &srv,
        plan,
        form("李四", &young, "2010-01-01", "13900000009", json!({})),
    )
    .await;
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["code"], "id_age_for_level", "{b}");

    // Nothing was stored, and the phone numbers are still free.
    let list: Value = get(&srv, &staff, &format!("/api/plans/{plan}/registrations"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 0);
    let (_, _) = register_ok(
        &srv,
        plan,
        form("张三", &good, "1990-03-15", "13900000000", json!({})),
    )
    .await;
    srv.stop().await;
}
