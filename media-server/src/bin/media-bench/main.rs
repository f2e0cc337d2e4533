//! media-bench — load benchmark of the SFU, with Janus VideoRoom as the yardstick.
//!
//! An independent WebRTC client (webrtc-rs) publishes N copies of a pre-encoded ~300 kbps
//! VP8 stream (made with GStreamer) and attaches M viewers to each; prints server CPU,
//! forwarded packets/s, loss and one-way latency, first for our SFU (sfu-dev as a separate
//! process), then for Janus VideoRoom (Debian `janus`) under the same load, and the ratio.
//!
//! `media-bench [--publishers N] [--viewers M] [--seconds S] [--no-janus]`
//! Build: `cargo build --release -p media-server --features bench --bins`.

mod client;
mod cpu;
mod ivf;
mod janus;
mod sfu;

use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use client::{Peer, Totals};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Publishers set up at once: hundreds of simultaneous DTLS handshakes on two cores made
/// some miss their deadline; the load itself starts once all are up.
const SETUP_AT_ONCE: usize = 16;

/// How long one peer may take to connect while the others are being set up.
const CONNECT_WAIT: Duration = Duration::from_secs(60);

struct Figures {
    name: &'static str,
    cpu_pct: f64,
    packets_per_s: f64,
    loss_pct: f64,
    latency_avg_ms: f64,
    latency_p95_ms: f64,
    viewers_receiving: usize,
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn primary_ip() -> IpAddr {
    UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))
        .and_then(|s| s.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).map(|_| s))
        .and_then(|s| s.local_addr())
        .map(|a| a.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let publishers = arg("--publishers", 20);
    let viewers = arg("--viewers", 2);
    let seconds = arg("--seconds", 20) as u64;
    let skip_janus = std::env::args().any(|a| a == "--no-janus");
    let with_janus = !skip_janus && which("janus");
    let ip = primary_ip();

    let dir = std::env::temp_dir().join(format!("media-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let ivf = dir.join("bench.ivf");
    ivf::make_vp8(&ivf, 10)?;
    let frames = Arc::new(ivf::read_frames(&ivf)?);
    let kbps = frames.iter().map(|f| f.len()).sum::<usize>() as f64 * 8.0 / 10.0 / 1000.0;
    println!("load: {publishers} publishers x {viewers} viewers, VP8 {kbps:.0} kbps, {seconds} s measured, on {ip}");

    // The sfu-dev built beside this binary: a release build when built as documented.
    let sfu_bin = std::env::var_os("SFU_DEV_BIN").map(PathBuf::from).unwrap_or_else(|| {
        std::env::current_exe().ok().and_then(|p| p.parent().map(|d| d.join("sfu-dev"))).unwrap_or_default()
    });
    println!("sfu: {}", sfu_bin.display());
    if sfu_bin.components().any(|c| c.as_os_str() == "debug") {
        println!("  warning: a debug build of sfu-dev; figures are not comparable with Janus");
    }
    let ours = run_sfu(&sfu_bin, ip, frames.clone(), publishers, viewers, seconds).await?;
    print(&ours);
    if with_janus {
        match run_janus(&dir, ip, frames, publishers, viewers, seconds).await {
            Ok(j) => {
                print(&j);
                if j.cpu_pct > 0.0 {
                    println!("CPU ratio sfu/janus: {:.2}", ours.cpu_pct / j.cpu_pct);
                }
            }
            Err(e) => println!("janus: not measured ({e})"),
        }
    } else {
        println!("janus: skipped ({})", if skip_janus { "--no-janus" } else { "not installed" });
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn which(bin: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(bin).is_file()))
        .unwrap_or(false)
}

fn print(f: &Figures) {
    println!(
        "{:<6} server CPU {:>6.1}% of one core | forwarded {:>8.0} pkt/s | loss {:>5.2}% | latency avg {:>6.1} ms p95 {:>6.1} ms | viewers receiving {}",
        f.name, f.cpu_pct, f.packets_per_s, f.loss_pct, f.latency_avg_ms, f.latency_p95_ms, f.viewers_receiving
    );
}

async fn run_sfu(bin: &std::path::Path, ip: IpAddr, frames: Arc<Vec<Bytes>>, n: usize, m: usize, secs: u64) -> Result<Figures, BoxError> {
    let proc = sfu::start(bin, ip)?;
    let base_url = proc.http.clone();
    let http = reqwest::Client::new();
    let totals = Arc::new(Totals::default());
    let base = Instant::now();
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut set = JoinSet::new();
    let setup = Arc::new(Semaphore::new(SETUP_AT_ONCE));
    for i in 0..n {
        let setup = setup.clone();
        let (http, base_url, totals, frames, stop_rx) = (http.clone(), base_url.clone(), totals.clone(), frames.clone(), stop_rx.clone());
        set.spawn(async move {
            let _turn = setup.acquire_owned().await?;
            let room = format!("bench-{}", i / 10);
            let sub = format!("candidate:{i}");
            let mut peers = Vec::new();
            let mut publisher = client::peer(totals.clone(), base, ip, client::Role::Publisher).await?;
            let track = publisher.add_vp8_track().await?;
            let t = sfu::token(&http, &base_url, &room, &sub, "publish").await?;
            let offer = publisher.offer().await?;
            if std::env::var_os("MEDIA_BENCH_SDP").is_some() {
                eprintln!("publisher offer:\n{offer}");
            }
            let answer = sfu::post_offer(&http, &format!("{base_url}/media/whip"), &t, offer).await?;
            if std::env::var_os("MEDIA_BENCH_SDP").is_some() {
                eprintln!("answer:\n{answer}");
            }
            publisher.accept_answer(answer).await?;
            // A WHEP viewer can only attach once the publisher is connected and publishing.
            if !publisher.wait_connected(CONNECT_WAIT).await {
                return Err(format!("publisher {sub} did not connect").into());
            }
            tokio::spawn(client::stream(publisher.pc.clone(), track, frames, base, stop_rx));
            tokio::time::sleep(Duration::from_millis(200)).await;
            peers.push(publisher);
            for j in 0..m {
                let mut v = client::peer(totals.clone(), base, ip, client::Role::Viewer).await?;
                v.add_recv_video().await?;
                let t = sfu::token(&http, &base_url, &room, &format!("invigilator:{j}"), "view").await?;
                let url = format!("{base_url}/media/whep/candidate%3A{i}");
                let answer = sfu::post_offer(&http, &url, &t, v.offer().await?).await?;
                v.accept_answer(answer).await?;
                peers.push(v);
            }
            Ok::<Vec<Peer>, BoxError>(peers)
        });
    }
    let peers = collect(set).await?;
    let f = measure("sfu", proc.child.id(), &totals, secs, n * m).await;
    let _ = stop_tx.send(true);
    for p in &peers {
        let _ = p.pc.close().await;
    }
    drop(proc);
    Ok(f)
}

async fn run_janus(dir: &std::path::Path, ip: IpAddr, frames: Arc<Vec<Bytes>>, n: usize, m: usize, secs: u64) -> Result<Figures, BoxError> {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        l.local_addr()?.port()
    };
    let proc = janus::start(dir, ip, port, n)?;
    let http = reqwest::Client::new();
    // Wait for the HTTP transport.
    let mut up = false;
    for _ in 0..50 {
        if http.get(format!("{}/info", proc.url)).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    if !up {
        return Err("janus did not start".into());
    }
    let totals = Arc::new(Totals::default());
    let base = Instant::now();
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut set = JoinSet::new();
    let setup = Arc::new(Semaphore::new(SETUP_AT_ONCE));
    for i in 0..n {
        let setup = setup.clone();
        let (http, url, totals, frames, stop_rx) = (http.clone(), proc.url.clone(), totals.clone(), frames.clone(), stop_rx.clone());
        set.spawn(async move {
            let _turn = setup.acquire_owned().await?;
            let feed = 1000 + i as u64;
            let mut peers = Vec::new();
            let mut publisher = client::peer(totals.clone(), base, ip, client::Role::Publisher).await?;
            let track = publisher.add_vp8_track().await?;
            let s = janus::Session::new(&http, &url).await?;
            s.publish(&mut publisher, feed).await?;
            s.keep_polling();
            if !publisher.wait_connected(CONNECT_WAIT).await {
                return Err(format!("janus publisher {feed} did not connect").into());
            }
            tokio::spawn(client::stream(publisher.pc.clone(), track, frames, base, stop_rx));
            tokio::time::sleep(Duration::from_millis(500)).await;
            peers.push(publisher);
            for _ in 0..m {
                let mut v = client::peer(totals.clone(), base, ip, client::Role::Viewer).await?;
                let s = janus::Session::new(&http, &url).await?;
                s.subscribe(&mut v, feed).await?;
                s.keep_polling();
                peers.push(v);
            }
            Ok::<Vec<Peer>, BoxError>(peers)
        });
    }
    let peers = collect(set).await?;
    let f = measure("janus", proc.child.id(), &totals, secs, n * m).await;
    let _ = stop_tx.send(true);
    for p in &peers {
        let _ = p.pc.close().await;
    }
    drop(proc);
    Ok(f)
}

async fn collect(mut set: JoinSet<Result<Vec<Peer>, BoxError>>) -> Result<Vec<Peer>, BoxError> {
    let mut peers = Vec::new();
    while let Some(r) = set.join_next().await {
        peers.extend(r??);
    }
    let mut connected = 0;
    for p in peers.iter_mut() {
        connected += usize::from(p.wait_connected(CONNECT_WAIT).await);
    }
    println!("  {connected}/{} peer connections up", peers.len());
    Ok(peers)
}

async fn measure(name: &'static str, pid: u32, totals: &Totals, secs: u64, viewers: usize) -> Figures {
    // Warm-up: connections settle, first keyframes go out.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (p0, l0, c0) = (totals.packets.load(Ordering::Relaxed), totals.lost.load(Ordering::Relaxed), cpu::cpu_seconds(pid));
    if let Ok(mut l) = totals.latencies.lock() {
        l.clear();
    }
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let dt = t0.elapsed().as_secs_f64();
    let (p1, l1, c1) = (totals.packets.load(Ordering::Relaxed), totals.lost.load(Ordering::Relaxed), cpu::cpu_seconds(pid));
    let mut lat = totals.latencies.lock().map(|l| l.clone()).unwrap_or_default();
    lat.sort_unstable();
    let avg = if lat.is_empty() { 0.0 } else { lat.iter().sum::<u64>() as f64 / lat.len() as f64 / 1000.0 };
    let p95 = lat.get(lat.len() * 95 / 100).copied().unwrap_or(0) as f64 / 1000.0;
    let (packets, lost) = ((p1 - p0) as f64, (l1 - l0) as f64);
    Figures {
        name,
        cpu_pct: (c1 - c0) / dt * 100.0,
        packets_per_s: packets / dt,
        loss_pct: if packets + lost > 0.0 { lost / (packets + lost) * 100.0 } else { 0.0 },
        latency_avg_ms: avg,
        latency_p95_ms: p95,
        viewers_receiving: if packets > 0.0 { viewers } else { 0 },
    }
}
