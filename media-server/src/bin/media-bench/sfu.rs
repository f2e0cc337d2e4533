//! Our SFU under load: sfu-dev as a separate process, WHIP publishers, WHEP viewers.

use std::io::{BufRead, BufReader};
use std::net::IpAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub struct SfuProcess {
    pub child: Child,
    pub http: String,
}

impl Drop for SfuProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start(bin: &Path, ip: IpAddr) -> Result<SfuProcess, BoxError> {
    let mut child = Command::new(bin)
        .args(["--http", "127.0.0.1:0", "--udp", &format!("{ip}:0")])
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let ready = loop {
        let line = lines.next().ok_or("sfu-dev exited")??;
        if let Some(j) = line.strip_prefix("SFU_DEV_READY ") {
            break serde_json::from_str::<Value>(j)?;
        }
    };
    // Keep draining stdout (event lines) so the pipe never fills.
    std::thread::spawn(move || for _ in lines {});
    let http = ready["http"].as_str().ok_or("no http")?.to_owned();
    Ok(SfuProcess { child, http })
}

pub async fn token(http: &reqwest::Client, base: &str, room: &str, sub: &str, role: &str) -> Result<String, BoxError> {
    let body = serde_json::json!({ "room": room, "sub": sub, "role": role });
    Ok(http.post(format!("{base}/dev/token")).json(&body).send().await?.text().await?)
}

pub async fn post_offer(http: &reqwest::Client, url: &str, token: &str, sdp: String) -> Result<String, BoxError> {
    let res = http
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/sdp")
        .body(sdp)
        .send()
        .await?;
    if res.status().as_u16() != 201 {
        return Err(format!("{url}: {}", res.status()).into());
    }
    Ok(res.text().await?)
}
