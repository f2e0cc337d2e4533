//! Importing the same file twice creates no duplicates: the second preview says every item
//! is already in the bank, confirming it creates nothing, and a confirmed import cannot be
//! confirmed again.

#[path = "fixtures/bank/client.rs"]
mod client;
mod common;
#[path = "fixtures/bank/files.rs"]
mod files;

use client::*;
use common::TestServer;

#[tokio::test]
async fn the_same_file_twice_creates_no_duplicates() {
    let srv = TestServer::start(None).await;
    let (_, staff) = staff(&srv).await;
    let bank = create_bank(&srv, &staff, "4-01-02-01", "theory").await;
    let file = files::realistic_xlsx(2);

    let first = import_clean(&srv, &staff, bank, file.clone()).await;
    assert_eq!(first["created_count"], 200);
    assert_eq!(all_items(&srv, &staff, bank).await.len(), 200);

    let (status, second) = upload(&srv, &staff, bank, file).await;
    assert_eq!(status, 201);
    assert_eq!(
        (
            second["new_items"].as_u64(),
            second["already_in_bank"].as_u64()
        ),
        (Some(0), Some(200))
    );
    let id = second["id"].as_i64().unwrap();
    let (status, done) = confirm(&srv, &staff, id).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            done["created_count"].as_i64(),
            done["duplicate_count"].as_i64()
        ),
        (Some(0), Some(200))
    );
    assert_eq!(all_items(&srv, &staff, bank).await.len(), 200);

    let (status, err) = confirm(&srv, &staff, id).await;
    assert_eq!((status, err["code"].as_str()), (409, Some("conflict")));

    // Rows repeated inside one file count once.
    let row = vec![
        ("题型", "单选题"),
        ("题干", "重复的题"),
        ("选项A", "甲"),
        ("选项B", "乙"),
        ("答案", "A"),
        ("分值", "1"),
    ];
    let (_, p) = upload(&srv, &staff, bank, files::xlsx_rows(&[row.clone(), row])).await;
    assert_eq!(
        (
            p["valid_items"].as_u64(),
            p["repeated_in_file"].as_u64(),
            p["new_items"].as_u64()
        ),
        (Some(1), Some(1), Some(1))
    );
    srv.stop().await;
}
