//! Achievements made from the CSL abstracts in `testdata/csl/csl-dev.jsonl`, for
//! tests and the benchmark (shared with `examples/gen_and_parse.rs` by `#[path]`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use ztc_domain::achievement::{self, Details, Form};
use ztc_domain::patent;
use ztc_domain::vocab::Vocabulary;

/// One CSL record.
#[derive(Debug, Clone)]
pub struct Record {
    pub id: String,
    pub title: String,
    pub abstract_: String,
    pub keywords: Vec<String>,
    pub discipline: String,
}

pub fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/csl/csl-dev.jsonl")
}

/// The 1,000 records.
pub fn records() -> Vec<Record> {
    let text = std::fs::read_to_string(path()).expect("testdata/csl/csl-dev.jsonl");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            Record {
                id: s("id"),
                title: s("title"),
                abstract_: s("abstract"),
                keywords: v["keywords"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|k| k.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
                discipline: s("discipline"),
            }
        })
        .collect()
}

/// A few disciplines mapped to sub-fields of the strategic emerging industries;
/// the others spread over all sub-fields.
pub fn subfield_for(discipline: &str, i: usize) -> &'static str {
    match discipline {
        "计算机科学与技术" => "1.5",
        "信息与通信工程" => "1.1",
        "电子科学与技术" => "1.2",
        "控制科学与工程" => "2.1",
        "机械工程" => "2.1",
        "航空宇航科学与技术" => "2.2",
        "交通运输工程" => "2.4",
        "船舶与海洋工程" => "2.5",
        "材料科学与工程" => "3.6",
        "冶金工程" => "3.1",
        "化学/化学工程与技术" => "3.3",
        "纺织科学与工程" => "3.5",
        "药学" | "中医学/中药学" => "4.1",
        "基础医学/临床医学" | "口腔医学" => "4.2",
        "作物学" | "园艺学" | "植物保护" | "食品科学与工程" => "4.3",
        "核科学与技术" => "6.1",
        "电气工程" => "6.5",
        "动力工程及工程热物理" => "7.1",
        "环境科学与工程" => "7.2",
        "艺术学" => "8.2",
        _ => {
            const ALL: &[&str] = &[
                "1.3", "1.4", "2.3", "3.2", "3.4", "3.7", "4.4", "4.5", "5.1", "5.2", "5.3", "5.4",
                "6.2", "6.3", "6.4", "7.3", "8.1", "8.3", "8.4", "9.1", "9.2",
            ];
            ALL[i % ALL.len()]
        }
    }
}

/// A deterministic generator (xorshift64*).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

pub fn take(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// A valid Chinese patent application number, e.g. `201710601862.3`.
pub fn patent_number(rng: &mut Rng) -> String {
    let year = 2005 + rng.below(19);
    let kind = [1, 2, 3][rng.below(3)];
    let serial = rng.below(10_000_000);
    let digits = format!("{year}{kind}{serial:07}");
    let check = patent::check_char(&digits).unwrap_or('0');
    format!("{digits}.{check}")
}

const SURNAMES: &[&str] = &[
    "张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴", "欧阳",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娜",
];
const TECH: &[&str] = &[
    "intl_leading",
    "intl_advanced",
    "domestic_leading",
    "domestic_advanced",
    "domestic_general",
];
const STAGES: &[&str] = &["lab", "bench", "pilot", "small_batch", "mass"];
const SOURCES: &[&str] = &[
    "national_programme",
    "provincial_programme",
    "enterprise_commission",
    "self_developed",
    "international_cooperation",
    "other",
];
const MODES: &[&str] = &[
    "licence",
    "transfer",
    "joint_development",
    "pilot",
    "equity",
    "acquisition",
    "financing",
];
const IP_KINDS: &[&str] = &[
    "invention_patent",
    "utility_model",
    "software_copyright",
    "trade_secret",
    "design_patent",
];
const STATUSES: &[&str] = &["granted", "pending", "registered", "other"];

/// A complete form for row `n`, recombining record texts chosen by `rng`.
pub fn form(records: &[Record], n: usize, rng: &mut Rng) -> Form {
    let a = &records[n % records.len()];
    let b = &records[rng.below(records.len())];
    let c = &records[rng.below(records.len())];
    let title = if n < records.len() {
        take(&a.title, 90)
    } else {
        format!("{}（{}）", take(&a.title, 80), n)
    };
    let keywords: Vec<String> = a
        .keywords
        .iter()
        .chain(&b.keywords)
        .map(|k| k.trim().to_owned())
        .filter(|k| (1..=20).contains(&k.chars().count()))
        .take(6)
        .collect();
    let ip_count = rng.below(4);
    let mut f = Form {
        title,
        subfield: subfield_for(&a.discipline, n).to_owned(),
        keywords: keywords.join("、"),
        summary: take(&a.abstract_, 500),
        technical: take(&format!("{}\n{}", a.abstract_, b.abstract_), 3000),
        advantages: take(&b.abstract_, 400),
        indicators: format!("关键指标：{}", take(&c.title, 60)),
        tech_level: TECH[rng.below(TECH.len())].to_owned(),
        trl: (1 + rng.below(9)).to_string(),
        stage: STAGES[rng.below(STAGES.len())].to_owned(),
        independent_ip: "yes".into(),
        no_dispute: if rng.below(5) == 0 { "no" } else { "yes" }.into(),
        cooperation_modes: (0..1 + rng.below(3))
            .map(|_| MODES[rng.below(MODES.len())].to_owned())
            .collect(),
        price_min: if rng.below(3) == 0 {
            String::new()
        } else {
            format!("{}", 10 + rng.below(90))
        },
        price_note: "可面议".into(),
        market_path: format!("先完成中试验证，再与{}领域的企业合作开发。", a.discipline),
        applications: take(&c.abstract_, 300),
        benefits: format!("预计年新增产值 {} 万元。", 100 + rng.below(900)),
        source: SOURCES[rng.below(SOURCES.len())].to_owned(),
        team: format!(
            "团队 {} 人，负责人长期从事{}研究。",
            3 + rng.below(20),
            a.discipline
        ),
        contact_name: format!(
            "{}{}",
            SURNAMES[rng.below(SURNAMES.len())],
            GIVEN[rng.below(GIVEN.len())]
        ),
        contact_phone: format!("13{}{:08}", rng.below(10), rng.below(100_000_000)),
        contact_email: format!("user{n}@example.edu.cn"),
        willing_to_present: if rng.below(4) == 0 { "no" } else { "yes" }.into(),
        statement: vec![
            format!("属于{}。", a.discipline),
            String::new(),
            "已有中试线。".into(),
            String::new(),
            String::new(),
            "愿意参加路演。".into(),
        ],
        ..Form::default()
    };
    if !f.price_min.is_empty() {
        f.price_max = format!("{}.5", 100 + rng.below(900));
    }
    if f.source == "national_programme" {
        f.project_number = format!("2021YFB{:07}", rng.below(10_000_000));
    }
    for i in 0..ip_count {
        let kind = IP_KINDS[rng.below(IP_KINDS.len())];
        let number = if achievement::PATENT_KINDS.contains(&kind) {
            patent_number(rng)
        } else if kind == "software_copyright" {
            format!("2020SR{:06}", rng.below(1_000_000))
        } else {
            String::new()
        };
        f.ip_type.push(kind.into());
        f.ip_number.push(number);
        f.ip_title
            .push(take(&records[(n + i) % records.len()].title, 60));
        f.ip_status.push(STATUSES[rng.below(STATUSES.len())].into());
    }
    f
}

/// `count` valid achievements.
pub fn details(records: &[Record], vocab: &Vocabulary, count: usize, seed: u64) -> Vec<Details> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|n| {
            let f = form(records, n, &mut rng);
            achievement::validate(&f, vocab, true)
                .unwrap_or_else(|e| panic!("generated row {n} invalid: {e}"))
        })
        .collect()
}
