//! Local checks of a mainland resident identity card number (GB 11643-1999): 18 characters,
//! a plausible province prefix, a real birth date that matches the one entered, the
//! ISO 7064 MOD 11-2 check digit, and an age that fits the declared level. Pure functions —
//! the real-name service is asked separately (see `realname`).

use chrono::{Datelike, NaiveDate};

/// Why a number was refused; each reason carries its own bilingual message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdProblem {
    Length,
    Characters,
    Region,
    BirthDate,
    BirthDateMismatch { on_card: NaiveDate },
    CheckDigit { expected: char },
    AgeForLevel { age: i32, min: i32, max: i32 },
}

impl IdProblem {
    pub fn code(&self) -> &'static str {
        match self {
            IdProblem::Length => "id_length",
            IdProblem::Characters => "id_characters",
            IdProblem::Region => "id_region",
            IdProblem::BirthDate => "id_birth_date",
            IdProblem::BirthDateMismatch { .. } => "id_birth_date_mismatch",
            IdProblem::CheckDigit { .. } => "id_check_digit",
            IdProblem::AgeForLevel { .. } => "id_age_for_level",
        }
    }

    pub fn zh(&self) -> String {
        match self {
            IdProblem::Length => "身份证号须为 18 位".into(),
            IdProblem::Characters => "身份证号前 17 位须为数字，末位为数字或 X".into(),
            IdProblem::Region => "身份证号的地区码不存在".into(),
            IdProblem::BirthDate => "身份证号中的出生日期无效".into(),
            IdProblem::BirthDateMismatch { on_card } => {
                format!("出生日期与身份证号不符（证件上为 {on_card}）")
            }
            IdProblem::CheckDigit { .. } => "身份证号校验位错误，请核对".into(),
            IdProblem::AgeForLevel { age, min, max } => {
                format!("年龄 {age} 岁不符合该等级的申报年龄（{min}–{max} 岁）")
            }
        }
    }

    pub fn en(&self) -> String {
        match self {
            IdProblem::Length => "An ID card number has 18 characters".into(),
            IdProblem::Characters => {
                "The first 17 characters must be digits, the last a digit or X".into()
            }
            IdProblem::Region => "The region code of the ID number does not exist".into(),
            IdProblem::BirthDate => "The birth date inside the ID number is not a real date".into(),
            IdProblem::BirthDateMismatch { on_card } => {
                format!("The birth date does not match the ID number (the card says {on_card})")
            }
            IdProblem::CheckDigit { .. } => "The check digit of the ID number is wrong".into(),
            IdProblem::AgeForLevel { age, min, max } => {
                format!("Age {age} is outside the range for this level ({min}–{max})")
            }
        }
    }
}

/// Province-level prefixes in use (GB/T 2260), Hong Kong/Macao/Taiwan included.
const PROVINCES: &[u8] = &[
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The ISO 7064 MOD 11-2 check character for the first 17 digits.
pub fn check_char(first17: &str) -> Option<char> {
    let mut sum = 0u32;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += c.to_digit(10)? * w;
    }
    (first17.chars().count() == 17).then(|| CHECK[(sum % 11) as usize])
}

/// Upper-cases a trailing `x` and drops surrounding blanks.
pub fn normalize(raw: &str) -> String {
    raw.trim().to_ascii_uppercase()
}

/// The structure of the number: length, digits, region, birth date, check digit. Returns the
/// birth date on the card.
pub fn parse(id: &str) -> Result<NaiveDate, IdProblem> {
    if id.chars().count() != 18 {
        return Err(IdProblem::Length);
    }
    if !id.is_ascii() {
        return Err(IdProblem::Characters);
    }
    let (first17, last) = id.split_at(17);
    let last_ok = matches!(last.as_bytes(), [b'0'..=b'9' | b'X']);
    if !first17.bytes().all(|b| b.is_ascii_digit()) || !last_ok {
        return Err(IdProblem::Characters);
    }
    let prov: u8 = first17[..2].parse().map_err(|_| IdProblem::Characters)?;
    if !PROVINCES.contains(&prov) || &first17[2..6] == "0000" {
        return Err(IdProblem::Region);
    }
    let birth =
        NaiveDate::parse_from_str(&first17[6..14], "%Y%m%d").map_err(|_| IdProblem::BirthDate)?;
    if birth.year() < 1900 {
        return Err(IdProblem::BirthDate);
    }
    let expected = check_char(first17).ok_or(IdProblem::Characters)?;
    if !last.starts_with(expected) {
        return Err(IdProblem::CheckDigit { expected });
    }
    Ok(birth)
}

/// Whole years between `birth` and `today`.
pub fn age_on(birth: NaiveDate, today: NaiveDate) -> i32 {
    let mut age = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// Age range in which declaring a level is plausible: the statutory working age of 16 for
/// 五级, rising with the experience the higher levels take; 70 as the upper bound for all.
pub fn age_range(level: i64) -> (i32, i32) {
    let min = match level {
        5 => 16,
        4 => 18,
        3 => 20,
        2 => 23,
        _ => 25,
    };
    (min, 70)
}

/// Every local check at once, as registration runs them.
pub fn validate(
    id: &str,
    entered_birth: NaiveDate,
    level: i64,
    today: NaiveDate,
) -> Result<(), IdProblem> {
    let on_card = parse(id)?;
    if on_card != entered_birth {
        return Err(IdProblem::BirthDateMismatch { on_card });
    }
    let age = age_on(on_card, today);
    let (min, max) = age_range(level);
    if age < min || age > max {
        return Err(IdProblem::AgeForLevel { age, min, max });
    }
    Ok(())
}

/// `110105********123X` style: region and the last four kept, the birth date hidden.
pub fn mask(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
}

/// `138****5678`.
pub fn mask_phone(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn with_check(first17: &str) -> String {
        format!("{first17}{}", check_char(first17).unwrap())
    }

    #[test]
    fn check_digit_of_the_standard_example() {
        // The worked example of GB 11643-1999.
        assert_eq!(check_char("11010519491231002"), Some('X'));
        assert_eq!(parse("11010519491231002X"), Ok(d(1949, 12, 31)));
        assert_eq!(
            parse("11010519491231002x".to_ascii_uppercase().as_str()),
            Ok(d(1949, 12, 31))
        );
        assert_eq!(
            parse("110105194912310021"),
            Err(IdProblem::CheckDigit { expected: 'X' })
        );
    }

    #[test]
    fn structure_errors_have_their_own_reason() {
        assert_eq!(parse("1101051949123100"), Err(IdProblem::Length));
        assert_eq!(parse("11010519491231A02X"), Err(IdProblem::Characters));
        assert_eq!(
            parse(&with_check("99010519900101002")),
            Err(IdProblem::Region)
        );
        assert_eq!(
            parse(&with_check("11000019900101002")),
            Err(IdProblem::Region)
        );
        assert_eq!(
            parse(&with_check("11010519900230002")),
            Err(IdProblem::BirthDate)
        );
        assert_eq!(
            parse(&with_check("11010518000101002")),
            Err(IdProblem::BirthDate)
        );
        assert_eq!(
            parse(&with_check("52010219900229001")),
            Err(IdProblem::BirthDate)
        );
        assert_eq!(parse(&with_check("52010219960229001")), Ok(d(1996, 2, 29)));
    }

    #[test]
    fn birth_date_must_match_and_age_fit_the_level() {
        let id = with_check("52010219900315001");
        let today = d(2026, 12, 4);
        assert_eq!(validate(&id, d(1990, 3, 15), 3, today), Ok(()));
        assert_eq!(
            validate(&id, d(1990, 3, 16), 3, today),
            Err(IdProblem::BirthDateMismatch {
                on_card: d(1990, 3, 15)
            })
        );
        let young = with_check("52010220120101001");
        assert_eq!(
            validate(&young, d(2012, 1, 1), 5, today),
            Err(IdProblem::AgeForLevel {
                age: 14,
                min: 16,
                max: 70
            })
        );
        let twenty = with_check("52010220061205001");
        assert_eq!(age_on(d(2006, 12, 5), today), 19);
        assert!(matches!(
            validate(&twenty, d(2006, 12, 5), 1, today),
            Err(IdProblem::AgeForLevel { .. })
        ));
        assert_eq!(validate(&twenty, d(2006, 12, 5), 5, today), Ok(()));
    }

    #[test]
    fn masks_keep_region_and_last_four() {
        assert_eq!(mask("11010519491231002X"), "110105********002X");
        assert_eq!(mask_phone("13812345678"), "138****5678");
    }
}
