//! The admission ticket is a PDF with the CJK font embedded: `pdftotext` finds the
//! candidate's name, the ticket number, site, room and seat; the candidate gets only their
//! own; staff print a plan's tickets in one file, one page each.

mod common;
mod registration_support;

use std::process::Command;

use common::TestServer;
use registration_support::*;
use serde_json::{Value, json};

fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(
        out.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn pdf_fonts(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("pdffonts").arg(&path).output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn ticket_pdf_carries_name_number_and_seat() {
    let srv = TestServer::start(None).await;
    let admin = srv.admin_token().await;
    let staff = srv.user_with_role(&admin, "kw.staff", "staff").await;
    let plan = open_plan(&srv, &staff, "TK2026", "warn").await;
    session_with_room(&srv, &staff, plan, 30).await;

    let mut people = Vec::new();
    for (i, (name, first17, birth)) in [
        ("欧阳娜娜", "52010219900315001", "1990-03-15"),
        ("张伟", "52010219910416002", "1991-04-16"),
    ]
    .iter()
    .enumerate()
    {
        let (reg, cand) = register_ok(
            &srv,
            plan,
            form(
                name,
                &id_number(first17),
                birth,
                &format!("1370000000{i}"),
                json!({}),
            ),
        )
        .await;
        assert_eq!(
            upload(&srv, &cand, reg, "photo", photo_png(), "p.png")
                .await
                .status(),
            201
        );
        people.push((reg, cand, *name));
    }
    let (reg, cand, name) = &people[0];

    // Before approval and seating there is no ticket.
    assert_eq!(
        get(&srv, cand, &format!("/api/registrations/{reg}/ticket.pdf"))
            .await
            .status(),
        409
    );
    for (r, _, _) in &people {
        assert_eq!(
            post(
                &srv,
                &staff,
                &format!("/api/registrations/{r}/review"),
                json!({"decision": "approve"})
            )
            .await
            .status(),
            200
        );
    }
    assert_eq!(
        get(&srv, cand, &format!("/api/registrations/{reg}/ticket.pdf"))
            .await
            .status(),
        409
    );
    post(
        &srv,
        &staff,
        &format!("/api/plans/{plan}/seating"),
        json!({}),
    )
    .await;

    let v: Value = get(&srv, cand, &format!("/api/registrations/{reg}"))
        .await
        .json()
        .await
        .unwrap();
    let ticket = v["ticket_no"].as_str().unwrap().to_owned();
    let seat = v["seat_no"].as_i64().unwrap();
    let r = get(&srv, cand, &format!("/api/registrations/{reg}/ticket.pdf")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(
        bytes.len() < 600_000,
        "the font must be subset, not embedded whole: {} bytes",
        bytes.len()
    );
    let text = pdf_text(&bytes);
    for want in [
        *name,
        ticket.as_str(),
        "准考证",
        "贵阳考点",
        "第一考场",
        "2026-12-20 09:00",
        "考生须知",
    ] {
        assert!(text.contains(want), "{want:?} not in ticket text:\n{text}");
    }
    assert!(text.contains("座位号 Seat") && text.contains(&seat.to_string()));
    let fonts = pdf_fonts(&bytes);
    assert!(fonts.contains("PRCTOR+NotoSansCJK"), "{fonts}");
    assert!(
        fonts.lines().skip(2).all(|l| l.contains(" yes ")),
        "fonts must be embedded: {fonts}"
    );

    // The other candidate cannot fetch this ticket.
    assert_eq!(
        get(
            &srv,
            &people[1].1,
            &format!("/api/registrations/{reg}/ticket.pdf")
        )
        .await
        .status(),
        404
    );

    // Batch printing: one page per seated candidate.
    let r = get(&srv, &staff, &format!("/api/plans/{plan}/tickets.pdf")).await;
    assert_eq!(r.status(), 200);
    let all = r.bytes().await.unwrap();
    let text = pdf_text(&all);
    assert!(text.contains("欧阳娜娜") && text.contains("张伟"));
    assert_eq!(text.matches('\u{c}').count(), 2, "two pages");
    srv.stop().await;
}
