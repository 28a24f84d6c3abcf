//! Chinese patent numbers.
//!
//! - Application numbers (申请号), with their check character: since 2003 twelve
//!   digits (year, kind, serial) weighted 2,3,4,5,6,7,8,9,2,3,4,5; before, eight
//!   digits weighted 2…9; the sum modulo 11 is the check (10 is written `X`). They
//!   may be written with `CN` or `ZL` in front and with or without the dot
//!   (`ZL 201710601862.3`).
//! - Publication and grant numbers (公开/公告号): `CN` + 7 to 9 digits + a kind code
//!   (`A`, `B`, `C`, `U`, `Y`, `S`, `D`), e.g. `CN112345678A`.

use crate::text::FieldError;

/// A patent number in its normal written form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatentNumber {
    /// `201710601862.3` or `97101765.4`.
    Application(String),
    /// `CN112345678A`.
    Publication(String),
}

impl PatentNumber {
    pub fn as_str(&self) -> &str {
        match self {
            PatentNumber::Application(s) | PatentNumber::Publication(s) => s,
        }
    }
}

/// The check character of an application number's digits (8 or 12 of them).
pub fn check_char(digits: &str) -> Option<char> {
    const W12: [u32; 12] = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
    const W8: [u32; 8] = [2, 3, 4, 5, 6, 7, 8, 9];
    let weights: &[u32] = match digits.len() {
        12 => &W12,
        8 => &W8,
        _ => return None,
    };
    let mut sum = 0;
    for (c, w) in digits.chars().zip(weights) {
        sum += c.to_digit(10)? * w;
    }
    Some(match sum % 11 {
        10 => 'X',
        r => char::from_digit(r, 10)?,
    })
}

fn err(code: &str, msg: &str) -> FieldError {
    FieldError::new(code, msg)
}

/// Parses a patent application, publication or grant number.
pub fn parse(input: &str) -> Result<PatentNumber, FieldError> {
    let s: String = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    if s.is_empty() {
        return Err(err("patent_number_required", "请填写专利号"));
    }
    let body = s
        .strip_prefix("ZL")
        .or_else(|| s.strip_prefix("CN"))
        .unwrap_or(&s);
    // A publication or grant number ends with a kind code.
    if s.starts_with("CN") && body.ends_with(|c: char| "ABCUYSD".contains(c)) && !body.contains('.')
    {
        let digits = &body[..body.len() - 1];
        return if (7..=9).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
            Ok(PatentNumber::Publication(s))
        } else {
            Err(err(
                "patent_number_format",
                "专利公开（公告）号格式不正确，应为 CN + 7–9 位数字 + 类型码，如 CN112345678A",
            ))
        };
    }
    let (digits, check) = match body.split_once('.') {
        Some((d, c)) => (d.to_owned(), c.to_owned()),
        None if body.len() == 13 || body.len() == 9 => (
            body[..body.len() - 1].to_owned(),
            body[body.len() - 1..].to_owned(),
        ),
        None => {
            return Err(err(
                "patent_number_format",
                "专利号格式不正确，申请号应为 12 位数字加校验位，如 201710601862.3",
            ));
        }
    };
    if !(digits.len() == 12 || digits.len() == 8)
        || !digits.chars().all(|c| c.is_ascii_digit())
        || check.chars().count() != 1
    {
        return Err(err(
            "patent_number_format",
            "专利号格式不正确，申请号应为 12 位数字加校验位，如 201710601862.3",
        ));
    }
    let kind = if digits.len() == 12 {
        digits.as_bytes()[4]
    } else {
        digits.as_bytes()[2]
    };
    if !b"12389".contains(&kind) {
        return Err(err(
            "patent_number_kind",
            "专利申请号中的专利类型位不正确（应为 1、2、3、8 或 9）",
        ));
    }
    match check_char(&digits) {
        Some(c) if check.starts_with(c) => Ok(PatentNumber::Application(format!("{digits}.{c}"))),
        _ => Err(err(
            "patent_number_checksum",
            "专利申请号校验位不正确，请核对后重新输入",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn published_examples() {
        // Worked examples of the check character from public explanations.
        assert_eq!(parse("201710601862.3").unwrap().as_str(), "201710601862.3");
        assert_eq!(parse("ZL 95115608.X").unwrap().as_str(), "95115608.X");
        assert_eq!(parse("97101765.4").unwrap().as_str(), "97101765.4");
        assert_eq!(parse("cn2017106018623").unwrap().as_str(), "201710601862.3");
        assert_eq!(
            parse("CN112345678A").unwrap(),
            PatentNumber::Publication("CN112345678A".into())
        );
        assert_eq!(parse("CN 210123456 U").unwrap().as_str(), "CN210123456U");
    }

    #[test]
    fn bad_numbers_say_why() {
        for (input, code) in [
            ("", "patent_number_required"),
            ("201710601862.4", "patent_number_checksum"),
            ("201750601862.3", "patent_number_kind"),
            ("2017106018.3", "patent_number_format"),
            ("CN12A", "patent_number_format"),
            ("专利一项", "patent_number_format"),
            ("<script>", "patent_number_format"),
        ] {
            assert_eq!(parse(input).unwrap_err().code, code, "{input}");
        }
    }

    proptest! {
        #[test]
        fn every_number_with_its_check_parses(year in 2003u32..2030, kind in prop::sample::select(vec![1u32, 2, 3, 8, 9]), serial in 0u32..10_000_000) {
            let digits = format!("{year}{kind}{serial:07}");
            let c = check_char(&digits).unwrap();
            let good = format!("{digits}.{c}");
            prop_assert!(parse(&good).is_ok());
            let wrong = if c == '0' { '1' } else { '0' };
            let bad = format!("{digits}.{wrong}");
            prop_assert!(parse(&bad).is_err());
        }
    }
}
