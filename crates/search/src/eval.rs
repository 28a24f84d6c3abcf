//! Search-quality evaluation on the CSL sample (`testdata/csl`), and the
//! generator of synthetic achievements used to hide the real papers among
//! many (tests and `examples/bench.rs`).
//!
//! Task A (keywords): every paper indexed with title, keywords and abstract;
//! the query is the paper's keywords joined by spaces. Task B (title →
//! abstract): only abstracts indexed; the query is the title. The expected
//! hit is the paper itself; MRR@10 and Recall@10 are reported.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::doc::{Kind, SearchDoc};
use crate::error::Result;
use crate::index::Index;
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
