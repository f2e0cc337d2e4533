//! What an item is: its type, its body (stem, options, answers, rubric, sub-questions), the
//! rules a body must satisfy, the sanitising of its rich text and the hash that identifies its
//! content. Shared by the item API, the importers and paper assembly.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// The question types of MISSION R7.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ItemType {
    Single,
    Multiple,
    TrueFalse,
    FillBlank,
    ShortAnswer,
    Calculation,
    Essay,
    Flowchart,
    CaseAnalysis,
    Thesis,
}

impl ItemType {
    pub const ALL: [ItemType; 10] = [
        ItemType::Single,
        ItemType::Multiple,
        ItemType::TrueFalse,
        ItemType::FillBlank,
        ItemType::ShortAnswer,
        ItemType::Calculation,
        ItemType::Essay,
        ItemType::Flowchart,
        ItemType::CaseAnalysis,
        ItemType::Thesis,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemType::Single => "single",
            ItemType::Multiple => "multiple",
            ItemType::TrueFalse => "true_false",
            ItemType::FillBlank => "fill_blank",
            ItemType::ShortAnswer => "short_answer",
            ItemType::Calculation => "calculation",
            ItemType::Essay => "essay",
            ItemType::Flowchart => "flowchart",
            ItemType::CaseAnalysis => "case_analysis",
            ItemType::Thesis => "thesis",
        }
    }

    pub fn parse(s: &str) -> Option<ItemType> {
        ItemType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The name used in templates and messages.
    pub fn zh(self) -> &'static str {
        match self {
            ItemType::Single => "单选题",
            ItemType::Multiple => "多选题",
            ItemType::TrueFalse => "判断题",
            ItemType::FillBlank => "填空题",
            ItemType::ShortAnswer => "简答题",
            ItemType::Calculation => "计算题",
            ItemType::Essay => "论述题",
            ItemType::Flowchart => "流程图题",
            ItemType::CaseAnalysis => "案例分析题",
            ItemType::Thesis => "论文题",
        }
    }

    /// Recognises the names real banks use (单选, 单项选择题, 判断题, 是非题, …).
    pub fn from_name(s: &str) -> Option<ItemType> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if let Some(t) = ItemType::parse(&s) {
            return Some(t);
        }
        let s = s.trim_end_matches('题');
        Some(match s {
            "单选" | "单项选择" | "单择" | "选择" => ItemType::Single,
            "多选" | "多项选择" | "不定项选择" => ItemType::Multiple,
            "判断" | "是非" => ItemType::TrueFalse,
            "填空" => ItemType::FillBlank,
            "简答" | "问答" => ItemType::ShortAnswer,
            "计算" => ItemType::Calculation,
            "论述" => ItemType::Essay,
            "流程图" | "绘图" | "画图" => ItemType::Flowchart,
            "案例分析" | "案例" => ItemType::CaseAnalysis,
            "论文" => ItemType::Thesis,
            _ => return None,
        })
    }

    /// Graded by the machine (R8); the others need a grader and a rubric.
    pub fn is_objective(self) -> bool {
        matches!(
            self,
            ItemType::Single
                | ItemType::Multiple
                | ItemType::TrueFalse
                | ItemType::FillBlank
                | ItemType::Calculation
        )
    }
}

/// A numeric answer accepted within `tolerance` (absolute), in `unit`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NumericAnswer {
    pub value: f64,
    #[serde(default)]
    pub tolerance: f64,
    #[serde(default)]
    pub unit: String,
}

/// One scoring point or deduction rule of a subjective item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RubricRule {
    /// Points for this rule in hundredths (0 when the rule only describes).
    #[serde(default)]
    pub points_centi: i64,
    pub description: String,
}

/// An item's content. Sub-questions (case analysis only) use the same shape; their
/// difficulty and knowledge point are the parent's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemBody {
    pub item_type: ItemType,
    /// Rich text (HTML); sanitised on save. Formulas as TeX in `<span class="math">`.
    pub stem: String,
    /// Choice options A–H as rich text (single and multiple choice only).
    #[serde(default)]
    pub options: Vec<String>,
    /// Correct letters for choices (`["A","C"]`), `["true"]`/`["false"]` for true/false.
    #[serde(default)]
    pub answer: Vec<String>,
    /// Fill-in-the-blank: per blank, every accepted answer.
    #[serde(default)]
    pub blanks: Vec<Vec<String>>,
    /// Calculation: the expected number, tolerance and unit.
    #[serde(default)]
    pub numeric: Option<NumericAnswer>,
    /// Reference answer or worked solution (rich text).
    #[serde(default)]
    pub reference_answer: String,
    /// Explanation (解析) shown to staff and graders.
    #[serde(default)]
    pub explanation: String,
    /// Scoring points and deductions for subjective items.
    #[serde(default)]
    pub rubric: Vec<RubricRule>,
    /// Hundredths of a point; for case analysis the sum of the sub-questions.
    pub score_centi: i64,
    /// 1 (easiest) – 5.
    #[serde(default)]
    pub difficulty: i64,
    /// 鉴定点 code from the occupation's specification.
    #[serde(default)]
    pub knowledge_point: String,
    #[serde(default)]
    #[schema(no_recursion)]
    pub sub_questions: Vec<ItemBody>,
}

/// A rule broken by a body: the field path (`options[2]`, `sub_questions[0].answer`) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyError {
    pub field: String,
    pub zh: String,
    pub en: String,
}

fn err(field: impl Into<String>, zh: impl Into<String>, en: impl Into<String>) -> BodyError {
    BodyError {
        field: field.into(),
        zh: zh.into(),
        en: en.into(),
    }
}

pub const LETTERS: [&str; 8] = ["A", "B", "C", "D", "E", "F", "G", "H"];

impl ItemBody {
    /// Sanitises the rich text, trims, sorts choice answers, then checks every rule; returns
    /// all broken rules (an importer reports each).
    pub fn normalize_and_check(&mut self) -> Result<(), Vec<BodyError>> {
        let mut errors = Vec::new();
        self.normalize();
        self.check("", true, &mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn normalize(&mut self) {
        use super::images::unsign;
        self.stem = sanitize(&unsign(&self.stem));
        for o in &mut self.options {
            *o = sanitize(&unsign(o));
        }
        self.reference_answer = sanitize(&unsign(&self.reference_answer));
        self.explanation = sanitize(&unsign(&self.explanation));
        self.knowledge_point = self.knowledge_point.trim().to_owned();
        for a in &mut self.answer {
            *a = a.trim().to_uppercase();
        }
        if self.item_type == ItemType::TrueFalse {
            for a in &mut self.answer {
                *a = a.to_lowercase();
            }
        }
        self.answer.sort();
        self.answer.dedup();
        for b in &mut self.blanks {
            for alt in b.iter_mut() {
                *alt = alt.trim().to_owned();
            }
        }
        for r in &mut self.rubric {
            r.description = r.description.trim().to_owned();
        }
        let (d, kp) = (self.difficulty, self.knowledge_point.clone());
        for s in &mut self.sub_questions {
            s.difficulty = d;
            s.knowledge_point = kp.clone();
            s.normalize();
        }
    }

    fn check(&self, at: &str, top: bool, e: &mut Vec<BodyError>) {
        let f = |name: &str| format!("{at}{name}");
        let t = self.item_type;
        if plain_text(&self.stem).trim().is_empty() && !self.stem.contains("<img") {
            e.push(err(f("stem"), "题干不能为空", "The stem is empty"));
        }
        if self.score_centi <= 0 || self.score_centi > 100_000 {
            e.push(err(
                f("score_centi"),
                "分值须大于 0 且不超过 1000 分",
                "The score must be above 0 and at most 1000",
            ));
        }
        if top {
            if !(1..=5).contains(&self.difficulty) {
                e.push(err(
                    f("difficulty"),
                    "难度须为 1–5",
                    "Difficulty must be 1–5",
                ));
            }
            if self.knowledge_point.chars().count() > 64 {
                e.push(err(
                    f("knowledge_point"),
                    "鉴定点代码最长 64 个字符",
                    "The knowledge point code is at most 64 characters",
                ));
            }
        }
        let choice = matches!(t, ItemType::Single | ItemType::Multiple);
        if choice {
            if !(2..=8).contains(&self.options.len()) {
                e.push(err(
                    f("options"),
                    "选择题须有 2–8 个选项",
                    "A choice item needs 2–8 options",
                ));
            }
            for (i, o) in self.options.iter().enumerate() {
                if plain_text(o).trim().is_empty() && !o.contains("<img") {
                    e.push(err(
                        f(&format!("options[{i}]")),
                        format!("选项{}为空", LETTERS[i.min(7)]),
                        format!("Option {} is empty", LETTERS[i.min(7)]),
                    ));
                }
            }
            let valid = &LETTERS[..self.options.len().min(8)];
            if let Some(bad) = self.answer.iter().find(|a| !valid.contains(&a.as_str())) {
                e.push(err(
                    f("answer"),
                    format!("答案 {bad} 不是已有选项"),
                    format!("Answer {bad} is not one of the options"),
                ));
            } else if t == ItemType::Single && self.answer.len() != 1 {
                e.push(err(
                    f("answer"),
                    "单选题须有且仅有一个答案",
                    "A single-choice item needs exactly one answer",
                ));
            } else if t == ItemType::Multiple && self.answer.len() < 2 {
                e.push(err(
                    f("answer"),
                    "多选题须有至少两个答案",
                    "A multiple-choice item needs at least two answers",
                ));
            }
        } else if !self.options.is_empty() {
            e.push(err(
                f("options"),
                "只有选择题有选项",
                "Only choice items have options",
            ));
        }
        if t == ItemType::TrueFalse && !(self.answer == ["true"] || self.answer == ["false"]) {
            e.push(err(
                f("answer"),
                "判断题答案须为 对 或 错",
                "A true/false answer must be true or false",
            ));
        }
        if !choice && t != ItemType::TrueFalse && !self.answer.is_empty() {
            e.push(err(
                f("answer"),
                "该题型的答案不用 answer 字段",
                "This type does not use the answer field",
            ));
        }
        if t == ItemType::FillBlank {
            if self.blanks.is_empty() {
                e.push(err(
                    f("blanks"),
                    "填空题须至少有一个空的答案",
                    "A fill-in-the-blank item needs at least one blank",
                ));
            }
            for (i, b) in self.blanks.iter().enumerate() {
                if b.is_empty() || b.iter().any(|a| a.is_empty()) {
                    e.push(err(
                        f(&format!("blanks[{i}]")),
                        format!("第 {} 空的答案为空", i + 1),
                        format!("Blank {} has an empty answer", i + 1),
                    ));
                }
            }
        } else if !self.blanks.is_empty() {
            e.push(err(
                f("blanks"),
                "只有填空题有空",
                "Only fill-in-the-blank items have blanks",
            ));
        }
        match (&self.numeric, t == ItemType::Calculation) {
            (None, true) => e.push(err(
                f("numeric"),
                "计算题须有数值答案",
                "A calculation item needs a numeric answer",
            )),
            (Some(n), true)
                if !n.value.is_finite() || !n.tolerance.is_finite() || n.tolerance < 0.0 =>
            {
                e.push(err(
                    f("numeric"),
                    "数值答案或误差不正确",
                    "The numeric answer or tolerance is not valid",
                ))
            }
            (Some(_), false) => e.push(err(
                f("numeric"),
                "只有计算题有数值答案",
                "Only calculation items have a numeric answer",
            )),
            _ => {}
        }
        let subjective = !t.is_objective() && t != ItemType::CaseAnalysis;
        if subjective
            && self.rubric.is_empty()
            && plain_text(&self.reference_answer).trim().is_empty()
        {
            e.push(err(
                f("rubric"),
                "主观题须有评分标准或参考答案",
                "A subjective item needs a rubric or a reference answer",
            ));
        }
        if let Some((i, _)) = self
            .rubric
            .iter()
            .enumerate()
            .find(|(_, r)| r.description.is_empty() || r.points_centi < 0)
        {
            e.push(err(
                f(&format!("rubric[{i}]")),
                "评分标准条目须有说明且分值不为负",
                "A rubric rule needs a description and non-negative points",
            ));
        }
        if t == ItemType::CaseAnalysis {
            if !top {
                e.push(err(
                    f("item_type"),
                    "案例分析题不能嵌套",
                    "Case analyses cannot be nested",
                ));
            } else if self.sub_questions.is_empty() {
                e.push(err(
                    f("sub_questions"),
                    "案例分析题须有小题",
                    "A case analysis needs sub-questions",
                ));
            } else {
                for (i, s) in self.sub_questions.iter().enumerate() {
                    s.check(&format!("{at}sub_questions[{i}]."), false, e);
                }
                let sum: i64 = self.sub_questions.iter().map(|s| s.score_centi).sum();
                if sum != self.score_centi {
                    e.push(err(
                        f("score_centi"),
                        format!("案例分析题分值须等于小题分值之和 {}", centi_text(sum)),
                        format!(
                            "A case analysis scores the sum of its sub-questions, {}",
                            centi_text(sum)
                        ),
                    ));
                }
            }
        } else if !self.sub_questions.is_empty() {
            e.push(err(
                f("sub_questions"),
                "只有案例分析题有小题",
                "Only case analyses have sub-questions",
            ));
        }
    }

    /// Identifies the content: the same question imported twice hashes the same.
    pub fn content_hash(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        hex::encode(Sha256::digest(json.as_bytes()))
    }

    /// The body as a candidate may see it once the session has started: no answers,
    /// explanations or rubric; blanks reduced to their count.
    pub fn for_candidate(&self) -> CandidateQuestion {
        CandidateQuestion {
            item_type: self.item_type,
            stem: self.stem.clone(),
            options: self.options.clone(),
            blank_count: self.blanks.len(),
            unit: self
                .numeric
                .as_ref()
                .map(|n| n.unit.clone())
                .filter(|u| !u.is_empty()),
            score_centi: self.score_centi,
            sub_questions: self
                .sub_questions
                .iter()
                .map(ItemBody::for_candidate)
                .collect(),
        }
    }
}

/// A question without anything that gives the answer away.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandidateQuestion {
    pub item_type: ItemType,
    pub stem: String,
    pub options: Vec<String>,
    pub blank_count: usize,
    pub unit: Option<String>,
    pub score_centi: i64,
    #[schema(no_recursion)]
    pub sub_questions: Vec<CandidateQuestion>,
}

/// Keeps the markup a stem needs (text formatting, lists, tables, images, sub/superscript,
/// `class` for formula spans) and drops scripts, handlers and foreign URLs schemes.
pub fn sanitize(html: &str) -> String {
    ammonia::Builder::default()
        .add_generic_attributes(&["class"])
        .add_url_schemes(&[super::images::SCHEME])
        .clean(html.trim())
        .to_string()
}

/// The text of an HTML fragment, for search and for emptiness checks.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// Plain text as safe HTML (line breaks kept).
pub fn text_to_html(text: &str) -> String {
    let t = text
        .trim()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    t.replace("\r\n", "\n").replace('\n', "<br>")
}

/// `250` → `2.5`.
pub fn centi_text(c: i64) -> String {
    if c % 100 == 0 {
        format!("{}", c / 100)
    } else {
        format!("{:.2}", c as f64 / 100.0)
            .trim_end_matches('0')
            .to_owned()
    }
}
