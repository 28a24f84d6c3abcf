//! Related documents ("more like this").

use tantivy::Term;
use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, ConstScoreQuery, MoreLikeThisQuery, Occur, Query as TQuery, TermQuery,
};
use tantivy::schema::{IndexRecordOption, OwnedValue};
use tantivy::{DocAddress, TantivyDocument};

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
        let mut values: Vec<(tantivy::schema::Field, Vec<OwnedValue>)> = vec![
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
        let mlt = MoreLikeThisQuery::builder()
            .with_min_doc_frequency(1)
            .with_min_term_frequency(1)
            .with_max_query_terms(32)
            .with_min_word_length(2)
            .with_document_fields(values);
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
