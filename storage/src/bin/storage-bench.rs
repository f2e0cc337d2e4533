//! Throughput of this crate's S3 backend against SeaweedFS on loopback, side
//! by side with the AWS CLI doing the same work in the same run.
//!
//! ```text
//! cargo run --release -p storage --bin storage-bench -- [--segments N] [--big-mb M] [--concurrency C]
//! ```
//! Defaults: 200 segments of 1 MiB, one 1024 MiB multipart object, 10 segment
//! puts in flight (the AWS CLI's default `max_concurrent_requests`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use rand::{RngCore, SeedableRng};
use storage::seaweed::{ACCESS_KEY, SECRET_KEY, SeaweedFs};
use storage::{ObjectStore, PutOptions, S3Store};

struct Args {
    segments: usize,
    big_mb: usize,
    concurrency: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        segments: 200,
        big_mb: 1024,
        concurrency: 10,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut num = || {
            it.next()
                .and_then(|v| v.parse::<usize>().ok())
                .ok_or(format!("{flag} needs a number"))
        };
        match flag.as_str() {
            "--segments" => a.segments = num()?,
            "--big-mb" => a.big_mb = num()?,
            "--concurrency" => a.concurrency = num()?.max(1),
            "-h" | "--help" => {
                return Err(
                    "usage: storage-bench [--segments N] [--big-mb M] [--concurrency C]".into(),
                );
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(a)
}

fn main() -> std::process::ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match rt.block_on(run(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("storage-bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn find_aws() -> Result<PathBuf, String> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|d| d.join("aws")));
    }
    if let Ok(out) = Command::new("python3")
        .args([
            "-c",
            "import sysconfig;print(sysconfig.get_path('scripts'))",
        ])
        .output()
    {
        candidates.push(Path::new(String::from_utf8_lossy(&out.stdout).trim()).join("aws"));
    }
    candidates
        .into_iter()
        .find(|p| p.is_file())
        .ok_or_else(|| "AWS CLI not found: pip install awscli".into())
}

fn aws(aws_bin: &Path, endpoint: &str, args: &[&str]) -> Result<Duration, String> {
    let t = Instant::now();
    let out = Command::new(aws_bin)
        .args(["--endpoint-url", endpoint, "--no-progress"])
        .args(args)
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "aws {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(t.elapsed())
}

fn mbps(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / (1 << 20) as f64 / d.as_secs_f64()
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let aws_bin = find_aws()?;
    eprintln!("starting SeaweedFS on loopback...");
    let weed = SeaweedFs::start().await?;
    weed.create_bucket("bench", false).await?;
    let store = Arc::new(S3Store::connect(&weed.s3_settings("bench")).await?);
    let work = tempfile::tempdir()?;

    // Inputs, written once and used by both sides.
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let seg_dir = work.path().join("segments");
    std::fs::create_dir_all(&seg_dir)?;
    let mut segments = Vec::with_capacity(args.segments);
    for i in 0..args.segments {
        let mut b = vec![0u8; 1 << 20];
        rng.fill_bytes(&mut b);
        std::fs::write(seg_dir.join(format!("{i:05}.webm")), &b)?;
        segments.push(Bytes::from(b));
    }
    let big = work.path().join("big.bin");
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&big)?);
        let mut b = vec![0u8; 1 << 20];
        for _ in 0..args.big_mb {
            rng.fill_bytes(&mut b);
            f.write_all(&b)?;
        }
        f.flush()?;
    }
    let seg_bytes = (args.segments as u64) << 20;
    let big_bytes = (args.big_mb as u64) << 20;

    eprintln!("this crate: {} x 1 MiB segment puts...", args.segments);
    let t = Instant::now();
    futures::stream::iter(segments.into_iter().enumerate())
        .map(|(i, data)| {
            let store = store.clone();
            async move {
                store
                    .put_bytes(
                        &format!("crate-seg/{i:05}.webm"),
                        data,
                        PutOptions::new().content_type("video/webm"),
                    )
                    .await
            }
        })
        .buffer_unordered(args.concurrency)
        .try_collect::<Vec<_>>()
        .await?;
    let ours_seg = t.elapsed();

    eprintln!("this crate: {} MiB multipart upload...", args.big_mb);
    let t = Instant::now();
    store
        .put_file("crate-big.bin", &big, PutOptions::new())
        .await?;
    let ours_big = t.elapsed();

    let endpoint = weed.endpoint();
    eprintln!(
        "aws cli: {} x 1 MiB segments (s3 cp --recursive)...",
        args.segments
    );
    let cli_seg = aws(
        &aws_bin,
        &endpoint,
        &[
            "s3",
            "cp",
            "--recursive",
            "--quiet",
            seg_dir.to_str().unwrap(),
            "s3://bench/cli-seg/",
        ],
    )?;
    eprintln!("aws cli: {} MiB multipart upload (s3 cp)...", args.big_mb);
    let cli_big = aws(
        &aws_bin,
        &endpoint,
        &[
            "s3",
            "cp",
            "--quiet",
            big.to_str().unwrap(),
            "s3://bench/cli-big.bin",
        ],
    )?;

    // Both sides stored everything.
    assert_eq!(store.list("crate-seg/").await?.len(), args.segments);
    assert_eq!(store.list("cli-seg/").await?.len(), args.segments);
    assert_eq!(store.head("cli-big.bin").await?.size, big_bytes);

    println!(
        "storage-bench: SeaweedFS {} on loopback, {} segment puts in flight",
        endpoint, args.concurrency
    );
    println!(
        "{:<34} {:>12} {:>12} {:>8}",
        "workload", "crate MB/s", "aws-cli MB/s", "ratio"
    );
    let row = |name: &str, bytes: u64, ours: Duration, cli: Duration| {
        let (a, b) = (mbps(bytes, ours), mbps(bytes, cli));
        println!("{:<34} {:>12.1} {:>12.1} {:>7.2}x", name, a, b, a / b);
    };
    row(
        &format!("{} x 1 MiB segment puts", args.segments),
        seg_bytes,
        ours_seg,
        cli_seg,
    );
    row(
        &format!("1 x {} MiB multipart upload", args.big_mb),
        big_bytes,
        ours_big,
        cli_big,
    );
    println!(
        "(ratio = crate / aws-cli; the crate also hashes SHA-256 and checks retention before every put)"
    );
    Ok(())
}
