//! A file with deliberate mistakes: the preview lists each bad row with its Excel row
//! number, column letter, column name and reason, and the import cannot be confirmed, so
//! nothing — not even the good rows — is created.

#[path = "fixtures/bank/client.rs"]
mod client;
mod common;
#[path = "fixtures/bank/files.rs"]
mod files;

use client::*;
use common::TestServer;
use serde_json::Value;

#[tokio::test]
async fn bad_rows_are_reported_by_row_and_column_and_nothing_is_imported() {
    let srv = TestServer::start(None).await;
    let (_, staff) = staff(&srv).await;
    let bank = create_bank(&srv, &staff, "6-31-01-03", "theory").await;
    let opts = [("选项A", "甲"), ("选项B", "乙"), ("选项C", "丙")];
    let single = |answer: &'static str, score: &'static str| {
        let mut r = vec![
            ("题型", "单选题"),
            ("题干", "题干"),
            ("答案", answer),
            ("分值", score),
        ];
        r.extend(opts);
        r
    };
    let rows = vec![
        // Excel row 2: good.
        single("A", "1"),
        // Row 3: answer letter that is not an option.
        vec![
            ("题型", "单选题"),
            ("题干", "第3行"),
            ("选项A", "甲"),
            ("选项B", "乙"),
            ("答案", "D"),
            ("分值", "1"),
        ],
        // Row 4: score not a number.
        vec![
            ("题型", "单选题"),
            ("题干", "第4行"),
            ("选项A", "甲"),
            ("选项B", "乙"),
            ("答案", "A"),
            ("分值", "abc"),
        ],
        // Row 5: unknown type.
        vec![
            ("题型", "选择判断"),
            ("题干", "第5行"),
            ("答案", "A"),
            ("分值", "1"),
        ],
        // Row 6: multiple choice with one answer.
        vec![
            ("题型", "多选题"),
            ("题干", "第6行"),
            ("选项A", "甲"),
            ("选项B", "乙"),
            ("答案", "B"),
            ("分值", "2"),
        ],
        // Row 7: true/false answer that is neither.
        vec![
            ("题型", "判断题"),
            ("题干", "第7行"),
            ("答案", "可能"),
            ("分值", "1"),
        ],
        // Row 8: essay without reference answer or rubric.
        vec![("题型", "论述题"), ("题干", "第8行"), ("分值", "10")],
        // Row 9: difficulty out of range.
        vec![
            ("题型", "判断题"),
            ("题干", "第9行"),
            ("答案", "对"),
            ("分值", "1"),
            ("难度", "9"),
        ],
        // Row 10: calculation answer that is not a number.
        vec![
            ("题型", "计算题"),
            ("题干", "第10行"),
            ("答案", "约十二千瓦"),
            ("分值", "5"),
        ],
        // Row 11: a case sub-question with no case analysis above it.
        vec![
            ("题型", "案例子题-单选题"),
            ("题干", "第11行"),
            ("选项A", "甲"),
            ("选项B", "乙"),
            ("答案", "A"),
            ("分值", "1"),
        ],
        // Row 12: empty stem.
        vec![("题型", "判断题"), ("答案", "对"), ("分值", "1")],
    ];
    let (status, preview) = upload(&srv, &staff, bank, files::xlsx_rows(&rows)).await;
    assert_eq!(status, 201, "{preview}");
    let got: Vec<(u64, Option<&str>, &str, &str)> = preview["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e: &Value| {
            (
                e["row"].as_u64().unwrap(),
                e["column"].as_str(),
                e["column_name"].as_str().unwrap(),
                e["zh"].as_str().unwrap(),
            )
        })
        .collect();
    let want: Vec<(u64, Option<&str>, &str, &str)> = vec![
        (3, Some("K"), "答案", "答案 D 不是已有选项"),
        (4, Some("L"), "分值", "分值“abc”不是数字（最多两位小数）"),
        (5, Some("A"), "题型", "无法识别的题型“选择判断”"),
        (6, Some("K"), "答案", "多选题须有至少两个答案"),
        (7, Some("K"), "答案", "判断题答案“可能”应为 对/错/√/×"),
        (
            8,
            Some("O"),
            "解析/评分标准",
            "主观题须有评分标准或参考答案",
        ),
        (
            9,
            Some("M"),
            "难度",
            "难度“9”须为 1–5 或 易/较易/中/较难/难",
        ),
        (
            10,
            Some("K"),
            "答案",
            "计算题答案“约十二千瓦”应为数值，如 12.5±0.1 kW",
        ),
        (11, Some("A"), "题型", "案例子题前面没有案例分析题"),
        (12, Some("B"), "题干", "题干不能为空"),
    ];
    assert_eq!(got, want);
    // Every message is bilingual.
    assert!(
        preview["errors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| !e["en"].as_str().unwrap().is_empty())
    );
    assert_eq!(preview["valid_items"], 1);

    let (status, err) = confirm(&srv, &staff, preview["id"].as_i64().unwrap()).await;
    assert_eq!(
        (status, err["code"].as_str(), err["field"].as_str()),
        (409, Some("conflict"), Some("errors"))
    );
    assert!(err["message"]["zh"].as_str().unwrap().contains("10 处错误"));
    let (_, page) = get(&srv, &staff, &format!("/api/banks/{bank}/items")).await;
    assert_eq!(page["total"], 0, "nothing imported");

    // A file that is not a spreadsheet or Word document at all.
    let (status, err) = upload(&srv, &staff, bank, b"not a bank".to_vec()).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("unsupported_file"))
    );
    srv.stop().await;
}
