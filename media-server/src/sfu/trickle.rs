//! `application/trickle-ice-sdpfrag` bodies (RFC 8840) as sent in WHIP/WHEP PATCH.

use str0m::Candidate;

/// Parsed fragment.
#[derive(Debug, Default)]
pub struct SdpFrag {
    pub ufrag: Option<String>,
    pub pwd: Option<String>,
    pub candidates: Vec<Candidate>,
}

/// Parse a fragment; candidates we cannot use (mDNS names, TCP) are skipped.
pub fn parse(body: &str) -> SdpFrag {
    let mut frag = SdpFrag::default();
    for line in body.lines().map(str::trim) {
        if let Some(u) = line.strip_prefix("a=ice-ufrag:") {
            frag.ufrag = Some(u.to_owned());
        } else if let Some(p) = line.strip_prefix("a=ice-pwd:") {
            frag.pwd = Some(p.to_owned());
        } else if let Some(c) = line.strip_prefix("a=")
            && c.starts_with("candidate:")
            && let Ok(c) = Candidate::from_sdp_string(c)
        {
            frag.candidates.push(c);
        }
    }
    frag
}

/// The remote ufrag of an offer, to tell a trickle PATCH from an ICE restart.
pub fn offer_ufrag(sdp: &str) -> Option<String> {
    sdp.lines()
        .find_map(|l| l.trim().strip_prefix("a=ice-ufrag:"))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    #[test]
    fn fragment_yields_ufrag_and_ip_candidates_only() {
        let f = super::parse(
            "a=ice-ufrag:abcd\r\na=ice-pwd:x\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\n\
             a=candidate:1 1 udp 2113929471 192.0.2.10 50000 typ host\r\n\
             a=candidate:2 1 udp 2113929471 3f1c.local 50001 typ host\r\na=end-of-candidates\r\n",
        );
        assert_eq!(f.ufrag.as_deref(), Some("abcd"));
        assert_eq!(f.pwd.as_deref(), Some("x"));
        assert_eq!(f.candidates.len(), 1);
    }
}
