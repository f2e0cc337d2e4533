//! Items of every R7 type through the JSON API: rules per type are enforced with the field
//! named, rich text is sanitised, an edit writes a new version while a paper keeps the
//! version it was assembled with, and retired items leave search and assembly.

#[path = "fixtures/bank/client.rs"]
mod client;
mod common;

use client::*;
use common::TestServer;
use serde_json::{Value, json};

fn every_type() -> Vec<Value> {
    let kp = "3.1.2";
    vec![
        json!({"item_type": "single", "stem": "<p>安全电压<sup>*</sup>是？</p>", "options": ["12V", "36V", "220V"], "answer": ["b"], "score_centi": 100, "difficulty": 1, "knowledge_point": kp}),
        json!({"item_type": "multiple", "stem": "绝缘用具有", "options": ["绝缘棒", "验电器", "扳手"], "answer": ["A", "B"], "score_centi": 200, "difficulty": 2, "knowledge_point": kp}),
        json!({"item_type": "true_false", "stem": "接地线可以用缠绕法连接。", "answer": ["false"], "score_centi": 100, "difficulty": 2, "knowledge_point": kp}),
        json!({"item_type": "fill_blank", "stem": "频率____Hz，周期____s", "blanks": [["50", "五十"], ["0.02"]], "score_centi": 200, "difficulty": 3, "knowledge_point": kp}),
        json!({"item_type": "short_answer", "stem": "简述接地的作用", "reference_answer": "防止触电", "rubric": [{"points_centi": 300, "description": "作用"}], "score_centi": 300, "difficulty": 3, "knowledge_point": kp}),
        json!({"item_type": "calculation", "stem": "<p>求功率 <span class=\"math\">\\(P=UI\\)</span></p>", "numeric": {"value": 2.2, "tolerance": 0.05, "unit": "kW"}, "reference_answer": "P = 220 × 10", "score_centi": 500, "difficulty": 4, "knowledge_point": kp}),
        json!({"item_type": "essay", "stem": "论述节能", "rubric": [{"points_centi": 1000, "description": "论点"}], "score_centi": 1000, "difficulty": 4, "knowledge_point": kp}),
        json!({"item_type": "flowchart", "stem": "画出正反转控制流程 <img src=\"/media/fig1.png\" alt=\"图1\">", "rubric": [{"points_centi": 800, "description": "流程完整"}], "score_centi": 800, "difficulty": 5, "knowledge_point": kp}),
        json!({"item_type": "case_analysis", "stem": "案例：某厂触电事故", "score_centi": 500, "difficulty": 5, "knowledge_point": kp, "sub_questions": [
            {"item_type": "single", "stem": "直接原因", "options": ["未验电", "未戴帽"], "answer": ["A"], "score_centi": 200},
            {"item_type": "short_answer", "stem": "教训", "reference_answer": "守规程", "score_centi": 300}
        ]}),
        json!({"item_type": "thesis", "stem": "撰写节能改造论文", "rubric": [{"points_centi": 2000, "description": "完整"}], "score_centi": 2000, "difficulty": 5, "knowledge_point": kp}),
    ]
}

#[tokio::test]
async fn items_of_every_type_are_checked_sanitised_and_versioned() {
    let srv = TestServer::start(None).await;
    let (_, staff) = staff(&srv).await;
    let bank = create_bank(&srv, &staff, "6-31-01-03", "skill").await;
    let path = format!("/api/banks/{bank}/items");

    let mut ids = Vec::new();
    for body in every_type() {
        let (s, item) = send(&srv, &staff, "POST", &path, body.clone()).await;
        assert_eq!(s, 201, "{body}: {item}");
        assert_eq!(item["version"], 1);
        ids.push(item["id"].as_i64().unwrap());
    }
    let (_, single) = get(&srv, &staff, &format!("/api/items/{}", ids[0])).await;
    assert_eq!(
        single["body"]["answer"],
        json!(["B"]),
        "letters are upper-cased"
    );
    let (_, calc) = get(&srv, &staff, &format!("/api/items/{}", ids[5])).await;
    assert!(
        calc["body"]["stem"]
            .as_str()
            .unwrap()
            .contains("<span class=\"math\">"),
        "formula spans survive"
    );
    let (_, flow) = get(&srv, &staff, &format!("/api/items/{}", ids[7])).await;
    assert!(
        flow["body"]["stem"]
            .as_str()
            .unwrap()
            .contains("<img src=\"/media/fig1.png\""),
        "images survive"
    );
    let (_, case) = get(&srv, &staff, &format!("/api/items/{}", ids[8])).await;
    assert_eq!(case["body"]["sub_questions"][1]["knowledge_point"], "3.1.2");

    // Scripts and handlers are removed from rich text.
    let (s, item) = send(&srv, &staff, "POST", &path, json!({"item_type": "true_false", "stem": "<p onclick=\"steal()\">地线<script>alert(1)</script>是黄绿色</p>", "answer": ["true"], "score_centi": 100, "difficulty": 1})).await;
    assert_eq!(s, 201);
    assert_eq!(item["body"]["stem"], "<p>地线是黄绿色</p>");

    // Rules per type, each naming its field.
    let bad = [
        (
            json!({"item_type": "single", "stem": "x", "options": ["a", "b"], "answer": ["A", "B"], "score_centi": 100, "difficulty": 1}),
            "answer",
        ),
        (
            json!({"item_type": "multiple", "stem": "x", "options": ["a"], "answer": ["A"], "score_centi": 100, "difficulty": 1}),
            "options",
        ),
        (
            json!({"item_type": "fill_blank", "stem": "x", "blanks": [["a"], [""]], "score_centi": 100, "difficulty": 1}),
            "blanks[1]",
        ),
        (
            json!({"item_type": "calculation", "stem": "x", "score_centi": 100, "difficulty": 1}),
            "numeric",
        ),
        (
            json!({"item_type": "essay", "stem": "x", "score_centi": 100, "difficulty": 1}),
            "rubric",
        ),
        (
            json!({"item_type": "single", "stem": "x", "options": ["a", "b"], "answer": ["A"], "score_centi": 100, "difficulty": 6}),
            "difficulty",
        ),
        (
            json!({"item_type": "case_analysis", "stem": "x", "score_centi": 100, "difficulty": 1, "sub_questions": [{"item_type": "single", "stem": "y", "options": ["a", "b"], "answer": ["C"], "score_centi": 100}]}),
            "sub_questions[0].answer",
        ),
        (
            json!({"item_type": "case_analysis", "stem": "x", "score_centi": 900, "difficulty": 1, "sub_questions": [{"item_type": "true_false", "stem": "y", "answer": ["true"], "score_centi": 100}]}),
            "score_centi",
        ),
    ];
    for (body, field) in bad {
        let (s, err) = send(&srv, &staff, "POST", &path, body.clone()).await;
        assert_eq!(
            (s, err["field"].as_str()),
            (400, Some(field)),
            "{body}: {err}"
        );
    }
    // The same content twice is a conflict.
    let (s, _) = send(&srv, &staff, "POST", &path, every_type()[2].clone()).await;
    assert_eq!(s, 409);

    // A paper with the first two items, then an edit of the first.
    let (s, paper) = send(&srv, &staff, "POST", "/api/papers", json!({"bank_id": bank, "name": "实操卷", "items": [{"item_id": ids[0]}, {"item_id": ids[1], "score_centi": 300}]})).await;
    assert_eq!(s, 201, "{paper}");
    assert_eq!(paper["total_score_centi"], 400);
    let mut edited = every_type()[0].clone();
    edited["stem"] = json!("<p>修改后的题干</p>");
    let (s, item) = send(
        &srv,
        &staff,
        "PUT",
        &format!("/api/items/{}", ids[0]),
        edited,
    )
    .await;
    assert_eq!((s, item["version"].as_i64()), (200, Some(2)), "{item}");
    let (_, hist) = get(&srv, &staff, &format!("/api/items/{}", ids[0])).await;
    let versions = hist["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(
        versions[0]["body"]["stem"],
        "<p>安全电压<sup>*</sup>是？</p>"
    );
    assert_eq!(versions[1]["body"]["stem"], "<p>修改后的题干</p>");
    let (_, detail) = get(&srv, &staff, &format!("/api/papers/{}", paper["id"])).await;
    assert_eq!(
        detail["items"][0]["version"], 1,
        "the paper keeps the version it used"
    );
    assert_eq!(
        detail["items"][0]["body"]["stem"],
        "<p>安全电压<sup>*</sup>是？</p>"
    );
    // The edit shows in search (by new text), the old text is gone from it.
    let (_, page) = get(
        &srv,
        &staff,
        &format!("{path}?q=%E4%BF%AE%E6%94%B9%E5%90%8E"),
    )
    .await;
    assert_eq!(page["total"], 1);

    // Retired items leave search and cannot be put into papers.
    let (s, _) = send(
        &srv,
        &staff,
        "POST",
        &format!("/api/items/{}/retired", ids[9]),
        json!({"retired": true}),
    )
    .await;
    assert_eq!(s, 200);
    let (_, page) = get(&srv, &staff, &format!("{path}?item_type=thesis")).await;
    assert_eq!(page["total"], 0);
    let (s, err) = send(
        &srv,
        &staff,
        "POST",
        "/api/papers",
        json!({"bank_id": bank, "name": "x", "items": [{"item_id": ids[9]}]}),
    )
    .await;
    assert_eq!((s, err["field"].as_str()), (400, Some("items[0].item_id")));

    // Audit trail holds the item's before/after.
    let (_, audit) = get(
        &srv,
        &staff,
        &format!("/api/audit?target_kind=item&target_id={}", ids[0]),
    )
    .await;
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["item.update", "item.create"]);
    srv.stop().await;
}
