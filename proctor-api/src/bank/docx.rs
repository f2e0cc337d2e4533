//! Word banks in the usual layout, one paragraph per line:
//!
//! ```text
//! 一、单项选择题            ← section heading sets the type (or 【单选题】 after the number)
//! 1. 题干……
//! A. 选项            B. 选项 (one option per paragraph)
//! 答案：B
//! 分值：1   难度：3   鉴定点：A-01-001   解析：……   (each optional, own paragraph)
//! ```
//!
//! Lines that start no field continue the previous one. Missing 分值 means 1 point, missing
//! 难度 means 3. Errors name the paragraph number (counted from 1) and the field.
//! Case analyses need sub-questions and are imported from Excel only.

use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::Event;

use super::cells::{self, Field, RawQuestion};
use super::images;
use super::import::{Parsed, ParsedItem, Progress, RowError};
use super::item::{ItemType, LETTERS};

/// The paragraphs of `word/document.xml`, as plain text.
pub fn paragraphs(bytes: &[u8]) -> Result<Vec<String>, String> {
    read(bytes).map(|(p, _)| p)
}

/// The paragraphs, with a marker where an inline picture stands, and the pictures.
fn read(bytes: &[u8]) -> Result<(Vec<String>, Vec<images::Picture>), String> {
    let (markers, pictures) = images::docx_pictures(bytes);
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .map_err(|e| e.to_string())?
        .read_to_string(&mut xml)
        .map_err(|e| e.to_string())?;
    let mut reader = Reader::from_str(&xml);
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_text = false;
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) if e.name().0 == "w:t" => in_text = true,
            Event::End(e) if e.name().0 == "w:t" => in_text = false,
            Event::Empty(e) if e.name().0 == "w:tab" => cur.push('\t'),
            Event::Empty(e) if e.name().0 == "w:br" => cur.push('\n'),
            Event::Empty(e) | Event::Start(e) if e.name().0.ends_with("blip") => {
                let embed = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.0.rsplit(':').next() == Some("embed"))
                    .map(|a| a.value.into_owned());
                if let Some(m) = embed.and_then(|id| markers.get(&id)) {
                    cur.push_str(m);
                }
            }
            Event::End(e) if e.name().0 == "w:p" => out.push(std::mem::take(&mut cur)),
            Event::Text(t) if in_text => cur.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_text => {
                if let Some(c) = r.resolve_char_ref().map_err(|e| e.to_string())? {
                    cur.push(c);
                } else {
                    cur.push_str(match &*r {
                        "lt" => "<",
                        "gt" => ">",
                        "amp" => "&",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok((out, pictures))
}

struct Open {
    line: usize,
    item_type: Option<ItemType>,
    raw: RawQuestion,
    lines: Vec<(Field, usize)>,
    last: Field,
}

const KEYS: [(&str, Field); 12] = [
    ("答案", Field::Answer),
    ("正确答案", Field::Answer),
    ("参考答案", Field::Answer),
    ("分值", Field::Score),
    ("分数", Field::Score),
    ("难度", Field::Difficulty),
    ("鉴定点", Field::KnowledgePoint),
    ("知识点", Field::KnowledgePoint),
    ("解析", Field::Explanation),
    ("答案解析", Field::Explanation),
    ("评分标准", Field::Explanation),
    ("评分要点", Field::Explanation),
];

fn keyed(line: &str) -> Option<(Field, &str)> {
    for (k, f) in KEYS {
        if let Some(rest) = line.strip_prefix(k) {
            let rest = rest.trim_start();
            if let Some(v) = rest.strip_prefix([':', '：']) {
                return Some((f, v.trim()));
            }
        }
    }
    None
}

/// `12. 题干` → (12, "题干").
fn numbered(line: &str) -> Option<&str> {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let rest = &line[digits..];
    rest.strip_prefix(['.', '、', ')', ' '])
        .map(str::trim_start)
}

/// `B. 选项` → (1, "选项").
fn option(line: &str) -> Option<(usize, &str)> {
    let mut chars = line.chars();
    let c = chars.next()?.to_ascii_uppercase();
    let i = LETTERS.iter().position(|l| l.starts_with(c))?;
    let rest = chars.as_str();
    rest.strip_prefix(['.', '、', ')', ' '])
        .map(|r| (i, r.trim_start()))
}

fn heading_type(line: &str) -> Option<ItemType> {
    const NUMS: &str = "一二三四五六七八九十";
    let first = line.chars().next()?;
    if !NUMS.contains(first) {
        return None;
    }
    let rest = line
        .trim_start_matches(|c| NUMS.contains(c))
        .trim_start_matches(['、', '.', ' ']);
    let name: String = rest
        .chars()
        .take_while(|c| !matches!(c, '(' | '（' | ' ' | ':' | '：'))
        .collect();
    ItemType::from_name(&name)
}

/// `【单选题】题干` → (single, "题干").
fn inline_type(stem: &str) -> Option<(ItemType, &str)> {
    let s = stem.strip_prefix(['【', '['])?;
    let end = s.find(['】', ']'])?;
    let t = ItemType::from_name(&s[..end])?;
    let close = s[end..].chars().next().map_or(1, char::len_utf8);
    Some((t, s[end + close..].trim_start()))
}

pub fn parse(bytes: &[u8]) -> Parsed {
    parse_with_progress(bytes, &Progress::default())
}

/// [`parse`], counting paragraphs into `progress` as it goes.
pub fn parse_with_progress(bytes: &[u8], progress: &Progress) -> Parsed {
    let (paras, pictures) = match read(bytes) {
        Ok(p) => p,
        Err(_) => {
            return Parsed {
                items: Vec::new(),
                errors: vec![RowError {
                    row: 0,
                    column: None,
                    column_name: String::new(),
                    zh: "无法读取 Word 文件（须为 .docx）".into(),
                    en: "Cannot read the Word file (it must be .docx)".into(),
                }],
                ..Parsed::default()
            };
        }
    };
    let mut out = Parsed {
        pictures,
        ..Parsed::default()
    };
    let mut section: Option<ItemType> = None;
    let mut open: Option<Open> = None;
    progress.set_total(paras.len());
    for (i, para) in paras.iter().enumerate() {
        let line_no = i + 1;
        progress.set_done(line_no);
        let norm = cells::halfwidth(para);
        let line = norm.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(t) = heading_type(line) {
            finish(open.take(), &mut out);
            section = Some(t);
            continue;
        }
        if let Some(stem) = numbered(line) {
            finish(open.take(), &mut out);
            out.rows += 1;
            let (t, stem) = match inline_type(stem) {
                Some((t, s)) => (Some(t), s),
                None => (section, stem),
            };
            open = Some(Open {
                line: line_no,
                item_type: t,
                raw: RawQuestion {
                    stem: stem.to_owned(),
                    options: vec![String::new(); 8],
                    ..Default::default()
                },
                lines: vec![(Field::Stem, line_no)],
                last: Field::Stem,
            });
            continue;
        }
        let Some(q) = open.as_mut() else {
            // Title lines and notes before the first question.
            continue;
        };
        if let Some((f, v)) = keyed(line) {
            let slot = match f {
                Field::Answer => &mut q.raw.answer,
                Field::Score => &mut q.raw.score,
                Field::Difficulty => &mut q.raw.difficulty,
                Field::KnowledgePoint => &mut q.raw.knowledge_point,
                _ => &mut q.raw.explanation,
            };
            *slot = v.to_owned();
            q.lines.push((f, line_no));
            q.last = f;
            continue;
        }
        if let Some((k, text)) =
            option(line).filter(|_| matches!(q.last, Field::Stem | Field::Option(_)))
        {
            let expected = q.raw.options.iter().position(String::is_empty).unwrap_or(8);
            if k != expected {
                out.errors.push(RowError {
                    row: line_no,
                    column: None,
                    column_name: Field::Option(k).zh(),
                    zh: format!(
                        "选项{}出现在选项{}之前",
                        LETTERS[k],
                        LETTERS[expected.min(7)]
                    ),
                    en: format!(
                        "Option {} comes before option {}",
                        LETTERS[k],
                        LETTERS[expected.min(7)]
                    ),
                });
            }
            q.raw.options[k] = text.to_owned();
            q.lines.push((Field::Option(k), line_no));
            q.last = Field::Option(k);
            continue;
        }
        // A continuation line of the previous field.
        let slot = match q.last {
            Field::Stem => &mut q.raw.stem,
            Field::Option(k) => &mut q.raw.options[k],
            Field::Answer => &mut q.raw.answer,
            _ => &mut q.raw.explanation,
        };
        slot.push('\n');
        slot.push_str(line);
    }
    finish(open.take(), &mut out);
    out
}

fn finish(q: Option<Open>, out: &mut Parsed) {
    let Some(q) = q else { return };
    let line_of = |f: Field| {
        q.lines
            .iter()
            .rev()
            .find(|(g, _)| *g == f)
            .map(|(_, l)| *l)
            .unwrap_or(q.line)
    };
    let err = |out: &mut Parsed, f: Field, zh: String, en: String| {
        out.errors.push(RowError {
            row: line_of(f),
            column: None,
            column_name: f.zh(),
            zh,
            en,
        });
    };
    let Some(t) = q.item_type else {
        err(
            out,
            Field::Type,
            "无法确定题型（缺少“一、单项选择题”之类的标题或【单选题】标记）".into(),
            "Unknown item type (no section heading such as 一、单项选择题 and no 【单选题】 mark)"
                .into(),
        );
        return;
    };
    if t == ItemType::CaseAnalysis {
        err(
            out,
            Field::Type,
            "案例分析题请用 Excel 模板导入".into(),
            "Import case analyses with the Excel template".into(),
        );
        return;
    }
    match cells::build(&q.raw, t, Some(100)) {
        Ok(mut body) => match cells::check(&mut body) {
            Ok(()) => {
                let content_hash = body.content_hash();
                out.items.push(ParsedItem {
                    row: q.line,
                    body,
                    content_hash,
                });
            }
            Err(errs) => errs.into_iter().for_each(|e| err(out, e.field, e.zh, e.en)),
        },
        Err(errs) => errs.into_iter().for_each(|e| err(out, e.field, e.zh, e.en)),
    }
}
