//! Enterprise digests (SPEC §7): an enterprise follows fields and keywords and
//! hears, at the frequency it chose, about the library entries published since its
//! last digest that match them.
//!
//! - [`validate`] checks the follow form (stable codes, Chinese messages).
//! - [`due`] / [`due_before`]: daily digests go once per Asia/Shanghai calendar day,
//!   weekly ones once per seven such days.
//! - [`matches`] explains why one entry matches a follow; [`Catalog`] does the same
//!   for many follows over one period's entries, loaded once.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::achievement::split_keywords;
use crate::demand::{end_of_day_ms, today};
use crate::text::{FieldError, Invalid};
use crate::vocab::Vocabulary;

string_enum! {
    /// How often an enterprise receives its digest.
    Frequency {
        Daily => "daily", "每日", "Daily";
        Weekly => "weekly", "每周", "Weekly";
        Off => "off", "不接收", "Off";
    }
}

pub mod limits {
    /// Followed fields (field or sub-field codes).
    pub const FIELDS: usize = 20;
    pub const KEYWORDS: usize = 20;
    /// Characters in one keyword.
    pub const KEYWORD: usize = 20;
    pub const KEYWORD_MIN: usize = 2;
    /// Days looked back for a follow's first digest.
    pub const FIRST_PERIOD_DAYS: i64 = 7;
    /// Days a digest covers at most (after a pause, or a switch from `off`).
    pub const MAX_PERIOD_DAYS: i64 = 14;
    /// Entries listed in one digest (the count says how many matched).
    pub const ITEMS: usize = 30;
}

pub const DAY_MS: i64 = 86_400_000;

/// The follow form as submitted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Form {
    /// Field or sub-field codes (check boxes; a value may also list several,
    /// separated by commas).
    pub fields: Vec<String>,
    /// Keywords separated by commas, 、 or spaces.
    pub keywords: String,
    /// A [`Frequency`] code.
    pub frequency: String,
}

/// A validated follow: what an enterprise wants to hear about, and how often.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Field or sub-field codes, in the order chosen, without repeats.
    pub fields: Vec<String>,
    /// Trimmed keywords without repeats (compared case-insensitively).
    pub keywords: Vec<String>,
    pub frequency: Frequency,
}

// `string_enum!` declares the enum, so `#[default]` cannot be put on a variant.
#[allow(clippy::derivable_impls)]
impl Default for Frequency {
    fn default() -> Self {
        Frequency::Weekly
    }
}

/// Validates the follow form against the field vocabulary.
pub fn validate(f: &Form, vocab: &Vocabulary) -> Result<Settings, Invalid> {
    let mut inv = Invalid::default();
    let mut s = Settings::default();

    let known = |code: &str| {
        vocab
            .list("fields")
            .is_some_and(|l| l.items.iter().any(|i| i.code == code))
    };
    let mut bad_field = false;
    for code in f
        .fields
        .iter()
        .flat_map(|v| v.split([',', '，']))
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        if !known(code) {
            bad_field = true;
        } else if !s.fields.iter().any(|x| x == code) {
            s.fields.push(code.to_owned());
        }
    }
    if bad_field {
        inv.push(FieldError::new("choice_invalid", "关注领域请从列表中选择").on("fields"));
    } else if s.fields.len() > limits::FIELDS {
        inv.push(
            FieldError::new(
                "fields_too_many",
                format!("关注领域最多 {} 个", limits::FIELDS),
            )
            .on("fields"),
        );
    }

    let mut keywords: Vec<String> = Vec::new();
    for k in split_keywords(&f.keywords) {
        let lower = k.to_lowercase();
        if !keywords.iter().any(|x| x.to_lowercase() == lower) {
            keywords.push(k);
        }
    }
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
    } else if let Some(k) = keywords
        .iter()
        .find(|k| k.chars().count() < limits::KEYWORD_MIN)
    {
        inv.push(
            FieldError::new(
                "keyword_too_short",
                format!(
                    "关键词“{k}”过短（至少 {} 个字），会匹配过多成果",
                    limits::KEYWORD_MIN
                ),
            )
            .on("keywords"),
        );
    } else if let Some(k) = keywords.iter().find(|k| k.chars().any(char::is_control)) {
        inv.push(
            FieldError::new("text_invalid", format!("关键词“{k}”含有不可见字符")).on("keywords"),
        );
    } else {
        s.keywords = keywords;
    }

    let freq = f.frequency.trim();
    if freq.is_empty() {
        inv.push(FieldError::new("field_required", "请选择接收频率").on("frequency"));
    } else {
        match Frequency::parse(freq) {
            Some(fr) => s.frequency = fr,
            None => inv.push(
                FieldError::new("frequency_invalid", "接收频率请从列表中选择").on("frequency"),
            ),
        }
    }

    if inv.is_empty()
        && s.frequency != Frequency::Off
        && s.fields.is_empty()
        && s.keywords.is_empty()
    {
        inv.push(
            FieldError::new(
                "follow_empty",
                "请至少选择一个关注领域或填写一个关键词（不想接收时请把频率设为“不接收”）",
            )
            .on("fields"),
        );
    }
    inv.into_result()?;
    Ok(s)
}

/// The form showing `s` again (for editing).
pub fn to_form(s: &Settings) -> Form {
    Form {
        fields: s.fields.clone(),
        keywords: s.keywords.join("，"),
        frequency: s.frequency.as_str().to_owned(),
    }
}

/// The first millisecond (UTC epoch) of Shanghai day number `day`.
pub fn start_of_day_ms(day: i64) -> i64 {
    end_of_day_ms(day - 1) + 1
}

/// Follows of frequency `f` whose last digest went out before the returned moment
/// are due at `now_ms` (`None`: never due). Daily: before today began in
/// Asia/Shanghai; weekly: before the day six days ago began, so that seven
/// calendar days separate two digests.
pub fn due_before(f: Frequency, now_ms: i64) -> Option<i64> {
    let t = today(now_ms);
    match f {
        Frequency::Daily => Some(start_of_day_ms(t)),
        Frequency::Weekly => Some(start_of_day_ms(t - 6)),
        Frequency::Off => None,
    }
}

/// Whether a follow of frequency `f`, last sent at `last_sent_at_ms` (never:
/// `None`), is due at `now_ms`.
pub fn due(f: Frequency, last_sent_at_ms: Option<i64>, now_ms: i64) -> bool {
    match (due_before(f, now_ms), last_sent_at_ms) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(before), Some(last)) => last < before,
    }
}

/// The period a digest at `period_to` covers for a follow that was covered up to
/// `covered_to` (never: `None`): from there (or [`limits::FIRST_PERIOD_DAYS`] back
/// for a new follow), at most [`limits::MAX_PERIOD_DAYS`] back. Entries published
/// after the returned moment and at most at `period_to` belong to the digest.
pub fn period_from(covered_to: Option<i64>, period_to: i64) -> i64 {
    let earliest = period_to - limits::MAX_PERIOD_DAYS * DAY_MS;
    let from = covered_to.unwrap_or(period_to - limits::FIRST_PERIOD_DAYS * DAY_MS);
    from.clamp(earliest, period_to)
}

/// A published library entry, as far as matching needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub title: String,
    pub field: Option<String>,
    pub subfield: Option<String>,
    pub keywords: Vec<String>,
    pub summary: Option<String>,
    pub published_at: i64,
}

impl Entry {
    /// The text keywords are looked for in: title, keywords, summary, lower case,
    /// one part per line (a keyword never spans two parts).
    pub fn text(&self) -> String {
        let mut t = self.title.to_lowercase();
        for k in &self.keywords {
            t.push('\n');
            t.push_str(&k.to_lowercase());
        }
        if let Some(s) = &self.summary {
            t.push('\n');
            t.push_str(&s.to_lowercase());
        }
        t
    }
}

/// Why an entry is in a digest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The entry is in a followed field: `code` is the followed code (the entry's
    /// sub-field, or the field above it).
    Field { code: String },
    /// A followed keyword appears in the title, keywords or summary.
    Keyword { keyword: String },
}

impl Reason {
    /// `领域：…` / `关键词：…` (English with `en`), field names from `vocab`.
    pub fn describe(&self, vocab: &Vocabulary, en: bool) -> String {
        match self {
            Reason::Field { code } => {
                let item = vocab
                    .list("fields")
                    .and_then(|l| l.items.iter().find(|i| &i.code == code));
                let name = match item {
                    Some(i) if en => i.name_en.clone(),
                    Some(i) => i.name.clone(),
                    None => code.clone(),
                };
                if en {
                    format!("field: {name}")
                } else {
                    format!("领域：{name}")
                }
            }
            Reason::Keyword { keyword } if en => format!("keyword: {keyword}"),
            Reason::Keyword { keyword } => format!("关键词：{keyword}"),
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// Whether lower-case `text` contains lower-case `keyword`. A keyword that starts
/// (ends) with a Latin letter or digit must not continue a Latin word there, so
/// that `ai` does not match `maintain`; Chinese has no such boundaries.
pub fn contains_keyword(text: &str, keyword: &str) -> bool {
    if keyword.is_empty() {
        return false;
    }
    let check_start = keyword.chars().next().is_some_and(is_word_char);
    let check_end = keyword.chars().next_back().is_some_and(is_word_char);
    if !check_start && !check_end {
        return text.contains(keyword);
    }
    text.match_indices(keyword).any(|(i, m)| {
        let before_ok = !check_start || !text[..i].chars().next_back().is_some_and(is_word_char);
        let after_ok = !check_end || !text[i + m.len()..].chars().next().is_some_and(is_word_char);
        before_ok && after_ok
    })
}

/// Why `entry` matches the follow `s` (empty: it does not). Field reasons first,
/// in the order the fields were chosen, then keywords.
pub fn matches(s: &Settings, entry: &Entry) -> Vec<Reason> {
    let mut out = Vec::new();
    for code in &s.fields {
        if entry.subfield.as_deref() == Some(code) || entry.field.as_deref() == Some(code) {
            out.push(Reason::Field { code: code.clone() });
        }
    }
    if !s.keywords.is_empty() {
        let text = entry.text();
        for k in &s.keywords {
            if contains_keyword(&text, &k.to_lowercase()) {
                out.push(Reason::Keyword { keyword: k.clone() });
            }
        }
    }
    out
}

/// One matched entry of a digest: its index in the catalogue and the reasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub entry: usize,
    pub reasons: Vec<Reason>,
}

/// One period's new entries, prepared for matching many follows: entries by field
/// and sub-field code, and each keyword's entries computed once and remembered.
/// Gives the same answers as [`matches`] entry by entry.
#[derive(Debug, Default)]
pub struct Catalog {
    entries: Vec<Entry>,
    texts: Vec<String>,
    by_code: HashMap<String, Vec<usize>>,
    by_keyword: HashMap<String, Vec<usize>>,
}

impl Catalog {
    pub fn new(entries: Vec<Entry>) -> Catalog {
        let mut by_code: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            if let Some(f) = &e.field {
                by_code.entry(f.clone()).or_default().push(i);
            }
            if let Some(sf) = &e.subfield
                && e.field.as_ref() != Some(sf)
            {
                by_code.entry(sf.clone()).or_default().push(i);
            }
        }
        let texts = entries.iter().map(Entry::text).collect();
        Catalog {
            entries,
            texts,
            by_code,
            by_keyword: HashMap::new(),
        }
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries published after `since` (and in the catalogue) that match `s`,
    /// the most reasons first, then the newest. At most `limit` hits are returned;
    /// the second value is how many matched in all.
    pub fn matches(&mut self, s: &Settings, since: i64, limit: usize) -> (Vec<Hit>, usize) {
        let mut hits: BTreeMap<usize, Vec<Reason>> = BTreeMap::new();
        let fresh = |e: &Entry| e.published_at > since;
        for code in &s.fields {
            for &i in self.by_code.get(code).map(Vec::as_slice).unwrap_or(&[]) {
                if fresh(&self.entries[i]) {
                    hits.entry(i)
                        .or_default()
                        .push(Reason::Field { code: code.clone() });
                }
            }
        }
        for k in &s.keywords {
            let lower = k.to_lowercase();
            if !self.by_keyword.contains_key(&lower) {
                let found = self
                    .texts
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| contains_keyword(t, &lower))
                    .map(|(i, _)| i)
                    .collect();
                self.by_keyword.insert(lower.clone(), found);
            }
            for &i in self
                .by_keyword
                .get(&lower)
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                if fresh(&self.entries[i]) {
                    hits.entry(i)
                        .or_default()
                        .push(Reason::Keyword { keyword: k.clone() });
                }
            }
        }
        let total = hits.len();
        let mut list: Vec<Hit> = hits
            .into_iter()
            .map(|(entry, reasons)| Hit { entry, reasons })
            .collect();
        list.sort_by(|a, b| {
            let (ea, eb) = (&self.entries[a.entry], &self.entries[b.entry]);
            b.reasons
                .len()
                .cmp(&a.reasons.len())
                .then(eb.published_at.cmp(&ea.published_at))
                .then(ea.id.cmp(&eb.id))
        });
        list.truncate(limit);
        (list, total)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn vocab() -> Vocabulary {
        Vocabulary::builtin().unwrap()
    }

    fn form(fields: &[&str], keywords: &str, frequency: &str) -> Form {
        Form {
            fields: fields.iter().map(|s| s.to_string()).collect(),
            keywords: keywords.into(),
            frequency: frequency.into(),
        }
    }

    fn codes(r: Result<Settings, Invalid>) -> Vec<String> {
        r.unwrap_err().0.into_iter().map(|e| e.code).collect()
    }

    #[test]
    fn frequencies_have_codes_and_labels() {
        for f in Frequency::ALL {
            assert_eq!(Frequency::parse(f.as_str()), Some(*f));
            assert!(!f.label_zh().is_empty() && !f.label_en().is_empty());
        }
        assert_eq!(Frequency::Daily.label_zh(), "每日");
        assert_eq!(Frequency::parse("monthly"), None);
    }

    #[test]
    fn a_valid_form_is_trimmed_and_deduplicated() {
        let s = validate(
            &form(
                &["1.1", " 4 ", "1.1", "7.2,1"],
                " 石墨烯, 储能、 AI  ai 储能 ",
                "daily",
            ),
            &vocab(),
        )
        .unwrap();
        assert_eq!(s.fields, ["1.1", "4", "7.2", "1"]);
        assert_eq!(s.keywords, ["石墨烯", "储能", "AI"]);
        assert_eq!(s.frequency, Frequency::Daily);
        assert_eq!(validate(&to_form(&s), &vocab()).unwrap(), s);
    }

    #[test]
    fn form_errors_have_stable_codes() {
        let v = vocab();
        assert_eq!(
            codes(validate(&form(&["99.9"], "", "weekly"), &v)),
            ["choice_invalid"]
        );
        let many: Vec<String> = v
            .list("fields")
            .unwrap()
            .items
            .iter()
            .take(21)
            .map(|i| i.code.clone())
            .collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(
            codes(validate(&form(&many, "", "weekly"), &v)),
            ["fields_too_many"]
        );
        let kws: Vec<String> = (0..21).map(|i| format!("关键词{i}")).collect();
        assert_eq!(
            codes(validate(&form(&[], &kws.join(","), "weekly"), &v)),
            ["keywords_too_many"]
        );
        assert_eq!(
            codes(validate(&form(&[], &"长".repeat(21), "weekly"), &v)),
            ["keyword_too_long"]
        );
        assert!(validate(&form(&[], &"长".repeat(20), "weekly"), &v).is_ok());
        assert_eq!(
            codes(validate(&form(&[], "光", "weekly"), &v)),
            ["keyword_too_short"]
        );
        assert_eq!(
            codes(validate(&form(&["1"], "", "hourly"), &v)),
            ["frequency_invalid"]
        );
        assert_eq!(
            codes(validate(&form(&["1"], "", " "), &v)),
            ["field_required"]
        );
        assert_eq!(
            codes(validate(&form(&[], " , 、", "daily"), &v)),
            ["follow_empty"]
        );
        // Nothing followed is fine when nothing is to be sent.
        assert!(validate(&form(&[], "", "off"), &v).is_ok());
        let e = validate(&form(&["x"], "", "daily"), &v).unwrap_err();
        assert_eq!(e.0[0].field.as_deref(), Some("fields"));
        assert!(e.0[0].message.contains("关注领域"));
    }

    // 2026-11-20 00:00 Asia/Shanghai = 2026-11-19T16:00Z.
    const NOV20: i64 = 1_795_104_000_000;
    const H: i64 = 3_600_000;

    #[test]
    fn shanghai_days() {
        assert_eq!(crate::demand::day_string(today(NOV20)), "2026-11-20");
        assert_eq!(crate::demand::day_string(today(NOV20 - 1)), "2026-11-19");
        assert_eq!(start_of_day_ms(today(NOV20 + 5 * H)), NOV20);
    }

    #[test]
    fn daily_is_once_per_shanghai_day() {
        let f = Frequency::Daily;
        assert!(due(f, None, NOV20));
        // Sent at 23:59 on the 19th: due again a minute later, on the 20th.
        assert!(due(f, Some(NOV20 - 60_000), NOV20 + 60_000));
        // Sent at 00:01 on the 20th: not again until the 21st.
        assert!(!due(f, Some(NOV20 + 60_000), NOV20 + 23 * H));
        assert!(due(f, Some(NOV20 + 60_000), NOV20 + 24 * H));
        // 16:00 UTC is midnight in Shanghai, whatever UTC says.
        assert!(!due(f, Some(NOV20 + H), NOV20 + 7 * H + 59 * 60_000));
    }

    #[test]
    fn weekly_is_once_per_seven_days() {
        let f = Frequency::Weekly;
        let sent = NOV20 + 9 * H;
        assert!(!due(f, Some(sent), sent + 6 * DAY_MS));
        // Seven days later, even if the run comes a little earlier in the day.
        assert!(due(f, Some(sent), sent + 7 * DAY_MS - 2 * H));
        assert!(!due(f, Some(sent), NOV20 + 7 * DAY_MS - 1));
        assert!(due(f, None, sent));
        assert!(!due(Frequency::Off, None, sent));
        assert_eq!(due_before(Frequency::Off, sent), None);
    }

    #[test]
    fn periods() {
        let to = NOV20;
        assert_eq!(period_from(None, to), to - 7 * DAY_MS);
        assert_eq!(period_from(Some(to - DAY_MS), to), to - DAY_MS);
        assert_eq!(period_from(Some(to - 90 * DAY_MS), to), to - 14 * DAY_MS);
        assert_eq!(period_from(Some(to + 5), to), to);
    }

    fn entry(id: &str, field: &str, sub: &str, title: &str, kw: &[&str], at: i64) -> Entry {
        Entry {
            id: id.into(),
            title: title.into(),
            field: Some(field.into()),
            subfield: Some(sub.into()),
            keywords: kw.iter().map(|s| s.to_string()).collect(),
            summary: Some(format!("{title}的连续化制备。Maintains quality.")),
            published_at: at,
        }
    }

    fn settings(fields: &[&str], keywords: &[&str]) -> Settings {
        Settings {
            fields: fields.iter().map(|s| s.to_string()).collect(),
            keywords: keywords.iter().map(|s| s.to_string()).collect(),
            frequency: Frequency::Daily,
        }
    }

    #[test]
    fn matching_by_subfield_parent_field_and_keyword() {
        let e = entry("a", "3", "3.5", "高导热膜", &["导热", "AI"], 10);
        assert_eq!(
            matches(&settings(&["3.5"], &[]), &e),
            [Reason::Field { code: "3.5".into() }]
        );
        assert_eq!(
            matches(&settings(&["3"], &[]), &e),
            [Reason::Field { code: "3".into() }]
        );
        assert!(matches(&settings(&["3.1", "4"], &[]), &e).is_empty());
        assert_eq!(
            matches(&settings(&[], &["导热膜", "ai", "电池", "制备"]), &e),
            [
                Reason::Keyword {
                    keyword: "导热膜".into()
                },
                Reason::Keyword {
                    keyword: "ai".into()
                },
                Reason::Keyword {
                    keyword: "制备".into()
                },
            ]
        );
        // A Latin keyword matches whole words only.
        assert!(matches(&settings(&[], &["intain"]), &e).is_empty());
        assert!(!matches(&settings(&[], &["quality"]), &e).is_empty());
        assert!(contains_keyword("5g通信", "5g"));
        assert!(!contains_keyword("x5g通信", "5g"));
        assert!(contains_keyword("基于ai的", "ai"));
    }

    #[test]
    fn catalog_agrees_with_matches() {
        let entries = vec![
            entry("a", "3", "3.5", "高导热膜", &["导热"], 10),
            entry("b", "1", "1.1", "5G 基站节能", &["5G", "节能"], 20),
            entry("c", "3", "3.1", "石墨烯粉体", &["石墨烯"], 30),
            entry("d", "7", "7.2", "印染废水脱色", &["废水"], 40),
        ];
        let mut cat = Catalog::new(entries.clone());
        let follows = [
            settings(&["3"], &[]),
            settings(&["3.1", "1"], &["节能"]),
            settings(&[], &["石墨烯", "5g"]),
            settings(&["7.2"], &["废水", "脱色"]),
            settings(&["9"], &["无人机"]),
        ];
        for since in [0, 15, 35, 50] {
            for f in &follows {
                let (hits, total) = cat.matches(f, since, 100);
                let mut naive: Vec<(usize, Vec<Reason>)> = entries
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| e.published_at > since)
                    .map(|(i, e)| (i, matches(f, e)))
                    .filter(|(_, r)| !r.is_empty())
                    .collect();
                assert_eq!(total, naive.len());
                let mut got: Vec<(usize, Vec<Reason>)> =
                    hits.into_iter().map(|h| (h.entry, h.reasons)).collect();
                for v in [&mut got, &mut naive] {
                    for (_, r) in v.iter_mut() {
                        r.sort();
                    }
                    v.sort();
                }
                assert_eq!(got, naive, "{f:?} since {since}");
            }
        }
        // Ordered by reasons, then newest; truncated to the limit.
        let (hits, total) = cat.matches(&settings(&["3"], &["石墨烯"]), 0, 1);
        assert_eq!((total, hits.len()), (2, 1));
        assert_eq!(cat.entries()[hits[0].entry].id, "c");
    }

    #[test]
    fn reasons_describe_themselves() {
        let v = vocab();
        assert_eq!(
            Reason::Field { code: "1".into() }.describe(&v, false),
            "领域：新一代信息技术产业"
        );
        assert_eq!(
            Reason::Keyword {
                keyword: "石墨烯".into()
            }
            .describe(&v, false),
            "关键词：石墨烯"
        );
        let json = serde_json::to_string(&Reason::Field { code: "1".into() }).unwrap();
        assert_eq!(json, r#"{"kind":"field","code":"1"}"#);
    }
}
