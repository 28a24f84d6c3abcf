//! 统一社会信用代码 (unified social credit code), GB 32100-2015.
//!
//! 18 characters from the 31-character set `0-9A-Z` without `I O Z S V`; the last
//! is a check character computed from the first 17 with the weights 3^i mod 31.

use crate::text::FieldError;

const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A credit code whose form and check character have been verified.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CreditCode(String);

fn value_of(c: u8) -> Option<u32> {
    CHARSET.iter().position(|&x| x == c).map(|p| p as u32)
}

/// The check character for the first 17 characters, if they are all valid.
pub fn check_char(first17: &[u8]) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (i, &c) in first17.iter().enumerate() {
        sum += value_of(c)? * WEIGHTS[i];
    }
    let check = (31 - sum % 31) % 31;
    Some(CHARSET[check as usize] as char)
}

impl CreditCode {
    /// Parses a code; surrounding spaces are trimmed and letters upper-cased.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s: String = input.trim().to_uppercase();
        let bytes = s.as_bytes();
        if s.chars().count() != 18 || !s.is_ascii() {
            return Err(FieldError::new(
                "credit_code_length",
                "统一社会信用代码应为 18 位字母或数字",
            ));
        }
        if bytes.iter().any(|&c| value_of(c).is_none()) {
            return Err(FieldError::new(
                "credit_code_charset",
                "统一社会信用代码含有不允许的字符（不使用 I、O、Z、S、V）",
            ));
        }
        match check_char(&bytes[..17]) {
            Some(c) if c as u8 == bytes[17] => Ok(CreditCode(s)),
            _ => Err(FieldError::new(
                "credit_code_checksum",
                "统一社会信用代码校验位不正确，请核对后重新输入",
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_published_codes() {
        // The standard's own example and codes whose check character is correct.
        for code in [
            "91350100M000100Y43",
            "91440300708461136T",
            "91110000100017643K",
            "9144030071526726XG",
        ] {
            assert!(CreditCode::parse(code).is_ok(), "{code}");
        }
        assert_eq!(
            CreditCode::parse(" 91350100m000100y43 ").unwrap().as_str(),
            "91350100M000100Y43"
        );
    }

    #[test]
    fn rejects_bad_codes_with_reason() {
        let cases = [
            ("", "credit_code_length"),
            ("9135010", "credit_code_length"),
            ("91350100M000100Y4３", "credit_code_length"),
            ("91350100M000100Y4I", "credit_code_charset"),
            ("91350100M000100Y44", "credit_code_checksum"),
            ("<script>alert(1)</", "credit_code_charset"),
        ];
        for (input, code) in cases {
            assert_eq!(CreditCode::parse(input).unwrap_err().code, code, "{input}");
        }
    }

    proptest! {
        #[test]
        fn any_body_with_its_check_char_is_valid(body in "[0-9A-HJ-NPQRTUWXY]{17}") {
            let c = check_char(body.as_bytes()).unwrap();
            let code = format!("{body}{c}");
            prop_assert!(CreditCode::parse(&code).is_ok());
        }

        #[test]
        fn changing_one_char_breaks_the_check(body in "[0-9A-HJ-NPQRTUWXY]{17}", pos in 0usize..17, delta in 1u32..31) {
            let c = check_char(body.as_bytes()).unwrap();
            let mut bytes = format!("{body}{c}").into_bytes();
            let v = value_of(bytes[pos]).unwrap();
            bytes[pos] = CHARSET[((v + delta) % 31) as usize];
            let code = String::from_utf8(bytes).unwrap();
            prop_assert!(CreditCode::parse(&code).is_err());
        }
    }
}
