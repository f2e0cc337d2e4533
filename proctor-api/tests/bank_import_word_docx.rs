//! A Word bank in the usual layout (section headings, `1.` numbering — also full-width
//! `１．` —, `A.` options, `答案：` lines, optional 分值/难度/鉴定点/评分标准) imports with its
//! types, answers and rubrics; a broken question is reported by paragraph and field.

#[path = "fixtures/bank/client.rs"]
mod client;
mod common;
#[path = "fixtures/bank/files.rs"]
mod files;

use client::*;
use common::TestServer;
use serde_json::json;

#[tokio::test]
async fn word_bank_imports_with_types_answers_and_rubrics() {
    let srv = TestServer::start(None).await;
    let (_, staff) = staff(&srv).await;
    let bank = create_bank(&srv, &staff, "6-31-01-03", "theory").await;

    let done = import_clean(&srv, &staff, bank, files::docx(&files::word_bank(10))).await;
    assert_eq!(
        (done["format"].as_str(), done["created_count"].as_i64()),
        (Some("docx"), Some(60))
    );
    let items = all_items(&srv, &staff, bank).await;
    let of = |t: &str| {
        items
            .iter()
            .filter(|i| i["body"]["item_type"] == t)
            .map(|i| &i["body"])
            .collect::<Vec<_>>()
    };
    for t in [
        "single",
        "multiple",
        "true_false",
        "fill_blank",
        "short_answer",
        "calculation",
    ] {
        assert_eq!(of(t).len(), 10, "{t}");
    }
    let single = of("single")[0];
    assert_eq!(
        (
            single["answer"].clone(),
            single["options"].as_array().unwrap().len(),
            single["score_centi"].as_i64()
        ),
        (json!(["D"]), 4, Some(100))
    );
    assert_eq!(single["knowledge_point"], "1.1.1");
    let multiple = of("multiple")[0];
    assert_eq!(
        (
            multiple["answer"].clone(),
            multiple["score_centi"].as_i64(),
            multiple["difficulty"].as_i64()
        ),
        (json!(["A", "B", "C"]), Some(200), Some(4))
    );
    assert!(
        of("true_false")
            .iter()
            .all(|b| b["answer"] == json!(["false"]))
    );
    assert_eq!(of("fill_blank")[0]["blanks"], json!([["50", "五十"]]));
    let short = of("short_answer")[0];
    assert_eq!(
        short["rubric"],
        json!([{"points_centi": 300, "description": "说明作用"}, {"points_centi": 200, "description": "举例正确"}])
    );
    assert_eq!(short["score_centi"], 500);
    assert_eq!(
        of("calculation")[0]["numeric"],
        json!({"value": 20.0, "tolerance": 0.5, "unit": "V"})
    );

    // Errors name the paragraph (counted from 1) and the field.
    let broken = vec![
        "一、单项选择题".to_owned(),
        "1. 没有答案的题".into(),
        "A. 甲".into(),
        "B. 乙".into(),
        "2. 答案不在选项里".into(),
        "A. 甲".into(),
        "B. 乙".into(),
        "答案：E".into(),
    ];
    let (status, preview) = upload(&srv, &staff, bank, files::docx(&broken)).await;
    assert_eq!(status, 201);
    let errs: Vec<(u64, &str)> = preview["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["column_name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(errs, [(2, "答案"), (8, "答案")]);
    assert_eq!(preview["errors"][0]["zh"], "答案为空");
    srv.stop().await;
}
