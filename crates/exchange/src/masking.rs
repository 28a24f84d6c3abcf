//! Masking of personal data for readers who do not need it (SPEC §6): lists and
//! exports show `张**`, `138****8000`, `z***@example.cn`.

/// Two-character surnames kept whole.
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "公孙", "慕容", "尉迟", "长孙", "宇文",
    "司徒", "夏侯", "端木", "独孤", "南宫", "西门", "百里", "呼延", "轩辕", "澹台", "闻人", "申屠",
    "太史", "万俟", "钟离", "赫连", "拓跋", "司空",
];

/// The surname followed by `**`: 张伟 → 张**, 欧阳修文 → 欧阳**.
pub fn name(name: &str) -> String {
    let name = name.trim();
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    let keep = COMPOUND_SURNAMES
        .iter()
        .find(|s| name.starts_with(**s) && name.chars().count() > 2)
        .map(|s| (*s).to_owned())
        .unwrap_or_else(|| first.to_string());
    format!("{keep}**")
}

/// The first 3 and last 4 digits: 13800138000 → 138****8000, 020-88886666 →
/// 020****6666. A +86 country code is dropped first. Short numbers are masked whole.
pub fn phone(phone: &str) -> String {
    let mut digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if phone.trim_start().starts_with("+86") || (digits.len() == 13 && digits.starts_with("86")) {
        digits = digits.get(2..).unwrap_or_default().to_owned();
    }
    if digits.len() < 8 {
        return "****".to_owned();
    }
    format!("{}****{}", &digits[..3], &digits[digits.len() - 4..])
}

/// The first character of the local part, then `***@` and the domain:
/// zhangsan@example.cn → z***@example.cn.
pub fn email(email: &str) -> String {
    let email = email.trim();
    match email.rsplit_once('@') {
        Some((local, domain)) if !local.is_empty() => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        _ => "***".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(name("张伟"), "张**");
        assert_eq!(name(" 李小龙 "), "李**");
        assert_eq!(name("欧阳修文"), "欧阳**");
        assert_eq!(
            name("欧阳"),
            "欧**",
            "a two-character name is surname + given name"
        );
        assert_eq!(name("John Smith"), "J**");
        assert_eq!(name(""), "");
    }

    #[test]
    fn phones() {
        assert_eq!(phone("13800138000"), "138****8000");
        assert_eq!(phone("020-88886666"), "020****6666");
        assert_eq!(phone("+86 138 0013 8000"), "138****8000");
        assert_eq!(phone("0755-12345678"), "075****5678");
        assert_eq!(phone("12345"), "****");
        assert_eq!(phone(""), "****");
    }

    #[test]
    fn emails() {
        assert_eq!(email("zhangsan@example.edu.cn"), "z***@example.edu.cn");
        assert_eq!(email("张@例子.中国"), "张***@例子.中国");
        assert_eq!(email("nobody"), "***");
        assert_eq!(email("@x.cn"), "***");
    }
}
