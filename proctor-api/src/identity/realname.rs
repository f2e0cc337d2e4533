//! Real-name verification (R2): name + ID number → match, mismatch or unavailable, through a
//! pluggable adapter. The HTTP adapter speaks a small JSON protocol (`POST {url}/verify`
//! with `{"name", "id_number"}` → `{"result": "match" | "mismatch"}`); anything else — a
//! timeout, a refused connection, a 5xx, an unknown answer — is `Unavailable`, which callers
//! record as a pending check and never treat as a pass.

use std::time::Duration;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Match,
    Mismatch,
    Unavailable,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Match => "match",
            Verdict::Mismatch => "mismatch",
            Verdict::Unavailable => "unavailable",
        }
    }
}

/// What the adapter said and, when it could not say, why.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub verdict: Verdict,
    pub detail: String,
}

pub trait RealNameAdapter: Send + Sync {
    fn verify<'a>(&'a self, name: &'a str, id_number: &'a str) -> BoxFuture<'a, Outcome>;
}

/// No service configured: every check is unavailable (so it stays pending, never passes).
pub struct NotConfigured;

impl RealNameAdapter for NotConfigured {
    fn verify<'a>(&'a self, _: &'a str, _: &'a str) -> BoxFuture<'a, Outcome> {
        Box::pin(async {
            Outcome {
                verdict: Verdict::Unavailable,
                detail: "no real-name service configured".into(),
            }
        })
    }
}

pub struct HttpAdapter {
    url: String,
    client: reqwest::Client,
}

impl HttpAdapter {
    pub fn new(url: &str, timeout: Duration) -> anyhow::Result<HttpAdapter> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()?;
        Ok(HttpAdapter {
            url: url.trim_end_matches('/').to_owned(),
            client,
        })
    }
}

#[derive(Deserialize)]
struct Answer {
    result: String,
}

impl RealNameAdapter for HttpAdapter {
    fn verify<'a>(&'a self, name: &'a str, id_number: &'a str) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let unavailable = |detail: String| Outcome {
                verdict: Verdict::Unavailable,
                detail,
            };
            let resp = match self
                .client
                .post(format!("{}/verify", self.url))
                .json(&serde_json::json!({"name": name, "id_number": id_number}))
                .send()
                .await
            {
                Ok(r) => r,
                Err(e) if e.is_timeout() => return unavailable("timed out".into()),
                Err(e) => return unavailable(format!("request failed: {e}")),
            };
            if !resp.status().is_success() {
                return unavailable(format!("service answered {}", resp.status()));
            }
            match resp.json::<Answer>().await {
                Ok(a) if a.result == "match" => Outcome {
                    verdict: Verdict::Match,
                    detail: String::new(),
                },
                Ok(a) if a.result == "mismatch" => Outcome {
                    verdict: Verdict::Mismatch,
                    detail: String::new(),
                },
                Ok(a) => unavailable(format!("unknown answer {:?}", a.result)),
                Err(e) if e.is_timeout() => unavailable("timed out".into()),
                Err(e) => unavailable(format!("unreadable answer: {e}")),
            }
        })
    }
}
