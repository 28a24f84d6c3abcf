//! Search-quality evaluation on the CSL sample (`testdata/csl`), and the
//! generator of synthetic achievements used to hide the real papers among
//! many (tests and `examples/bench.rs`).
//!
//! Task A (keywords): every paper indexed with title, keywords and abstract;
//! the query is the paper's keywords joined by spaces. Task B (title →
//! abstract): only abstracts indexed; the query is the title. The expected
//! hit is the paper itself; MRR@10 and Recall@10 are reported.
//!
//! Demand matching (`testdata/demands/quality.jsonl`): [`load_demands`]
//! reads the 102 enterprise demands with graded judgements, [`csl_achievement`]
//! turns a paper into the achievement the demo library makes of it, and
//! [`ndcg`] / [`recall`] score a ranking.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use std::collections::HashMap;

use crate::doc::{Kind, SearchDoc};
use crate::error::Result;
use crate::index::Index;
use crate::matching::{DemandProfile, MatchWeights};
use crate::query::{Query, Scope, Weights};

/// One CSL record.
#[derive(Debug, Clone, Deserialize)]
pub struct Paper {
    pub id: String,
    pub title: String,
    #[serde(rename = "abstract")]
    pub abstract_text: String,
    pub keywords: Vec<String>,
    #[serde(default)]
    pub discipline: String,
    #[serde(default)]
    pub category: String,
}

/// `testdata/csl/csl-dev.jsonl` in this checkout.
pub fn csl_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/csl/csl-dev.jsonl")
}

/// Reads a JSON-lines file of CSL records (bad lines are skipped).
pub fn load_csl(path: &Path) -> std::io::Result<Vec<Paper>> {
    let text = std::fs::read_to_string(path)?;
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}

/// The two evaluation tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// Query: the keywords; documents: title, keywords, abstract.
    Keywords,
    /// Query: the title; documents: the abstract only.
    TitleToAbstract,
}

impl Task {
    pub fn label(self) -> &'static str {
        match self {
            Task::Keywords => "A keywords→paper",
            Task::TitleToAbstract => "B title→abstract",
        }
    }

    /// The document indexed for `p` in this task.
    pub fn doc(self, p: &Paper) -> SearchDoc {
        let mut d = SearchDoc {
            id: p.id.clone(),
            summary: p.abstract_text.clone(),
            status: "published".into(),
            published: true,
            ..SearchDoc::default()
        };
        if self == Task::Keywords {
            d.title = p.title.clone();
            d.keywords = p.keywords.clone();
        }
        d
    }

    /// The query asked for `p`.
    pub fn query(self, p: &Paper) -> String {
        match self {
            Task::Keywords => p.keywords.join(" "),
            Task::TitleToAbstract => p.title.clone(),
        }
    }
}

/// Mean reciprocal rank and recall at 10.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Metrics {
    pub mrr10: f64,
    pub recall10: f64,
    pub queries: usize,
}

/// Accumulates ranks.
#[derive(Debug, Default)]
pub struct Scorer {
    rr: f64,
    hits: usize,
    n: usize,
}

impl Scorer {
    /// Records one query: the ranked ids returned and the expected id.
    pub fn add<S: AsRef<str>>(&mut self, ranked: &[S], expected: &str) {
        self.n += 1;
        if let Some(pos) = ranked.iter().take(10).position(|r| r.as_ref() == expected) {
            self.rr += 1.0 / (pos as f64 + 1.0);
            self.hits += 1;
        }
    }

    pub fn metrics(&self) -> Metrics {
        let n = self.n.max(1) as f64;
        Metrics {
            mrr10: self.rr / n,
            recall10: self.hits as f64 / n,
            queries: self.n,
        }
    }
}

/// Top-10 ids for `text` (public scope, relevance).
pub fn top10(index: &Index, text: &str, weights: &Weights) -> Result<Vec<String>> {
    let q = Query {
        text: text.to_string(),
        scope: Scope::Public,
        per_page: 10,
        ..Query::default()
    };
    Ok(index
        .search_with(&q, weights)?
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect())
}

/// Indexes `papers` for `task` in a fresh in-memory index and measures it.
pub fn evaluate(papers: &[Paper], task: Task, weights: &Weights) -> Result<Metrics> {
    let index = Index::in_ram()?;
    let docs: Vec<SearchDoc> = papers.iter().map(|p| task.doc(p)).collect();
    index.upsert(&docs)?;
    index.commit(None)?;
    measure(&index, papers, task, weights)
}

/// Measures `task` on an index that already holds the papers.
pub fn measure(index: &Index, papers: &[Paper], task: Task, weights: &Weights) -> Result<Metrics> {
    let mut s = Scorer::default();
    for p in papers {
        s.add(&top10(index, &task.query(p), weights)?, &p.id);
    }
    Ok(s.metrics())
}

/// Small deterministic PRNG (splitmix64) so generated data is the same everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> Option<&'a T> {
        if v.is_empty() {
            None
        } else {
            v.get(self.below(v.len()))
        }
    }
}

const FIELDS: [&str; 9] = [
    "510", "520", "530", "540", "550", "560", "570", "580", "590",
];
const REGIONS: [&str; 12] = [
    "11", "12", "31", "32", "33", "35", "37", "42", "44", "50", "51", "61",
];
const COOPERATION: [&str; 5] = ["transfer", "license", "joint", "equity", "service"];
const IP_TYPES: [&str; 4] = ["invention", "utility_model", "software", "know_how"];

/// Recombines CSL text into synthetic achievements: a title joined from
/// pieces of two or three titles, 3–5 keywords sampled from all keywords, an
/// abstract of sentences from 3–5 papers, random codes. 90 % are published.
#[derive(Debug, Clone)]
pub struct Generator {
    title_pieces: Vec<Vec<String>>,
    keywords: Vec<String>,
    sentences: Vec<String>,
    rng: Rng,
}

impl Generator {
    pub fn new(papers: &[Paper], seed: u64) -> Generator {
        let seg = crate::tokenizer::Segmenter::bare();
        let title_pieces = papers
            .iter()
            .map(|p| {
                seg.tokens(&p.title, false)
                    .iter()
                    .filter_map(|t| p.title.get(t.offset_from..t.offset_to).map(str::to_string))
                    .collect::<Vec<_>>()
            })
            .filter(|v| v.len() >= 2)
            .collect();
        let keywords = papers.iter().flat_map(|p| p.keywords.clone()).collect();
        let sentences = papers
            .iter()
            .flat_map(|p| {
                p.abstract_text
                    .split_inclusive(['。', '；', '.'])
                    .map(str::to_string)
                    .filter(|s| s.chars().count() > 4)
                    .collect::<Vec<_>>()
            })
            .collect();
        Generator {
            title_pieces,
            keywords,
            sentences,
            rng: Rng::new(seed),
        }
    }

    /// The `n`-th synthetic document (ids `gen-n`).
    pub fn next_doc(&mut self, n: u64) -> SearchDoc {
        let r = &mut self.rng;
        let mut title = String::new();
        let parts = 2 + r.below(2);
        for i in 0..parts {
            let Some(pieces) = r.pick(&self.title_pieces) else {
                break;
            };
            let len = pieces.len();
            let (from, to) = match i {
                0 => (0, 1 + r.below(len.div_ceil(2))),
                _ if i + 1 == parts => (len / 2 + r.below(len - len / 2), len),
                _ => {
                    let a = r.below(len);
                    (a, (a + 2).min(len))
                }
            };
            for p in pieces.get(from..to.max(from)).unwrap_or_default() {
                title.push_str(p);
            }
        }
        let keywords = (0..3 + r.below(3))
            .filter_map(|_| r.pick(&self.keywords).cloned())
            .collect();
        let mut summary = String::new();
        for _ in 0..3 + r.below(3) {
            if let Some(s) = r.pick(&self.sentences) {
                summary.push_str(s);
            }
        }
        let field = FIELDS[r.below(FIELDS.len())];
        let published = r.below(10) != 0;
        SearchDoc {
            id: format!("gen-{n}"),
            kind: if r.below(5) == 0 {
                Kind::Demand
            } else {
                Kind::Achievement
            },
            title,
            keywords,
            summary,
            field: field.to_string(),
            subfield: format!("{field}.{:02}", 10 * (1 + r.below(4))),
            region: REGIONS[r.below(REGIONS.len())].to_string(),
            trl: r.below(10) as u8,
            cooperation_modes: vec![COOPERATION[r.below(COOPERATION.len())].to_string()],
            ip_types: vec![IP_TYPES[r.below(IP_TYPES.len())].to_string()],
            status: if published { "published" } else { "submitted" }.to_string(),
            published,
            created_at: 1_600_000_000 + r.below(200_000_000) as i64,
            updated_at: 1_800_000_000,
            ..SearchDoc::default()
        }
    }
}

/// The strategic-emerging-industry sub-field (`crates/domain/data/fields.csv`)
/// of a CSL discipline, if it has one. The demo library files each paper
/// under it, and the demand quality set was judged against it.
pub fn subfield_of(discipline: &str) -> Option<&'static str> {
    Some(match discipline {
        "信息与通信工程" => "1.1",
        "光学工程" | "电子科学与技术" => "1.2",
        "计算机科学与技术" => "1.3",
        "地理学" | "图书馆、情报与档案管理" => "1.4",
        "数学" | "控制科学与工程" => "1.5",
        "机械工程" | "力学" => "2.1",
        "航空宇航科学与技术" | "兵器科学与技术" => "2.2",
        "测绘科学与技术" | "地球物理学" | "天文学" => "2.3",
        "交通运输工程" => "2.4",
        "船舶与海洋工程" | "海洋科学" => "2.5",
        "冶金工程" => "3.1",
        "地质学/地质资源与地质工程" => "3.2",
        "化学/化学工程与技术" | "石油与天然气工程" => "3.3",
        "土木工程" => "3.4",
        "纺织科学与工程" => "3.5",
        "材料科学与工程" | "物理学" => "3.6",
        "中医学/中药学" | "药学" | "公共卫生与预防医学" => "4.1",
        "基础医学/临床医学" | "口腔医学" => "4.2",
        "作物学"
        | "农业资源利用"
        | "园艺学"
        | "林学/林业工程"
        | "植物保护"
        | "水产"
        | "畜牧学/兽医学"
        | "农业工程" => "4.3",
        "食品科学与工程" | "生物学/生物科学与工程" => "4.5",
        "核科学与技术" => "6.1",
        "电气工程" => "6.5",
        "动力工程及工程热物理" => "7.1",
        "环境科学与工程" | "水利工程" | "大气科学" => "7.2",
        "矿业工程" => "7.3",
        "艺术学" => "8.2",
        "建筑学" => "8.3",
        "新闻传播学" => "8.4",
        "工商管理" => "9.1",
        _ => return None,
    })
}

/// The top-level field of a sub-field code (`"7.2"` → `"7"`).
pub fn field_of(subfield: &str) -> &str {
    subfield.split('.').next().unwrap_or_default()
}

/// Cooperation modes in the order the demo library cycles through them.
const DEMO_MODES: [&str; 7] = [
    "licence",
    "transfer",
    "joint_development",
    "pilot",
    "equity",
    "acquisition",
    "financing",
];

/// Programme units of the demo library's 16 holder organisations, in order.
const DEMO_UNITS: [&str; 16] = [
    "44", "32", "11", "12", "31", "33", "51", "42", "61", "3702", "4403", "43", "65", "66", "3502",
    "41",
];

/// The achievement the demo library (`crates/web/src/demo_library.rs`) makes
/// of the `i`-th CSL paper, as the indexer sees it: title, keywords, the
/// summary (first 480 characters), applications, the whole abstract as
/// technical text, sub-field and field from the discipline, and the demo's
/// readiness level, cooperation modes and the holder's programme unit
/// (derived from `i` as the demo does). Always published: the demo's
/// lifecycle states are left out so that every paper can be matched.
pub fn csl_achievement(i: usize, p: &Paper) -> SearchDoc {
    let keywords: Vec<String> = p
        .keywords
        .iter()
        .take(10)
        .map(|k| k.replace(',', " ").chars().take(20).collect())
        .collect();
    let mut modes: Vec<String> = Vec::new();
    for k in 0..1 + i % 3 {
        let m = DEMO_MODES[(i + k * 3) % DEMO_MODES.len()].to_string();
        if !modes.contains(&m) {
            modes.push(m);
        }
    }
    let subfield = subfield_of(&p.discipline).unwrap_or_default();
    SearchDoc {
        id: p.id.clone(),
        kind: Kind::Achievement,
        title: p.title.chars().take(100).collect(),
        applications: format!(
            "可应用于{}等领域，市场需求明确。",
            keywords
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join("、")
        ),
        keywords,
        summary: p.abstract_text.chars().take(480).collect(),
        technical: p.abstract_text.chars().take(3000).collect(),
        field: field_of(subfield).to_string(),
        subfield: subfield.to_string(),
        region: DEMO_UNITS[i % DEMO_UNITS.len()].to_string(),
        trl: 3 + (i * 3 % 7) as u8,
        cooperation_modes: modes,
        status: "published".into(),
        published: true,
        ..SearchDoc::default()
    }
}

/// One enterprise demand of `testdata/demands/quality.jsonl`.
#[derive(Debug, Clone, Deserialize)]
pub struct DemandCase {
    pub id: String,
    pub title: String,
    pub description: String,
    /// Sub-field code, e.g. "7.2".
    pub field: String,
    pub cooperation_modes: Vec<String>,
    pub trl_min: u8,
    #[serde(default)]
    pub org_kind: String,
    #[serde(default)]
    pub industry: String,
    /// Paper id → grade 1..=3 (unlisted papers: 0).
    pub judgements: HashMap<String, u8>,
}

impl DemandCase {
    /// `dq-091` … `dq-102` describe symptoms only (plain language).
    pub fn plain_language(&self) -> bool {
        self.id
            .strip_prefix("dq-")
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|n| n > 90)
    }

    /// The demand as the matcher sees it (no region: the set has none).
    pub fn profile(&self) -> DemandProfile {
        DemandProfile {
            title: self.title.clone(),
            text: self.description.clone(),
            keywords: Vec::new(),
            field: field_of(&self.field).to_string(),
            subfield: self.field.clone(),
            trl_min: self.trl_min,
            modes: self.cooperation_modes.clone(),
            region: String::new(),
        }
    }
}

/// `testdata/demands/quality.jsonl` in this checkout.
pub fn demands_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/demands/quality.jsonl")
}

/// Reads the demand quality set (bad lines are skipped).
pub fn load_demands(path: &Path) -> std::io::Result<Vec<DemandCase>> {
    let text = std::fs::read_to_string(path)?;
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}

/// How graded judgements become gains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gain {
    /// The grade itself (3/2/1).
    Linear,
    /// 2^grade − 1 (7/3/1), as in `testdata/demands/README.md`.
    Exponential,
}

impl Gain {
    fn of(self, grade: u8) -> f64 {
        match self {
            Gain::Linear => f64::from(grade),
            Gain::Exponential => f64::from((1u32 << grade.min(8)) - 1),
        }
    }
}

/// nDCG@k of `ranked` ids: gains from `judgements` (unlisted = 0), discount
/// 1/log2(rank + 1), the ideal from all judgements. 0 when nothing is judged.
pub fn ndcg<S: AsRef<str>>(
    ranked: &[S],
    judgements: &HashMap<String, u8>,
    k: usize,
    gain: Gain,
) -> f64 {
    let discount = |rank: usize| 1.0 / ((rank as f64) + 2.0).log2();
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .map(|(r, id)| gain.of(judgements.get(id.as_ref()).copied().unwrap_or(0)) * discount(r))
        .sum();
    let mut grades: Vec<u8> = judgements.values().copied().collect();
    grades.sort_unstable_by(|a, b| b.cmp(a));
    let ideal: f64 = grades
        .iter()
        .take(k)
        .enumerate()
        .map(|(r, g)| gain.of(*g) * discount(r))
        .sum();
    if ideal > 0.0 { dcg / ideal } else { 0.0 }
}

/// Share of the papers graded at least `min_grade` found in the first `k`
/// of `ranked` (1 when there are none).
pub fn recall<S: AsRef<str>>(
    ranked: &[S],
    judgements: &HashMap<String, u8>,
    k: usize,
    min_grade: u8,
) -> f64 {
    let relevant = judgements.values().filter(|g| **g >= min_grade).count();
    if relevant == 0 {
        return 1.0;
    }
    let found = ranked
        .iter()
        .take(k)
        .filter(|id| judgements.get(id.as_ref()).is_some_and(|g| *g >= min_grade))
        .count();
    found as f64 / relevant as f64
}

/// Demand-matching metrics over a set of demands (means).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DemandMetrics {
    /// nDCG@10, gains 3/2/1.
    pub ndcg10: f64,
    /// Recall@100 of papers graded 2 or 3.
    pub recall100: f64,
    /// nDCG@10 with gains 2^g − 1 (the README's convention).
    pub ndcg10_exp: f64,
    /// Recall@100 of papers graded 1 or more (the README's convention).
    pub recall100_any: f64,
    pub queries: usize,
}

/// Means of the metrics of `rank` (ids best first, 100 or more) over `cases`.
pub fn score_demands<'a>(
    cases: impl IntoIterator<Item = &'a DemandCase>,
    mut rank: impl FnMut(&DemandCase) -> Result<Vec<String>>,
) -> Result<DemandMetrics> {
    let mut m = DemandMetrics::default();
    for c in cases {
        let ids = rank(c)?;
        m.ndcg10 += ndcg(&ids, &c.judgements, 10, Gain::Linear);
        m.ndcg10_exp += ndcg(&ids, &c.judgements, 10, Gain::Exponential);
        m.recall100 += recall(&ids, &c.judgements, 100, 2);
        m.recall100_any += recall(&ids, &c.judgements, 100, 1);
        m.queries += 1;
    }
    let n = m.queries.max(1) as f64;
    m.ndcg10 /= n;
    m.ndcg10_exp /= n;
    m.recall100 /= n;
    m.recall100_any /= n;
    Ok(m)
}

/// An in-memory index of the CSL papers as published achievements ([`csl_achievement`]).
pub fn csl_index(papers: &[Paper]) -> Result<Index> {
    let index = Index::in_ram()?;
    let docs: Vec<SearchDoc> = papers
        .iter()
        .enumerate()
        .map(|(i, p)| csl_achievement(i, p))
        .collect();
    index.upsert(&docs)?;
    index.commit(None)?;
    Ok(index)
}

/// The plain-search baseline: the demand's title and description as an
/// ordinary public query (achievements only), the first 100 ids.
pub fn search_ranking(index: &Index, c: &DemandCase) -> Result<Vec<String>> {
    let q = Query {
        text: format!("{} {}", c.title, c.description),
        scope: Scope::Public,
        filters: crate::query::Filters {
            kind: Some(Kind::Achievement),
            ..Default::default()
        },
        per_page: 100,
        ..Query::default()
    };
    Ok(index.search(&q)?.hits.into_iter().map(|h| h.id).collect())
}

/// [`crate::Index::match_demand_with`] in the public scope, the first 100 ids.
pub fn match_ranking(index: &Index, c: &DemandCase, w: &MatchWeights) -> Result<Vec<String>> {
    Ok(index
        .match_demand_with(&c.profile(), Scope::Public, 100, w)?
        .into_iter()
        .map(|m| m.id)
        .collect())
}
