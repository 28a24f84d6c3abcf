//! Achievements (科技成果, SPEC §4.3): the form, its validation, the collection
//! conditions of §4.7 and the lifecycle of §5.
//!
//! A draft may be saved at any time with only its name: limits and formats are still
//! checked, so that nothing invalid is stored. Submission requires the complete
//! form. Conditions that an achievement does not meet are flagged for the reviewer,
//! never silently accepted.

use serde::{Deserialize, Serialize};

use crate::patent;
use crate::text::{self, FieldError, Invalid};
use crate::vocab::Vocabulary;

string_enum! {
    /// Where an achievement is in its life (SPEC §5).
    Status {
        Draft => "draft", "草稿", "Draft";
        Submitted => "submitted", "待审核", "Submitted";
        UnderReview => "under_review", "审核中", "Under review";
        InEvaluation => "in_evaluation", "专家评价中", "In evaluation";
        Published => "published", "已入库", "In the library";
        Returned => "returned", "退回修改", "Returned for changes";
        Rejected => "rejected", "未通过", "Rejected";
        Archived => "archived", "已归档", "Archived";
    }
}

string_enum! {
    /// How an achievement reached the library (SPEC §3, 2022 §五.三).
    Channel {
        NationalProgramme => "national_programme", "国家科技计划项目", "National programme";
        InstitutionCall => "institution_call", "高校院所征集", "University or institute call";
        SelfNomination => "self_nomination", "自主申报", "Self-nomination";
        AgencyMining => "agency_mining", "技术转移机构挖掘", "Agency mining";
    }
}

string_enum! {
    /// The legal state of one IP item.
    IpStatus {
        Granted => "granted", "已授权", "Granted";
        Pending => "pending", "申请中", "Pending";
        Registered => "registered", "已登记", "Registered";
        Other => "other", "其他", "Other";
    }
}

impl Status {
    /// Whether the lifecycle allows going from `self` to `to`.
    pub fn can_become(self, to: Status) -> bool {
        use Status::*;
        matches!(
            (self, to),
            (Draft, Submitted)
                | (Returned, Submitted)
                | (Submitted, UnderReview | Returned | Rejected)
                | (UnderReview, InEvaluation | Returned | Rejected)
                | (InEvaluation, Published | Returned | Rejected)
                | (Published, Archived | Submitted)
                | (Archived, Published)
        )
    }

    /// States in which the form may be changed: drafts, returned submissions, and
    /// library entries (a substantive change sends those back to review).
    pub fn editable_by_holder(self) -> bool {
        matches!(self, Status::Draft | Status::Returned | Status::Published)
    }

    /// States visible to the public.
    pub fn is_public(self) -> bool {
        self == Status::Published
    }
}

/// Character limits of the form (counted in characters).
pub mod limits {
    pub const TITLE: usize = 100;
    pub const SUMMARY: usize = 500;
    pub const LONG: usize = 3000;
    pub const MEDIUM: usize = 2000;
    pub const SHORT: usize = 1000;
    pub const KEYWORDS: usize = 10;
    pub const KEYWORD: usize = 20;
    pub const IP_ITEMS: usize = 20;
    pub const STATEMENT: usize = 300;
}

/// The form as submitted (strings, as browsers and spreadsheets send them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Form {
    pub title: String,
    pub subfield: String,
    pub summary: String,
    pub technical: String,
    pub advantages: String,
    pub market_path: String,
    pub indicators: String,
    pub tech_level: String,
    pub trl: String,
    pub stage: String,
    pub ip_type: Vec<String>,
    pub ip_number: Vec<String>,
    pub ip_title: Vec<String>,
    pub ip_status: Vec<String>,
    pub independent_ip: String,
    pub no_dispute: String,
    pub cooperation_modes: Vec<String>,
    pub price_min: String,
    pub price_max: String,
    pub price_note: String,
    pub applications: String,
    pub benefits: String,
    pub source: String,
    pub project_number: String,
    pub team: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub keywords: String,
    pub willing_to_present: String,
    pub statement: Vec<String>,
}

/// One item of intellectual property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IpItem {
    pub kind: String,
    pub number: Option<String>,
    pub title: String,
    pub status: IpStatus,
}

/// A validated achievement. Optional parts may be missing in a draft.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Details {
    pub title: String,
    pub field: Option<String>,
    pub subfield: Option<String>,
    pub summary: Option<String>,
    pub technical: Option<String>,
    pub advantages: Option<String>,
    pub market_path: Option<String>,
    pub indicators: Option<String>,
    pub tech_level: Option<String>,
    pub trl: Option<u8>,
    pub stage: Option<String>,
    pub ip: Vec<IpItem>,
    pub independent_ip: bool,
    pub no_dispute: bool,
    pub cooperation_modes: Vec<String>,
    /// Expected price range in 万元.
    pub price_min: Option<f64>,
    pub price_max: Option<f64>,
    pub price_note: Option<String>,
    pub applications: Option<String>,
    pub benefits: Option<String>,
    pub source: Option<String>,
    pub project_number: Option<String>,
    pub team: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub keywords: Vec<String>,
    pub willing_to_present: Option<bool>,
    /// The holder's statement for each of the six collection conditions.
    pub statements: Vec<String>,
}

fn in_list(vocab: &Vocabulary, list: &str, code: &str) -> bool {
    vocab
        .list(list)
        .is_some_and(|l| l.items.iter().any(|i| i.code == code))
}

fn choice(
    inv: &mut Invalid,
    vocab: &Vocabulary,
    list: &str,
    field: &str,
    label: &str,
    value: &str,
) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if in_list(vocab, list, v) {
        Some(v.to_owned())
    } else {
        inv.push(FieldError::new("choice_invalid", format!("{label}请从列表中选择")).on(field));
        None
    }
}

fn price(inv: &mut Invalid, field: &str, value: &str) -> Option<f64> {
    let v = value.trim().replace([',', '，'], "");
    if v.is_empty() {
        return None;
    }
    match v.parse::<f64>() {
        Ok(p) if p.is_finite() && (0.0..=10_000_000.0).contains(&p) => {
            Some((p * 100.0).round() / 100.0)
        }
        _ => {
            inv.push(
                FieldError::new(
                    "price_invalid",
                    "价格应为 0 到 1000 万万元之间的数字（单位：万元）",
                )
                .on(field),
            );
            None
        }
    }
}

/// Splits keywords on commas, 顿号, semicolons and spaces; trims and removes repeats.
pub fn split_keywords(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in s.split([',', '，', '、', ';', '；', ' ', '\u{3000}', '\n']) {
        let k = k.trim();
        if !k.is_empty() && !out.iter().any(|o| o == k) {
            out.push(k.to_owned());
        }
    }
    out
}

fn flag(v: &str) -> bool {
    matches!(v.trim(), "on" | "1" | "true" | "yes" | "是")
}

/// Validates the form. With `submit`, the complete form is required.
pub fn validate(f: &Form, vocab: &Vocabulary, submit: bool) -> Result<Details, Invalid> {
    use limits::*;
    let mut inv = Invalid::default();
    let mut d = Details {
        title: inv
            .check(text::required("title", "成果名称", &f.title, TITLE))
            .unwrap_or_default(),
        ..Details::default()
    };
    let long = |inv: &mut Invalid, field: &str, label: &str, v: &str, max: usize| {
        inv.check(text::optional_multiline(field, label, v, max))
            .flatten()
    };
    d.summary = long(&mut inv, "summary", "成果简介", &f.summary, SUMMARY);
    d.technical = long(
        &mut inv,
        "technical",
        "技术内容与创新点",
        &f.technical,
        LONG,
    );
    d.advantages = long(
        &mut inv,
        "advantages",
        "与现有方案相比的优势",
        &f.advantages,
        MEDIUM,
    );
    d.market_path = long(&mut inv, "market_path", "转化路径", &f.market_path, MEDIUM);
    d.indicators = long(
        &mut inv,
        "indicators",
        "关键指标及与国内外水平对比",
        &f.indicators,
        MEDIUM,
    );
    d.applications = long(
        &mut inv,
        "applications",
        "应用场景与市场前景",
        &f.applications,
        MEDIUM,
    );
    d.benefits = long(&mut inv, "benefits", "经济和社会效益", &f.benefits, SHORT);
    d.team = long(&mut inv, "team", "团队情况", &f.team, SHORT);
    d.price_note = inv
        .check(text::optional("price_note", "价格说明", &f.price_note, 100))
        .flatten();
    d.project_number = inv
        .check(text::optional(
            "project_number",
            "项目编号",
            &f.project_number,
            50,
        ))
        .flatten();
    d.contact_name = inv
        .check(text::optional(
            "contact_name",
            "联系人",
            &f.contact_name,
            50,
        ))
        .flatten();
    d.contact_phone = inv
        .check(text::phone(&f.contact_phone).map_err(|e| e.on("contact_phone")))
        .flatten();
    d.contact_email = inv
        .check(text::email(&f.contact_email).map_err(|e| e.on("contact_email")))
        .flatten();

    if let Some(sub) = choice(
        &mut inv,
        vocab,
        "fields",
        "subfield",
        "技术领域",
        &f.subfield,
    ) {
        let parent = vocab
            .list("fields")
            .and_then(|l| l.items.iter().find(|i| i.code == sub))
            .and_then(|i| i.parent_code.clone());
        match parent {
            Some(p) => {
                d.field = Some(p);
                d.subfield = Some(sub);
            }
            None => inv.push(
                FieldError::new("subfield_required", "请选择到子领域（第二级）").on("subfield"),
            ),
        }
    }
    d.tech_level = choice(
        &mut inv,
        vocab,
        "tech_levels",
        "tech_level",
        "技术水平",
        &f.tech_level,
    );
    d.stage = choice(&mut inv, vocab, "stages", "stage", "成果所处阶段", &f.stage);
    d.source = choice(&mut inv, vocab, "sources", "source", "成果来源", &f.source);
    if !f.trl.trim().is_empty() {
        match f.trl.trim().parse::<u8>() {
            Ok(n @ 1..=9) => d.trl = Some(n),
            _ => inv.push(FieldError::new("trl_invalid", "技术就绪水平应为 1 到 9 级").on("trl")),
        }
    }
    for m in &f.cooperation_modes {
        let m = m.trim();
        if m.is_empty() {
            continue;
        }
        if !in_list(vocab, "cooperation_modes", m) {
            inv.push(
                FieldError::new("choice_invalid", "合作方式请从列表中选择").on("cooperation_modes"),
            );
        } else if !d.cooperation_modes.iter().any(|x| x == m) {
            d.cooperation_modes.push(m.to_owned());
        }
    }
    d.price_min = price(&mut inv, "price_min", &f.price_min);
    d.price_max = price(&mut inv, "price_max", &f.price_max);
    if let (Some(a), Some(b)) = (d.price_min, d.price_max)
        && a > b
    {
        inv.push(FieldError::new("price_range", "最低价格不能高于最高价格").on("price_max"));
    }
    d.keywords = split_keywords(&f.keywords);
    if d.keywords.len() > KEYWORDS {
        inv.push(
            FieldError::new("keywords_too_many", format!("关键词最多 {KEYWORDS} 个"))
                .on("keywords"),
        );
    }
    if let Some(k) = d.keywords.iter().find(|k| k.chars().count() > KEYWORD) {
        inv.push(
            FieldError::new(
                "keyword_too_long",
                format!(
                    "关键词“{}”超过 {KEYWORD} 个字符",
                    k.chars().take(KEYWORD).collect::<String>()
                ),
            )
            .on("keywords"),
        );
    }
    if let Some(k) = d.keywords.iter().find(|k| k.chars().any(char::is_control)) {
        let _ = k;
        inv.push(
            FieldError::new("field_control_chars", "关键词含有不可见的控制字符").on("keywords"),
        );
    }
    validate_ip(&mut inv, vocab, f, &mut d);
    d.independent_ip = flag(&f.independent_ip);
    d.no_dispute = flag(&f.no_dispute);
    d.willing_to_present = match f.willing_to_present.trim() {
        "" => None,
        v => Some(flag(v)),
    };
    for (i, s) in f.statement.iter().take(6).enumerate() {
        let st = inv
            .check(text::optional_multiline(
                &format!("statement_{}", i + 1),
                &format!("条件{}说明", i + 1),
                s,
                STATEMENT,
            ))
            .flatten();
        d.statements.push(st.unwrap_or_default());
    }
    d.statements.resize(6, String::new());
    if submit {
        require_complete(&mut inv, &d);
    }
    inv.into_result().map(|()| d)
}

/// IP types whose numbers are Chinese patent numbers.
pub const PATENT_KINDS: &[&str] = &["invention_patent", "utility_model", "design_patent"];

fn validate_ip(inv: &mut Invalid, vocab: &Vocabulary, f: &Form, d: &mut Details) {
    let rows = f.ip_type.len().max(f.ip_title.len()).max(f.ip_number.len());
    let get = |v: &Vec<String>, i: usize| v.get(i).map(|s| s.trim().to_owned()).unwrap_or_default();
    for i in 0..rows {
        let (kind, number, title, status) = (
            get(&f.ip_type, i),
            get(&f.ip_number, i),
            get(&f.ip_title, i),
            get(&f.ip_status, i),
        );
        if kind.is_empty() && number.is_empty() && title.is_empty() {
            continue;
        }
        let field = format!("ip_{}", i + 1);
        if d.ip.len() >= limits::IP_ITEMS {
            inv.push(
                FieldError::new(
                    "ip_too_many",
                    format!("知识产权最多填写 {} 项", limits::IP_ITEMS),
                )
                .on(&field),
            );
            break;
        }
        if !in_list(vocab, "ip_types", &kind) {
            inv.push(
                FieldError::new(
                    "choice_invalid",
                    format!("第 {} 项知识产权的类型请从列表中选择", i + 1),
                )
                .on(&field),
            );
            continue;
        }
        let Some(title) = inv.check(text::required(
            &field,
            &format!("第 {} 项知识产权的名称", i + 1),
            &title,
            200,
        )) else {
            continue;
        };
        let number = if number.is_empty() {
            None
        } else if PATENT_KINDS.contains(&kind.as_str()) {
            match patent::parse(&number) {
                Ok(n) => Some(n.as_str().to_owned()),
                Err(e) => {
                    inv.push(FieldError {
                        field: Some(field.clone()),
                        code: e.code,
                        message: format!("第 {} 项：{}", i + 1, e.message),
                    });
                    continue;
                }
            }
        } else {
            inv.check(text::optional(&field, "登记号", &number, 50))
                .flatten()
        };
        let status = IpStatus::parse(&status).unwrap_or(IpStatus::Other);
        d.ip.push(IpItem {
            kind,
            number,
            title,
            status,
        });
    }
}

fn require_complete(inv: &mut Invalid, d: &Details) {
    let mut need = |ok: bool, field: &str, label: &str| {
        if !ok && inv.for_field(field).is_none() {
            inv.push(FieldError::new("field_required", format!("提交前请填写{label}")).on(field));
        }
    };
    need(d.subfield.is_some(), "subfield", "技术领域（子领域）");
    need(d.summary.is_some(), "summary", "成果简介");
    need(d.technical.is_some(), "technical", "技术内容与创新点");
    need(d.advantages.is_some(), "advantages", "与现有方案相比的优势");
    need(d.market_path.is_some(), "market_path", "转化路径");
    need(d.tech_level.is_some(), "tech_level", "技术水平");
    need(d.trl.is_some(), "trl", "技术就绪水平");
    need(d.stage.is_some(), "stage", "成果所处阶段");
    need(
        !d.cooperation_modes.is_empty(),
        "cooperation_modes",
        "意向合作方式（至少一种）",
    );
    need(
        d.applications.is_some(),
        "applications",
        "应用场景与市场前景",
    );
    need(d.source.is_some(), "source", "成果来源");
    need(d.contact_name.is_some(), "contact_name", "联系人");
    need(
        d.contact_phone.is_some() || d.contact_email.is_some(),
        "contact_phone",
        "联系电话或电子邮箱",
    );
    need(
        d.willing_to_present.is_some(),
        "willing_to_present",
        "是否愿意参加路演",
    );
    if d.source.as_deref() == Some("national_programme") {
        need(
            d.project_number.is_some(),
            "project_number",
            "国家科技计划项目编号",
        );
    }
}

/// One changed field between two versions, readable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub field: &'static str,
    pub label: &'static str,
    pub before: String,
    pub after: String,
    /// A substantive change sends a library entry back to review.
    pub substantive: bool,
}

/// The fields compared, their labels, and whether a change is substantive.
const COMPARED: &[(&str, &str, bool)] = &[
    ("title", "成果名称", true),
    ("subfield", "技术领域", true),
    ("summary", "成果简介", true),
    ("technical", "技术内容与创新点", true),
    ("advantages", "与现有方案相比的优势", true),
    ("indicators", "关键指标及对比", true),
    ("tech_level", "技术水平", true),
    ("trl", "技术就绪水平", true),
    ("stage", "成果所处阶段", true),
    ("ip", "知识产权", true),
    ("ip_declarations", "知识产权声明", true),
    ("cooperation_modes", "意向合作方式", true),
    ("market_path", "转化路径", true),
    ("applications", "应用场景与市场前景", true),
    ("source", "成果来源", true),
    ("keywords", "关键词", false),
    ("price", "期望价格", false),
    ("benefits", "经济和社会效益", false),
    ("team", "团队情况", false),
    ("contact", "联系人", false),
    ("willing_to_present", "参加路演意愿", false),
    ("statements", "征集条件说明", false),
];

fn show(d: &Details, field: &str) -> String {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    match field {
        "title" => d.title.clone(),
        "subfield" => o(&d.subfield),
        "summary" => o(&d.summary),
        "technical" => o(&d.technical),
        "advantages" => o(&d.advantages),
        "indicators" => o(&d.indicators),
        "tech_level" => o(&d.tech_level),
        "trl" => d.trl.map(|t| t.to_string()).unwrap_or_default(),
        "stage" => o(&d.stage),
        "ip" => {
            d.ip.iter()
                .map(|i| {
                    format!(
                        "{} {} {} {}",
                        i.kind,
                        i.title,
                        i.number.clone().unwrap_or_default(),
                        i.status.as_str()
                    )
                })
                .collect::<Vec<_>>()
                .join("；")
        }
        "ip_declarations" => format!(
            "独立自主：{}，无纠纷：{}",
            if d.independent_ip { "是" } else { "否" },
            if d.no_dispute { "是" } else { "否" }
        ),
        "cooperation_modes" => d.cooperation_modes.join("、"),
        "market_path" => o(&d.market_path),
        "applications" => o(&d.applications),
        "source" => format!("{} {}", o(&d.source), o(&d.project_number))
            .trim()
            .to_owned(),
        "keywords" => d.keywords.join("、"),
        "price" => format!("{:?}–{:?} {}", d.price_min, d.price_max, o(&d.price_note)),
        "benefits" => o(&d.benefits),
        "team" => o(&d.team),
        "contact" => format!(
            "{} {} {}",
            o(&d.contact_name),
            o(&d.contact_phone),
            o(&d.contact_email)
        )
        .trim()
        .to_owned(),
        "willing_to_present" => format!("{:?}", d.willing_to_present),
        _ => d.statements.join("；"),
    }
}

/// What changed from `old` to `new`, field by field.
pub fn diff(old: &Details, new: &Details) -> Vec<Change> {
    COMPARED
        .iter()
        .filter_map(|(field, label, substantive)| {
            let (b, a) = (show(old, field), show(new, field));
            (b != a).then_some(Change {
                field,
                label,
                before: b,
                after: a,
                substantive: *substantive,
            })
        })
        .collect()
}

/// Whether changing `old` into `new` must send a library entry back to review.
pub fn is_substantive(old: &Details, new: &Details) -> bool {
    diff(old, new).iter().any(|c| c.substantive)
}

/// One of the six collection conditions (SPEC §4.7) as judged from the form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub no: u8,
    pub met: bool,
    /// Why it is not met (Chinese), empty when met.
    pub reason: String,
}

/// The collection conditions; unmet ones are flagged to the reviewer.
pub fn conditions(d: &Details) -> Vec<Condition> {
    let leading = matches!(d.tech_level.as_deref(), Some(l) if ["intl_leading", "intl_advanced", "domestic_leading"].contains(&l));
    let checks = [
        (d.subfield.is_some(), "未选择战略性新兴产业领域"),
        (leading, "技术水平未达到国内领先"),
        (
            d.trl.is_some_and(|t| t >= 5) && d.market_path.is_some(),
            "成熟度低于 5 级或缺少转化路径",
        ),
        (
            d.independent_ip && d.no_dispute,
            "未声明拥有独立自主知识产权且无纠纷",
        ),
        (!d.cooperation_modes.is_empty(), "未选择意向合作方式"),
        (
            d.willing_to_present == Some(true),
            "持有人未表示愿意参加路演",
        ),
    ];
    checks
        .iter()
        .enumerate()
        .map(|(i, (met, why))| Condition {
            no: i as u8 + 1,
            met: *met,
            reason: if *met {
                String::new()
            } else {
                (*why).to_owned()
            },
        })
        .collect()
}

/// The form that shows `d` again (for editing).
pub fn to_form(d: &Details) -> Form {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let p = |v: Option<f64>| v.map(|x| format!("{x}")).unwrap_or_default();
    Form {
        title: d.title.clone(),
        subfield: o(&d.subfield),
        summary: o(&d.summary),
        technical: o(&d.technical),
        advantages: o(&d.advantages),
        market_path: o(&d.market_path),
        indicators: o(&d.indicators),
        tech_level: o(&d.tech_level),
        trl: d.trl.map(|t| t.to_string()).unwrap_or_default(),
        stage: o(&d.stage),
        ip_type: d.ip.iter().map(|i| i.kind.clone()).collect(),
        ip_number: d
            .ip
            .iter()
            .map(|i| i.number.clone().unwrap_or_default())
            .collect(),
        ip_title: d.ip.iter().map(|i| i.title.clone()).collect(),
        ip_status: d.ip.iter().map(|i| i.status.as_str().to_owned()).collect(),
        independent_ip: if d.independent_ip {
            "on".into()
        } else {
            String::new()
        },
        no_dispute: if d.no_dispute {
            "on".into()
        } else {
            String::new()
        },
        cooperation_modes: d.cooperation_modes.clone(),
        price_min: p(d.price_min),
        price_max: p(d.price_max),
        price_note: o(&d.price_note),
        applications: o(&d.applications),
        benefits: o(&d.benefits),
        source: o(&d.source),
        project_number: o(&d.project_number),
        team: o(&d.team),
        contact_name: o(&d.contact_name),
        contact_phone: o(&d.contact_phone),
        contact_email: o(&d.contact_email),
        keywords: d.keywords.join("，"),
        willing_to_present: match d.willing_to_present {
            Some(true) => "yes".into(),
            Some(false) => "no".into(),
            None => String::new(),
        },
        statement: d.statements.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vocabulary {
        Vocabulary::builtin().unwrap()
    }

    pub fn complete() -> Form {
        Form {
            title: "高能量密度固态锂电池电解质".into(),
            subfield: "5.2".into(),
            summary: "一种硫化物固态电解质。".into(),
            technical: "采用掺杂改性……".into(),
            advantages: "较液态电解质安全性提高。".into(),
            market_path: "先中试，再与电池企业合作开发。".into(),
            tech_level: "domestic_leading".into(),
            trl: "6".into(),
            stage: "pilot".into(),
            ip_type: vec!["invention_patent".into()],
            ip_number: vec!["201710601862.3".into()],
            ip_title: vec!["一种固态电解质及其制备方法".into()],
            ip_status: vec!["granted".into()],
            independent_ip: "on".into(),
            no_dispute: "on".into(),
            cooperation_modes: vec!["licence".into(), "joint_development".into()],
            applications: "动力电池、储能。".into(),
            source: "self_developed".into(),
            contact_name: "张伟".into(),
            contact_phone: "020-88886666".into(),
            willing_to_present: "yes".into(),
            keywords: "固态电池，电解质、锂电池 锂电池".into(),
            ..Form::default()
        }
    }

    #[test]
    fn lifecycle_table() {
        use Status::*;
        assert!(Draft.can_become(Submitted));
        assert!(Returned.can_become(Submitted));
        assert!(InEvaluation.can_become(Published));
        assert!(Published.can_become(Archived) && Archived.can_become(Published));
        assert!(!Draft.can_become(Published), "no shortcut into the library");
        assert!(!Rejected.can_become(Submitted));
        assert!(!Submitted.can_become(Published));
        for s in Status::ALL {
            assert!(!s.can_become(*s), "{s} to itself");
        }
    }

    #[test]
    fn a_draft_needs_only_a_name() {
        let d = validate(
            &Form {
                title: "半成品".into(),
                ..Form::default()
            },
            &vocab(),
            false,
        )
        .unwrap();
        assert_eq!(d.title, "半成品");
        let e = validate(&Form::default(), &vocab(), false).unwrap_err();
        assert_eq!(e.for_field("title").unwrap().code, "field_required");
    }

    #[test]
    fn submission_requires_the_complete_form() {
        let v = vocab();
        if let Err(e) = validate(&complete(), &v, true) {
            panic!("complete form refused: {e}");
        }
        let e = validate(
            &Form {
                title: "只有名字".into(),
                ..Form::default()
            },
            &v,
            true,
        )
        .unwrap_err();
        for f in [
            "subfield",
            "summary",
            "technical",
            "advantages",
            "market_path",
            "trl",
            "stage",
            "cooperation_modes",
            "contact_name",
            "willing_to_present",
        ] {
            assert!(e.for_field(f).is_some(), "{f} required");
        }
    }

    #[test]
    fn values_are_checked() {
        let v = vocab();
        let bad = |f: Form| validate(&f, &v, false).unwrap_err();
        let base = complete;
        assert_eq!(
            bad(Form {
                subfield: "5".into(),
                ..base()
            })
            .for_field("subfield")
            .unwrap()
            .code,
            "subfield_required"
        );
        assert_eq!(
            bad(Form {
                subfield: "99.9".into(),
                ..base()
            })
            .for_field("subfield")
            .unwrap()
            .code,
            "choice_invalid"
        );
        assert_eq!(
            bad(Form {
                trl: "10".into(),
                ..base()
            })
            .for_field("trl")
            .unwrap()
            .code,
            "trl_invalid"
        );
        assert_eq!(
            bad(Form {
                cooperation_modes: vec!["gift".into()],
                ..base()
            })
            .for_field("cooperation_modes")
            .unwrap()
            .code,
            "choice_invalid"
        );
        assert_eq!(
            bad(Form {
                ip_number: vec!["201710601862.4".into()],
                ..base()
            })
            .for_field("ip_1")
            .unwrap()
            .code,
            "patent_number_checksum"
        );
        assert_eq!(
            bad(Form {
                price_min: "100".into(),
                price_max: "10".into(),
                ..base()
            })
            .for_field("price_max")
            .unwrap()
            .code,
            "price_range"
        );
        assert_eq!(
            bad(Form {
                price_min: "很多".into(),
                ..base()
            })
            .for_field("price_min")
            .unwrap()
            .code,
            "price_invalid"
        );
        assert_eq!(
            bad(Form {
                summary: "简".repeat(501),
                ..base()
            })
            .for_field("summary")
            .unwrap()
            .code,
            "field_too_long"
        );
        assert_eq!(
            bad(Form {
                keywords: (0..11)
                    .map(|i| format!("词{i}"))
                    .collect::<Vec<_>>()
                    .join(","),
                ..base()
            })
            .for_field("keywords")
            .unwrap()
            .code,
            "keywords_too_many"
        );
        let d = validate(&base(), &v, true).unwrap();
        assert_eq!(d.keywords, vec!["固态电池", "电解质", "锂电池"]);
        assert_eq!(d.field.as_deref(), Some("5"));
        assert_eq!(d.ip[0].number.as_deref(), Some("201710601862.3"));
    }

    #[test]
    fn conditions_flag_what_is_missing() {
        let v = vocab();
        let d = validate(&complete(), &v, true).unwrap();
        assert!(conditions(&d).iter().all(|c| c.met), "{:?}", conditions(&d));
        let weak = validate(
            &Form {
                tech_level: "domestic_general".into(),
                trl: "3".into(),
                willing_to_present: "no".into(),
                no_dispute: String::new(),
                ..complete()
            },
            &v,
            true,
        )
        .unwrap();
        let unmet: Vec<u8> = conditions(&weak)
            .iter()
            .filter(|c| !c.met)
            .map(|c| c.no)
            .collect();
        assert_eq!(unmet, vec![2, 3, 4, 6]);
    }

    #[test]
    fn diffs_tell_substantive_changes_apart() {
        let v = vocab();
        let old = validate(&complete(), &v, true).unwrap();
        let mut contact = old.clone();
        contact.contact_phone = Some("0755-12345678".into());
        contact.price_max = Some(500.0);
        let changes = diff(&old, &contact);
        assert_eq!(
            changes.iter().map(|c| c.field).collect::<Vec<_>>(),
            vec!["price", "contact"]
        );
        assert!(
            !is_substantive(&old, &contact),
            "contacts and price stay in the library"
        );
        let mut tech = old.clone();
        tech.trl = Some(8);
        tech.summary = Some("新的简介".into());
        assert!(is_substantive(&old, &tech));
        let c = diff(&old, &tech);
        assert_eq!((c[0].field, c[0].after.as_str()), ("summary", "新的简介"));
        assert!(diff(&old, &old).is_empty());
    }

    #[test]
    fn the_form_round_trips() {
        let v = vocab();
        let d = validate(&complete(), &v, true).unwrap();
        assert_eq!(validate(&to_form(&d), &v, true).unwrap(), d);
    }
}
