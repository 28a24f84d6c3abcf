//! Expressions of interest (SPEC §5): a verified enterprise asks the holder of a
//! published achievement to talk, with a message and the cooperation mode it has
//! in mind. The holder accepts or declines with a reason; a request left
//! unanswered expires, and the holder is reminded before it does.

use serde::{Deserialize, Serialize};

use crate::text::{self, FieldError, Invalid};
use crate::vocab::Vocabulary;

string_enum! {
    /// Where an expression of interest is.
    InterestStatus {
        Pending => "pending", "待回复", "Awaiting reply";
        Accepted => "accepted", "已接受", "Accepted";
        Declined => "declined", "已婉拒", "Declined";
        Expired => "expired", "已过期", "Expired";
        Withdrawn => "withdrawn", "已撤回", "Withdrawn";
    }
}

impl InterestStatus {
    pub fn can_become(self, to: InterestStatus) -> bool {
        use InterestStatus::*;
        matches!(
            (self, to),
            (Pending, Accepted | Declined | Expired | Withdrawn)
        )
    }

    /// Whether the enterprise may express interest again on the same record.
    pub fn may_renew(self) -> bool {
        matches!(
            self,
            InterestStatus::Pending | InterestStatus::Expired | InterestStatus::Withdrawn
        )
    }
}

/// Days a holder has to answer.
pub const ANSWER_DAYS: i64 = 14;
/// Days before expiry the holder is reminded.
pub const REMIND_DAYS_BEFORE: i64 = 3;
pub const DAY_MS: i64 = 24 * 3600 * 1000;

/// The form an enterprise fills in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Form {
    pub message: String,
    pub cooperation_mode: String,
}

/// A validated request: `(message, cooperation mode)`.
pub fn validate(f: &Form, vocab: &Vocabulary) -> Result<(String, String), Invalid> {
    let mut inv = Invalid::default();
    let message = inv.check(text::required_multiline(
        "message", "留言", &f.message, 1000,
    ));
    let mode = f.cooperation_mode.trim();
    let known = vocab
        .list("cooperation_modes")
        .is_some_and(|l| l.items.iter().any(|i| i.code == mode));
    if !known {
        inv.push(FieldError::new("mode_required", "请选择合作方式").on("cooperation_mode"));
    }
    inv.clone().into_result()?;
    Ok((message.unwrap_or_default(), mode.to_owned()))
}

/// The holder's reason for declining (required).
pub fn decline_reason(value: &str) -> Result<String, FieldError> {
    text::optional_multiline("reason", "婉拒理由", value, 500)?
        .ok_or_else(|| FieldError::new("reason_required", "婉拒时请说明理由").on("reason"))
}

/// A message between the two sides.
pub fn message(value: &str) -> Result<String, FieldError> {
    text::required_multiline("body", "消息", value, 2000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_validated_and_move_only_forward() {
        let vocab = Vocabulary::builtin().unwrap();
        let ok = Form {
            message: "  希望洽谈许可  ".into(),
            cooperation_mode: "licence".into(),
        };
        assert_eq!(
            validate(&ok, &vocab).unwrap(),
            ("希望洽谈许可".to_owned(), "licence".to_owned())
        );
        let bad = Form {
            message: String::new(),
            cooperation_mode: "barter".into(),
        };
        let inv = validate(&bad, &vocab).unwrap_err();
        assert!(inv.for_field("message").is_some());
        assert_eq!(
            inv.for_field("cooperation_mode").map(|e| e.code.as_str()),
            Some("mode_required")
        );
        assert_eq!(decline_reason(" ").unwrap_err().code, "reason_required");
        assert!(decline_reason(&"长".repeat(501)).is_err());
        assert!(message("\u{7}").is_err());
        use InterestStatus::*;
        assert!(Pending.can_become(Accepted));
        assert!(!Accepted.can_become(Declined));
        assert!(!Declined.can_become(Pending));
        assert!(Expired.may_renew() && !Declined.may_renew() && !Accepted.may_renew());
    }
}
