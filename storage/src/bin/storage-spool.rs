//! Drains a spool directory into the configured store, optionally adding a file first.
//!
//! ```text
//! storage-spool SETTINGS.json [put KEY FILE [CLASS]]
//! ```
//! SETTINGS.json is a [`storage::StorageSettings`] in JSON with a `spool`
//! section. Prints the spool metrics every second and exits 0 once the spool
//! is empty. Operators use it to flush a spool by hand; the tests use it as
//! a process to kill mid-upload.

use std::time::Duration;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match rt.block_on(run(&args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("storage-spool: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let Some(settings_path) = args.first() else {
        return Err("usage: storage-spool SETTINGS.json [put KEY FILE [CLASS]]".into());
    };
    let settings: storage::StorageSettings =
        serde_json::from_slice(&std::fs::read(settings_path)?)?;
    let store = storage::open(&settings).await?;
    let spool = storage::open_spool(&settings, store)
        .await?
        .ok_or("settings have no spool section")?;
    if args.get(1).map(String::as_str) == Some("put") {
        let (Some(key), Some(file)) = (args.get(2), args.get(3)) else {
            return Err("put needs KEY FILE".into());
        };
        let class = match args.get(4) {
            Some(c) => storage::RetentionClass::parse(c).ok_or("unknown class")?,
            None => storage::RetentionClass::Standard,
        };
        spool
            .put_file(
                key,
                std::path::Path::new(file),
                storage::PutOptions::new().class(class),
            )
            .await?;
        println!("spooled {key}");
    }
    loop {
        println!(
            "pending={} bytes={} oldest_age_s={} uploaded={} last_error={:?}",
            spool.pending_count(),
            spool.pending_bytes(),
            spool.oldest_age().map(|d| d.as_secs()).unwrap_or(0),
            spool.uploaded_count(),
            spool.last_error()
        );
        if spool.wait_drained(Duration::from_secs(1)).await {
            println!("drained");
            return Ok(());
        }
    }
}
