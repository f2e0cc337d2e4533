//! Rule-based random assembly (组卷) as a pure function of the bank's items, the blueprint and
//! a random source, so it can be tested without a database.
//!
//! A blueprint is a list of cells (type × knowledge point × difficulty → count and score per
//! item). Cells are filled most specific first, so a catch-all cell cannot eat the items a
//! narrow cell needs; an item fills at most one cell. For parallel forms every cell draws
//! `count × forms` distinct items and deals them out, so forms share nothing; when the bank
//! is too small for that, each form is drawn on its own, preferring items the other forms
//! do not use.

use std::collections::HashSet;

use rand::Rng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::bank::item::{ItemType, centi_text};

/// An item the bank can offer.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub item_id: i64,
    pub item_type: ItemType,
    pub knowledge_point: String,
    pub difficulty: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlueprintCell {
    pub item_type: ItemType,
    /// Any knowledge point when absent.
    #[serde(default)]
    pub knowledge_point: Option<String>,
    /// Any difficulty when absent.
    #[serde(default)]
    pub difficulty: Option<i64>,
    pub count: usize,
    /// Score of each item drawn for this cell, in hundredths.
    pub score_centi: i64,
}

impl BlueprintCell {
    fn admits(&self, c: &Candidate) -> bool {
        c.item_type == self.item_type
            && self
                .knowledge_point
                .as_ref()
                .is_none_or(|k| *k == c.knowledge_point)
            && self.difficulty.is_none_or(|d| d == c.difficulty)
    }

    fn specificity(&self) -> u8 {
        self.knowledge_point.is_some() as u8 + self.difficulty.is_some() as u8
    }

    /// `单选题 × 鉴定点 A-01 × 难度 3`.
    pub fn describe_zh(&self) -> String {
        let mut s = self.item_type.zh().to_owned();
        if let Some(k) = &self.knowledge_point {
            s.push_str(&format!(" × 鉴定点 {k}"));
        }
        if let Some(d) = self.difficulty {
            s.push_str(&format!(" × 难度 {d}"));
        }
        s
    }

    pub fn describe_en(&self) -> String {
        let mut s = self.item_type.as_str().to_owned();
        if let Some(k) = &self.knowledge_point {
            s.push_str(&format!(" × knowledge point {k}"));
        }
        if let Some(d) = self.difficulty {
            s.push_str(&format!(" × difficulty {d}"));
        }
        s
    }

    pub fn total_centi(&self) -> i64 {
        self.count as i64 * self.score_centi
    }
}

/// The cell that cannot be filled.
#[derive(Debug, Clone, PartialEq)]
pub struct Shortfall {
    /// Index into the blueprint's cells.
    pub cell: usize,
    pub needed: usize,
    pub available: usize,
    /// Items matching the cell but left out because recent papers used them.
    pub excluded_recent: usize,
}

/// One drawn item: which cell it fills, at what score.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawn {
    pub item_id: i64,
    pub cell: usize,
    pub score_centi: i64,
}

/// Score-weighted mean difficulty of a drawn form.
pub fn mean_difficulty(form: &[Drawn], difficulty_of: &std::collections::HashMap<i64, i64>) -> f64 {
    let total: i64 = form.iter().map(|d| d.score_centi).sum();
    if total == 0 {
        return 0.0;
    }
    let weighted: i64 = form
        .iter()
        .map(|d| d.score_centi * difficulty_of.get(&d.item_id).copied().unwrap_or(0))
        .sum();
    weighted as f64 / total as f64
}

/// Draws `forms` papers. `recent` items are never drawn. Returns the forms (each in
/// blueprint cell order) and how many items the forms share.
pub fn assemble(
    bank: &[Candidate],
    cells: &[BlueprintCell],
    recent: &HashSet<i64>,
    forms: usize,
    rng: &mut impl Rng,
) -> Result<(Vec<Vec<Drawn>>, usize), Shortfall> {
    let mut order: Vec<usize> = (0..cells.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(cells[i].specificity()));
    // First try: disjoint forms.
    if let Ok(drawn) = draw(bank, cells, &order, recent, &HashSet::new(), forms, rng) {
        let mut out = vec![Vec::new(); forms];
        for (cell, ids) in drawn {
            for (k, id) in ids.into_iter().enumerate() {
                out[k % forms].push(Drawn {
                    item_id: id,
                    cell,
                    score_centi: cells[cell].score_centi,
                });
            }
        }
        for f in &mut out {
            f.sort_by_key(|d| d.cell);
        }
        return Ok((out, 0));
    }
    // The bank cannot supply disjoint forms: draw each alone, avoiding earlier forms' items
    // where the bank allows.
    let mut out = Vec::new();
    let mut used: HashSet<i64> = HashSet::new();
    let mut shared = 0;
    for _ in 0..forms {
        let drawn = draw(bank, cells, &order, recent, &used, 1, rng)?;
        let mut form: Vec<Drawn> = drawn
            .into_iter()
            .flat_map(|(cell, ids)| {
                ids.into_iter().map(move |id| Drawn {
                    item_id: id,
                    cell,
                    score_centi: cells[cell].score_centi,
                })
            })
            .collect();
        form.sort_by_key(|d| d.cell);
        shared += form.iter().filter(|d| used.contains(&d.item_id)).count();
        used.extend(form.iter().map(|d| d.item_id));
        out.push(form);
    }
    Ok((out, shared))
}

/// For each cell (in `order`), `count × forms` distinct items; items in `avoid` only when
/// nothing else is left.
fn draw(
    bank: &[Candidate],
    cells: &[BlueprintCell],
    order: &[usize],
    recent: &HashSet<i64>,
    avoid: &HashSet<i64>,
    forms: usize,
    rng: &mut impl Rng,
) -> Result<Vec<(usize, Vec<i64>)>, Shortfall> {
    let mut taken: HashSet<i64> = HashSet::new();
    let mut out = Vec::new();
    for &ci in order {
        let cell = &cells[ci];
        let needed = cell.count * forms;
        let matching: Vec<&Candidate> = bank
            .iter()
            .filter(|c| cell.admits(c) && !taken.contains(&c.item_id))
            .collect();
        let excluded_recent = matching
            .iter()
            .filter(|c| recent.contains(&c.item_id))
            .count();
        let (mut fresh, mut reused): (Vec<i64>, Vec<i64>) = matching
            .iter()
            .filter(|c| !recent.contains(&c.item_id))
            .map(|c| c.item_id)
            .partition(|id| !avoid.contains(id));
        if fresh.len() + reused.len() < needed {
            return Err(Shortfall {
                cell: ci,
                needed,
                available: fresh.len() + reused.len(),
                excluded_recent,
            });
        }
        fresh.shuffle(rng);
        reused.shuffle(rng);
        fresh.extend(reused);
        fresh.truncate(needed);
        taken.extend(fresh.iter().copied());
        out.push((ci, fresh));
    }
    Ok(out)
}

impl Shortfall {
    pub fn message(&self, cells: &[BlueprintCell]) -> (String, String) {
        let c = &cells[self.cell];
        let recent_zh = if self.excluded_recent > 0 {
            format!("，另有 {} 道因近期试卷已用而排除", self.excluded_recent)
        } else {
            String::new()
        };
        let recent_en = if self.excluded_recent > 0 {
            format!("; {} more were used by recent papers", self.excluded_recent)
        } else {
            String::new()
        };
        (
            format!(
                "第 {} 格（{}，每题 {} 分）需要 {} 道试题，题库只有 {} 道可用{}",
                self.cell + 1,
                c.describe_zh(),
                centi_text(c.score_centi),
                self.needed,
                self.available,
                recent_zh
            ),
            format!(
                "Cell {} ({}) needs {} items; the bank has only {} available{}",
                self.cell + 1,
                c.describe_en(),
                self.needed,
                self.available,
                recent_en
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn bank() -> Vec<Candidate> {
        (0..40)
            .map(|i| Candidate {
                item_id: i,
                item_type: if i % 2 == 0 {
                    ItemType::Single
                } else {
                    ItemType::TrueFalse
                },
                knowledge_point: format!("K{}", i % 4),
                difficulty: 1 + i % 5,
            })
            .collect()
    }

    #[test]
    fn narrow_cells_are_filled_before_catch_alls() {
        let cells = vec![
            BlueprintCell {
                item_type: ItemType::Single,
                knowledge_point: None,
                difficulty: None,
                count: 15,
                score_centi: 100,
            },
            BlueprintCell {
                item_type: ItemType::Single,
                knowledge_point: Some("K0".into()),
                difficulty: None,
                count: 5,
                score_centi: 100,
            },
        ];
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let (forms, shared) = assemble(&bank(), &cells, &HashSet::new(), 1, &mut rng).unwrap();
        assert_eq!(shared, 0);
        assert_eq!(forms[0].len(), 20);
        let ids: HashSet<i64> = forms[0].iter().map(|d| d.item_id).collect();
        assert_eq!(ids.len(), 20);
    }

    #[test]
    fn a_short_bank_names_the_cell() {
        let cells = vec![
            BlueprintCell {
                item_type: ItemType::TrueFalse,
                knowledge_point: None,
                difficulty: None,
                count: 2,
                score_centi: 100,
            },
            BlueprintCell {
                item_type: ItemType::Single,
                knowledge_point: Some("K2".into()),
                difficulty: Some(3),
                count: 3,
                score_centi: 100,
            },
        ];
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let err = assemble(&bank(), &cells, &HashSet::new(), 1, &mut rng).unwrap_err();
        assert_eq!(err.cell, 1);
        assert_eq!(err.needed, 3);
    }
}
