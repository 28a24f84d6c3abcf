//! Running a [`Query`]: results, facets, highlighted hits.

use std::sync::Arc;

use tantivy::{DocAddress, Searcher, TantivyDocument};

use crate::collect::{Collected, FACET_FIELDS, Ranked, SearchCollector};
use crate::doc::Kind;
use crate::error::Result;
use crate::highlight;
use crate::index::Index;
use crate::query::{self, Analyzed, Query, Scope, Sort, Weights};
use crate::rerank::Rescorer;

/// Candidates beyond the requested page that are scored again per field.
const RERANK: usize = 200;

/// Answers with all words but one that are kept rather than widened to any
/// one word: fewer leave a page to fill from the wider answer.
const RELAXED_ENOUGH: u64 = 10;

/// Deepest result reachable by paging (offset + page size).
pub const MAX_WINDOW: u64 = 10_000;

/// One search answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Results {
    /// Documents matching in scope.
    pub total: u64,
    /// The page returned (after clamping 0 to 1).
    pub page: u32,
    pub per_page: u32,
    /// Pages that can be requested: `ceil(total / per_page)`, capped so that
    /// no page goes past [`MAX_WINDOW`] results.
    pub pages: u32,
    pub hits: Vec<Hit>,
    pub facets: Facets,
}

/// A matching document, ready to show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hit {
    pub id: String,
    pub kind: Kind,
    pub score: f32,
    pub title: String,
    /// HTML: the title escaped, matches in `<mark>`.
    pub title_html: String,
    /// HTML: a passage of the summary (or, in wider scopes, of the technical
    /// text when only it matched) escaped, matches in `<mark>`.
    pub snippet_html: String,
    pub keywords: Vec<String>,
    pub holder_org: String,
    pub field: String,
    pub subfield: String,
    pub region: String,
    pub trl: u8,
    pub status: String,
    pub published: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Counts over the whole matching set (filters applied), most frequent first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    pub field: Vec<(String, u64)>,
    pub subfield: Vec<(String, u64)>,
    pub region: Vec<(String, u64)>,
    /// Readiness levels as "1".."9" ("0" = unknown).
    pub trl: Vec<(String, u64)>,
    pub cooperation_mode: Vec<(String, u64)>,
    pub ip_type: Vec<(String, u64)>,
    /// Only in the admin scope.
    pub status: Vec<(String, u64)>,
}

fn sorted(map: std::collections::HashMap<String, u64>) -> Vec<(String, u64)> {
    let mut v: Vec<_> = map.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

impl Index {
    /// Runs a query. Never fails on user input; errors only come from the index.
    ///
    /// An empty query (nothing searchable in the text) lists every document in
    /// scope that passes the filters, newest first unless another sort is asked.
    ///
    /// Answers are kept in the index's cache (see [`crate::Options::cache_bytes`])
    /// for the index state they were computed on: a query asked again before the
    /// next commit is not run again.
    pub fn search(&self, q: &Query) -> Result<Results> {
        let searcher = self.reader.searcher();
        let Some(cache) = &self.cache else {
            return self.run(&searcher, q, &Weights::default());
        };
        // The segments and their deletions name the index's content: a commit
        // with nothing staged (the follower's periodic one) keeps the answers.
        let content = {
            let mut h = std::hash::DefaultHasher::new();
            std::hash::Hash::hash(searcher.generation().segments(), &mut h);
            std::hash::Hasher::finish(&h)
        };
        if let Some(found) = cache.get(content, q) {
            return Ok(Results::clone(&found));
        }
        let results = self.run(&searcher, q, &Weights::default())?;
        cache.put(content, q.clone(), Arc::new(results.clone()));
        Ok(results)
    }

    /// [`Index::search`] with explicit field weights (for tuning), never cached.
    pub fn search_with(&self, q: &Query, w: &Weights) -> Result<Results> {
        self.run(&self.reader.searcher(), q, w)
    }

    fn run(&self, searcher: &Searcher, q: &Query, w: &Weights) -> Result<Results> {
        let per_page = q.per_page.clamp(1, 100);
        let page = q.page.max(1);
        let offset = u64::from(page - 1) * u64::from(per_page);
        let want = (offset + u64::from(per_page)).min(MAX_WINDOW);
        let want = if offset >= MAX_WINDOW {
            0
        } else {
            usize::try_from(want).unwrap_or(0)
        };
        let analyzed = Analyzed::new(&self.segmenter, &q.text, w.query_search_mode);
        let rerank = w.rerank && !analyzed.is_empty() && q.sort == Sort::Relevance && want > 0;
        let collector = SearchCollector {
            top: if rerank { want + RERANK } else { want },
            sort: q.sort,
            facets: true,
            count_status: q.scope == Scope::Admin,
        };
        // Matching and a first ranking on the combined text field; then the
        // best candidates are scored again with per-field weights.
        let matching = query::match_fields(&self.fields, q.scope);
        let run = |min_match: f32, sort: Sort| -> Result<Collected> {
            let text = (!analyzed.is_empty())
                .then(|| query::text_query(&analyzed, &matching, &self.fields, w, min_match));
            let filters = query::filter_clauses(&self.fields, q.scope, &q.filters);
            let tq = query::combine(text, filters);
            Ok(searcher.search(tq.as_ref(), &SearchCollector { sort, ..collector })?)
        };
        let mut collected = if analyzed.is_empty() {
            let sort = if q.sort == Sort::Relevance {
                Sort::Newest
            } else {
                q.sort
            };
            run(0.0, sort)?
        } else {
            let strict = run(w.min_match, q.sort)?;
            let words = query::content_words(&analyzed);
            if strict.total > 0 || w.min_match <= 0.0 {
                strict
            } else if words >= 3 {
                // All words but one first: a word cut short or found in no
                // entry then narrows the answer rather than leaving every
                // entry with any one word (half the library for 方法).
                let relaxed = run((words as f32 - 1.5) / words as f32, q.sort)?;
                if relaxed.total >= RELAXED_ENOUGH {
                    relaxed
                } else {
                    run(0.0, q.sort)?
                }
            } else {
                run(0.0, q.sort)?
            }
        };
        if rerank {
            let fields = query::text_fields(&self.fields, q.scope, w);
            Rescorer::new(searcher, &analyzed, &fields, &self.fields, w)?
                .rescore(searcher, &mut collected.top)?;
            collected.top.truncate(want);
        }
        let reachable = collected.total.min(MAX_WINDOW);
        let pages = u32::try_from(reachable.div_ceil(u64::from(per_page))).unwrap_or(u32::MAX);
        let skip = usize::try_from(offset).unwrap_or(usize::MAX);
        let page_docs: Vec<Ranked> = collected.top.iter().skip(skip).copied().collect();
        let hl = Highlighter::new(self, &analyzed, q.scope);
        let mut hits = Vec::with_capacity(page_docs.len());
        for r in page_docs {
            hits.push(hl.hit(searcher, r.addr, r.score)?);
        }
        Ok(Results {
            total: collected.total,
            page,
            per_page,
            pages,
            hits,
            facets: facets(collected, q.scope),
        })
    }
}

fn facets(c: Collected, scope: Scope) -> Facets {
    let mut codes = c.facets.codes.into_iter();
    let mut next = || codes.next().map(sorted).unwrap_or_default();
    debug_assert_eq!(FACET_FIELDS.len(), 6);
    let field = next();
    let subfield = next();
    let region = next();
    let cooperation_mode = next();
    let ip_type = next();
    let status = if scope == Scope::Admin {
        next()
    } else {
        Vec::new()
    };
    let mut trl: Vec<(String, u64)> = c
        .facets
        .trl
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(l, n)| (l.to_string(), *n))
        .collect();
    trl.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Facets {
        field,
        subfield,
        region,
        trl,
        cooperation_mode,
        ip_type,
        status,
    }
}

/// Builds hits with highlighted title and snippet.
pub(crate) struct Highlighter<'a> {
    index: &'a Index,
    /// Query words to mark: words of two or more characters, or all words
    /// when the query has no longer one.
    words: Vec<String>,
    technical: bool,
}

impl<'a> Highlighter<'a> {
    pub(crate) fn new(index: &'a Index, analyzed: &Analyzed, scope: Scope) -> Highlighter<'a> {
        let long: Vec<String> = analyzed
            .words
            .iter()
            .filter(|w| w.chars().count() > 1)
            .cloned()
            .collect();
        let words = if long.is_empty() {
            analyzed.words.clone()
        } else {
            long
        };
        Highlighter {
            index,
            words,
            technical: scope != Scope::Public,
        }
    }

    pub(crate) fn hit(&self, searcher: &Searcher, addr: DocAddress, score: f32) -> Result<Hit> {
        let doc: TantivyDocument = searcher.doc(addr)?;
        let d = self.index.fields.search_doc(&doc);
        let title_html = highlight::whole(&d.title, &self.words);
        let mut passages = vec![&d.summary, &d.applications];
        if self.technical {
            passages.push(&d.technical);
        }
        let snippet_html = passages
            .into_iter()
            .find_map(|text| highlight::passage(text, &self.words))
            .unwrap_or_else(|| highlight::head(&d.summary));
        Ok(Hit {
            id: d.id,
            kind: d.kind,
            score,
            title: d.title,
            title_html,
            snippet_html,
            keywords: d.keywords,
            holder_org: d.holder_org,
            field: d.field,
            subfield: d.subfield,
            region: d.region,
            trl: d.trl,
            status: d.status,
            published: d.published,
            created_at: d.created_at,
            updated_at: d.updated_at,
        })
    }
}
