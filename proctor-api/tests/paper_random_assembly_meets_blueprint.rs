//! Random assembly from a blueprint: each form holds exactly the items the cells ask for
//! (type × knowledge point × difficulty, count and score), A/B forms share no item when the
//! bank allows it, recent papers' items can be excluded, and a bank too small for a cell
//! gets a 400 that names that cell.

#[path = "fixtures/bank/client.rs"]
mod client;
mod common;
#[path = "fixtures/bank/files.rs"]
mod files;

use std::collections::HashSet;

use client::*;
use common::TestServer;
use serde_json::{Value, json};

/// Does this paper entry fill this cell?
fn fills(entry: &Value, cell: &Value) -> bool {
    let b = &entry["body"];
    b["item_type"] == cell["item_type"]
        && (cell["knowledge_point"].is_null() || b["knowledge_point"] == cell["knowledge_point"])
        && (cell["difficulty"].is_null() || b["difficulty"] == cell["difficulty"])
        && entry["score_centi"] == cell["score_centi"]
}

async fn paper_items(srv: &TestServer, token: &str, id: i64) -> Vec<Value> {
    let (s, p) = get(srv, token, &format!("/api/papers/{id}")).await;
    assert_eq!(s, 200, "{p}");
    p["items"].as_array().unwrap().clone()
}

fn ids(items: &[Value]) -> HashSet<i64> {
    items
        .iter()
        .map(|i| i["item_id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn random_papers_meet_the_blueprint_exactly() {
    let srv = TestServer::start(None).await;
    let (_, staff) = staff(&srv).await;
    let bank = create_bank(&srv, &staff, "6-31-01-03", "theory").await;
    import_clean(&srv, &staff, bank, files::realistic_xlsx(3)).await;

    // The cells do not overlap, so each paper item fills exactly one of them.
    let cells = json!([
        {"item_type": "single", "knowledge_point": "1.1.1", "count": 8, "score_centi": 100},
        {"item_type": "single", "knowledge_point": "2.1.1", "difficulty": 2, "count": 1, "score_centi": 100},
        {"item_type": "multiple", "count": 10, "score_centi": 200},
        {"item_type": "true_false", "difficulty": 5, "count": 4, "score_centi": 50},
        {"item_type": "fill_blank", "count": 5, "score_centi": 200},
        {"item_type": "calculation", "count": 2, "score_centi": 600},
        {"item_type": "short_answer", "count": 2, "score_centi": 500},
        {"item_type": "case_analysis", "count": 2, "score_centi": 1000}
    ]);
    let total: i64 = cells
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_i64().unwrap() * c["score_centi"].as_i64().unwrap())
        .sum();
    let (s, res) = send(&srv, &staff, "POST", "/api/papers/assemble", json!({
        "bank_id": bank, "name": "2026年第4批 电工四级理论", "cells": cells, "total_score_centi": total, "forms": 2
    })).await;
    assert_eq!(s, 201, "{res}");
    assert_eq!(res["shared_items"], 0);
    let papers = res["papers"].as_array().unwrap();
    assert_eq!(
        papers
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [
            "2026年第4批 电工四级理论 A卷",
            "2026年第4批 电工四级理论 B卷"
        ]
    );
    assert_eq!(papers[0]["form_group"], papers[1]["form_group"]);

    let mut forms = Vec::new();
    for p in papers {
        assert_eq!(
            (p["state"].as_str(), p["total_score_centi"].as_i64()),
            (Some("draft"), Some(total))
        );
        let items = paper_items(&srv, &staff, p["id"].as_i64().unwrap()).await;
        for cell in cells.as_array().unwrap() {
            let n = items.iter().filter(|e| fills(e, cell)).count() as i64;
            assert_eq!(
                n,
                cell["count"].as_i64().unwrap(),
                "cell {cell} in {}",
                p["name"]
            );
        }
        let want: i64 = cells
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["count"].as_i64().unwrap())
            .sum();
        assert_eq!(items.len() as i64, want);
        // The staff preview carries the answer key.
        assert!(
            items
                .iter()
                .filter(|e| e["body"]["item_type"] == "single")
                .all(|e| e["body"]["answer"].as_array().unwrap().len() == 1)
        );
        forms.push(ids(&items));
    }
    assert!(forms[0].is_disjoint(&forms[1]), "A and B share items");

    // Excluding the last two papers: a new paper shares nothing with A or B.
    let small = json!([{"item_type": "multiple", "count": 20, "score_centi": 200}]);
    let (s, res) = send(
        &srv,
        &staff,
        "POST",
        "/api/papers/assemble",
        json!({"bank_id": bank, "name": "补考卷", "cells": small, "exclude_recent_papers": 2}),
    )
    .await;
    assert_eq!(s, 201, "{res}");
    let c = ids(&paper_items(&srv, &staff, res["papers"][0]["id"].as_i64().unwrap()).await);
    assert!(c.is_disjoint(&forms[0]) && c.is_disjoint(&forms[1]));
    // 45 multiple-choice items; the last two papers (this one and B) used 30: 15 left.
    let (s, err) = send(
        &srv,
        &staff,
        "POST",
        "/api/papers/assemble",
        json!({"bank_id": bank, "name": "再考卷", "cells": small, "exclude_recent_papers": 2}),
    )
    .await;
    assert_eq!(
        (s, err["code"].as_str(), err["field"].as_str()),
        (400, Some("bank_too_small"), Some("cells[0]"))
    );
    assert_eq!(
        err["message"]["zh"],
        "第 1 格（多选题，每题 2 分）需要 20 道试题，题库只有 15 道可用，另有 30 道因近期试卷已用而排除"
    );

    // Unsatisfiable: only three singles have knowledge point 2.1.1 and difficulty 2.
    let short = json!([
        {"item_type": "multiple", "count": 2, "score_centi": 200},
        {"item_type": "single", "knowledge_point": "2.1.1", "difficulty": 2, "count": 4, "score_centi": 100}
    ]);
    let (s, err) = send(
        &srv,
        &staff,
        "POST",
        "/api/papers/assemble",
        json!({"bank_id": bank, "name": "x", "cells": short}),
    )
    .await;
    assert_eq!((s, err["field"].as_str()), (400, Some("cells[1]")));
    assert_eq!(
        err["message"]["zh"],
        "第 2 格（单选题 × 鉴定点 2.1.1 × 难度 2，每题 1 分）需要 4 道试题，题库只有 3 道可用"
    );
    assert_eq!(
        err["message"]["en"],
        "Cell 2 (single × knowledge point 2.1.1 × difficulty 2) needs 4 items; the bank has only 3 available"
    );

    // A/B when the bank cannot keep them apart: 9 theses, 5 per form → one shared.
    let theses = json!([{"item_type": "thesis", "count": 5, "score_centi": 2000}]);
    let (s, res) = send(
        &srv,
        &staff,
        "POST",
        "/api/papers/assemble",
        json!({"bank_id": bank, "name": "论文", "cells": theses, "forms": 2}),
    )
    .await;
    assert_eq!(s, 201, "{res}");
    assert_eq!(res["shared_items"], 1);
    let a = ids(&paper_items(&srv, &staff, res["papers"][0]["id"].as_i64().unwrap()).await);
    let b = ids(&paper_items(&srv, &staff, res["papers"][1]["id"].as_i64().unwrap()).await);
    assert_eq!((a.len(), b.len(), a.intersection(&b).count()), (5, 5, 1));

    // A target difficulty: the easiest of many draws is kept. The bank's singles average 3,
    // so a draw aimed at 1 lands below that (64 draws all at or above 3 do not happen).
    let singles = json!([{"item_type": "single", "count": 10, "score_centi": 100}]);
    let (s, res) = send(
        &srv,
        &staff,
        "POST",
        "/api/papers/assemble",
        json!({"bank_id": bank, "name": "易卷", "cells": singles, "target_difficulty": 1.0}),
    )
    .await;
    assert_eq!(s, 201, "{res}");
    let easy = res["mean_difficulty"][0].as_f64().unwrap();
    assert!(easy < 3.0, "mean difficulty {easy}");
    let items = paper_items(&srv, &staff, res["papers"][0]["id"].as_i64().unwrap()).await;
    let mean = items
        .iter()
        .map(|e| e["body"]["difficulty"].as_f64().unwrap())
        .sum::<f64>()
        / items.len() as f64;
    assert!((mean - easy).abs() < 0.01);

    // A total that does not match the cells.
    let (s, err) = send(
        &srv,
        &staff,
        "POST",
        "/api/papers/assemble",
        json!({"bank_id": bank, "name": "x", "cells": theses, "total_score_centi": 9000}),
    )
    .await;
    assert_eq!((s, err["field"].as_str()), (400, Some("total_score_centi")));
    srv.stop().await;
}
