//! QTI 3.0 (IMS Question and Test Interoperability) content packages: export a bank as one
//! `qti-assessment-item` per item plus `imsmanifest.xml`, and read such packages back as an
//! import (same preview and confirm as Excel and Word).
//!
//! Mapping: single/multiple/true-false → `qti-choice-interaction` (true/false with the
//! choice identifiers `true`/`false`); fill-in-the-blank → one `qti-text-entry-interaction`
//! per blank, accepted alternatives as `qti-map-entry`; calculation → a float response with
//! `data-tolerance`/`data-unit` on the interaction; short answer, essay, thesis →
//! `qti-extended-text-interaction`, flowchart → `qti-upload-interaction`; the reference
//! answer, rubric (`<p data-points>`) and explanation are scorer rubric blocks. The score is
//! `MAXSCORE`; type, difficulty and knowledge point ride as `data-*` on `qti-item-body`.
//! Case analyses (sub-questions) have no QTI item form and are left out of exports.

use std::collections::HashMap;
use std::io::{Cursor, Read, Write};

use quick_xml::Reader;
use quick_xml::events::Event;

use super::cells::{Field, FieldError};
use super::import::{Parsed, ParsedItem, Progress, RowError};
use super::item::{ItemBody, ItemType, LETTERS, NumericAnswer, RubricRule, centi_text};

const NS: &str = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Sanitised HTML → XHTML: void elements closed, named entities XML lacks made numeric.
fn xhtml(html: &str) -> String {
    const VOID: [&str; 6] = ["br", "img", "hr", "wbr", "col", "area"];
    let html = html.replace("&nbsp;", "&#160;");
    let mut out = String::with_capacity(html.len() + 16);
    let mut rest = html.as_str();
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let tag = &rest[i..];
        let Some(end) = tag.find('>') else {
            out.push_str(tag);
            rest = "";
            break;
        };
        let inner = &tag[1..end];
        let name: String = inner
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if VOID.contains(&name.to_ascii_lowercase().as_str()) && !inner.ends_with('/') {
            out.push('<');
            out.push_str(inner);
            out.push_str("/>");
        } else {
            out.push_str(&tag[..=end]);
        }
        rest = &tag[end + 1..];
    }
    out.push_str(rest);
    out
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        v.to_string()
    }
}

/// One item as a `qti-assessment-item` document; `None` for case analyses.
pub fn item_xml(id: i64, b: &ItemBody) -> Option<String> {
    let mut decl = String::new();
    let mut body = format!("<div class=\"stem\">{}</div>", xhtml(&b.stem));
    match b.item_type {
        ItemType::Single | ItemType::Multiple | ItemType::TrueFalse => {
            let multiple = b.item_type == ItemType::Multiple;
            let values: String = b
                .answer
                .iter()
                .map(|a| format!("<qti-value>{}</qti-value>", esc(a)))
                .collect();
            decl.push_str(&format!(
                "<qti-response-declaration identifier=\"RESPONSE\" cardinality=\"{}\" base-type=\"identifier\"><qti-correct-response>{values}</qti-correct-response></qti-response-declaration>",
                if multiple { "multiple" } else { "single" }
            ));
            let choices: String = if b.item_type == ItemType::TrueFalse {
                "<qti-simple-choice identifier=\"true\">正确</qti-simple-choice><qti-simple-choice identifier=\"false\">错误</qti-simple-choice>".into()
            } else {
                b.options
                    .iter()
                    .zip(LETTERS)
                    .map(|(o, l)| {
                        format!(
                            "<qti-simple-choice identifier=\"{l}\">{}</qti-simple-choice>",
                            xhtml(o)
                        )
                    })
                    .collect()
            };
            body.push_str(&format!(
                "<qti-choice-interaction response-identifier=\"RESPONSE\" max-choices=\"{}\">{choices}</qti-choice-interaction>",
                if multiple { 0 } else { 1 }
            ));
        }
        ItemType::FillBlank => {
            for (k, alts) in b.blanks.iter().enumerate() {
                let first = alts.first().map(String::as_str).unwrap_or_default();
                let entries: String = alts
                    .iter()
                    .map(|a| format!("<qti-map-entry map-key=\"{}\" mapped-value=\"1\"/>", esc(a)))
                    .collect();
                decl.push_str(&format!(
                    "<qti-response-declaration identifier=\"RESPONSE_{n}\" cardinality=\"single\" base-type=\"string\"><qti-correct-response><qti-value>{}</qti-value></qti-correct-response><qti-mapping default-value=\"0\">{entries}</qti-mapping></qti-response-declaration>",
                    esc(first),
                    n = k + 1
                ));
                body.push_str(&format!(
                    "<p><qti-text-entry-interaction response-identifier=\"RESPONSE_{}\"/></p>",
                    k + 1
                ));
            }
        }
        ItemType::Calculation => {
            let n = b.numeric.clone().unwrap_or(NumericAnswer {
                value: 0.0,
                tolerance: 0.0,
                unit: String::new(),
            });
            decl.push_str(&format!(
                "<qti-response-declaration identifier=\"RESPONSE\" cardinality=\"single\" base-type=\"float\"><qti-correct-response><qti-value>{}</qti-value></qti-correct-response></qti-response-declaration>",
                number(n.value)
            ));
            body.push_str(&format!(
                "<p><qti-text-entry-interaction response-identifier=\"RESPONSE\" data-tolerance=\"{}\" data-unit=\"{}\"/></p>",
                number(n.tolerance),
                esc(&n.unit)
            ));
        }
        ItemType::ShortAnswer | ItemType::Essay | ItemType::Thesis => {
            decl.push_str("<qti-response-declaration identifier=\"RESPONSE\" cardinality=\"single\" base-type=\"string\"/>");
            body.push_str("<qti-extended-text-interaction response-identifier=\"RESPONSE\"/>");
        }
        ItemType::Flowchart => {
            decl.push_str("<qti-response-declaration identifier=\"RESPONSE\" cardinality=\"single\" base-type=\"file\"/>");
            body.push_str("<qti-upload-interaction response-identifier=\"RESPONSE\"/>");
        }
        ItemType::CaseAnalysis => return None,
    }
    if !b.reference_answer.is_empty() {
        body.push_str(&format!(
            "<qti-rubric-block use=\"scoring\" view=\"scorer\" class=\"reference-answer\"><div>{}</div></qti-rubric-block>",
            xhtml(&b.reference_answer)
        ));
    }
    if !b.rubric.is_empty() {
        let points: String = b
            .rubric
            .iter()
            .map(|r| {
                format!(
                    "<p data-points=\"{}\">{}</p>",
                    centi_text(r.points_centi),
                    esc(&r.description)
                )
            })
            .collect();
        body.push_str(&format!("<qti-rubric-block use=\"scoring\" view=\"scorer\" class=\"rubric\">{points}</qti-rubric-block>"));
    }
    if !b.explanation.is_empty() {
        body.push_str(&format!(
            "<qti-rubric-block use=\"instructions\" view=\"scorer\" class=\"explanation\"><div>{}</div></qti-rubric-block>",
            xhtml(&b.explanation)
        ));
    }
    let objective = b.item_type.is_objective();
    Some(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<qti-assessment-item xmlns=\"{NS}\" identifier=\"item-{id}\" title=\"{title}\" adaptive=\"false\" time-dependent=\"false\" xml:lang=\"zh-CN\">\
         {decl}<qti-outcome-declaration identifier=\"SCORE\" cardinality=\"single\" base-type=\"float\"/>\
         <qti-outcome-declaration identifier=\"MAXSCORE\" cardinality=\"single\" base-type=\"float\"><qti-default-value><qti-value>{score}</qti-value></qti-default-value></qti-outcome-declaration>\
         <qti-item-body data-item-type=\"{ty}\" data-difficulty=\"{d}\" data-knowledge-point=\"{kp}\">{body}</qti-item-body>{rp}</qti-assessment-item>\n",
        title = esc(b.item_type.zh()),
        score = centi_text(b.score_centi),
        ty = b.item_type.as_str(),
        d = b.difficulty,
        kp = esc(&b.knowledge_point),
        rp = if objective
            && b.item_type != ItemType::FillBlank
            && b.item_type != ItemType::Calculation
        {
            "<qti-response-processing template=\"https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml\"/>"
        } else {
            ""
        },
    ))
}

/// A content package of the items (case analyses left out); returns the zip and how many
/// items were left out.
pub fn export(items: &[(i64, ItemBody)]) -> Result<(Vec<u8>, usize), zip::result::ZipError> {
    let mut buf = Cursor::new(Vec::new());
    let mut skipped = 0;
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default();
        let mut resources = String::new();
        for (id, b) in items {
            let Some(xml) = item_xml(*id, b) else {
                skipped += 1;
                continue;
            };
            let path = format!("items/item-{id}.xml");
            z.start_file(&path, opts)?;
            z.write_all(xml.as_bytes())?;
            resources.push_str(&format!(
                "<resource identifier=\"res-{id}\" type=\"imsqti_item_xmlv3p0\" href=\"{path}\"><file href=\"{path}\"/></resource>"
            ));
        }
        z.start_file("imsmanifest.xml", opts)?;
        z.write_all(
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest xmlns=\"http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1\" identifier=\"proctor-bank\">\
                 <metadata><schema>QTI Package</schema><schemaversion>3.0.0</schemaversion></metadata><organizations/><resources>{resources}</resources></manifest>\n"
            )
            .as_bytes(),
        )?;
        z.finish()?;
    }
    Ok((buf.into_inner(), skipped))
}

/// A small element tree, enough to read items back.
#[derive(Debug, Default)]
struct El {
    name: String,
    attrs: HashMap<String, String>,
    kids: Vec<Node>,
}

#[derive(Debug)]
enum Node {
    El(El),
    Text(String),
}

fn local(n: &str) -> &str {
    n.rsplit(':').next().unwrap_or(n)
}

fn tree(xml: &str) -> Result<El, String> {
    let mut r = Reader::from_str(xml);
    let mut stack: Vec<El> = vec![El::default()];
    let open = |e: &quick_xml::events::BytesStart<'_>| El {
        name: local(e.name().0).to_owned(),
        attrs: e
            .attributes()
            .flatten()
            .map(|a| (local(a.key.0).to_owned(), unescape(&a.value)))
            .collect(),
        kids: Vec::new(),
    };
    loop {
        match r.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) => stack.push(open(&e)),
            Event::Empty(e) => {
                let el = open(&e);
                stack
                    .last_mut()
                    .ok_or("bad nesting")?
                    .kids
                    .push(Node::El(el));
            }
            Event::End(_) => {
                let el = stack.pop().ok_or("bad nesting")?;
                stack
                    .last_mut()
                    .ok_or("bad nesting")?
                    .kids
                    .push(Node::El(el));
            }
            Event::Text(t) => {
                let s = t.xml10_content().into_owned();
                stack
                    .last_mut()
                    .ok_or("bad nesting")?
                    .kids
                    .push(Node::Text(s));
            }
            Event::CData(t) => {
                let s = t.into_inner().into_owned();
                stack
                    .last_mut()
                    .ok_or("bad nesting")?
                    .kids
                    .push(Node::Text(esc(&s)));
            }
            Event::GeneralRef(g) => {
                let text = match g.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(c) => esc(&c.to_string()),
                    None => format!("&{};", &*g),
                };
                stack
                    .last_mut()
                    .ok_or("bad nesting")?
                    .kids
                    .push(Node::Text(text));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut root = stack.pop().ok_or("bad nesting")?;
    root.kids
        .drain(..)
        .find_map(|k| match k {
            Node::El(e) => Some(e),
            Node::Text(_) => None,
        })
        .ok_or_else(|| "empty document".to_owned())
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

impl El {
    fn els(&self) -> impl Iterator<Item = &El> {
        self.kids.iter().filter_map(|k| match k {
            Node::El(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    fn find(&self, name: &str) -> Option<&El> {
        self.els().find_map(|e| {
            if e.name == name {
                Some(e)
            } else {
                e.find(name)
            }
        })
    }

    fn all<'a>(&'a self, name: &str, out: &mut Vec<&'a El>) {
        for e in self.els() {
            if e.name == name {
                out.push(e);
            } else {
                e.all(name, out);
            }
        }
    }

    fn attr(&self, k: &str) -> Option<&str> {
        self.attrs.get(k).map(String::as_str)
    }

    /// Text content (text kept escaped, as in the source).
    fn text(&self) -> String {
        let mut s = String::new();
        for k in &self.kids {
            match k {
                Node::Text(t) => s.push_str(t),
                Node::El(e) => s.push_str(&e.text()),
            }
        }
        unescape(&s)
    }

    /// The children as HTML (QTI elements left out).
    fn inner_html(&self) -> String {
        let mut s = String::new();
        for k in &self.kids {
            match k {
                Node::Text(t) => s.push_str(t),
                Node::El(e) if e.name.starts_with("qti-") => {}
                Node::El(e) => {
                    s.push('<');
                    s.push_str(&e.name);
                    let mut attrs: Vec<_> = e.attrs.iter().collect();
                    attrs.sort();
                    for (k, v) in attrs {
                        s.push_str(&format!(" {k}=\"{}\"", esc(v)));
                    }
                    s.push('>');
                    // HTML void elements have no end tag (`</br>` would read as a second <br>).
                    if !matches!(
                        e.name.as_str(),
                        "br" | "img" | "hr" | "wbr" | "col" | "area"
                    ) {
                        s.push_str(&e.inner_html());
                        s.push_str(&format!("</{}>", e.name));
                    }
                }
            }
        }
        s
    }
}

fn values(decl: &El) -> Vec<String> {
    let mut v = Vec::new();
    if let Some(c) = decl.find("qti-correct-response") {
        let mut vals = Vec::new();
        c.all("qti-value", &mut vals);
        v.extend(vals.iter().map(|e| e.text().trim().to_owned()));
    }
    v
}

fn rubric_block<'a>(body: &'a El, class: &str) -> Option<&'a El> {
    let mut blocks = Vec::new();
    body.all("qti-rubric-block", &mut blocks);
    blocks.into_iter().find(|b| {
        b.attr("class")
            .is_some_and(|c| c.split_whitespace().any(|x| x == class))
    })
}

/// A rubric block's content: the export wraps it in one `<div>`, which is not part of it.
fn block_html(block: &El) -> String {
    let only_div = block.els().count() == 1
        && block.els().all(|e| e.name == "div")
        && block.kids.iter().all(|k| match k {
            Node::Text(t) => t.trim().is_empty(),
            Node::El(_) => true,
        });
    match block.els().next() {
        Some(div) if only_div => div.inner_html(),
        _ => block.inner_html(),
    }
}

/// One `qti-assessment-item` as a body (unchecked), or why it cannot be read.
fn item_body(xml: &str) -> Result<ItemBody, (String, String)> {
    let root = tree(xml).map_err(|e| {
        (
            format!("XML 无法解析：{e}"),
            format!("The XML cannot be read: {e}"),
        )
    })?;
    if root.name != "qti-assessment-item" {
        return Err((
            "不是 qti-assessment-item".into(),
            "Not a qti-assessment-item".into(),
        ));
    }
    let body = root.find("qti-item-body").ok_or_else(|| {
        (
            "缺少 qti-item-body".to_owned(),
            "qti-item-body is missing".to_owned(),
        )
    })?;
    let mut decls = Vec::new();
    root.all("qti-response-declaration", &mut decls);
    let decl = |id: &str| {
        decls
            .iter()
            .find(|d| d.attr("identifier") == Some(id))
            .copied()
    };
    let choice = body.find("qti-choice-interaction");
    let mut entries = Vec::new();
    body.all("qti-text-entry-interaction", &mut entries);
    let item_type = match body.attr("data-item-type").and_then(ItemType::parse) {
        Some(t) => t,
        None => match (choice, entries.first()) {
            (Some(c), _) if c.attr("max-choices") == Some("1") => ItemType::Single,
            (Some(_), _) => ItemType::Multiple,
            (None, Some(e)) => {
                let id = e.attr("response-identifier").unwrap_or("RESPONSE");
                if decl(id).and_then(|d| d.attr("base-type")) == Some("float") {
                    ItemType::Calculation
                } else {
                    ItemType::FillBlank
                }
            }
            (None, None) if body.find("qti-upload-interaction").is_some() => ItemType::Flowchart,
            (None, None) => ItemType::ShortAnswer,
        },
    };
    let stem = match body.els().find(|e| e.attr("class") == Some("stem")) {
        Some(s) => s.inner_html(),
        None => body.inner_html(),
    };
    let score_centi = root
        .els()
        .find(|e| e.name == "qti-outcome-declaration" && e.attr("identifier") == Some("MAXSCORE"))
        .and_then(|e| e.find("qti-value"))
        .and_then(|v| v.text().trim().parse::<f64>().ok())
        .map_or(100, |p| (p * 100.0).round() as i64);
    let mut b = ItemBody {
        item_type,
        stem,
        options: Vec::new(),
        answer: Vec::new(),
        blanks: Vec::new(),
        numeric: None,
        reference_answer: rubric_block(body, "reference-answer")
            .map(block_html)
            .unwrap_or_default(),
        explanation: rubric_block(body, "explanation")
            .map(block_html)
            .unwrap_or_default(),
        rubric: Vec::new(),
        score_centi,
        difficulty: body
            .attr("data-difficulty")
            .and_then(|d| d.parse().ok())
            .unwrap_or(3),
        knowledge_point: body
            .attr("data-knowledge-point")
            .unwrap_or_default()
            .to_owned(),
        sub_questions: Vec::new(),
    };
    if let Some(r) = rubric_block(body, "rubric") {
        let mut ps = Vec::new();
        r.all("p", &mut ps);
        b.rubric = ps
            .iter()
            .map(|p| RubricRule {
                points_centi: p
                    .attr("data-points")
                    .and_then(|x| x.parse::<f64>().ok())
                    .map_or(0, |x| (x * 100.0).round() as i64),
                description: p.text().trim().to_owned(),
            })
            .collect();
    }
    match item_type {
        ItemType::Single | ItemType::Multiple | ItemType::TrueFalse => {
            let mut choices = Vec::new();
            if let Some(c) = choice {
                c.all("qti-simple-choice", &mut choices);
            }
            let ids: Vec<&str> = choices
                .iter()
                .map(|c| c.attr("identifier").unwrap_or_default())
                .collect();
            let correct = decl(
                choice
                    .and_then(|c| c.attr("response-identifier"))
                    .unwrap_or("RESPONSE"),
            )
            .map(values)
            .unwrap_or_default();
            if item_type == ItemType::TrueFalse {
                b.answer = correct;
            } else {
                b.options = choices.iter().map(|c| c.inner_html()).collect();
                // Choice identifiers may be anything; answers are letters by position.
                b.answer = correct
                    .iter()
                    .filter_map(|v| {
                        ids.iter()
                            .position(|i| i == v)
                            .and_then(|p| LETTERS.get(p))
                            .map(|l| (*l).to_owned())
                    })
                    .collect();
            }
        }
        ItemType::FillBlank => {
            for e in &entries {
                let Some(d) = decl(e.attr("response-identifier").unwrap_or_default()) else {
                    continue;
                };
                let mut alts = values(d);
                let mut maps = Vec::new();
                d.all("qti-map-entry", &mut maps);
                for m in maps {
                    if let Some(k) = m.attr("map-key")
                        && !alts.iter().any(|a| a == k)
                    {
                        alts.push(k.to_owned());
                    }
                }
                b.blanks.push(alts);
            }
        }
        ItemType::Calculation => {
            let e = entries.first();
            let id = e
                .and_then(|e| e.attr("response-identifier"))
                .unwrap_or("RESPONSE");
            let value = decl(id)
                .map(values)
                .and_then(|v| v.first().and_then(|x| x.parse().ok()));
            b.numeric = value.map(|value| NumericAnswer {
                value,
                tolerance: e
                    .and_then(|e| e.attr("data-tolerance"))
                    .and_then(|t| t.parse().ok())
                    .unwrap_or(0.0),
                unit: e
                    .and_then(|e| e.attr("data-unit"))
                    .unwrap_or_default()
                    .to_owned(),
            });
        }
        _ => {}
    }
    Ok(b)
}

/// Whether a zip is a QTI content package.
pub fn is_package(names: &[String]) -> bool {
    names.iter().any(|n| n == "imsmanifest.xml")
}

/// Reads every `qti-assessment-item` of a package; errors name the file (row = its place in
/// the package, from 1).
pub fn parse_with_progress(bytes: &[u8], progress: &Progress) -> Parsed {
    let mut out = Parsed::default();
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        out.errors.push(RowError {
            row: 0,
            column: None,
            column_name: String::new(),
            zh: "无法读取 QTI 包".into(),
            en: "Cannot read the QTI package".into(),
        });
        return out;
    };
    let mut names: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.into_owned())
        .filter(|n| n.ends_with(".xml") && n != "imsmanifest.xml")
        .collect();
    names.sort();
    progress.set_total(names.len());
    let mut row = 0;
    for (i, name) in names.iter().enumerate() {
        progress.set_done(i + 1);
        let mut xml = String::new();
        if zip
            .by_name(name)
            .map(|mut f| f.read_to_string(&mut xml))
            .is_err()
            || !xml.contains("qti-assessment-item")
        {
            continue;
        }
        row += 1;
        out.rows += 1;
        let fail = |out: &mut Parsed, zh: String, en: String| {
            out.errors.push(RowError {
                row,
                column: None,
                column_name: name.clone(),
                zh,
                en,
            });
        };
        match item_body(&xml) {
            Err((zh, en)) => fail(&mut out, zh, en),
            Ok(mut body) => match super::cells::check(&mut body) {
                Ok(()) => {
                    let content_hash = body.content_hash();
                    out.items.push(ParsedItem {
                        row,
                        body,
                        content_hash,
                    });
                }
                Err(errs) => {
                    for FieldError { field, zh, en } in errs {
                        let what: Field = field;
                        fail(
                            &mut out,
                            format!("{}：{zh}", what.zh()),
                            format!("{}: {en}", what.zh()),
                        );
                    }
                }
            },
        }
    }
    if out.rows == 0 {
        out.errors.push(RowError {
            row: 0,
            column: None,
            column_name: "imsmanifest.xml".into(),
            zh: "QTI 包中没有 qti-assessment-item".into(),
            en: "The QTI package holds no qti-assessment-item".into(),
        });
    }
    out
}
