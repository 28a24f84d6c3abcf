//! Related documents ("more like this").

use tantivy::Term;
use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query as TQuery, TermQuery,
};
use tantivy::schema::{Field, FieldType, IndexRecordOption, OwnedValue};
use tantivy::{DocAddress, Searcher, TantivyDocument};

use crate::collect::SearchCollector;
use crate::error::Result;
use crate::index::Index;
use crate::query::{self, Analyzed, Filters, Scope, Sort};
use crate::search::{Highlighter, Hit};

impl Index {
    /// Up to `limit` (at most 50) documents like document `id`, never `id`
    /// itself, within `scope` (in the public and protected scopes an
    /// unpublished or unknown `id` gives nothing).
    pub fn more_like_this(&self, id: &str, scope: Scope, limit: usize) -> Result<Vec<Hit>> {
        let limit = limit.min(50);
        let searcher = self.reader.searcher();
        let Some(addr) = self.address_of(&searcher, id)? else {
            return Ok(Vec::new());
        };
        let doc: TantivyDocument = searcher.doc(addr)?;
        let d = self.fields.search_doc(&doc);
        if limit == 0 || (scope != Scope::Admin && !d.published) {
            return Ok(Vec::new());
        }
        let f = &self.fields;
        let mut values: Vec<(Field, Vec<OwnedValue>)> = vec![
            (f.title, vec![OwnedValue::Str(d.title.clone())]),
            (
                f.keywords,
                d.keywords
                    .iter()
                    .map(|k| OwnedValue::Str(k.clone()))
                    .collect(),
            ),
            (f.summary, vec![OwnedValue::Str(d.summary.clone())]),
            (
                f.applications,
                vec![OwnedValue::Str(d.applications.clone())],
            ),
        ];
        if scope != Scope::Public {
            values.push((f.technical, vec![OwnedValue::Str(d.technical.clone())]));
        }
        let mlt = like_query(&searcher, &values)?;
        let mut clauses: Vec<(Occur, Box<dyn TQuery>)> = vec![(Occur::Must, Box::new(mlt))];
        // Like for like: achievements suggest achievements, demands demands.
        let same_kind = Filters {
            kind: Some(d.kind),
            ..Filters::default()
        };
        for q in query::filter_clauses(f, scope, &same_kind) {
            clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0))));
        }
        clauses.push((Occur::MustNot, id_query(f.id, id)));
        let collector = SearchCollector {
            top: limit,
            sort: Sort::Relevance,
            facets: false,
            count_status: false,
        };
        let found = searcher.search(&BooleanQuery::new(clauses), &collector)?;
        let hl = Highlighter::new(self, &Analyzed::default(), scope);
        found
            .top
            .iter()
            .map(|r| hl.hit(&searcher, r.addr, r.score))
            .collect()
    }

    /// The `updated_at` the index holds (committed) for each of `ids` it has: lets a
    /// follower skip documents that are already up to date.
    pub fn stamps(&self, ids: &[String]) -> Result<std::collections::HashMap<String, i64>> {
        let searcher = self.reader.searcher();
        let mut out = std::collections::HashMap::with_capacity(ids.len());
        for id in ids {
            if let Some(addr) = self.address_of(&searcher, id)? {
                let column = searcher
                    .segment_reader(addr.segment_ord)
                    .fast_fields()
                    .i64("updated_at")?;
                if let Some(v) = column.first(addr.doc_id) {
                    out.insert(id.clone(), v);
                }
            }
        }
        Ok(out)
    }

    pub(crate) fn address_of(
        &self,
        searcher: &tantivy::Searcher,
        id: &str,
    ) -> Result<Option<DocAddress>> {
        let top = searcher.search(
            id_query(self.fields.id, id).as_ref(),
            &TopDocs::with_limit(1).order_by_score(),
        )?;
        Ok(top.first().map(|(_, a)| *a))
    }
}

fn id_query(field: tantivy::schema::Field, id: &str) -> Box<dyn TQuery> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, id),
        IndexRecordOption::Basic,
    ))
}

/// Words of the document kept for the "more like this" query.
const LIKE_TERMS: usize = 32;

/// The document's most telling words (term frequency × idf, at most
/// [`LIKE_TERMS`]), each a boosted optional clause, as tantivy's
/// `MoreLikeThisQuery` builds them. Written here because tantivy's weighs with
/// the live document count while its document frequencies still count
/// deleted versions: after many unmerged edits a word seemed to be in more
/// documents than the index held, and its idf asserted and panicked. Here the
/// count includes deleted documents, as the frequencies do.
fn like_query(searcher: &Searcher, values: &[(Field, Vec<OwnedValue>)]) -> Result<BooleanQuery> {
    let schema = searcher.schema();
    let tokenizers = searcher.index().tokenizers();
    let mut frequencies: std::collections::HashMap<Term, u32> = std::collections::HashMap::new();
    for (field, texts) in values {
        let FieldType::Str(options) = schema.get_field_entry(*field).field_type() else {
            continue;
        };
        let Some(mut tokenizer) = options
            .get_indexing_options()
            .and_then(|o| tokenizers.get(o.tokenizer()))
        else {
            continue;
        };
        for text in texts {
            let OwnedValue::Str(text) = text else {
                continue;
            };
            let mut stream = tokenizer.token_stream(text);
            // Single Latin letters and digits say nothing; one Chinese character (3 bytes) may.
            stream.process(&mut |token| {
                if token.text.len() >= 2 {
                    *frequencies
                        .entry(Term::from_field_text(*field, &token.text))
                        .or_default() += 1;
                }
            });
        }
    }
    let documents: u64 = searcher
        .segment_readers()
        .iter()
        .map(|s| u64::from(s.max_doc()))
        .sum();
    let mut scored = Vec::with_capacity(frequencies.len());
    for (term, tf) in frequencies {
        let df = searcher.doc_freq(&term)?;
        if df == 0 {
            continue;
        }
        let n = documents.max(df) as f32;
        let df = df as f32;
        let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
        scored.push((tf as f32 * idf, term));
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored.truncate(LIKE_TERMS);
    let best = scored.first().map_or(1.0, |s| s.0).max(f32::MIN_POSITIVE);
    let clauses: Vec<(Occur, Box<dyn TQuery>)> = scored
        .into_iter()
        .map(|(score, term)| {
            let q: Box<dyn TQuery> = Box::new(BoostQuery::new(
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                score / best,
            ));
            (Occur::Should, q)
        })
        .collect();
    Ok(BooleanQuery::new(clauses))
}
