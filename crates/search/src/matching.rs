//! Matching demands and achievements, with the reasons for each match.
//!
//! [`Index::match_demand`] ranks the achievements visible in a scope for an
//! enterprise's demand; [`Index::match_achievement`] ranks the demands an
//! achievement could answer. Both work the same way:
//!
//! 1. **Terms.** The profile's title, keywords and text are segmented with
//!    the index's dictionary. Words of the default segmentation count fully,
//!    the shorter words inside them (jieba search mode) a little, so that
//!    documents segmented differently are still reached. Numbers, single
//!    characters and the boilerplate of postings (我公司, 希望, 合作 …) are
//!    dropped. A word's weight is its occurrences (title and keywords count
//!    [`MatchWeights::title`] / [`MatchWeights::keywords`] times, the text
//!    once), damped as 1 + ln; the [`MatchWeights::rerank_terms`] words with
//!    the highest weight × IDF are kept, so a 400-character description costs
//!    no more than a short one and common words do not dominate.
//! 2. **Candidates.** BM25 over the combined public text (plus the
//!    technical text outside the public scope), each word boosted by its
//!    weight, keeps the best [`MatchWeights::candidates`] of the wanted kind
//!    that the scope may see (published ones, or all in the admin scope:
//!    the rule of [`Index::search`]). The query is a plain sum of term
//!    queries so that tantivy skips, block by block, documents that cannot
//!    enter the best (block-max WAND); kind and visibility are checked on
//!    the documents that could. The first-pass words are what a match
//!    costs, common ones most: the best [`MatchWeights::terms`] words found
//!    in at most [`MatchWeights::first_pass_max_df`] of the documents are
//!    asked for (about 20 ms p99 at a million documents on two cores,
//!    `examples/match_bench.rs`).
//! 3. **Rerank.** Each candidate is scored again with all the kept words,
//!    per field (title, keywords, summary, applications, technical outside
//!    the public scope), and normalised by the best
//!    candidate's score; then fit is added: the same sub-field
//!    ([`MatchWeights::same_subfield`]) or field ([`MatchWeights::same_field`])
//!    as a boost, never a filter, and small adjustments for the readiness
//!    level, shared cooperation modes and the same programme unit.
//!
//! Every [`Match`] carries its [`Reasons`]: the profile's words that the
//! document contains (best first), the field fit, the readiness level
//! against the requirement, shared modes and whether the region is the same.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::query::{
    BooleanQuery, BoostQuery, EnableScoring, Occur, Query as TQuery, TermQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{
    DocAddress, DocId, Score, Searcher, SegmentOrdinal, SegmentReader, TantivyDocument, Term,
};

use crate::doc::{Kind, SearchDoc};
use crate::error::Result;
use crate::index::Index;
use crate::query::{self, Scope};
use crate::tokenizer::Segmenter;

/// What an enterprise needs, as the matcher reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemandProfile {
    pub title: String,
    /// Problem, goals and basis together (free text, any length).
    pub text: String,
    pub keywords: Vec<String>,
    /// Top-level field code, e.g. "7"; may be empty (then taken from `subfield`).
    pub field: String,
    /// Sub-field code, e.g. "7.2"; may be empty.
    pub subfield: String,
    /// Lowest acceptable readiness level 1..=9; 0 = any.
    pub trl_min: u8,
    /// Cooperation mode codes the enterprise accepts.
    pub modes: Vec<String>,
    /// Programme unit code ("44"); may be empty.
    pub region: String,
}

/// How a document's field relates to the profile's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldFit {
    SameSubfield,
    SameField,
    Other,
}

/// How the achievement's readiness level compares with the demand's minimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrlFit {
    /// At or above the minimum (or the demand accepts any level).
    Meets,
    /// Known and below the minimum.
    Below,
    /// The achievement's level is unknown.
    Unknown,
}

/// Why a document was matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reasons {
    /// Words of the profile found in the document, most contributing first
    /// (at most [`MAX_REASON_TERMS`]; a word inside a longer listed word is
    /// not listed again). Normalised as the index normalises (lower case).
    pub terms: Vec<String>,
    pub field_fit: FieldFit,
    /// The document's readiness level (for a demand: its lowest acceptable
    /// level); 0 = unknown / any.
    pub trl: u8,
    pub trl_fit: TrlFit,
    /// Cooperation modes both sides name, in the profile's order.
    pub modes: Vec<String>,
    /// Both sides are in the same programme unit.
    pub same_region: bool,
}

/// One matched document, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub id: String,
    pub title: String,
    /// Text score relative to the best candidate (1.0) plus the fit adjustments.
    pub score: f32,
    pub reasons: Reasons,
}

/// Most words listed in [`Reasons::terms`].
pub const MAX_REASON_TERMS: usize = 6;
/// Most matches returned by one call.
pub const MAX_MATCHES: usize = 100;
/// Characters of one profile part (title, text, each keyword) that are read.
const MAX_PART_CHARS: usize = 4_000;
/// Words in at most this many documents are always cheap enough for the
/// first pass, whatever [`MatchWeights::first_pass_max_df`] says.
const CHEAP_DF: f32 = 10_000.0;
/// Keywords of a profile that are read.
const MAX_KEYWORDS: usize = 32;

/// Matching knobs; the defaults are the measured best on
/// `testdata/demands/quality.jsonl` (see `tests/demand_quality.rs`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchWeights {
    /// Words of a profile asked for in the first (BM25) pass: the cost of a
    /// match grows with them.
    pub terms: usize,
    /// Words of a profile used in the rerank of the candidates (at least `terms`).
    pub rerank_terms: usize,
    /// Words in more than this share of the documents (and more than 10,000
    /// of them) are left out of the first pass; they still count in the rerank.
    pub first_pass_max_df: f32,
    /// Candidates taken from the first BM25 pass for the rerank.
    pub candidates: usize,
    /// Weight of an occurrence in the profile's title / keywords (text: 1).
    pub title: f32,
    pub keywords: f32,
    /// Weight of a shorter word inside a longer one (search-mode part).
    pub part: f32,
    /// Document field weights in the rerank.
    pub doc_title: f32,
    pub doc_keywords: f32,
    pub doc_summary: f32,
    pub doc_applications: f32,
    pub doc_technical: f32,
    /// Added (on the normalised scale, best candidate = 1) for the same sub-field…
    pub same_subfield: f32,
    /// …or for the same top-level field only.
    pub same_field: f32,
    /// Added when the readiness level meets the minimum; subtracted when below.
    pub trl_meets: f32,
    pub trl_below: f32,
    /// Added per shared cooperation mode (at most two count).
    pub mode: f32,
    /// Added for the same programme unit.
    pub region: f32,
}

impl Default for MatchWeights {
    fn default() -> Self {
        MatchWeights {
            terms: 24,
            rerank_terms: 48,
            first_pass_max_df: 0.05,
            candidates: 200,
            title: 2.0,
            keywords: 2.0,
            part: 0.3,
            doc_title: 2.0,
            doc_keywords: 1.5,
            doc_summary: 1.0,
            doc_applications: 0.5,
            doc_technical: 1.0,
            same_subfield: 0.12,
            same_field: 0.05,
            trl_meets: 0.02,
            trl_below: 0.04,
            mode: 0.01,
            region: 0.01,
        }
    }
}

impl MatchWeights {
    /// These weights with overrides from `spec`, `name=value` pairs separated
    /// by commas (`"terms=24,same_subfield=0.2"`); for tuning and benchmarks.
    pub fn with_overrides(mut self, spec: &str) -> std::result::Result<MatchWeights, String> {
        for kv in spec.split(',').map(str::trim).filter(|kv| !kv.is_empty()) {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| format!("{kv}: expected name=value"))?;
            let v: f32 = v
                .trim()
                .parse()
                .map_err(|_| format!("{kv}: not a number"))?;
            let count = v.max(0.0) as usize;
            match k.trim() {
                "terms" => self.terms = count,
                "rerank_terms" => self.rerank_terms = count,
                "candidates" => self.candidates = count,
                "first_pass_max_df" => self.first_pass_max_df = v,
                "title" => self.title = v,
                "keywords" => self.keywords = v,
                "part" => self.part = v,
                "doc_title" => self.doc_title = v,
                "doc_keywords" => self.doc_keywords = v,
                "doc_summary" => self.doc_summary = v,
                "doc_applications" => self.doc_applications = v,
                "doc_technical" => self.doc_technical = v,
                "same_subfield" => self.same_subfield = v,
                "same_field" => self.same_field = v,
                "trl_meets" => self.trl_meets = v,
                "trl_below" => self.trl_below = v,
                "mode" => self.mode = v,
                "region" => self.region = v,
                other => return Err(format!("unknown knob {other}")),
            }
        }
        Ok(self)
    }
}

/// Words that any posting uses (who is asking, what they want in general),
/// which say nothing about the technology. Single characters and numbers
/// are dropped anyway.
const STOP_WORDS: &str = "我们 我公司 本公司 公司 我司 我厂 我场 本厂 我院 我单位 单位 企业 集团 工厂 厂家 厂区 团队 机构 高校 院所 合作 合作开发 联合 \
     需求 需要 希望 要求 寻求 寻找 征集 目前 现有 现在 当前 已经 一直 问题 难题 解决 解决方案 方案 技术 技术需求 开发 研发 研究 开展 \
     实现 提高 提升 降低 减少 增加 进行 采用 通过 利用 使用 能够 可以 以及 或者 其中 左右 以上 以下 以内 不超过 不低于 达到 每年 \
     每天 每月 年产 日产 万元 成本 效果 情况 方面 相关 主要 一种 一个 一套 没有 不能 无法 难以 比较 明显 较大 较高 较低 造成 导致 \
     存在 影响 同时 关注 了解 掌握 具备 具有 基础 条件 能力 希望了解 同时关注 也希望 经验 成熟 可靠 稳定 有效 适合 适用 用于 应用 \
     推广 落地 产业化 合作方 对方 双方 费用 投入 预算 资金 投资 项目 计划 准备 考虑 优先 重点 主要是 之间 其他 这些 这种 这个 那些 \
     因此 但是 而且 并且 如果 由于 为了 对于 关于 根据 按照 以便 还是 只能 只有 所有 部分 全部 多次 很多 大量 不少 一些 较多 \
     越来越 逐步 尽快";

/// The top-level field of a sub-field code ("7.2" → "7").
fn top_field(subfield: &str) -> &str {
    subfield.split('.').next().unwrap_or_default()
}

fn is_stop_word(w: &str) -> bool {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| STOP_WORDS.split_whitespace().collect())
        .contains(w)
}

/// Whether a word can stand for the technology: two or more characters,
/// not a number or a measurement (8000, 1.2, 50mg), not boilerplate.
fn usable(w: &str) -> bool {
    let n = w.chars().count();
    (2..=32).contains(&n)
        && !w.starts_with(|c: char| c.is_ascii_digit())
        && w.chars().any(char::is_alphabetic)
        && !is_stop_word(w)
}

/// The cleaned part: control characters removed, cut to [`MAX_PART_CHARS`].
fn clean(text: &str) -> String {
    text.chars()
        .take(MAX_PART_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The weighted words of a profile, in first-seen order: (word, weight).
fn profile_words(
    seg: &Segmenter,
    title: &str,
    keywords: &[String],
    text: &str,
    w: &MatchWeights,
) -> Vec<(String, f32)> {
    let mut raw: Vec<(String, f32)> = Vec::new();
    let mut slot: HashMap<String, usize> = HashMap::new();
    let mut add = |part: &str, weight: f32| {
        let part = clean(part);
        let whole: HashSet<(usize, usize)> = seg
            .tokens(&part, false)
            .iter()
            .map(|t| (t.offset_from, t.offset_to))
            .collect();
        for t in seg.tokens(&part, true) {
            if !usable(&t.text) {
                continue;
            }
            let v = if whole.contains(&(t.offset_from, t.offset_to)) {
                weight
            } else {
                weight * w.part
            };
            match slot.get(&t.text) {
                Some(&i) => {
                    if let Some(e) = raw.get_mut(i) {
                        e.1 += v;
                    }
                }
                None => {
                    slot.insert(t.text.clone(), raw.len());
                    raw.push((t.text, v));
                }
            }
        }
    };
    add(title, w.title);
    for k in keywords.iter().take(MAX_KEYWORDS) {
        add(k, w.keywords);
    }
    add(text, 1.0);
    raw.into_iter()
        .map(|(t, v)| (t, if v > 1.0 { 1.0 + v.ln() } else { v }))
        .collect()
}

/// The sides being matched.
struct Side<'a> {
    field: &'a str,
    subfield: &'a str,
    modes: &'a [String],
    region: &'a str,
    /// Readiness of the achievement side when the documents are demands
    /// (`None`: the documents are achievements, compared with `trl_min`).
    achievement_trl: Option<u8>,
    trl_min: u8,
}

impl Side<'_> {
    fn field_fit(&self, field: &str, subfield: &str) -> FieldFit {
        if !self.subfield.is_empty() && subfield == self.subfield {
            FieldFit::SameSubfield
        } else if !self.field.is_empty() && field == self.field {
            FieldFit::SameField
        } else {
            FieldFit::Other
        }
    }

    /// `doc_trl`: the achievement's level (documents are achievements) or
    /// the demand's minimum (documents are demands).
    fn trl_fit(&self, doc_trl: u8) -> TrlFit {
        let (have, need) = match self.achievement_trl {
            Some(a) => (a, doc_trl),
            None => (doc_trl, self.trl_min),
        };
        if have == 0 {
            TrlFit::Unknown
        } else if need == 0 || have >= need {
            TrlFit::Meets
        } else {
            TrlFit::Below
        }
    }
}

/// A candidate after the rerank.
struct Scored {
    addr: DocAddress,
    text: f32,
    /// (word index, contribution), for the reasons.
    words: Vec<(usize, f32)>,
    field: String,
    subfield: String,
    region: String,
    trl: u8,
    modes: Vec<String>,
}

/// One word in one field: its weight for the rerank.
struct WordField {
    word: usize,
    boost: f32,
    weight: Box<dyn Weight>,
}

fn term_weight(searcher: &Searcher, field: Field, text: &str) -> Result<Box<dyn Weight>> {
    let q = TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    );
    Ok(q.weight(EnableScoring::enabled_from_searcher(searcher))?)
}

fn str_value(col: Option<&StrColumn>, doc: u32, buf: &mut String) -> String {
    let Some(col) = col else {
        return String::new();
    };
    buf.clear();
    match col.ords().first(doc) {
        Some(ord) if col.ord_to_str(ord, buf).unwrap_or(false) => buf.clone(),
        _ => String::new(),
    }
}

/// The best-scoring documents of one kind visible in a scope (published,
/// unless in the admin scope: the rule of [`query::filter_clauses`]),
/// collected with tantivy's pruning.
struct Candidates {
    top: usize,
    kind: Kind,
    published_only: bool,
}

/// A candidate in the heap: lowest score on top.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Cand(Score, DocId);

impl Eq for Cand {}

impl Ord for Cand {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other
            .0
            .total_cmp(&self.0)
            .then_with(|| self.1.cmp(&other.1))
    }
}

impl PartialOrd for Cand {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Unused: [`Candidates`] collects whole segments itself.
struct NoSegment;

impl SegmentCollector for NoSegment {
    type Fruit = Vec<(Score, DocAddress)>;
    fn collect(&mut self, _doc: DocId, _score: Score) {}
    fn harvest(self) -> Self::Fruit {
        Vec::new()
    }
}

impl Collector for Candidates {
    type Fruit = Vec<DocAddress>;
    type Child = NoSegment;

    fn for_segment(&self, _: SegmentOrdinal, _: &SegmentReader) -> tantivy::Result<NoSegment> {
        Ok(NoSegment)
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Vec<(Score, DocAddress)>> {
        let ff = reader.fast_fields();
        let kind_ord = match ff.str("kind")? {
            Some(col) => match col.dictionary().term_ord(self.kind.code())? {
                Some(ord) => Some((col, ord)),
                None => return Ok(Vec::new()),
            },
            None => return Ok(Vec::new()),
        };
        let published: Option<Column<u64>> = ff.column_opt("published")?;
        let alive = reader.alive_bitset();
        let mut heap: std::collections::BinaryHeap<Cand> =
            std::collections::BinaryHeap::with_capacity(self.top + 1);
        if self.top == 0 {
            return Ok(Vec::new());
        }
        weight.for_each_pruning(Score::MIN, reader, &mut |doc, score| {
            let threshold = |h: &std::collections::BinaryHeap<Cand>| {
                if h.len() >= self.top {
                    h.peek().map_or(Score::MIN, |c| c.0)
                } else {
                    Score::MIN
                }
            };
            let visible = alive.is_none_or(|a| a.is_alive(doc))
                && kind_ord
                    .as_ref()
                    .is_some_and(|(col, ord)| col.ords().first(doc) == Some(*ord))
                && (!self.published_only
                    || published.as_ref().and_then(|c| c.first(doc)) == Some(1));
            if visible {
                if heap.len() < self.top {
                    heap.push(Cand(score, doc));
                } else if let Some(mut min) = heap.peek_mut()
                    && score > min.0
                {
                    *min = Cand(score, doc);
                }
            }
            threshold(&heap)
        })?;
        Ok(heap
            .into_iter()
            .map(|c| (c.0, DocAddress::new(segment, c.1)))
            .collect())
    }

    fn merge_fruits(
        &self,
        fruits: Vec<Vec<(Score, DocAddress)>>,
    ) -> tantivy::Result<Vec<DocAddress>> {
        let mut all: Vec<(Score, DocAddress)> = fruits.into_iter().flatten().collect();
        all.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        all.truncate(self.top);
        Ok(all.into_iter().map(|(_, a)| a).collect())
    }
}

impl Index {
    /// Achievements visible in `scope` that answer the demand `p`, best
    /// first, at most `limit` (capped at [`MAX_MATCHES`]), each with its
    /// reasons. Never fails on the profile's content; a profile without a
    /// usable word gives no matches.
    pub fn match_demand(
        &self,
        p: &DemandProfile,
        scope: Scope,
        limit: usize,
    ) -> Result<Vec<Match>> {
        self.match_demand_with(p, scope, limit, &MatchWeights::default())
    }

    /// [`Index::match_demand`] with explicit knobs (for tuning).
    pub fn match_demand_with(
        &self,
        p: &DemandProfile,
        scope: Scope,
        limit: usize,
        w: &MatchWeights,
    ) -> Result<Vec<Match>> {
        let words = profile_words(&self.segmenter, &p.title, &p.keywords, &p.text, w);
        let field = if p.field.is_empty() {
            top_field(&p.subfield)
        } else {
            p.field.as_str()
        };
        let side = Side {
            field,
            subfield: &p.subfield,
            modes: &p.modes,
            region: &p.region,
            achievement_trl: None,
            trl_min: p.trl_min,
        };
        self.rank(words, Kind::Achievement, scope, &side, limit, w)
    }

    /// Demands visible in `scope` that achievement `achievement_id` could
    /// answer, best first, at most `limit` (capped at [`MAX_MATCHES`]). The
    /// achievement's public text is used (its technical text too outside
    /// the public scope). An unknown id, a document that is not an
    /// achievement, or one the scope cannot see gives nothing.
    pub fn match_achievement(
        &self,
        achievement_id: &str,
        scope: Scope,
        limit: usize,
    ) -> Result<Vec<Match>> {
        self.match_achievement_with(achievement_id, scope, limit, &MatchWeights::default())
    }

    /// [`Index::match_achievement`] with explicit knobs.
    pub fn match_achievement_with(
        &self,
        achievement_id: &str,
        scope: Scope,
        limit: usize,
        w: &MatchWeights,
    ) -> Result<Vec<Match>> {
        let searcher = self.reader.searcher();
        let Some(addr) = self.address_of(&searcher, achievement_id)? else {
            return Ok(Vec::new());
        };
        let doc: TantivyDocument = searcher.doc(addr)?;
        let a: SearchDoc = self.fields.search_doc(&doc);
        if a.kind != Kind::Achievement || (scope != Scope::Admin && !a.published) {
            return Ok(Vec::new());
        }
        let mut text = format!("{}\n{}", a.summary, a.applications);
        if scope != Scope::Public {
            text.push('\n');
            text.push_str(&a.technical);
        }
        let words = profile_words(&self.segmenter, &a.title, &a.keywords, &text, w);
        let field = if a.field.is_empty() {
            top_field(&a.subfield)
        } else {
            a.field.as_str()
        };
        let side = Side {
            field,
            subfield: &a.subfield,
            modes: &a.cooperation_modes,
            region: &a.region,
            achievement_trl: Some(a.trl),
            trl_min: 0,
        };
        self.rank(words, Kind::Demand, scope, &side, limit, w)
    }

    fn rank(
        &self,
        words: Vec<(String, f32)>,
        kind: Kind,
        scope: Scope,
        side: &Side<'_>,
        limit: usize,
        w: &MatchWeights,
    ) -> Result<Vec<Match>> {
        let limit = limit.min(MAX_MATCHES);
        if limit == 0 || words.is_empty() {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let f = &self.fields;
        let matching = query::match_fields(f, scope);

        // The words worth asking for: weight × IDF (over the fields the
        // scope matches), the best few. Words no document has are dropped.
        let n = searcher.num_docs() as f32;
        let mut ranked: Vec<(String, f32, f32, f32)> = Vec::with_capacity(words.len());
        for (word, weight) in words {
            let mut df = 0u64;
            for &(field, _) in &matching {
                df += searcher.doc_freq(&Term::from_field_text(field, &word))?;
            }
            if df == 0 {
                continue;
            }
            let df = (df as f32).min(n);
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            ranked.push((word, weight, weight * idf, df / n));
        }
        ranked.sort_by(|a, b| b.2.total_cmp(&a.2));
        ranked.truncate(w.terms.max(w.rerank_terms).max(1));
        if ranked.is_empty() {
            return Ok(Vec::new());
        }
        // The first pass asks for the best words that are not too common
        // (common words cost the most and single out the least); the rerank
        // uses them all.
        let mut first: Vec<usize> = (0..ranked.len())
            .filter(|&i| {
                ranked
                    .get(i)
                    .is_some_and(|r| r.3 <= w.first_pass_max_df || r.3 * n <= CHEAP_DF)
            })
            .take(w.terms.max(1))
            .collect();
        if first.is_empty() {
            first = (0..ranked.len().min(w.terms.max(1))).collect();
        }
        let words: Vec<(String, f32)> = ranked.into_iter().map(|(t, q, _, _)| (t, q)).collect();

        // Candidates: BM25 over the matching fields, restricted to the kind
        // and the scope as a search restricts them. A plain sum of term
        // queries lets tantivy skip, block by block, documents that cannot
        // enter the best (block-max WAND); the restriction is checked on the
        // documents that could.
        let mut should: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
        for (word, weight) in first.iter().filter_map(|&i| words.get(i)) {
            for &(field, _) in &matching {
                let q = TermQuery::new(
                    Term::from_field_text(field, word),
                    IndexRecordOption::WithFreqs,
                );
                should.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(q), *weight)),
                ));
            }
        }
        let collector = Candidates {
            top: w.candidates.max(limit),
            kind,
            published_only: scope != Scope::Admin,
        };
        let top = searcher.search(&BooleanQuery::new(should), &collector)?;
        if top.is_empty() {
            return Ok(Vec::new());
        }

        let mut scored = self.rerank(&searcher, &words, scope, w, &top)?;
        let best = scored.iter().map(|s| s.text).fold(0.0f32, f32::max);
        let mut out: Vec<(f32, Scored)> = scored
            .drain(..)
            .map(|s| {
                let norm = if best > 0.0 { s.text / best } else { 0.0 };
                let fit = match side.field_fit(&s.field, &s.subfield) {
                    FieldFit::SameSubfield => w.same_subfield,
                    FieldFit::SameField => w.same_field,
                    FieldFit::Other => 0.0,
                };
                let trl = match side.trl_fit(s.trl) {
                    TrlFit::Meets => w.trl_meets,
                    TrlFit::Below => -w.trl_below,
                    TrlFit::Unknown => 0.0,
                };
                let shared = side.modes.iter().filter(|m| s.modes.contains(m)).count();
                let modes = w.mode * shared.min(2) as f32;
                let region = if !side.region.is_empty() && s.region == side.region {
                    w.region
                } else {
                    0.0
                };
                (norm + fit + trl + modes + region, s)
            })
            .collect();
        out.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.addr.cmp(&b.1.addr)));
        out.truncate(limit);

        let mut matches = Vec::with_capacity(out.len());
        for (score, s) in out {
            let doc: TantivyDocument = searcher.doc(s.addr)?;
            let d = f.search_doc(&doc);
            let mut contributions = s.words.clone();
            contributions.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let mut terms: Vec<String> = Vec::new();
            for (i, _) in contributions {
                let Some((word, _)) = words.get(i) else {
                    continue;
                };
                if terms.len() >= MAX_REASON_TERMS {
                    break;
                }
                if terms
                    .iter()
                    .any(|t| t.contains(word.as_str()) || word.contains(t.as_str()))
                {
                    continue;
                }
                terms.push(word.clone());
            }
            let modes = side
                .modes
                .iter()
                .filter(|m| s.modes.contains(m))
                .cloned()
                .collect();
            matches.push(Match {
                id: d.id,
                title: d.title,
                score,
                reasons: Reasons {
                    terms,
                    field_fit: side.field_fit(&s.field, &s.subfield),
                    trl: s.trl,
                    trl_fit: side.trl_fit(s.trl),
                    modes,
                    same_region: !side.region.is_empty() && s.region == side.region,
                },
            });
        }
        Ok(matches)
    }

    /// Scores the candidates per field and reads their codes (fast fields).
    fn rerank(
        &self,
        searcher: &Searcher,
        words: &[(String, f32)],
        scope: Scope,
        w: &MatchWeights,
        top: &[DocAddress],
    ) -> Result<Vec<Scored>> {
        let f = &self.fields;
        let mut fields = vec![
            (f.title, w.doc_title),
            (f.keywords, w.doc_keywords),
            (f.summary, w.doc_summary),
            (f.applications, w.doc_applications),
        ];
        if scope != Scope::Public {
            fields.push((f.technical, w.doc_technical));
        }
        let mut weights = Vec::new();
        for (i, (word, q)) in words.iter().enumerate() {
            for &(field, boost) in &fields {
                if boost > 0.0 {
                    weights.push(WordField {
                        word: i,
                        boost: boost * q,
                        weight: term_weight(searcher, field, word)?,
                    });
                }
            }
        }
        let mut addrs: Vec<DocAddress> = top.to_vec();
        addrs.sort();
        let mut out = Vec::with_capacity(addrs.len());
        let mut i = 0;
        let mut buf = String::new();
        while let Some(first) = addrs.get(i) {
            let segment = first.segment_ord;
            let reader = searcher.segment_reader(segment);
            let mut scorers = Vec::with_capacity(weights.len());
            for wf in &weights {
                scorers.push((wf.word, wf.boost, wf.weight.scorer(reader, 1.0)?));
            }
            let ff = reader.fast_fields();
            let field_col = ff.str("field")?;
            let subfield_col = ff.str("subfield")?;
            let region_col = ff.str("region")?;
            let modes_col = ff.str("cooperation")?;
            let trl_col: Option<Column<u64>> = ff.column_opt("trl")?;
            while let Some(addr) = addrs.get(i) {
                if addr.segment_ord != segment {
                    break;
                }
                let doc = addr.doc_id;
                let mut per_word: Vec<(usize, f32)> = Vec::new();
                let mut text: Score = 0.0;
                for (word, boost, s) in scorers.iter_mut() {
                    let at = if s.doc() < doc { s.seek(doc) } else { s.doc() };
                    if at != doc {
                        continue;
                    }
                    let v = *boost * s.score();
                    text += v;
                    match per_word.iter_mut().find(|(w, _)| w == word) {
                        Some(e) => e.1 += v,
                        None => per_word.push((*word, v)),
                    }
                }
                let mut modes = Vec::new();
                if let Some(col) = &modes_col {
                    for ord in col.term_ords(doc) {
                        buf.clear();
                        if col.ord_to_str(ord, &mut buf).unwrap_or(false) {
                            modes.push(buf.clone());
                        }
                    }
                }
                out.push(Scored {
                    addr: *addr,
                    text,
                    words: per_word,
                    field: str_value(field_col.as_ref(), doc, &mut buf),
                    subfield: str_value(subfield_col.as_ref(), doc, &mut buf),
                    region: str_value(region_col.as_ref(), doc, &mut buf),
                    trl: trl_col
                        .as_ref()
                        .and_then(|c| c.first(doc))
                        .and_then(|v| u8::try_from(v).ok())
                        .unwrap_or(0),
                    modes,
                });
                i += 1;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_drop_numbers_boilerplate_and_single_characters() {
        let seg = Segmenter::new();
        let words = profile_words(
            &seg,
            "印染废水脱色",
            &[],
            "我公司日排废水约1.2万吨，COD在1500mg/L，希望合作。",
            &MatchWeights::default(),
        );
        let list: Vec<&str> = words.iter().map(|(w, _)| w.as_str()).collect();
        assert!(list.contains(&"废水"), "{list:?}");
        assert!(list.contains(&"cod"), "{list:?}");
        for bad in ["我公司", "希望", "合作", "1.2", "1500mg", "约"] {
            assert!(!list.contains(&bad), "{bad} in {list:?}");
        }
        for stop in ["联合", "需求", "尽快", "我们"] {
            assert!(is_stop_word(stop), "{stop}");
        }
        // 废水 in the title and the text outweighs 脱色 in the title only.
        let weight = |w: &str| words.iter().find(|(x, _)| x == w).map(|(_, v)| *v);
        assert!(weight("废水") > weight("脱色"), "{words:?}");
    }
}
