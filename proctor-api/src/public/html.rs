//! The shared frame and escaping for server-rendered pages.

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{margin:0;font-family:'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif;\
background:#f2f4f7;color:#1f2d3d}header{background:#1d4e89;color:#fff;padding:12px 16px}\
header a{color:#fff;text-decoration:none;font-weight:bold}main{max-width:960px;margin:0 auto;padding:12px}\
.card{background:#fff;border-radius:6px;padding:16px;margin:12px 0;box-shadow:0 1px 3px rgba(0,0,0,.08)}\
h1{font-size:1.5em;margin:.2em 0}.en,small{color:#667085;font-weight:normal}\
table.profile{border-collapse:collapse;width:100%}table.profile th{text-align:left;width:30%;\
vertical-align:top;padding:6px;border-bottom:1px solid #eee}table.profile td{padding:6px;\
border-bottom:1px solid #eee;word-break:break-all}.intro p{line-height:1.7;text-indent:2em}\
ul.links li{margin:6px 0}footer{text-align:center;color:#98a2b3;font-size:.85em;padding:16px}\
form label{display:block;margin:8px 0 2px}input,select,textarea{width:100%;max-width:480px;\
padding:6px;box-sizing:border-box}button{padding:8px 18px}\
@media print{header,footer,ul.links{display:none}body{background:#fff}.card{box-shadow:none}}";

/// A complete page: no script, a viewport for phones, a print style.
pub fn layout(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\">\
         <title>{title}</title><style>{STYLE}</style></head><body>\
         <header><a href=\"/\">{title}</a></header><main>{body}</main>\
         <footer>职业技能等级认定考务服务平台 · Vocational Skill Certification Platform</footer>\
         </body></html>",
        title = escape(title),
    )
}
