//! What a search asks for, and how it becomes a tantivy query.
//!
//! User text never reaches tantivy's query-syntax parser: it is cleaned
//! (control characters dropped, at most [`MAX_QUERY_CHARS`] characters),
//! split on whitespace into chunks, segmented with the index's own jieba
//! dictionary (at most [`MAX_TOKENS`] distinct words) and turned into a
//! disjunction of boosted term queries, one per word and text field, plus a
//! bonus for a chunk that equals a whole keyword. Syntax characters are
//! therefore plain text (and dropped as punctuation).

use std::ops::Bound;

use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, EmptyQuery, Occur,
    Query as TQuery, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::Token;

use crate::doc::Kind;
use crate::schema::{Fields, exact_key};
use crate::tokenizer::Segmenter;

/// Longest query text considered, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most distinct words used from one query.
pub const MAX_TOKENS: usize = 64;
/// Most whitespace-separated chunks used from one query.
pub const MAX_CHUNKS: usize = 16;

/// Who is searching, which decides the documents and text fields searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Scope {
    /// Published documents; public text (title, keywords, summary,
    /// applications, holder organisation).
    #[default]
    Public,
    /// Published documents; the public text and the protected technical text.
    Protected,
    /// Every document in any status; all text; the status facet is filled.
    Admin,
}

/// Result order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Sort {
    /// Best match first (ties: newest first). An empty query lists newest first.
    #[default]
    Relevance,
    /// Newest `created_at` first.
    Newest,
    /// Highest readiness level first (ties: best match).
    Trl,
}

/// Exact-match filters; empty/`None` means no filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Filters {
    pub kind: Option<Kind>,
    pub field: Option<String>,
    pub subfield: Option<String>,
    pub region: Option<String>,
    /// Readiness level at least this.
    pub trl_min: Option<u8>,
    /// Readiness level exactly this.
    pub trl: Option<u8>,
    pub cooperation_mode: Option<String>,
    pub ip_type: Option<String>,
    /// Lifecycle status (meaningful in the admin scope; the other scopes only
    /// hold published documents).
    pub status: Option<String>,
}

/// One search request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Query {
    pub text: String,
    pub scope: Scope,
    pub filters: Filters,
    pub sort: Sort,
    /// 1-based; 0 reads as 1.
    pub page: u32,
    /// Clamped to 1..=100.
    pub per_page: u32,
}

impl Default for Query {
    fn default() -> Self {
        Query {
            text: String::new(),
            scope: Scope::Public,
            filters: Filters::default(),
            sort: Sort::Relevance,
            page: 1,
            per_page: 20,
        }
    }
}

impl Query {
    /// A public relevance query for `text`, first page of 20.
    pub fn text(text: &str) -> Query {
        Query {
            text: text.to_string(),
            ..Query::default()
        }
    }
}

/// Field weights used for ranking.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    pub title: f32,
    pub keywords: f32,
    pub summary: f32,
    pub applications: f32,
    pub holder_org: f32,
    pub technical: f32,
    /// A whitespace-separated chunk of the query equal to a whole keyword.
    pub keyword_exact: f32,
    /// Segment the query in jieba search mode (words and their parts) rather
    /// than default mode (words only). Documents are always indexed in
    /// search mode.
    pub query_search_mode: bool,
    /// How much the shorter words inside a query word add to the best of
    /// them (0: only the best counts; 1: all add up, as plain search mode).
    pub part_tie: f32,
    /// Share of the query's words (of two or more characters; a word counts
    /// when it or a shorter word inside it matches) that a document must
    /// contain, rounded up. When no document qualifies, a query of three
    /// words or more asks for all words but one, and keeps that answer when
    /// it fills a page (10 or more); otherwise any one word is enough.
    /// 0 = any one word always.
    pub min_match: f32,
    /// Score the best candidates again with the per-field weights (without
    /// it, ranking uses BM25 over the combined text only).
    pub rerank: bool,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            title: 3.0,
            keywords: 2.0,
            summary: 1.0,
            applications: 1.0,
            holder_org: 1.0,
            technical: 1.0,
            keyword_exact: 2.0,
            query_search_mode: true,
            part_tie: 0.2,
            min_match: 1.0,
            rerank: true,
        }
    }
}

/// Query text cleaned: control characters removed, cut to [`MAX_QUERY_CHARS`].
pub fn clean_text(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || c.is_whitespace())
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .take(MAX_QUERY_CHARS)
        .collect()
}

/// The analysed query: whole chunks; word groups (a word of the default
/// segmentation followed by the shorter dictionary words inside it, which
/// search mode adds); every distinct word.
#[derive(Debug, Clone, Default)]
pub struct Analyzed {
    pub chunks: Vec<String>,
    pub groups: Vec<Vec<String>>,
    pub words: Vec<String>,
    /// Per group: shorter words that together spell the whole word (the
    /// longest at each step, left to right), or nothing when they do not.
    pub covers: Vec<Vec<String>>,
}

/// The longest parts, left to right, that spell `whole` (characters that
/// start no part are skipped: 主成分分析 → 成分 + 分析); nothing when fewer
/// than two parts are found.
fn cover(text: &str, whole: &Token, parts: &[&Token]) -> Vec<String> {
    let mut at = whole.offset_from;
    let mut out = Vec::new();
    while at < whole.offset_to {
        match parts
            .iter()
            .filter(|p| p.offset_from == at)
            .max_by_key(|p| p.offset_to)
        {
            Some(next) => {
                out.push(next.text.clone());
                at = next.offset_to;
            }
            None => {
                let step = text.get(at..).and_then(|t| t.chars().next());
                at += step.map_or(1, char::len_utf8);
            }
        }
    }
    if out.len() < 2 { Vec::new() } else { out }
}

impl Analyzed {
    pub fn new(seg: &Segmenter, text: &str, search_mode: bool) -> Analyzed {
        let cleaned = clean_text(text);
        let mut out = Analyzed::default();
        for chunk in cleaned.split_whitespace().take(MAX_CHUNKS) {
            let key = exact_key(chunk);
            if !key.is_empty() && !out.chunks.contains(&key) {
                out.chunks.push(key);
            }
            let plain = seg.tokens(chunk, false);
            let parts = if search_mode {
                seg.tokens(chunk, true)
            } else {
                Vec::new()
            };
            for whole in &plain {
                if out.words.len() >= MAX_TOKENS {
                    break;
                }
                if out.groups.iter().any(|g| g.first() == Some(&whole.text)) {
                    continue;
                }
                let mut group = vec![whole.text.clone()];
                let inside: Vec<&Token> = parts
                    .iter()
                    .filter(|p| {
                        p.offset_from >= whole.offset_from
                            && p.offset_to <= whole.offset_to
                            && p.offset_to - p.offset_from < whole.offset_to - whole.offset_from
                    })
                    .collect();
                for p in &inside {
                    if !group.contains(&p.text) {
                        group.push(p.text.clone());
                    }
                }
                out.covers.push(cover(chunk, whole, &inside));
                for w in &group {
                    if !out.words.contains(w) {
                        out.words.push(w.clone());
                    }
                }
                out.groups.push(group);
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// How many of `groups` content words a document needs under `min_match`
/// (a fraction; 0 = any one word).
pub fn required_groups(groups: usize, min_match: f32) -> usize {
    if groups == 0 || min_match <= 0.0 {
        return 1;
    }
    ((groups as f32 * min_match.min(1.0)).ceil() as usize).clamp(1, groups)
}

/// Fields used for matching (and the first ranking) in a scope.
pub fn match_fields(f: &Fields, scope: Scope) -> Vec<(Field, f32)> {
    let mut v = vec![(f.all_text, 1.0)];
    if scope != Scope::Public {
        v.push((f.technical, 1.0));
    }
    v
}

/// Text fields searched in a scope, with their weights.
pub fn text_fields(f: &Fields, scope: Scope, w: &Weights) -> Vec<(Field, f32)> {
    let mut v = vec![
        (f.title, w.title),
        (f.keywords, w.keywords),
        (f.summary, w.summary),
        (f.applications, w.applications),
        (f.holder_org, w.holder_org),
    ];
    if scope != Scope::Public {
        v.push((f.technical, w.technical));
    }
    v
}

fn term_query(field: Field, text: &str, boost: f32) -> Box<dyn TQuery> {
    let q = TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    );
    if (boost - 1.0).abs() < f32::EPSILON {
        Box::new(q)
    } else {
        Box::new(BoostQuery::new(Box::new(q), boost))
    }
}

/// Whether a word group decides matches: single-character words (的, 与, 对 …)
/// do not when the query has longer words; they only add to the score
/// (rerank). A query of single characters only (钽酸锂 cut into 钽/酸/锂) uses
/// them all.
fn content_groups(a: &Analyzed) -> impl Iterator<Item = (usize, &Vec<String>)> {
    let any_long = a
        .groups
        .iter()
        .any(|g| g.iter().any(|word| word.chars().count() > 1));
    a.groups
        .iter()
        .enumerate()
        .filter(move |(_, g)| !any_long || g.iter().any(|word| word.chars().count() > 1))
}

/// How many words of the query decide matches (see [`required_groups`]).
pub fn content_words(a: &Analyzed) -> usize {
    content_groups(a).count()
}

/// The scoring part: one SHOULD clause per word and field, plus exact keywords.
pub fn text_query(
    a: &Analyzed,
    fields: &[(Field, f32)],
    f: &Fields,
    w: &Weights,
    min_match: f32,
) -> Box<dyn TQuery> {
    // Sums are built as disjunctions with tie-breaker 1 (max + the rest =
    // the sum): their heap-based scorers seek cheaply, where tantivy's
    // buffered union refills a 4,096-document window at every seek.
    let sum = |qs: Vec<Box<dyn TQuery>>| -> Box<dyn TQuery> {
        if qs.len() == 1 {
            qs.into_iter()
                .next()
                .unwrap_or_else(|| Box::new(EmptyQuery))
        } else {
            Box::new(DisjunctionMaxQuery::with_tie_breaker(qs, 1.0))
        }
    };
    let mut content: Vec<Box<dyn TQuery>> = Vec::new();
    let mut optional: Vec<Box<dyn TQuery>> = Vec::new();
    let no_cover = Vec::new();
    for (i, group) in content_groups(a) {
        let Some(whole) = group.first() else {
            continue;
        };
        let cover = a.covers.get(i).unwrap_or(&no_cover);
        let mut per_field: Vec<Box<dyn TQuery>> = Vec::new();
        for &(field, boost) in fields {
            // The whole word, or all the shorter words that spell it (where
            // the document was segmented differently).
            let q = if cover.is_empty() {
                term_query(field, whole, boost)
            } else {
                let parts = cover
                    .iter()
                    .map(|word| (Occur::Must, term_query(field, word, 1.0)))
                    .collect();
                let either: Vec<Box<dyn TQuery>> = vec![
                    term_query(field, whole, 1.0),
                    Box::new(BooleanQuery::new(parts)),
                ];
                let max = DisjunctionMaxQuery::with_tie_breaker(either, w.part_tie);
                Box::new(BoostQuery::new(Box::new(max), boost))
            };
            per_field.push(q);
        }
        content.push(sum(per_field));
    }
    if w.keyword_exact > 0.0 {
        for chunk in &a.chunks {
            optional.push(term_query(f.keyword_exact, chunk, w.keyword_exact));
        }
    }
    let mut clauses: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
    let required = required_groups(content.len(), min_match);
    if required > 1 && required == content.len() {
        // Every word required: an intersection, which skips through the
        // posting lists of common words.
        clauses.extend(content.into_iter().map(|q| (Occur::Must, q)));
    } else if required > 1 {
        let core = BooleanQuery::with_minimum_required_clauses(
            content.into_iter().map(|q| (Occur::Should, q)).collect(),
            required,
        );
        clauses.push((Occur::Must, Box::new(core)));
    } else {
        clauses.extend(content.into_iter().map(|q| (Occur::Should, q)));
    }
    if !optional.is_empty() {
        clauses.push((Occur::Should, sum(optional)));
    }
    Box::new(BooleanQuery::new(clauses))
}

fn exact(field: Field, value: &str) -> Box<dyn TQuery> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

/// Non-scoring clauses for the scope and the filters.
pub fn filter_clauses(f: &Fields, scope: Scope, filters: &Filters) -> Vec<Box<dyn TQuery>> {
    let mut v: Vec<Box<dyn TQuery>> = Vec::new();
    if scope != Scope::Admin {
        v.push(Box::new(TermQuery::new(
            Term::from_field_u64(f.published, 1),
            IndexRecordOption::Basic,
        )));
    }
    if let Some(k) = filters.kind {
        v.push(exact(f.kind, k.code()));
    }
    let codes = [
        (f.field, &filters.field),
        (f.subfield, &filters.subfield),
        (f.region, &filters.region),
        (f.cooperation, &filters.cooperation_mode),
        (f.ip_type, &filters.ip_type),
        (f.status, &filters.status),
    ];
    for (field, value) in codes {
        if let Some(value) = value {
            v.push(exact(field, value));
        }
    }
    if let Some(t) = filters.trl {
        v.push(Box::new(TermQuery::new(
            Term::from_field_u64(f.trl, u64::from(t)),
            IndexRecordOption::Basic,
        )));
    }
    if let Some(t) = filters.trl_min {
        v.push(Box::new(RangeQuery::new(
            Bound::Included(Term::from_field_u64(f.trl, u64::from(t))),
            Bound::Unbounded,
        )));
    }
    v
}

/// The whole query: the text part (or everything) restricted by the filters.
pub fn combine(text: Option<Box<dyn TQuery>>, filters: Vec<Box<dyn TQuery>>) -> Box<dyn TQuery> {
    let mut clauses: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
    match text {
        Some(t) => clauses.push((Occur::Must, t)),
        None => clauses.push((Occur::Must, Box::new(AllQuery))),
    }
    for q in filters {
        clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0))));
    }
    Box::new(BooleanQuery::new(clauses))
}
