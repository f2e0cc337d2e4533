//! Reading what people type into bank files: full-width characters, answers written as
//! `A、C`, `AC` or `对/错/√/×`, scores like `2分`, difficulties like `较难`, numeric answers like
//! `12.5±0.1 kW`. Turns one question's raw fields into an [`ItemBody`], naming the field of
//! every problem so the importer can point at a row and column.

use super::item::{ItemBody, ItemType, LETTERS, NumericAnswer, RubricRule, text_to_html};

/// The fields of one question as found in a file, before interpretation.
#[derive(Debug, Default, Clone)]
pub struct RawQuestion {
    pub item_type: String,
    pub stem: String,
    pub options: Vec<String>,
    pub answer: String,
    pub score: String,
    pub difficulty: String,
    pub knowledge_point: String,
    pub explanation: String,
}

/// Which raw field a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Type,
    Stem,
    Option(usize),
    Answer,
    Score,
    Difficulty,
    KnowledgePoint,
    Explanation,
}

impl Field {
    /// The template column's name.
    pub fn zh(self) -> String {
        match self {
            Field::Type => "题型".into(),
            Field::Stem => "题干".into(),
            Field::Option(i) => format!("选项{}", LETTERS[i.min(7)]),
            Field::Answer => "答案".into(),
            Field::Score => "分值".into(),
            Field::Difficulty => "难度".into(),
            Field::KnowledgePoint => "鉴定点".into(),
            Field::Explanation => "解析/评分标准".into(),
        }
    }

    /// Maps a body rule's field path back to the raw field it came from.
    pub fn from_body_path(path: &str) -> Field {
        let head = path.rsplit('.').next().unwrap_or(path);
        let name = head.split('[').next().unwrap_or(head);
        match name {
            "stem" => Field::Stem,
            "options" => match head
                .split('[')
                .nth(1)
                .and_then(|n| n.trim_end_matches(']').parse().ok())
            {
                Some(i) => Field::Option(i),
                None => Field::Option(0),
            },
            "score_centi" => Field::Score,
            "difficulty" => Field::Difficulty,
            "knowledge_point" => Field::KnowledgePoint,
            "rubric" | "explanation" => Field::Explanation,
            "item_type" | "sub_questions" => Field::Type,
            _ => Field::Answer,
        }
    }
}

/// A problem in one field, in both languages.
#[derive(Debug, Clone)]
pub struct FieldError {
    pub field: Field,
    pub zh: String,
    pub en: String,
}

fn ferr(field: Field, zh: impl Into<String>, en: impl Into<String>) -> FieldError {
    FieldError {
        field,
        zh: zh.into(),
        en: en.into(),
    }
}

/// Full-width ASCII (Ａ１，：) to half-width, ideographic space to space.
pub fn halfwidth(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// The type column: `单选题`, `多项选择题`, … ; `案例子题-单选题` (or `子题:单选`, `└单选`) marks a
/// sub-question of the case analysis above. Returns the type and whether it is a sub-question.
pub fn parse_type(s: &str) -> Option<(ItemType, bool)> {
    let s = halfwidth(s);
    let s = s.trim();
    for prefix in ["案例子题", "子题", "└", "-"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            let rest = rest.trim_start_matches([':', '-', ' ', '：']);
            return ItemType::from_name(rest).map(|t| (t, true));
        }
    }
    ItemType::from_name(s).map(|t| (t, false))
}

/// `A、C`, `AC`, `a,c`, `Ａ Ｃ` → `["A","C"]`.
pub fn parse_letters(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for c in halfwidth(s).chars() {
        match c.to_ascii_uppercase() {
            u @ 'A'..='H' => out.push(u.to_string()),
            ' ' | ',' | '、' | '，' | ';' | '；' | '/' | '.' => {}
            other => return Err(other.to_string()),
        }
    }
    Ok(out)
}

/// `对/错/√/×/正确/错误/T/F/是/否` → true / false.
pub fn parse_true_false(s: &str) -> Option<bool> {
    let s = halfwidth(s);
    match s.trim().to_lowercase().as_str() {
        "对" | "√" | "✓" | "✔" | "正确" | "是" | "t" | "true" | "y" | "yes" | "a" | "1" => {
            Some(true)
        }
        "错" | "×" | "✗" | "✘" | "x" | "错误" | "否" | "f" | "false" | "n" | "no" | "b" | "0" => {
            Some(false)
        }
        _ => None,
    }
}

/// Blanks separated by `;`, alternatives by `|`: `欧姆|Ω;安培` → `[["欧姆","Ω"],["安培"]]`.
pub fn parse_blanks(s: &str) -> Vec<Vec<String>> {
    let s = halfwidth(s).replace('；', ";").replace('｜', "|");
    s.split(';')
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(|b| b.split('|').map(|a| a.trim().to_owned()).collect())
        .collect()
}

/// `12.5±0.1 kW`, `12.5 (±0.1) kW`, `12.5+-0.1kW`, `220V` → value, tolerance, unit.
pub fn parse_numeric(s: &str) -> Option<NumericAnswer> {
    let s = halfwidth(s)
        .replace("+-", "±")
        .replace("+/-", "±")
        .replace(['(', ')'], " ");
    let s = s.trim();
    let (num, rest) = split_number(s)?;
    let rest = rest.trim_start();
    let (tolerance, unit) = match rest.strip_prefix('±') {
        Some(r) => {
            let (t, u) = split_number(r.trim_start())?;
            (t, u.trim())
        }
        None => (0.0, rest.trim()),
    };
    Some(NumericAnswer {
        value: num,
        tolerance,
        unit: unit.to_owned(),
    })
}

fn split_number(s: &str) -> Option<(f64, &str)> {
    let end = s
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || ((c == '-' || c == '+') && i == 0)))
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    let n: f64 = s[..end].parse().ok()?;
    Some((n, &s[end..]))
}

/// `2`, `2.5`, `2分`, `２．５` → hundredths; `None` when not a number with at most 2 decimals.
pub fn parse_score(s: &str) -> Option<i64> {
    let s = halfwidth(s);
    let s = s.trim().trim_end_matches('分').trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty()
        || !int.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let frac = format!("{frac:0<2}");
    Some(int.parse::<i64>().ok()? * 100 + frac.parse::<i64>().ok()?)
}

/// `1`–`5` or `易/较易/中/较难/难`.
pub fn parse_difficulty(s: &str) -> Option<i64> {
    let s = halfwidth(s);
    match s.trim() {
        "易" | "容易" => Some(1),
        "较易" => Some(2),
        "中" | "中等" | "一般" => Some(3),
        "较难" => Some(4),
        "难" | "困难" => Some(5),
        d => d
            .trim_end_matches(".0")
            .parse()
            .ok()
            .filter(|d| (1..=5).contains(d)),
    }
}

/// One rule per line; trailing `(2分)` / `2分` gives its points.
pub fn parse_rubric(s: &str) -> Vec<RubricRule> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let h = halfwidth(line);
            let t = h.trim_end_matches([')', '）']);
            let mut points = 0;
            let mut desc = h.clone();
            if let Some(p) = t.strip_suffix('分') {
                let p = p.trim_end();
                let start = p
                    .char_indices()
                    .rev()
                    .take_while(|(_, c)| c.is_ascii_digit() || *c == '.')
                    .last()
                    .map(|(i, _)| i);
                if let Some(c) = start.and_then(|i| parse_score(&p[i..]).map(|c| (c, i))) {
                    points = c.0;
                    desc = p[..c.1]
                        .trim_end_matches(['(', '（', ' ', ',', '，'])
                        .trim()
                        .to_owned();
                }
            }
            RubricRule {
                points_centi: points,
                description: if desc.is_empty() {
                    line.to_owned()
                } else {
                    desc
                },
            }
        })
        .collect()
}

/// Stem cells: HTML passes through (to be sanitised), plain text is escaped.
fn rich(s: &str) -> String {
    let t = s.trim();
    let html = if t.contains('<') && t.contains('>') {
        t.to_owned()
    } else {
        text_to_html(t)
    };
    super::images::markers_to_html(&html)
}

/// Interprets one question. `defaults` supplies score/difficulty when the layout has none
/// (Word banks often omit them).
pub fn build(
    raw: &RawQuestion,
    item_type: ItemType,
    score_default: Option<i64>,
) -> Result<ItemBody, Vec<FieldError>> {
    let mut errors = Vec::new();
    let score_centi = match (raw.score.trim().is_empty(), score_default) {
        (true, Some(d)) => d,
        (true, None) => {
            errors.push(ferr(Field::Score, "分值为空", "The score is empty"));
            0
        }
        (false, _) => parse_score(&raw.score).unwrap_or_else(|| {
            errors.push(ferr(
                Field::Score,
                format!("分值“{}”不是数字（最多两位小数）", raw.score.trim()),
                format!(
                    "Score \"{}\" is not a number with at most 2 decimals",
                    raw.score.trim()
                ),
            ));
            0
        }),
    };
    let difficulty = if raw.difficulty.trim().is_empty() {
        3
    } else {
        parse_difficulty(&raw.difficulty).unwrap_or_else(|| {
            errors.push(ferr(
                Field::Difficulty,
                format!(
                    "难度“{}”须为 1–5 或 易/较易/中/较难/难",
                    raw.difficulty.trim()
                ),
                format!(
                    "Difficulty \"{}\" must be 1–5 or 易/较易/中/较难/难",
                    raw.difficulty.trim()
                ),
            ));
            0
        })
    };
    let options: Vec<String> = {
        let mut o: Vec<String> = raw.options.iter().map(|s| s.trim().to_owned()).collect();
        while o.last().is_some_and(String::is_empty) {
            o.pop();
        }
        o
    };
    let answer_text = halfwidth(&raw.answer).trim().to_owned();
    let mut body = ItemBody {
        item_type,
        stem: rich(&raw.stem),
        options: Vec::new(),
        answer: Vec::new(),
        blanks: Vec::new(),
        numeric: None,
        reference_answer: String::new(),
        explanation: String::new(),
        rubric: Vec::new(),
        score_centi,
        difficulty,
        knowledge_point: halfwidth(&raw.knowledge_point).trim().to_owned(),
        sub_questions: Vec::new(),
    };
    let missing_answer = || ferr(Field::Answer, "答案为空", "The answer is empty");
    match item_type {
        ItemType::Single | ItemType::Multiple => {
            body.options = options.iter().map(|o| rich(o)).collect();
            body.explanation = rich(&raw.explanation);
            if answer_text.is_empty() {
                errors.push(missing_answer());
            } else {
                match parse_letters(&answer_text) {
                    Ok(l) => body.answer = l,
                    Err(bad) => errors.push(ferr(
                        Field::Answer,
                        format!("答案“{answer_text}”含无法识别的字符“{bad}”，应为 A–H"),
                        format!("Answer \"{answer_text}\" has \"{bad}\", expected letters A–H"),
                    )),
                }
            }
        }
        ItemType::TrueFalse => {
            body.explanation = rich(&raw.explanation);
            match parse_true_false(&answer_text) {
                Some(v) => body.answer = vec![v.to_string()],
                None if answer_text.is_empty() => errors.push(missing_answer()),
                None => errors.push(ferr(
                    Field::Answer,
                    format!("判断题答案“{answer_text}”应为 对/错/√/×"),
                    format!("True/false answer \"{answer_text}\" must be 对/错/√/×"),
                )),
            }
        }
        ItemType::FillBlank => {
            body.explanation = rich(&raw.explanation);
            body.blanks = parse_blanks(&raw.answer);
            if body.blanks.is_empty() {
                errors.push(missing_answer());
            }
        }
        ItemType::Calculation => {
            body.explanation = rich(&raw.explanation);
            // The first line is the result; further lines are the working.
            let mut lines = raw.answer.trim().splitn(2, '\n');
            let first = lines.next().unwrap_or("");
            match parse_numeric(first) {
                Some(n) => body.numeric = Some(n),
                None if first.trim().is_empty() => errors.push(missing_answer()),
                None => errors.push(ferr(
                    Field::Answer,
                    format!("计算题答案“{}”应为数值，如 12.5±0.1 kW", first.trim()),
                    format!(
                        "Calculation answer \"{}\" must be a number such as 12.5±0.1 kW",
                        first.trim()
                    ),
                )),
            }
            if let Some(work) = lines.next() {
                body.reference_answer = rich(work);
            }
        }
        ItemType::ShortAnswer
        | ItemType::Essay
        | ItemType::Flowchart
        | ItemType::Thesis
        | ItemType::CaseAnalysis => {
            body.reference_answer = rich(&raw.answer);
            body.rubric = parse_rubric(&raw.explanation);
        }
    }
    if !matches!(item_type, ItemType::Single | ItemType::Multiple)
        && let Some(i) = options.iter().position(|o| !o.is_empty())
    {
        errors.push(ferr(
            Field::Option(i),
            format!("{}不应有选项", item_type.zh()),
            format!("A {} has no options", item_type.as_str()),
        ));
    }
    if errors.is_empty() {
        Ok(body)
    } else {
        Err(errors)
    }
}

/// Checks a complete body and reports its broken rules against the raw fields.
pub fn check(body: &mut ItemBody) -> Result<(), Vec<FieldError>> {
    body.normalize_and_check().map_err(|errs| {
        errs.into_iter()
            .map(|e| ferr(Field::from_body_path(&e.field), e.zh, e.en))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_in_the_forms_banks_use() {
        assert_eq!(parse_letters("Ａ、Ｃ").unwrap(), ["A", "C"]);
        assert_eq!(parse_letters("ac").unwrap(), ["A", "C"]);
        assert_eq!(parse_letters("A Z").unwrap_err(), "Z");
        assert_eq!(parse_true_false("√"), Some(true));
        assert_eq!(parse_true_false("×"), Some(false));
        assert_eq!(parse_true_false("错"), Some(false));
        assert_eq!(parse_score("２．５分"), Some(250));
        assert_eq!(parse_score("1.234"), None);
        assert_eq!(parse_difficulty("较难"), Some(4));
        let n = parse_numeric("12.5±0.1 kW").unwrap();
        assert_eq!((n.value, n.tolerance, n.unit.as_str()), (12.5, 0.1, "kW"));
        let n = parse_numeric("220V").unwrap();
        assert_eq!((n.value, n.tolerance, n.unit.as_str()), (220.0, 0.0, "V"));
        assert_eq!(
            parse_blanks("欧姆｜Ω；安培"),
            vec![vec!["欧姆", "Ω"], vec!["安培"]]
        );
        let r = parse_rubric("答出接地要求（2分）\n说明顺序 1.5分");
        assert_eq!(
            (r[0].points_centi, r[0].description.as_str()),
            (200, "答出接地要求")
        );
        assert_eq!(
            (r[1].points_centi, r[1].description.as_str()),
            (150, "说明顺序")
        );
        assert_eq!(
            parse_type("案例子题-单选题"),
            Some((ItemType::Single, true))
        );
        assert_eq!(parse_type("单项选择题"), Some((ItemType::Single, false)));
    }
}
