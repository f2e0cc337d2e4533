//! Janus VideoRoom under the same load: Debian's `janus` with a minimal config in a temp
//! dir, driven through its HTTP API (one session per peer, long-poll for events).

use std::net::IpAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::client::Peer;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub const ROOM: u64 = 4242;

pub struct JanusProcess {
    pub child: Child,
    pub url: String,
}

impl Drop for JanusProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start(dir: &Path, ip: IpAddr, http_port: u16, publishers: usize) -> Result<JanusProcess, BoxError> {
    let lib = "/usr/lib/x86_64-linux-gnu/janus";
    let disabled_plugins = [
        "audiobridge", "duktape", "echotest", "lua", "nosip", "recordplay", "sip", "streaming",
        "textroom", "videocall", "voicemail",
    ]
    .map(|p| format!("libjanus_{p}.so"))
    .join(",");
    std::fs::write(
        dir.join("janus.jcfg"),
        format!(
            r#"general: {{
  configs_folder = "{d}"
  plugins_folder = "{lib}/plugins"
  transports_folder = "{lib}/transports"
  events_folder = "{lib}/events"
  loggers_folder = "{lib}/loggers"
  debug_level = 2
  session_timeout = 120
}}
media: {{ rtp_port_range = "30000-39999" }}
nat: {{ ice_enforce_list = "{ip}" }}
plugins: {{ disable = "{disabled_plugins}" }}
transports: {{ disable = "libjanus_websockets.so,libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_pfunix.so,libjanus_rabbitmq.so" }}
loggers: {{ disable = "libjanus_jsonlog.so" }}
events: {{ broadcast = false }}
"#,
            d = dir.display()
        ),
    )?;
    std::fs::write(
        dir.join("janus.transport.http.jcfg"),
        format!("general: {{ json = \"compact\"\n base_path = \"/janus\"\n http = true\n port = {http_port}\n ip = \"127.0.0.1\"\n https = false }}\nadmin: {{ admin_http = false }}\n"),
    )?;
    std::fs::write(
        dir.join("janus.plugin.videoroom.jcfg"),
        format!("general: {{ }}\nroom-{ROOM}: {{ description = \"bench\"\n publishers = {}\n bitrate = 0\n videocodec = \"vp8\"\n audiocodec = \"opus\" }}\n", publishers + 1),
    )?;
    let child = Command::new("janus")
        .args(["-C", &dir.join("janus.jcfg").display().to_string(), "-F", &dir.display().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    Ok(JanusProcess { child, url: format!("http://127.0.0.1:{http_port}/janus") })
}

/// One Janus session with one VideoRoom handle.
pub struct Session {
    http: reqwest::Client,
    url: String,
}

fn tx() -> String {
    format!("{:x}", rand::random::<u64>())
}

impl Session {
    pub async fn new(http: &reqwest::Client, base: &str) -> Result<Session, BoxError> {
        let r: Value = http.post(base).json(&json!({"janus": "create", "transaction": tx()})).send().await?.json().await?;
        let sid = r["data"]["id"].as_u64().ok_or_else(|| format!("create: {r}"))?;
        let surl = format!("{base}/{sid}");
        let r: Value = http
            .post(&surl)
            .json(&json!({"janus": "attach", "plugin": "janus.plugin.videoroom", "transaction": tx()}))
            .send()
            .await?
            .json()
            .await?;
        let hid = r["data"]["id"].as_u64().ok_or_else(|| format!("attach: {r}"))?;
        let s = Session { http: http.clone(), url: format!("{surl}/{hid}") };
        // Long-poll keeps the session alive; trickled candidates are not needed (we send
        // complete offers/answers and Janus answers after gathering).
        Ok(s)
    }

    fn session_url(&self) -> &str {
        self.url.rsplit_once('/').map(|(s, _)| s).unwrap_or(&self.url)
    }

    async fn message(&self, body: Value, jsep: Option<Value>) -> Result<(), BoxError> {
        let mut m = json!({"janus": "message", "transaction": tx(), "body": body});
        if let Some(j) = jsep {
            m["jsep"] = j;
        }
        self.http.post(&self.url).json(&m).send().await?;
        Ok(())
    }

    /// Next plugin event carrying a JSEP (answer or offer), adding trickled candidates on the way.
    async fn wait_jsep(&self, peer: &Peer) -> Result<Value, BoxError> {
        for _ in 0..10 {
            let r: Value = self.http.get(format!("{}?maxev=1", self.session_url())).send().await?.json().await?;
            let evs = if r.is_array() { r.as_array().cloned().unwrap_or_default() } else { vec![r] };
            for ev in evs {
                if ev["janus"] == "trickle" {
                    if let Some(c) = ev["candidate"]["candidate"].as_str() {
                        let init = webrtc::peer_connection::RTCIceCandidateInit {
                            candidate: c.to_owned(),
                            sdp_mid: ev["candidate"]["sdpMid"].as_str().map(str::to_owned),
                            sdp_mline_index: ev["candidate"]["sdpMLineIndex"].as_u64().map(|v| v as u16),
                            ..Default::default()
                        };
                        let _ = peer.pc.add_ice_candidate(init).await;
                    }
                }
                if ev.get("jsep").is_some() {
                    return Ok(ev);
                }
                let err = &ev["plugindata"]["data"]["error"];
                if !err.is_null() || ev["janus"] == "error" {
                    return Err(format!("janus refused: {ev}").into());
                }
            }
        }
        Err("no jsep from janus".into())
    }

    pub async fn publish(&self, peer: &mut Peer, feed: u64) -> Result<(), BoxError> {
        let offer = peer.offer().await?;
        self.message(
            json!({"request": "joinandconfigure", "room": ROOM, "ptype": "publisher", "id": feed, "audio": false, "video": true}),
            Some(json!({"type": "offer", "sdp": offer})),
        )
        .await?;
        let ev = self.wait_jsep(peer).await?;
        peer.accept_answer(ev["jsep"]["sdp"].as_str().ok_or("no sdp")?.to_owned()).await
    }

    pub async fn subscribe(&self, peer: &mut Peer, feed: u64) -> Result<(), BoxError> {
        self.message(json!({"request": "join", "room": ROOM, "ptype": "subscriber", "feed": feed}), None).await?;
        let ev = self.wait_jsep(peer).await?;
        let answer = peer.answer(ev["jsep"]["sdp"].as_str().ok_or("no sdp")?.to_owned()).await?;
        self.message(json!({"request": "start", "room": ROOM}), Some(json!({"type": "answer", "sdp": answer}))).await
    }

    /// Keep the session alive and drain events until the process ends.
    pub fn keep_polling(self) {
        tokio::spawn(async move {
            loop {
                let r = self.http.get(format!("{}?maxev=10", self.session_url())).timeout(Duration::from_secs(40)).send().await;
                if r.is_err() {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        });
    }
}
