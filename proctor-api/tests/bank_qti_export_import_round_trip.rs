//! A bank exported as a QTI 3.0 package (manifest plus one well-formed
//! `qti-assessment-item` per item, case analyses left out and counted) imports into another
//! bank as the same items: every content hash matches. A package item without a body is a
//! preview error naming the file.

#[path = "fixtures/bank/client.rs"]
mod client;
mod common;

use std::collections::BTreeSet;
use std::io::{Read, Write};

use client::*;
use common::TestServer;
use serde_json::{Value, json};

fn bodies() -> Vec<Value> {
    vec![
        json!({"item_type": "single", "stem": "电阻 <b>R</b> 两端电压为 <span class=\"math\">U=IR</span>，则（　　）。", "options": ["I 增大", "I 减小 &amp; 不变"], "answer": ["A"], "explanation": "欧姆定律", "score_centi": 150, "difficulty": 2, "knowledge_point": "1.1.1"}),
        json!({"item_type": "multiple", "stem": "常用电工工具有（　　）。<br>（多选）", "options": ["电工刀", "螺丝刀", "钢卷尺"], "answer": ["A", "B"], "score_centi": 200, "difficulty": 3, "knowledge_point": "1.1.2"}),
        json!({"item_type": "true_false", "stem": "万用表可以带电测电阻。", "answer": ["false"], "score_centi": 100, "difficulty": 1, "knowledge_point": "1.1.3"}),
        json!({"item_type": "fill_blank", "stem": "电阻的单位是____，电流的单位是____。", "blanks": [["欧姆", "Ω"], ["安培"]], "score_centi": 200, "difficulty": 2, "knowledge_point": "1.2.1"}),
        json!({"item_type": "calculation", "stem": "求功率。", "numeric": {"value": 12.5, "tolerance": 0.1, "unit": "kW"}, "reference_answer": "P=UI=12.5 kW", "score_centi": 500, "difficulty": 4, "knowledge_point": "1.2.2"}),
        json!({"item_type": "short_answer", "stem": "简述接地的作用。", "reference_answer": "保护人身安全。", "rubric": [{"points_centi": 300, "description": "说明保护作用"}, {"points_centi": 200, "description": "举例"}], "score_centi": 500, "difficulty": 3, "knowledge_point": "2.1.1"}),
        json!({"item_type": "flowchart", "stem": "画出电动机正反转控制流程。", "rubric": [{"points_centi": 1000, "description": "流程完整"}], "score_centi": 1000, "difficulty": 5, "knowledge_point": "2.2.1"}),
        json!({"item_type": "case_analysis", "stem": "某厂触电事故。", "score_centi": 400, "difficulty": 3, "knowledge_point": "3.1.1", "sub_questions": [
            {"item_type": "short_answer", "stem": "分析原因。", "reference_answer": "未停电。", "score_centi": 400}
        ]}),
    ]
}

fn unzip(bytes: &[u8]) -> Vec<(String, String)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut s = String::new();
            f.read_to_string(&mut s).unwrap();
            (f.name().unwrap().into_owned(), s)
        })
        .collect()
}

fn well_formed(xml: &str) -> String {
    let mut r = quick_xml::Reader::from_str(xml);
    let mut root = None;
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Start(e)) if root.is_none() => {
                root = Some(e.name().0.to_owned())
            }
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("not well-formed: {e}\n{xml}"),
        }
    }
    root.unwrap()
}

async fn upload_zip(srv: &TestServer, token: &str, bank: i64, bytes: Vec<u8>) -> (u16, Value) {
    upload(srv, token, bank, bytes).await
}

#[tokio::test]
async fn a_bank_survives_a_qti_round_trip() {
    let srv = TestServer::start(None).await;
    let (_, staff) = staff(&srv).await;
    let from = create_bank(&srv, &staff, "6-31-01-03", "theory").await;
    let to = create_bank(&srv, &staff, "6-31-01-03", "skill").await;
    for b in bodies() {
        let (s, it) = send(&srv, &staff, "POST", &format!("/api/banks/{from}/items"), b).await;
        assert_eq!(s, 201, "{it}");
    }

    let r = srv
        .client
        .get(srv.url(&format!("/api/banks/{from}/export-qti")))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/zip");
    assert_eq!(
        r.headers()["x-skipped-items"],
        "1",
        "the case analysis has no QTI item form"
    );
    let package = r.bytes().await.unwrap().to_vec();
    let files = unzip(&package);
    assert_eq!(files.len(), 8, "a manifest and seven items");
    for (name, xml) in &files {
        let root = well_formed(xml);
        if name == "imsmanifest.xml" {
            assert_eq!(root, "manifest");
            assert_eq!(xml.matches("imsqti_item_xmlv3p0").count(), 7);
        } else {
            assert_eq!(root, "qti-assessment-item", "{name}");
            assert!(xml.contains("xmlns=\"http://www.imsglobal.org/xsd/imsqtiasi_v3p0\""));
        }
    }

    let (s, preview) = upload_zip(&srv, &staff, to, package).await;
    assert_eq!(
        (s, preview["format"].as_str()),
        (201, Some("qti")),
        "{preview}"
    );
    assert_eq!(
        (preview["errors"].clone(), preview["new_items"].as_i64()),
        (json!([]), Some(7)),
        "{preview}"
    );
    let (s, _) = confirm(&srv, &staff, preview["id"].as_i64().unwrap()).await;
    assert_eq!(s, 200);
    let hashes = |items: Vec<Value>| -> BTreeSet<String> {
        items
            .into_iter()
            .filter(|i| i["body"]["item_type"] != "case_analysis")
            .map(|i| i["content_hash"].as_str().unwrap().to_owned())
            .collect()
    };
    let by_point = |items: &[Value]| -> std::collections::BTreeMap<String, Value> {
        items
            .iter()
            .filter(|i| i["body"]["item_type"] != "case_analysis")
            .map(|i| {
                (
                    i["body"]["knowledge_point"].as_str().unwrap().to_owned(),
                    i["body"].clone(),
                )
            })
            .collect()
    };
    let (a, b) = (
        all_items(&srv, &staff, from).await,
        all_items(&srv, &staff, to).await,
    );
    for (kp, body) in by_point(&a) {
        assert_eq!(by_point(&b).get(&kp), Some(&body), "item at {kp}");
    }
    let original = hashes(a);
    let imported = hashes(b);
    assert_eq!(original.len(), 7);
    assert_eq!(
        imported, original,
        "every item comes back with the same content"
    );

    // A package whose item has no body.
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let o = zip::write::SimpleFileOptions::default();
        z.start_file("imsmanifest.xml", o).unwrap();
        z.write_all(b"<manifest/>").unwrap();
        z.start_file("items/bad.xml", o).unwrap();
        z.write_all(b"<qti-assessment-item xmlns=\"http://www.imsglobal.org/xsd/imsqtiasi_v3p0\" identifier=\"x\"/>").unwrap();
        z.finish().unwrap();
    }
    let (s, bad) = upload_zip(&srv, &staff, to, buf.into_inner()).await;
    assert_eq!(s, 201);
    assert_eq!(
        (
            bad["errors"][0]["row"].as_i64(),
            bad["errors"][0]["column_name"].as_str(),
            bad["errors"][0]["zh"].as_str()
        ),
        (Some(1), Some("items/bad.xml"), Some("缺少 qti-item-body")),
        "{bad}"
    );
    srv.stop().await;
}
