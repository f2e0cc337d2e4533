//! A realistic 1,000-item Excel bank of every R7 type (merged title and type cells,
//! full-width characters, answers like `A、C`, `ＡＣ`, `√`, `×`, scores like `2分`,
//! difficulties like `较难`, case analyses with sub-question rows) previews without errors,
//! imports nothing until confirmed, then creates exactly its 1,000 items as written.

#[path = "fixtures/bank/client.rs"]
mod client;
mod common;
#[path = "fixtures/bank/files.rs"]
mod files;

use std::collections::BTreeMap;

use client::*;
use common::TestServer;
use serde_json::{Value, json};

#[tokio::test]
async fn thousand_item_excel_bank_imports_every_type_as_written() {
    let srv = TestServer::start(None).await;
    let (_, staff) = staff(&srv).await;
    let bank = create_bank(&srv, &staff, "6-31-01-03", "theory").await;

    let (status, preview) = upload(&srv, &staff, bank, files::realistic_xlsx(10)).await;
    assert_eq!(status, 201, "{preview}");
    assert_eq!(preview["errors"], json!([]));
    assert_eq!(
        (
            preview["valid_items"].as_u64(),
            preview["new_items"].as_u64(),
            preview["status"].as_str()
        ),
        (Some(1000), Some(1000), Some("preview"))
    );
    // Nothing exists before the confirmation.
    let (_, page) = get(&srv, &staff, &format!("/api/banks/{bank}/items")).await;
    assert_eq!(page["total"], 0);

    let (status, done) = confirm(&srv, &staff, preview["id"].as_i64().unwrap()).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        (done["status"].as_str(), done["created_count"].as_i64()),
        (Some("confirmed"), Some(1000))
    );

    let items = all_items(&srv, &staff, bank).await;
    assert_eq!(items.len(), 1000);
    let mut by_type: BTreeMap<String, usize> = BTreeMap::new();
    for it in &items {
        *by_type
            .entry(it["body"]["item_type"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let want: BTreeMap<String, usize> = [
        ("single", 300),
        ("multiple", 150),
        ("true_false", 150),
        ("fill_blank", 100),
        ("short_answer", 80),
        ("calculation", 80),
        ("essay", 40),
        ("flowchart", 30),
        ("case_analysis", 40),
        ("thesis", 30),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(by_type, want);

    let body = |n: usize| -> &Value {
        let stem = format!("第{n}题：");
        &items
            .iter()
            .find(|i| i["body"]["stem"].as_str().unwrap().starts_with(&stem))
            .unwrap()["body"]
    };
    // Item 1 (single, answer written "Ｂ").
    assert_eq!(body(1)["answer"], json!(["B"]));
    assert_eq!(body(1)["options"].as_array().unwrap().len(), 4);
    assert_eq!(body(1)["score_centi"], 100);
    // Items 30–33 are multiple choice: "A、C", "ＡＣ", "a,c,d", "B、D、E" by i % 4.
    assert_eq!(body(32)["answer"], json!(["A", "C"]));
    assert_eq!(body(33)["answer"], json!(["A", "C"]));
    assert_eq!(body(34)["answer"], json!(["A", "C", "D"]));
    assert_eq!(body(35)["answer"], json!(["B", "D", "E"]));
    assert_eq!(body(35)["score_centi"], 200, "2分");
    // True/false under one merged 题型 cell: 对 / 错 / √ / × by i % 4.
    assert_eq!(body(45)["item_type"], "true_false");
    assert_eq!(body(56)["answer"], json!(["true"]));
    assert_eq!(body(57)["answer"], json!(["false"]));
    assert_eq!(body(58)["answer"], json!(["true"]));
    assert_eq!(body(59)["answer"], json!(["false"]));
    // Difficulty in words: item 35 is difficulty (35/5)%5+1 = 3, written "中" (35 % 7 == 0).
    assert_eq!(body(35)["difficulty"], 3);
    assert_eq!(body(35)["knowledge_point"], "1.1.1");
    // Fill-in-the-blank: two blanks with alternatives, full-width separators.
    assert_eq!(body(60)["blanks"], json!([["欧姆", "Ω"], ["安培", "A"]]));
    // Calculation: value, tolerance, unit and working.
    let calc = body(80);
    assert_eq!(
        calc["numeric"],
        json!({"value": 12.5, "tolerance": 0.1, "unit": "kW"})
    );
    assert!(calc["reference_answer"].as_str().unwrap().contains("cosφ"));
    // Short answer rubric with points.
    assert_eq!(
        body(70)["rubric"][0],
        json!({"points_centi": 200, "description": "答出停电、验电"})
    );
    // Case analysis: three sub-questions, score = their sum, sub-questions inherit the
    // parent's difficulty and knowledge point.
    let case = body(93);
    assert_eq!(case["item_type"], "case_analysis");
    let subs = case["sub_questions"].as_array().unwrap();
    assert_eq!(
        subs.iter()
            .map(|s| s["item_type"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["single", "multiple", "short_answer"]
    );
    assert_eq!(case["score_centi"], 1000);
    assert_eq!(subs[1]["answer"], json!(["A", "B"]));
    assert_eq!(subs[0]["knowledge_point"], case["knowledge_point"]);

    // Statistics per knowledge point × difficulty add up to the bank.
    let (_, stats) = get(&srv, &staff, &format!("/api/banks/{bank}/stats")).await;
    let total: i64 = stats
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["items"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 1000);
    let kps: std::collections::BTreeSet<&str> = stats
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["knowledge_point"].as_str().unwrap())
        .collect();
    assert_eq!(
        kps.into_iter().collect::<Vec<_>>(),
        files::KNOWLEDGE_POINTS.to_vec()
    );

    // Search by type, knowledge point, difficulty and text.
    let (_, page) = get(
        &srv,
        &staff,
        &format!(
            "/api/banks/{bank}/items?item_type=single&knowledge_point=1.2.1&difficulty=2&limit=5"
        ),
    )
    .await;
    let n = page["total"].as_i64().unwrap();
    assert!(n > 0);
    for it in page["items"].as_array().unwrap() {
        assert_eq!(
            (
                it["body"]["item_type"].as_str(),
                it["body"]["knowledge_point"].as_str(),
                it["body"]["difficulty"].as_i64()
            ),
            (Some("single"), Some("1.2.1"), Some(2))
        );
    }
    let (_, page) = get(
        &srv,
        &staff,
        &format!("/api/banks/{bank}/items?q=%E7%94%B5%E6%B0%94%E7%81%AB%E7%81%BE"),
    )
    .await;
    assert_eq!(page["total"], 40, "论述题 stems mention 电气火灾");

    // Export gives back the template, and re-importing the export adds nothing.
    let r = srv
        .client
        .get(srv.url(&format!("/api/banks/{bank}/export")))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let exported = r.bytes().await.unwrap().to_vec();
    let (status, again) = upload(&srv, &staff, bank, exported).await;
    assert_eq!(status, 201);
    assert_eq!(again["errors"], json!([]));
    assert_eq!(
        (
            again["valid_items"].as_u64(),
            again["new_items"].as_u64(),
            again["already_in_bank"].as_u64()
        ),
        (Some(1000), Some(0), Some(1000))
    );
    srv.stop().await;
}
