//! Pictures inside bank files reach the items: an Excel picture anchored to a stem cell, an
//! Excel in-cell picture ("place in cell") and an inline picture of a Word question are each
//! stored once in object storage under their content hash and shown in the item's rich text
//! through a short-lived signed link, whose bytes are the picture's. Stored bodies keep a
//! stable address: saving an item back unchanged (signed links and all) adds no version.

#[path = "fixtures/bank/client.rs"]
mod client;
mod common;

use std::io::Write;

use client::*;
use common::TestServer;
use rust_xlsxwriter::{Image, Workbook};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn png(rgb: [u8; 3]) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(24, 16, image::Rgb(rgb));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn sha(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn workbook(anchored: &[u8], in_cell: &[u8]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["题型", "题干", "选项A", "选项B", "答案", "分值", "鉴定点"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let rows = [
        [
            "单选题",
            "如图所示的仪表是（　　）。",
            "电流表",
            "兆欧表",
            "B",
            "1",
            "1.1.1",
        ],
        ["单选题", "", "接地", "接零", "A", "1", "1.1.1"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
            }
        }
    }
    ws.insert_image(1, 1, &Image::new_from_buffer(anchored).unwrap())
        .unwrap();
    ws.embed_image(2, 1, &Image::new_from_buffer(in_cell).unwrap())
        .unwrap();
    wb.save_to_buffer().unwrap()
}

fn word_with_picture(picture: &[u8]) -> Vec<u8> {
    let run = |t: &str| format!("<w:p><w:r><w:t xml:space=\"preserve\">{t}</w:t></w:r></w:p>");
    let drawing = "<w:p><w:r><w:t>1. 下图中接线错误的是哪一处？</w:t></w:r><w:r><w:drawing><wp:inline><a:graphic><a:graphicData><pic:pic><pic:blipFill>\
        <a:blip r:embed=\"rId7\"/></pic:blipFill></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>";
    let body = format!(
        "{}{drawing}{}{}{}",
        run("一、单项选择题"),
        run("A. 甲处"),
        run("B. 乙处"),
        run("答案：A")
    );
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><w:document \
         xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" \
         xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" \
         xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\" \
         xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" \
         xmlns:pic=\"http://schemas.openxmlformats.org/drawingml/2006/picture\"><w:body>{body}</w:body></w:document>"
    );
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default();
        for (name, data) in [
            ("[Content_Types].xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Default Extension=\"png\" ContentType=\"image/png\"/><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>".as_bytes()),
            ("_rels/.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>".as_bytes()),
            ("word/_rels/document.xml.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId7\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/image\" Target=\"media/image1.png\"/></Relationships>".as_bytes()),
            ("word/document.xml", document.as_bytes()),
            ("word/media/image1.png", picture),
        ] {
            z.start_file(name, opts).unwrap();
            z.write_all(data).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

/// The signed link of the picture named `hash` in a stem; fetching it gives the bytes.
async fn picture_behind(srv: &TestServer, stem: &str, hash: &str) -> Vec<u8> {
    let at = stem
        .find(&format!("item-images/{hash}.png"))
        .unwrap_or_else(|| panic!("no picture {hash} in {stem}"));
    let start = stem[..at].rfind('"').unwrap() + 1;
    let end = at + stem[at..].find('"').unwrap();
    let link = stem[start..end].replace("&amp;", "&");
    assert!(
        link.starts_with("/files/") && link.contains('?'),
        "a signed link: {link}"
    );
    let r = srv.client.get(srv.url(&link)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{link}");
    r.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn pictures_in_excel_cells_and_word_paragraphs_become_stored_images() {
    let srv = TestServer::start(None).await;
    let (_, staff) = staff(&srv).await;
    let bank = create_bank(&srv, &staff, "6-31-01-03", "theory").await;
    let (red, blue, green) = (png([200, 30, 30]), png([30, 30, 200]), png([30, 160, 30]));

    let done = import_clean(&srv, &staff, bank, workbook(&red, &blue)).await;
    assert_eq!(done["created_count"], 2, "{done}");
    let word = import_clean(&srv, &staff, bank, word_with_picture(&green)).await;
    assert_eq!(word["created_count"], 1, "{word}");

    let items = all_items(&srv, &staff, bank).await;
    let stem_with = |needle: &str| -> Value {
        items
            .iter()
            .find(|i| i["body"]["stem"].as_str().unwrap().contains(needle))
            .unwrap_or_else(|| panic!("no stem with {needle}: {items:?}"))
            .clone()
    };
    let anchored = stem_with(&sha(&red));
    assert!(
        anchored["body"]["stem"]
            .as_str()
            .unwrap()
            .starts_with("如图所示的仪表是"),
        "{anchored}"
    );
    assert_eq!(
        picture_behind(&srv, anchored["body"]["stem"].as_str().unwrap(), &sha(&red)).await,
        red
    );
    let in_cell = stem_with(&sha(&blue));
    assert!(
        !in_cell["body"]["stem"].as_str().unwrap().contains("#VALUE"),
        "{in_cell}"
    );
    assert_eq!(
        picture_behind(&srv, in_cell["body"]["stem"].as_str().unwrap(), &sha(&blue)).await,
        blue
    );
    let from_word = stem_with(&sha(&green));
    assert!(
        from_word["body"]["stem"]
            .as_str()
            .unwrap()
            .contains("下图中接线错误的是哪一处")
    );
    assert_eq!(
        picture_behind(
            &srv,
            from_word["body"]["stem"].as_str().unwrap(),
            &sha(&green)
        )
        .await,
        green
    );

    // Saving the item back as the editor received it (signed links) changes nothing.
    let id = anchored["id"].as_i64().unwrap();
    let (s, same) = send(
        &srv,
        &staff,
        "PUT",
        &format!("/api/items/{id}"),
        anchored["body"].clone(),
    )
    .await;
    assert_eq!((s, same["version"].as_i64()), (200, Some(1)), "{same}");
    assert_eq!(same["content_hash"], anchored["content_hash"]);
    srv.stop().await;
}
