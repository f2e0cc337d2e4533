//! A provincial bank whose headers differ from the template imports once its columns are
//! mapped (`?columns={"试题类别":"题型",…}`); without the mapping the preview says the header
//! is missing, and a mapping to a column the template does not have is refused.

#[path = "fixtures/bank/client.rs"]
mod client;
mod common;

use client::*;
use common::TestServer;
use rust_xlsxwriter::Workbook;
use serde_json::{Value, json};

fn provincial_file() -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let rows = [
        [
            "序号",
            "试题类别",
            "试题内容",
            "选项1",
            "选项2",
            "选项3",
            "标准答案",
            "分数",
            "知识点编码",
        ],
        [
            "1",
            "单选",
            "兆欧表用于测量（　　）。",
            "电流",
            "绝缘电阻",
            "电压",
            "B",
            "1",
            "2.1.3",
        ],
        [
            "2",
            "判断",
            "万用表可以带电测电阻。",
            "",
            "",
            "",
            "×",
            "1",
            "2.1.3",
        ],
        [
            "3",
            "多选",
            "常用的电工工具有（　　）。",
            "电工刀",
            "螺丝刀",
            "钢卷尺",
            "AB",
            "2",
            "2.1.4",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

async fn upload_mapped(
    srv: &TestServer,
    token: &str,
    bank: i64,
    columns: Option<&Value>,
) -> (u16, Value) {
    let mut req = srv
        .client
        .post(srv.url(&format!("/api/banks/{bank}/imports")))
        .bearer_auth(token);
    if let Some(c) = columns {
        req = req.query(&[("columns", c.to_string())]);
    }
    let r = req.body(provincial_file()).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

#[tokio::test]
async fn provincial_headers_import_through_a_column_mapping() {
    let srv = TestServer::start(None).await;
    let (_, staff) = staff(&srv).await;
    let bank = create_bank(&srv, &staff, "6-31-01-03", "theory").await;

    let (s, p) = upload_mapped(&srv, &staff, bank, None).await;
    assert_eq!(s, 201);
    assert_eq!(
        p["errors"][0]["zh"],
        "前 10 行中找不到包含“题型”和“题干”的表头行"
    );

    let bad = json!({"试题类别": "类型"});
    let (s, err) = upload_mapped(&srv, &staff, bank, Some(&bad)).await;
    assert_eq!((s, err["field"].as_str()), (400, Some("columns")));

    let map = json!({"试题类别": "题型", "试题内容": "题干", "选项1": "选项A", "选项2": "选项B", "选项3": "选项C", "知识点编码": "鉴定点"});
    let (s, p) = upload_mapped(&srv, &staff, bank, Some(&map)).await;
    assert_eq!(s, 201, "{p}");
    assert_eq!(
        (p["errors"].clone(), p["new_items"].as_u64()),
        (json!([]), Some(3))
    );
    let (s, done) = confirm(&srv, &staff, p["id"].as_i64().unwrap()).await;
    assert_eq!((s, done["created_count"].as_i64()), (200, Some(3)));
    let items = all_items(&srv, &staff, bank).await;
    let single = items
        .iter()
        .find(|i| i["body"]["item_type"] == "single")
        .unwrap();
    assert_eq!(
        (
            single["body"]["answer"].clone(),
            single["body"]["knowledge_point"].as_str()
        ),
        (json!(["B"]), Some("2.1.3"))
    );
    let tf = items
        .iter()
        .find(|i| i["body"]["item_type"] == "true_false")
        .unwrap();
    assert_eq!(tf["body"]["answer"], json!(["false"]));
    srv.stop().await;
}
