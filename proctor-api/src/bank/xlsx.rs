//! The Excel template (题库导入模板): one question per row under a header row naming the
//! columns 题型, 题干, 选项A–H, 答案, 分值, 难度, 鉴定点 (or 知识点), 解析 (or 评分标准), in any
//! order. Merged cells count for every cell they cover. A case analysis (案例分析题) row is
//! followed by its sub-questions, whose 题型 reads `案例子题-单选题` etc. Also writes the same
//! template back out (export).

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use rust_xlsxwriter::{Format, Workbook};

use super::cells::{self, Field, RawQuestion};
use super::images;
use super::import::{Parsed, ParsedItem, Progress, RowError};
use super::item::{ItemBody, ItemType, LETTERS, centi_text, plain_text};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Col {
    Type,
    Stem,
    Option(usize),
    Answer,
    Score,
    Difficulty,
    KnowledgePoint,
    Explanation,
}

/// A provincial source's own headers mapped to template column names
/// (`{"试题类别": "题型", "选项1": "选项A"}`); configured per source by whoever uploads.
pub type ColumnMap = std::collections::BTreeMap<String, String>;

/// The template column a mapped name stands for; `Err` names an unknown template column.
pub fn check_map(map: &ColumnMap) -> Result<(), String> {
    match map.values().find(|v| header_col(v).is_none()) {
        Some(bad) => Err(bad.clone()),
        None => Ok(()),
    }
}

fn mapped_col(name: &str, map: &ColumnMap) -> Option<Col> {
    let key = cells::halfwidth(name);
    match map.get(key.trim()) {
        Some(template) => header_col(template),
        None => header_col(name),
    }
}

fn header_col(name: &str) -> Option<Col> {
    let n: String = cells::halfwidth(name)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let n = n.trim_end_matches(['*', ':', '：']);
    if let Some(letter) = n.strip_prefix("选项") {
        let i = LETTERS
            .iter()
            .position(|l| l.eq_ignore_ascii_case(letter))?;
        return Some(Col::Option(i));
    }
    if n.len() == 1
        && let Some(i) = LETTERS.iter().position(|l| *l == n)
    {
        return Some(Col::Option(i));
    }
    Some(match n {
        "题型" | "试题类型" | "题目类型" => Col::Type,
        "题干" | "试题内容" | "题目" | "题目内容" => Col::Stem,
        "答案" | "正确答案" | "参考答案" | "标准答案" => Col::Answer,
        "分值" | "分数" => Col::Score,
        "难度" | "难度系数" | "难易程度" => Col::Difficulty,
        "鉴定点" | "知识点" | "鉴定点/知识点" | "鉴定点代码" | "鉴定要素" => {
            Col::KnowledgePoint
        }
        "解析" | "评分标准" | "解析/评分标准" | "答案解析" => Col::Explanation,
        _ => return None,
    })
}

/// `0` → `A`, `27` → `AB`.
pub fn column_letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => {
            if *b {
                "对".into()
            } else {
                "错".into()
            }
        }
        other => other.to_string(),
    }
}

fn file_error(zh: &str, en: &str) -> Parsed {
    Parsed {
        items: Vec::new(),
        errors: vec![RowError {
            row: 0,
            column: None,
            column_name: String::new(),
            zh: zh.into(),
            en: en.into(),
        }],
        ..Parsed::default()
    }
}

/// Parses the first worksheet. Never fails: an unreadable file is one error at row 0.
pub fn parse(bytes: &[u8], map: &ColumnMap) -> Parsed {
    parse_with_progress(bytes, map, &Progress::default())
}

/// [`parse`], counting the rows below the header into `progress` as it goes.
pub fn parse_with_progress(bytes: &[u8], map: &ColumnMap, progress: &Progress) -> Parsed {
    let mut wb: Xlsx<_> = match open_workbook_from_rs(Cursor::new(bytes)) {
        Ok(wb) => wb,
        Err(_) => {
            return file_error(
                "无法读取 Excel 文件（须为 .xlsx）",
                "Cannot read the Excel file (it must be .xlsx)",
            );
        }
    };
    let range = match wb.worksheet_range_at(0) {
        Some(Ok(r)) => r,
        _ => return file_error("Excel 文件没有工作表", "The Excel file has no worksheet"),
    };
    let merges = wb.merge_cells_by_sheet_id(0).unwrap_or_default();
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let (h, w) = (range.height(), range.width());
    // Absolute sheet coordinates, so row numbers and letters match what the user sees.
    let mut grid = vec![vec![String::new(); c0 as usize + w]; r0 as usize + h];
    for (r, row) in range.rows().enumerate() {
        for (c, d) in row.iter().enumerate() {
            grid[r0 as usize + r][c0 as usize + c] = cell_text(d);
        }
    }
    for m in &merges {
        let (sr, sc) = (m.start.0 as usize, m.start.1 as usize);
        let v = grid
            .get(sr)
            .and_then(|r| r.get(sc))
            .cloned()
            .unwrap_or_default();
        for r in sr..=(m.end.0 as usize).min(grid.len().saturating_sub(1)) {
            for c in sc..=(m.end.1 as usize).min(grid[r].len().saturating_sub(1)) {
                grid[r][c] = v.clone();
            }
        }
    }
    // Pictures anchored to a cell (drawings) or placed in it: a marker in the cell's text.
    let (pictures, picture_files) = images::xlsx_pictures(bytes);
    for ((r, c), markers) in pictures {
        if r >= grid.len() {
            continue;
        }
        if grid[r].len() <= c {
            grid[r].resize(c + 1, String::new());
        }
        let cell = &mut grid[r][c];
        if cell.starts_with('#') {
            // An in-cell picture reads as an error value (#VALUE!).
            cell.clear();
        }
        cell.push_str(&markers.concat());
    }
    let Some(header_row) = grid.iter().take(10).position(|row| {
        let cols: Vec<_> = row.iter().filter_map(|c| mapped_col(c, map)).collect();
        cols.contains(&Col::Type) && cols.contains(&Col::Stem)
    }) else {
        return file_error(
            "前 10 行中找不到包含“题型”和“题干”的表头行",
            "No header row with 题型 and 题干 in the first 10 rows",
        );
    };
    let columns: Vec<(usize, Col, String)> = grid[header_row]
        .iter()
        .enumerate()
        .filter_map(|(i, name)| mapped_col(name, map).map(|c| (i, c, name.clone())))
        .collect();
    let mut out = Parsed {
        pictures: picture_files,
        ..Parsed::default()
    };
    if !columns.iter().any(|(_, c, _)| *c == Col::Answer) {
        out.errors.push(RowError {
            row: header_row + 1,
            column: None,
            column_name: "答案".into(),
            zh: "缺少“答案”列".into(),
            en: "The 答案 (answer) column is missing".into(),
        });
        return out;
    }
    let where_is = |f: Field| -> (Option<String>, String) {
        let want = match f {
            Field::Type => Col::Type,
            Field::Stem => Col::Stem,
            Field::Option(i) => Col::Option(i),
            Field::Answer => Col::Answer,
            Field::Score => Col::Score,
            Field::Difficulty => Col::Difficulty,
            Field::KnowledgePoint => Col::KnowledgePoint,
            Field::Explanation => Col::Explanation,
        };
        match columns.iter().find(|(_, c, _)| *c == want) {
            Some((i, _, name)) => (Some(column_letter(*i)), name.clone()),
            None => (None, f.zh()),
        }
    };
    // The open case analysis: its row, its raw fields and its collected sub-questions.
    let mut case: Option<(usize, RawQuestion, Vec<ItemBody>, bool)> = None;
    let finish_case = |case: &mut Option<(usize, RawQuestion, Vec<ItemBody>, bool)>,
                       out: &mut Parsed| {
        let Some((row, raw, subs, failed)) = case.take() else {
            return;
        };
        if failed {
            return;
        }
        let sum: i64 = subs.iter().map(|s| s.score_centi).sum();
        let mut raw = raw;
        if raw.score.trim().is_empty() {
            raw.score = centi_text(sum);
        }
        match cells::build(&raw, ItemType::CaseAnalysis, None) {
            Ok(mut body) => {
                body.sub_questions = subs;
                push_checked(out, row, body, &where_is);
            }
            Err(errs) => push_errors(out, row, errs, &where_is),
        }
    };
    progress.set_total(grid.len().saturating_sub(header_row + 1));
    for (r, row) in grid.iter().enumerate().skip(header_row + 1) {
        progress.set_done(r - header_row);
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let excel_row = r + 1;
        out.rows += 1;
        let mut raw = RawQuestion {
            options: vec![String::new(); 8],
            ..Default::default()
        };
        for (i, col, _) in &columns {
            let v = row.get(*i).cloned().unwrap_or_default();
            match col {
                Col::Type => raw.item_type = v,
                Col::Stem => raw.stem = v,
                Col::Option(k) => raw.options[*k] = v,
                Col::Answer => raw.answer = v,
                Col::Score => raw.score = v,
                Col::Difficulty => raw.difficulty = v,
                Col::KnowledgePoint => raw.knowledge_point = v,
                Col::Explanation => raw.explanation = v,
            }
        }
        let Some((item_type, is_sub)) = cells::parse_type(&raw.item_type) else {
            let (column, column_name) = where_is(Field::Type);
            let shown = raw.item_type.trim();
            out.errors.push(RowError {
                row: excel_row,
                column,
                column_name,
                zh: if shown.is_empty() {
                    "题型为空".into()
                } else {
                    format!("无法识别的题型“{shown}”")
                },
                en: if shown.is_empty() {
                    "The type is empty".into()
                } else {
                    format!("Unknown item type \"{shown}\"")
                },
            });
            if let Some(c) = case.as_mut() {
                c.3 = true;
            }
            continue;
        };
        if is_sub {
            let built = cells::build(&raw, item_type, None);
            match (case.as_mut(), built) {
                (None, _) => {
                    let (column, column_name) = where_is(Field::Type);
                    out.errors.push(RowError {
                        row: excel_row,
                        column,
                        column_name,
                        zh: "案例子题前面没有案例分析题".into(),
                        en: "A case sub-question without a case analysis above it".into(),
                    });
                }
                (Some(c), Ok(body)) => c.2.push(body),
                (Some(c), Err(errs)) => {
                    c.3 = true;
                    push_errors(&mut out, excel_row, errs, &where_is);
                }
            }
            continue;
        }
        finish_case(&mut case, &mut out);
        if item_type == ItemType::CaseAnalysis {
            case = Some((excel_row, raw, Vec::new(), false));
            continue;
        }
        match cells::build(&raw, item_type, None) {
            Ok(body) => push_checked(&mut out, excel_row, body, &where_is),
            Err(errs) => push_errors(&mut out, excel_row, errs, &where_is),
        }
    }
    finish_case(&mut case, &mut out);
    out
}

fn push_errors(
    out: &mut Parsed,
    row: usize,
    errs: Vec<cells::FieldError>,
    where_is: &dyn Fn(Field) -> (Option<String>, String),
) {
    for e in errs {
        let (column, column_name) = where_is(e.field);
        out.errors.push(RowError {
            row,
            column,
            column_name,
            zh: e.zh,
            en: e.en,
        });
    }
}

fn push_checked(
    out: &mut Parsed,
    row: usize,
    mut body: ItemBody,
    where_is: &dyn Fn(Field) -> (Option<String>, String),
) {
    match cells::check(&mut body) {
        Ok(()) => {
            let content_hash = body.content_hash();
            out.items.push(ParsedItem {
                row,
                body,
                content_hash,
            });
        }
        Err(errs) => push_errors(out, row, errs, where_is),
    }
}

/// The template's header, in the column order export writes.
pub const TEMPLATE_HEADER: [&str; 15] = [
    "题型",
    "题干",
    "选项A",
    "选项B",
    "选项C",
    "选项D",
    "选项E",
    "选项F",
    "选项G",
    "选项H",
    "答案",
    "分值",
    "难度",
    "鉴定点",
    "解析/评分标准",
];

/// A rich-text field as a cell: text when its only markup is line breaks (so a re-import
/// reads it back the same), the HTML otherwise.
fn cell_of(html: &str) -> String {
    let t = html.replace("<br>", "\n");
    if t.contains('<') {
        html.to_owned()
    } else {
        plain_text(&t)
    }
}

/// One template row for a body (sub-questions get their own rows from the caller).
pub fn template_row(b: &ItemBody, sub: bool) -> Vec<String> {
    let type_name = if sub {
        format!("案例子题-{}", b.item_type.zh())
    } else {
        b.item_type.zh().to_owned()
    };
    let mut row = vec![type_name, cell_of(&b.stem)];
    for i in 0..8 {
        row.push(b.options.get(i).map(|o| cell_of(o)).unwrap_or_default());
    }
    let answer = match b.item_type {
        ItemType::Single | ItemType::Multiple => b.answer.join(""),
        ItemType::TrueFalse => {
            if b.answer == ["true"] {
                "对".into()
            } else {
                "错".into()
            }
        }
        ItemType::FillBlank => b
            .blanks
            .iter()
            .map(|alts| alts.join("|"))
            .collect::<Vec<_>>()
            .join(";"),
        ItemType::Calculation => {
            let n = b.numeric.clone().unwrap_or(super::item::NumericAnswer {
                value: 0.0,
                tolerance: 0.0,
                unit: String::new(),
            });
            let mut s = if n.tolerance > 0.0 {
                format!("{}±{}", n.value, n.tolerance)
            } else {
                n.value.to_string()
            };
            if !n.unit.is_empty() {
                s.push(' ');
                s.push_str(&n.unit);
            }
            if !b.reference_answer.is_empty() {
                s.push('\n');
                s.push_str(&cell_of(&b.reference_answer));
            }
            s
        }
        _ => cell_of(&b.reference_answer),
    };
    row.push(answer);
    row.push(centi_text(b.score_centi));
    row.push(if sub {
        String::new()
    } else {
        b.difficulty.to_string()
    });
    row.push(if sub {
        String::new()
    } else {
        b.knowledge_point.clone()
    });
    let expl = if b.item_type.is_objective() {
        cell_of(&b.explanation)
    } else {
        b.rubric
            .iter()
            .map(|r| {
                if r.points_centi > 0 {
                    format!("{}（{}分）", r.description, centi_text(r.points_centi))
                } else {
                    r.description.clone()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    row.push(expl);
    row
}

/// Writes items into the template layout.
pub fn export(items: &[ItemBody]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("题库")?;
    let bold = Format::new().set_bold();
    for (c, h) in TEMPLATE_HEADER.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    let mut r: u32 = 1;
    for b in items {
        let mut rows = vec![template_row(b, false)];
        rows.extend(b.sub_questions.iter().map(|s| template_row(s, true)));
        for row in rows {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(r, c as u16, v)?;
                }
            }
            r += 1;
        }
    }
    wb.save_to_buffer()
}
