//! Technology demands (技术需求 / 技术难题, SPEC §4.4): the form an enterprise
//! fills in, its validation and its lifecycle.
//!
//! A draft may be saved with only its title; submission needs the problem, the
//! field, at least one cooperation mode and a deadline that has not passed. After
//! the region's review a demand is published (when the enterprise made it public)
//! or kept for matching only. Once its deadline passes it takes no answers until
//! the enterprise renews it.

use serde::{Deserialize, Serialize};

use crate::achievement::split_keywords;
use crate::text::{self, FieldError, Invalid};
use crate::vocab::Vocabulary;

string_enum! {
    /// Where a demand is in its life.
    DemandStatus {
        Draft => "draft", "草稿", "Draft";
        Submitted => "submitted", "待审核", "Submitted";
        Published => "published", "已发布", "Published";
        Private => "private", "仅用于匹配", "Matching only";
        Returned => "returned", "退回修改", "Returned for changes";
        Closed => "closed", "已关闭", "Closed";
    }
}

impl DemandStatus {
    /// Whether the lifecycle allows going from `self` to `to`.
    pub fn can_become(self, to: DemandStatus) -> bool {
        use DemandStatus::*;
        matches!(
            (self, to),
            (Draft | Returned, Submitted)
                | (Submitted, Published | Private | Returned)
                | (Published | Private, Closed | Submitted)
                | (Closed, Submitted)
        )
    }

    /// States in which the enterprise may change the form (a change to a reviewed
    /// demand sends it back to review).
    pub fn editable(self) -> bool {
        matches!(
            self,
            DemandStatus::Draft
                | DemandStatus::Returned
                | DemandStatus::Published
                | DemandStatus::Private
        )
    }

    /// Reviewed and in force (public or for matching): used by matching.
    pub fn is_live(self) -> bool {
        matches!(self, DemandStatus::Published | DemandStatus::Private)
    }
}

/// Character limits of the form.
pub mod limits {
    pub const TITLE: usize = 60;
    pub const PROBLEM: usize = 2000;
    pub const GOALS: usize = 1000;
    pub const BASIS: usize = 1000;
    pub const KEYWORDS: usize = 10;
    pub const KEYWORD: usize = 20;
    /// Days ahead a deadline may be set.
    pub const DEADLINE_DAYS: i64 = 366;
}

/// The form as submitted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Form {
    pub title: String,
    pub problem: String,
    pub goals: String,
    pub basis: String,
    pub subfield: String,
    pub keywords: String,
    pub cooperation_modes: Vec<String>,
    pub trl_min: String,
    pub budget: String,
    /// `YYYY-MM-DD`, the last day answers are taken.
    pub deadline: String,
    /// "1": published after review; otherwise kept for matching only.
    pub public: String,
    pub window_id: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
}

/// A validated demand. Optional parts may be missing in a draft.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Details {
    pub title: String,
    /// The problem as the enterprise sees it (现状、难点).
    pub problem: Option<String>,
    /// Target indicators (目标指标).
    pub goals: Option<String>,
    /// What the enterprise already has: equipment, data, money, people (现有基础).
    pub basis: Option<String>,
    pub field: Option<String>,
    pub subfield: Option<String>,
    pub keywords: Vec<String>,
    pub cooperation_modes: Vec<String>,
    /// The lowest readiness level the enterprise can take on.
    pub trl_min: Option<u8>,
    /// A `budget_ranges` code.
    pub budget: Option<String>,
    /// `YYYY-MM-DD` (Asia/Shanghai).
    pub deadline: Option<String>,
    pub public: bool,
    pub window_id: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
}

impl Details {
    /// The text matched against achievements: title, problem, goals, keywords.
    pub fn text(&self) -> String {
        let mut parts = vec![self.title.as_str()];
        parts.extend(self.problem.as_deref());
        parts.extend(self.goals.as_deref());
        let kw = self.keywords.join(" ");
        parts.push(&kw);
        parts.join("\n")
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date, if it is one.
pub fn day_number(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(1970..=9999).contains(&y) || d < 1 || d > days_in {
        return None;
    }
    // Days from civil (H. Hinnant).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

const DAY_MS: i64 = 86_400_000;
const SHANGHAI_MS: i64 = 8 * 3_600_000;

/// Today's day number in Asia/Shanghai at `now_ms`.
pub fn today(now_ms: i64) -> i64 {
    (now_ms + SHANGHAI_MS).div_euclid(DAY_MS)
}

/// The last millisecond of day `day` in Asia/Shanghai.
pub fn end_of_day_ms(day: i64) -> i64 {
    (day + 1) * DAY_MS - SHANGHAI_MS - 1
}

/// `YYYY-MM-DD` of a day number.
pub fn day_string(day: i64) -> String {
    // Civil from days (H. Hinnant).
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Checks a deadline: a real date, not before today, at most a year ahead.
pub fn check_deadline(value: &str, now_ms: i64) -> Result<String, FieldError> {
    let v = value.trim();
    let Some(day) = day_number(v) else {
        return Err(
            FieldError::new("date_invalid", "截止日期格式应为 年-月-日，例如 2027-03-31")
                .on("deadline"),
        );
    };
    let t = today(now_ms);
    if day < t {
        return Err(FieldError::new("deadline_past", "截止日期不能早于今天").on("deadline"));
    }
    if day > t + limits::DEADLINE_DAYS {
        return Err(FieldError::new("deadline_too_far", "截止日期最多设在一年以内").on("deadline"));
    }
    Ok(v.to_owned())
}

fn in_list(vocab: &Vocabulary, list: &str, code: &str) -> bool {
    vocab
        .list(list)
        .is_some_and(|l| l.items.iter().any(|i| i.code == code))
}

/// Validates the form. `submit` requires what a reviewer needs; a draft needs
/// its title only. `now_ms` decides whether the deadline has passed.
pub fn validate(
    f: &Form,
    vocab: &Vocabulary,
    submit: bool,
    now_ms: i64,
) -> Result<Details, Invalid> {
    let mut inv = Invalid::default();
    let mut d = Details {
        title: inv
            .check(text::required("title", "需求名称", &f.title, limits::TITLE))
            .unwrap_or_default(),
        problem: inv
            .check(text::optional_multiline(
                "problem",
                "需求描述",
                &f.problem,
                limits::PROBLEM,
            ))
            .flatten(),
        goals: inv
            .check(text::optional_multiline(
                "goals",
                "目标指标",
                &f.goals,
                limits::GOALS,
            ))
            .flatten(),
        basis: inv
            .check(text::optional_multiline(
                "basis",
                "现有基础",
                &f.basis,
                limits::BASIS,
            ))
            .flatten(),
        public: f.public.trim() == "1",
        contact_name: inv
            .check(text::optional(
                "contact_name",
                "联系人",
                &f.contact_name,
                30,
            ))
            .flatten(),
        contact_phone: inv
            .check(text::phone(&f.contact_phone).map_err(|e| e.on("contact_phone")))
            .flatten(),
        contact_email: inv
            .check(text::email(&f.contact_email).map_err(|e| e.on("contact_email")))
            .flatten(),
        ..Details::default()
    };
    let sub = f.subfield.trim();
    if !sub.is_empty() {
        let item = vocab
            .list("fields")
            .and_then(|l| l.items.iter().find(|i| i.code == sub));
        match item.and_then(|i| i.parent_code.clone()) {
            Some(parent) => {
                d.field = Some(parent);
                d.subfield = Some(sub.to_owned());
            }
            None => inv.push(
                FieldError::new("choice_invalid", "所属领域请从列表中选择（细分领域）")
                    .on("subfield"),
            ),
        }
    }
    let keywords = split_keywords(&f.keywords);
    if keywords.len() > limits::KEYWORDS {
        inv.push(
            FieldError::new(
                "keywords_too_many",
                format!("关键词最多 {} 个", limits::KEYWORDS),
            )
            .on("keywords"),
        );
    } else if let Some(k) = keywords
        .iter()
        .find(|k| k.chars().count() > limits::KEYWORD)
    {
        inv.push(
            FieldError::new(
                "keyword_too_long",
                format!("关键词“{k}”过长（最多 {} 个字）", limits::KEYWORD),
            )
            .on("keywords"),
        );
    } else {
        d.keywords = keywords;
    }
    for m in &f.cooperation_modes {
        let m = m.trim();
        if m.is_empty() {
            continue;
        }
        if in_list(vocab, "cooperation_modes", m) {
            if !d.cooperation_modes.iter().any(|x| x == m) {
                d.cooperation_modes.push(m.to_owned());
            }
        } else {
            inv.push(
                FieldError::new("choice_invalid", "合作方式请从列表中选择").on("cooperation_modes"),
            );
        }
    }
    let trl = f.trl_min.trim();
    if !trl.is_empty() {
        match trl.parse::<u8>() {
            Ok(t) if (1..=9).contains(&t) => d.trl_min = Some(t),
            _ => inv.push(
                FieldError::new("trl_invalid", "可接受的最低技术就绪水平应为 1–9").on("trl_min"),
            ),
        }
    }
    let budget = f.budget.trim();
    if !budget.is_empty() {
        if in_list(vocab, "budget_ranges", budget) {
            d.budget = Some(budget.to_owned());
        } else {
            inv.push(FieldError::new("choice_invalid", "预算范围请从列表中选择").on("budget"));
        }
    }
    if !f.deadline.trim().is_empty() {
        d.deadline = inv.check(check_deadline(&f.deadline, now_ms));
    }
    let window = f.window_id.trim();
    if !window.is_empty() {
        if window.len() <= 40
            && window
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            d.window_id = Some(window.to_owned());
        } else {
            inv.push(FieldError::new("choice_invalid", "征集批次请从列表中选择").on("window_id"));
        }
    }
    if submit {
        let need = |inv: &mut Invalid, missing: bool, field: &str, label: &str| {
            if missing {
                inv.push(
                    FieldError::new("field_required", format!("提交前请填写{label}")).on(field),
                );
            }
        };
        need(
            &mut inv,
            d.problem.is_none() && f.problem.trim().is_empty(),
            "problem",
            "需求描述",
        );
        need(
            &mut inv,
            d.subfield.is_none() && sub.is_empty(),
            "subfield",
            "所属领域",
        );
        need(
            &mut inv,
            d.cooperation_modes.is_empty()
                && f.cooperation_modes.iter().all(|m| m.trim().is_empty()),
            "cooperation_modes",
            "期望的合作方式",
        );
        need(
            &mut inv,
            d.deadline.is_none() && f.deadline.trim().is_empty(),
            "deadline",
            "截止日期",
        );
        if d.contact_phone.is_none()
            && d.contact_email.is_none()
            && inv.for_field("contact_phone").is_none()
            && inv.for_field("contact_email").is_none()
        {
            inv.push(
                FieldError::new(
                    "contact_required",
                    "提交前请至少留一种联系方式（电话或邮箱）",
                )
                .on("contact_phone"),
            );
        }
    }
    inv.into_result()?;
    Ok(d)
}

/// The form showing `d` again (for editing).
pub fn to_form(d: &Details) -> Form {
    Form {
        title: d.title.clone(),
        problem: d.problem.clone().unwrap_or_default(),
        goals: d.goals.clone().unwrap_or_default(),
        basis: d.basis.clone().unwrap_or_default(),
        subfield: d.subfield.clone().unwrap_or_default(),
        keywords: d.keywords.join("，"),
        cooperation_modes: d.cooperation_modes.clone(),
        trl_min: d.trl_min.map(|t| t.to_string()).unwrap_or_default(),
        budget: d.budget.clone().unwrap_or_default(),
        deadline: d.deadline.clone().unwrap_or_default(),
        public: if d.public { "1".into() } else { String::new() },
        window_id: d.window_id.clone().unwrap_or_default(),
        contact_name: d.contact_name.clone().unwrap_or_default(),
        contact_phone: d.contact_phone.clone().unwrap_or_default(),
        contact_email: d.contact_email.clone().unwrap_or_default(),
    }
}

// ---- answers (proposals from holders) -------------------------------------------

string_enum! {
    /// Where a holder's answer to a demand is.
    AnswerStatus {
        Submitted => "submitted", "待企业查看", "Submitted";
        Shortlisted => "shortlisted", "已入围", "Shortlisted";
        Declined => "declined", "未采纳", "Declined";
        Accepted => "accepted", "已接受", "Accepted";
        Withdrawn => "withdrawn", "已撤回", "Withdrawn";
    }
}

impl AnswerStatus {
    /// The enterprise's decisions and the holder's withdrawal.
    pub fn can_become(self, to: AnswerStatus) -> bool {
        use AnswerStatus::*;
        matches!(
            (self, to),
            (Submitted, Shortlisted | Declined | Accepted | Withdrawn)
                | (Shortlisted, Declined | Accepted | Withdrawn)
        )
    }

    /// The holder may still change the proposal.
    pub fn open(self) -> bool {
        matches!(self, AnswerStatus::Submitted | AnswerStatus::Withdrawn)
    }
}

/// The proposal form a holder fills in to answer a demand.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AnswerForm {
    pub approach: String,
    pub trl: String,
    pub team: String,
    pub cooperation_mode: String,
    /// An achievement of the holder's the proposal builds on (optional).
    pub achievement_id: String,
}

/// A validated proposal.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub approach: String,
    pub trl: Option<u8>,
    pub team: String,
    pub cooperation_mode: String,
    pub achievement_id: Option<String>,
}

/// Validates a proposal: the approach, the team and a cooperation mode are needed.
pub fn validate_answer(f: &AnswerForm, vocab: &Vocabulary) -> Result<Answer, Invalid> {
    let mut inv = Invalid::default();
    let approach = inv.check(text::required_multiline(
        "approach",
        "技术方案",
        &f.approach,
        1000,
    ));
    let team = inv.check(text::required_multiline("team", "团队情况", &f.team, 500));
    let trl = match f.trl.trim() {
        "" => None,
        t => match t.parse::<u8>() {
            Ok(n) if (1..=9).contains(&n) => Some(n),
            _ => {
                inv.push(FieldError::new("trl_invalid", "技术成熟度应为 1–9 级").on("trl"));
                None
            }
        },
    };
    let mode = f.cooperation_mode.trim();
    let known = vocab
        .list("cooperation_modes")
        .is_some_and(|l| l.items.iter().any(|i| i.code == mode));
    if !known {
        inv.push(FieldError::new("mode_required", "请选择合作方式").on("cooperation_mode"));
    }
    let achievement_id = Some(f.achievement_id.trim().to_owned()).filter(|s| !s.is_empty());
    inv.clone().into_result()?;
    Ok(Answer {
        approach: approach.unwrap_or_default(),
        trl,
        team: team.unwrap_or_default(),
        cooperation_mode: mode.to_owned(),
        achievement_id,
    })
}

/// The reason an enterprise gives when it declines a proposal (required).
pub fn decline_reason(value: &str) -> Result<String, FieldError> {
    match text::optional_multiline("reason", "不采纳的理由", value, 500)? {
        Some(r) => Ok(r),
        None => Err(FieldError::new("reason_required", "不采纳时请说明理由").on("reason")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-24 10:00 in Shanghai.
    const NOW: i64 = 1_795_485_600_000;

    fn vocab() -> Vocabulary {
        Vocabulary::builtin().expect("vocabulary")
    }

    fn complete() -> Form {
        Form {
            title: "印染废水深度脱色技术需求".into(),
            problem: "冬季水解段效果差，出水色度不稳定。".into(),
            subfield: "7.2".into(),
            keywords: "印染废水，脱色".into(),
            cooperation_modes: vec!["joint_development".into()],
            trl_min: "4".into(),
            budget: "100_500".into(),
            deadline: "2027-03-31".into(),
            public: "1".into(),
            contact_phone: "13800138000".into(),
            ..Form::default()
        }
    }

    #[test]
    fn days_round_trip_and_reject_impossible_dates() {
        assert_eq!(day_number("1970-01-01"), Some(0));
        assert_eq!(
            day_string(day_number("2028-02-29").expect("leap day")),
            "2028-02-29"
        );
        assert_eq!(day_string(today(NOW)), "2026-11-24");
        for bad in [
            "2027-02-29",
            "2026-13-01",
            "2026-4-01",
            "２０２６-01-01",
            "",
            "2026-01-00",
        ] {
            assert_eq!(day_number(bad), None, "{bad}");
        }
        // 23:59:59.999 in Shanghai is 15:59:59.999 UTC.
        assert_eq!(end_of_day_ms(0), 16 * 3_600_000 - 1);
    }

    #[test]
    fn a_complete_demand_validates() {
        let d = validate(&complete(), &vocab(), true, NOW).expect("valid");
        assert_eq!(d.field.as_deref(), Some("7"));
        assert_eq!(d.keywords, ["印染废水", "脱色"]);
        assert!(d.public);
        assert_eq!(to_form(&d).deadline, "2027-03-31");
        assert_eq!(
            validate(&to_form(&d), &vocab(), true, NOW).expect("again"),
            d
        );
    }

    #[test]
    fn a_draft_needs_its_title_only_but_submitting_needs_more() {
        let draft = Form {
            title: "高粘度物料输送".into(),
            ..Form::default()
        };
        assert!(validate(&draft, &vocab(), false, NOW).is_ok());
        let inv = validate(&draft, &vocab(), true, NOW).expect_err("incomplete");
        for field in [
            "problem",
            "subfield",
            "cooperation_modes",
            "deadline",
            "contact_phone",
        ] {
            assert!(inv.for_field(field).is_some(), "{field}");
        }
    }

    #[test]
    fn bad_values_are_named() {
        let f = Form {
            deadline: "2026-11-23".into(),
            trl_min: "12".into(),
            budget: "a lot".into(),
            subfield: "7".into(),
            cooperation_modes: vec!["barter".into()],
            ..complete()
        };
        let inv = validate(&f, &vocab(), false, NOW).expect_err("invalid");
        assert_eq!(
            inv.for_field("deadline").map(|e| e.code.as_str()),
            Some("deadline_past")
        );
        for field in ["trl_min", "budget", "subfield", "cooperation_modes"] {
            assert!(inv.for_field(field).is_some(), "{field}");
        }
        let far = Form {
            deadline: "2028-01-01".into(),
            ..complete()
        };
        let inv = validate(&far, &vocab(), true, NOW).expect_err("too far");
        assert_eq!(
            inv.for_field("deadline").map(|e| e.code.as_str()),
            Some("deadline_too_far")
        );
        // Today is still allowed.
        assert!(check_deadline("2026-11-24", NOW).is_ok());
    }

    #[test]
    fn lifecycle() {
        use DemandStatus::*;
        assert!(Draft.can_become(Submitted));
        assert!(Submitted.can_become(Private));
        assert!(!Draft.can_become(Published), "review comes first");
        assert!(Published.can_become(Closed));
        assert!(!Closed.can_become(Published));
        assert!(Private.is_live() && !Submitted.is_live());
    }
}
