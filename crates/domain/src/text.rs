//! Validation of user input. Every failure carries a stable code (for the API and
//! the English catalogue) and a clear Chinese message. Lengths count characters.

use serde::Serialize;

/// One problem with one input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The form field it concerns, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Stable machine-readable code, e.g. `field_too_long`.
    pub code: String,
    /// The message shown to a Chinese reader.
    pub message: String,
}

impl FieldError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        FieldError {
            field: None,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    pub fn on(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }
}

/// All the problems found in one submitted form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    /// Records the error of `r` (if any) and returns its value.
    pub fn check<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn for_field(&self, field: &str) -> Option<&FieldError> {
        self.0.iter().find(|e| e.field.as_deref() == Some(field))
    }

    pub fn into_result(self) -> Result<(), Invalid> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let msgs: Vec<&str> = self.0.iter().map(|e| e.message.as_str()).collect();
        f.write_str(&msgs.join("；"))
    }
}

impl std::error::Error for Invalid {}

impl From<FieldError> for Invalid {
    fn from(e: FieldError) -> Self {
        Invalid(vec![e])
    }
}

fn has_control(s: &str, multiline: bool) -> bool {
    s.chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\r' || c == '\t')))
}

/// A required single-line text of at most `max` characters, trimmed.
pub fn required(field: &str, label: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(FieldError::new("field_required", format!("请填写{label}")).on(field));
    }
    bounded(field, label, v, max, false).map(str::to_owned)
}

/// An optional single-line text: empty becomes `None`.
pub fn optional(
    field: &str,
    label: &str,
    value: &str,
    max: usize,
) -> Result<Option<String>, FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    bounded(field, label, v, max, false).map(|s| Some(s.to_owned()))
}

/// A required multi-line text (newlines kept).
pub fn required_multiline(
    field: &str,
    label: &str,
    value: &str,
    max: usize,
) -> Result<String, FieldError> {
    optional_multiline(field, label, value, max)?
        .ok_or_else(|| FieldError::new("field_required", format!("请填写{label}")).on(field))
}

/// An optional multi-line text (newlines kept).
pub fn optional_multiline(
    field: &str,
    label: &str,
    value: &str,
    max: usize,
) -> Result<Option<String>, FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    bounded(field, label, v, max, true).map(|s| Some(s.to_owned()))
}

fn bounded<'a>(
    field: &str,
    label: &str,
    v: &'a str,
    max: usize,
    multiline: bool,
) -> Result<&'a str, FieldError> {
    let n = v.chars().count();
    if n > max {
        return Err(FieldError::new(
            "field_too_long",
            format!("{label}不能超过 {max} 个字符（现有 {n} 个）"),
        )
        .on(field));
    }
    if has_control(v, multiline) {
        return Err(FieldError::new(
            "field_control_chars",
            format!("{label}含有不可见的控制字符，请删除后重试"),
        )
        .on(field));
    }
    Ok(v)
}

/// A login name: 3–40 characters of letters, digits and `_ . - @`, case-insensitive.
pub fn username(value: &str) -> Result<String, FieldError> {
    let v = value.trim().to_lowercase();
    let n = v.chars().count();
    if n == 0 {
        return Err(FieldError::new("field_required", "请填写用户名").on("username"));
    }
    if !(3..=40).contains(&n) {
        return Err(FieldError::new("username_length", "用户名应为 3 到 40 个字符").on("username"));
    }
    if !v
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_.-@".contains(c))
    {
        return Err(
            FieldError::new("username_charset", "用户名只能使用英文字母、数字和 _ . - @")
                .on("username"),
        );
    }
    Ok(v)
}

/// An e-mail address (optional). A plain shape check: one `@`, a dot in the domain.
pub fn email(value: &str) -> Result<Option<String>, FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let bad = || FieldError::new("email_invalid", "电子邮箱格式不正确").on("email");
    if v.chars().count() > 254 || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = v.split_once('@').ok_or_else(bad)?;
    if local.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return Err(bad());
    }
    Ok(Some(v.to_owned()))
}

/// A telephone number (optional): digits with `+ - ( )` and spaces, 5–20 characters.
pub fn phone(value: &str) -> Result<Option<String>, FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let ok = (5..=20).contains(&v.chars().count())
        && v.chars().all(|c| c.is_ascii_digit() || "+-() ".contains(c))
        && v.chars().filter(|c| c.is_ascii_digit()).count() >= 5;
    if ok {
        Ok(Some(v.to_owned()))
    } else {
        Err(FieldError::new(
            "phone_invalid",
            "联系电话格式不正确，只能包含数字、空格和 + - ( )",
        )
        .on("phone"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn limits_count_characters_not_bytes() {
        let ok = "科".repeat(150);
        assert_eq!(required("f", "工作思路", &ok, 150).unwrap(), ok);
        let long = "科".repeat(151);
        let e = required("f", "工作思路", &long, 150).unwrap_err();
        assert_eq!(e.code, "field_too_long");
        assert!(e.message.contains("150"), "{}", e.message);
        assert_eq!(e.field.as_deref(), Some("f"));
    }

    #[test]
    fn required_and_optional() {
        assert_eq!(
            required("n", "名称", "   ", 10).unwrap_err().code,
            "field_required"
        );
        assert_eq!(optional("n", "名称", "  ", 10).unwrap(), None);
        assert_eq!(
            optional("n", "名称", " x ", 10).unwrap().as_deref(),
            Some("x")
        );
        assert_eq!(
            required("n", "名称", "a\u{0}b", 10).unwrap_err().code,
            "field_control_chars"
        );
        assert!(required("n", "名称", "a\nb", 10).is_err());
        assert_eq!(
            optional_multiline("n", "名称", "a\nb", 10)
                .unwrap()
                .as_deref(),
            Some("a\nb")
        );
    }

    #[test]
    fn hostile_text_is_kept_literally() {
        for s in [
            "<script>alert(1)</script>",
            "'; DROP TABLE users; --",
            "{{ 7*7 }}",
        ] {
            assert_eq!(required("n", "名称", s, 100).unwrap(), s);
        }
    }

    #[test]
    fn usernames() {
        assert_eq!(
            username(" Zhang.San@PKU.edu.cn ").unwrap(),
            "zhang.san@pku.edu.cn"
        );
        assert_eq!(username("ab").unwrap_err().code, "username_length");
        assert_eq!(username("张三丰").unwrap_err().code, "username_charset");
        assert_eq!(username("a b c").unwrap_err().code, "username_charset");
        assert_eq!(username("").unwrap_err().code, "field_required");
    }

    #[test]
    fn emails_and_phones() {
        assert!(email("a@b.cn").unwrap().is_some());
        assert_eq!(email("").unwrap(), None);
        for bad in ["a", "a@b", "@b.cn", "a@@b.cn", "a b@c.cn", "a@.cn"] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert!(phone("0755-88668888").unwrap().is_some());
        assert!(phone("+86 138 0013 8000").unwrap().is_some());
        assert!(phone("call me").is_err());
        assert!(phone("1234").is_err());
    }

    proptest! {
        #[test]
        fn never_accepts_more_than_max(s in "\\PC{0,300}", max in 1usize..200) {
            if let Ok(v) = required("f", "x", &s, max) {
                prop_assert!(v.chars().count() <= max);
                prop_assert!(!v.is_empty());
            }
        }
    }
}
