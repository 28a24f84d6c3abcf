//! The columns of the data sheet 成果信息, in their fixed order.

use ztc_domain::achievement::limits;

/// What a column holds, which decides how its cells are read and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One line of text.
    Text,
    /// Text that may hold line breaks.
    Multiline,
    /// Keywords, separated by 、，, ; or spaces.
    Keywords,
    /// A code of a controlled list (`fields`, `tech_levels`, `stages`, `sources`,
    /// `ip_types`), written as its Chinese label.
    Choice(&'static str),
    /// Technology readiness level 1–9.
    Trl,
    /// The legal state of an IP item (已授权 / 申请中 / 已登记 / 其他).
    IpStatus,
    /// 是 / 否.
    YesNo,
    /// Several cooperation modes separated by 、 or ；.
    Modes,
    /// A price in 万元.
    Price,
}

/// Whether a column must be filled for a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Required for submission.
    Required,
    /// Optional.
    Optional,
    /// Required under a condition, explained in the text.
    When(&'static str),
}

/// One column of the data sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Field name; the same as `FieldError::field` where the domain reports one
    /// (`summary`, `trl`…); IP columns are `ip_1_type`, `ip_1_title`, `ip_1_number`,
    /// `ip_1_status` (the domain reports `ip_1` for the whole group).
    pub key: &'static str,
    /// Header text in the first row.
    pub header: &'static str,
    pub kind: Kind,
    pub need: Need,
    /// Character limit, when there is one.
    pub max_chars: Option<usize>,
    /// The rule explained on the sheet 填写说明.
    pub note: &'static str,
}

const fn c(
    key: &'static str,
    header: &'static str,
    kind: Kind,
    need: Need,
    max_chars: Option<usize>,
    note: &'static str,
) -> Column {
    Column {
        key,
        header,
        kind,
        need,
        max_chars,
        note,
    }
}

use Kind::*;
use Need::*;

const IP_NOTE_TYPE: &str = "从下拉列表选择：发明专利、实用新型专利、外观设计专利、软件著作权等";
const IP_NOTE_TITLE: &str = "专利或登记的名称；填写了类型或号码时必填";
const IP_NOTE_NUMBER: &str = "专利填写申请号（如 201710601862.3，可带 ZL/CN 前缀）或公开（公告）号（如 CN112345678A），系统校验校验位；其他类型填写登记号，不超过 50 个字符";
const IP_NOTE_STATUS: &str = "从下拉列表选择：已授权、申请中、已登记、其他；不填视为“其他”";

const STATEMENT_NOTE: &str = "选填。对该征集条件的说明，不超过 300 个字符";

/// The columns of the data sheet, in order. The first row of 成果信息 holds the
/// headers; columns are found by header text on import, so their order may change,
/// but none may be missing or renamed.
pub const COLUMNS: &[Column] = &[
    c(
        "title",
        "成果名称",
        Text,
        Required,
        Some(limits::TITLE),
        "成果的正式名称，单行",
    ),
    c(
        "subfield",
        "技术领域（子领域）",
        Choice("fields"),
        Required,
        None,
        "从下拉列表选择战略性新兴产业的子领域，如“1.5 人工智能”；也可只填代码 1.5",
    ),
    c(
        "keywords",
        "关键词",
        Keywords,
        Optional,
        None,
        "最多 10 个，每个不超过 20 个字符，用顿号（、）、逗号或分号分隔",
    ),
    c(
        "summary",
        "成果简介",
        Multiline,
        Required,
        Some(limits::SUMMARY),
        "简要说明成果是什么、解决什么问题",
    ),
    c(
        "technical",
        "技术内容与创新点",
        Multiline,
        Required,
        Some(limits::LONG),
        "技术原理、关键技术和创新点",
    ),
    c(
        "advantages",
        "与现有方案相比的优势",
        Multiline,
        Required,
        Some(limits::MEDIUM),
        "与国内外同类技术或产品相比的优势",
    ),
    c(
        "indicators",
        "关键指标及对比",
        Multiline,
        Optional,
        Some(limits::MEDIUM),
        "主要技术指标及与国内外水平的对比",
    ),
    c(
        "tech_level",
        "技术水平",
        Choice("tech_levels"),
        Required,
        None,
        "从下拉列表选择：国际领先、国际先进、国内领先、国内先进、国内一般",
    ),
    c(
        "trl",
        "技术就绪水平",
        Trl,
        Required,
        None,
        "1 到 9 级，可从下拉列表选择，也可只填数字",
    ),
    c(
        "stage",
        "成果所处阶段",
        Choice("stages"),
        Required,
        None,
        "从下拉列表选择：实验室阶段、小试、中试、小批量生产、批量生产",
    ),
    c(
        "ip_1_type",
        "知识产权（一）类型",
        Choice("ip_types"),
        Optional,
        None,
        IP_NOTE_TYPE,
    ),
    c(
        "ip_1_title",
        "知识产权（一）名称",
        Text,
        When("填写了该项知识产权的类型时必填"),
        Some(200),
        IP_NOTE_TITLE,
    ),
    c(
        "ip_1_number",
        "知识产权（一）号码",
        Text,
        Optional,
        Some(50),
        IP_NOTE_NUMBER,
    ),
    c(
        "ip_1_status",
        "知识产权（一）状态",
        IpStatus,
        Optional,
        None,
        IP_NOTE_STATUS,
    ),
    c(
        "ip_2_type",
        "知识产权（二）类型",
        Choice("ip_types"),
        Optional,
        None,
        IP_NOTE_TYPE,
    ),
    c(
        "ip_2_title",
        "知识产权（二）名称",
        Text,
        When("填写了该项知识产权的类型时必填"),
        Some(200),
        IP_NOTE_TITLE,
    ),
    c(
        "ip_2_number",
        "知识产权（二）号码",
        Text,
        Optional,
        Some(50),
        IP_NOTE_NUMBER,
    ),
    c(
        "ip_2_status",
        "知识产权（二）状态",
        IpStatus,
        Optional,
        None,
        IP_NOTE_STATUS,
    ),
    c(
        "ip_3_type",
        "知识产权（三）类型",
        Choice("ip_types"),
        Optional,
        None,
        IP_NOTE_TYPE,
    ),
    c(
        "ip_3_title",
        "知识产权（三）名称",
        Text,
        When("填写了该项知识产权的类型时必填"),
        Some(200),
        IP_NOTE_TITLE,
    ),
    c(
        "ip_3_number",
        "知识产权（三）号码",
        Text,
        Optional,
        Some(50),
        IP_NOTE_NUMBER,
    ),
    c(
        "ip_3_status",
        "知识产权（三）状态",
        IpStatus,
        Optional,
        None,
        IP_NOTE_STATUS,
    ),
    c(
        "independent_ip",
        "拥有独立自主知识产权（是/否）",
        YesNo,
        Optional,
        None,
        "填“是”或“否”（也可填 Y/N、1/0）；不填视为“否”。征集条件四要求为“是”",
    ),
    c(
        "no_dispute",
        "无侵权纠纷（是/否）",
        YesNo,
        Optional,
        None,
        "填“是”或“否”；不填视为“否”。征集条件四要求为“是”",
    ),
    c(
        "cooperation_modes",
        "意向合作方式",
        Modes,
        Required,
        None,
        "可填多种，用顿号（、）或分号（；）分隔：技术许可、技术转让、合作开发、中试熟化、技术入股、技术并购、技术融资",
    ),
    c(
        "price_min",
        "期望价格下限（万元）",
        Price,
        Optional,
        None,
        "数字，单位万元，最多两位小数，如 50 或 12.5",
    ),
    c(
        "price_max",
        "期望价格上限（万元）",
        Price,
        Optional,
        None,
        "数字，单位万元，不低于下限",
    ),
    c(
        "price_note",
        "价格说明",
        Text,
        Optional,
        Some(100),
        "如“面议”“按销售额提成”",
    ),
    c(
        "market_path",
        "转化路径",
        Multiline,
        Required,
        Some(limits::MEDIUM),
        "计划如何实现转化（中试、合作开发、许可等步骤）",
    ),
    c(
        "applications",
        "应用场景与市场前景",
        Multiline,
        Required,
        Some(limits::MEDIUM),
        "可应用的行业、场景和市场规模",
    ),
    c(
        "benefits",
        "经济和社会效益",
        Multiline,
        Optional,
        Some(limits::SHORT),
        "已产生或预期的经济效益和社会效益",
    ),
    c(
        "source",
        "成果来源",
        Choice("sources"),
        Required,
        None,
        "从下拉列表选择：国家科技计划、省部级计划、企业委托、自主研发、国际合作、其他",
    ),
    c(
        "project_number",
        "项目编号",
        Text,
        When("成果来源为“国家科技计划”时必填"),
        Some(50),
        "国家或省部级计划的项目（课题）编号",
    ),
    c(
        "team",
        "团队情况",
        Multiline,
        Optional,
        Some(limits::SHORT),
        "负责人及主要成员、研究基础",
    ),
    c(
        "contact_name",
        "联系人",
        Text,
        Required,
        Some(50),
        "联系人姓名",
    ),
    c(
        "contact_phone",
        "联系电话",
        Text,
        When("联系电话与电子邮箱至少填写一项"),
        Some(20),
        "手机或座机，只能包含数字、空格和 + - ( )，如 13800138000、020-88886666",
    ),
    c(
        "contact_email",
        "电子邮箱",
        Text,
        When("联系电话与电子邮箱至少填写一项"),
        Some(254),
        "如 zhangsan@example.edu.cn",
    ),
    c(
        "willing_to_present",
        "是否愿意参加路演（是/否）",
        YesNo,
        Required,
        None,
        "填“是”或“否”。征集条件六要求为“是”",
    ),
    c(
        "statement_1",
        "条件一说明（属于战略性新兴产业领域）",
        Multiline,
        Optional,
        Some(limits::STATEMENT),
        STATEMENT_NOTE,
    ),
    c(
        "statement_2",
        "条件二说明（技术水平国内领先及以上）",
        Multiline,
        Optional,
        Some(limits::STATEMENT),
        STATEMENT_NOTE,
    ),
    c(
        "statement_3",
        "条件三说明（成熟度 5 级及以上且有转化路径）",
        Multiline,
        Optional,
        Some(limits::STATEMENT),
        STATEMENT_NOTE,
    ),
    c(
        "statement_4",
        "条件四说明（独立自主知识产权且无纠纷）",
        Multiline,
        Optional,
        Some(limits::STATEMENT),
        STATEMENT_NOTE,
    ),
    c(
        "statement_5",
        "条件五说明（有明确的合作方式）",
        Multiline,
        Optional,
        Some(limits::STATEMENT),
        STATEMENT_NOTE,
    ),
    c(
        "statement_6",
        "条件六说明（愿意参加路演）",
        Multiline,
        Optional,
        Some(limits::STATEMENT),
        STATEMENT_NOTE,
    ),
];

/// The columns after [`COLUMNS`]: first 更多知识产权 ([`MORE_IP_HEADER`], in every
/// template and export, read back by imports: IP items beyond the third, one per
/// line `类型｜名称｜号码｜状态`), then the read-only ones an export appends when it
/// has them, which imports ignore.
pub const EXTRA_HEADERS: &[&str] = &[MORE_IP_HEADER, "状态", "持有单位", "地区", "更新时间"];

/// The optional column of IP items beyond the template's three groups.
pub const MORE_IP_HEADER: &str = "更多知识产权";

/// The cell index of [`MORE_IP_HEADER`] in a parsed row: right after [`COLUMNS`].
pub const MORE_IP: usize = COLUMNS.len();

/// The separator between the parts of one further IP item (`｜`; `|` is read too).
pub const MORE_IP_SEPARATOR: char = '｜';

/// The index in [`COLUMNS`] of the column with this key.
pub fn index_of(key: &str) -> Option<usize> {
    COLUMNS.iter().position(|c| c.key == key)
}

pub(crate) fn idx(key: &str) -> usize {
    // Keys used internally are constants of this module; a miss is a bug caught by
    // the unit tests, and falls back to the title column rather than panicking.
    index_of(key).unwrap_or(0)
}

/// The spreadsheet letter of a 0-based column index: 0 → A, 26 → AA.
pub fn letter(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The header as compared on import: no spaces, a leading `*` dropped, ASCII
/// brackets and slashes read as their full-width forms.
pub(crate) fn normalise_header(h: &str) -> String {
    h.trim()
        .trim_start_matches(['*', '＊'])
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            '／' => '/',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert_eq!(letter(0), "A");
        assert_eq!(letter(3), "D");
        assert_eq!(letter(25), "Z");
        assert_eq!(letter(26), "AA");
        assert_eq!(letter(27), "AB");
        assert_eq!(letter(701), "ZZ");
        assert_eq!(letter(702), "AAA");
    }

    #[test]
    fn the_order_is_the_documented_one() {
        assert_eq!(COLUMNS[0].header, "成果名称");
        assert_eq!(COLUMNS[3].header, "成果简介");
        assert_eq!(letter(idx("summary")), "D");
        let keys: Vec<&str> = COLUMNS.iter().map(|c| c.key).collect();
        let mut unique = keys.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), keys.len(), "keys are unique");
        let headers: std::collections::HashSet<String> =
            COLUMNS.iter().map(|c| normalise_header(c.header)).collect();
        assert_eq!(headers.len(), COLUMNS.len(), "headers are unique");
        for k in [
            "title",
            "subfield",
            "independent_ip",
            "willing_to_present",
            "ip_3_status",
            "statement_6",
        ] {
            assert!(index_of(k).is_some(), "{k}");
        }
    }

    #[test]
    fn headers_compare_loosely() {
        assert_eq!(
            normalise_header(" *技术领域(子领域) "),
            normalise_header("技术领域（子领域）")
        );
    }
}
