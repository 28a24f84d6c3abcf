//! Second ranking pass: the best candidates of the combined-text match are
//! scored again with BM25 per field and the field weights.
//!
//! Each (word, field) gets its own term scorer, moved forward document by
//! document with skip lists: cheaper than seeking nested unions, whose
//! tantivy scorers refill a 4,096-document window at every seek.

use tantivy::query::{EnableScoring, Query as TQuery, TermQuery, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Score, Searcher, Term};

use crate::collect::Ranked;
use crate::error::Result;
use crate::query::{Analyzed, Weights};
use crate::schema::Fields;

/// One word group in one field: the weights of its words (whole word first).
struct GroupField {
    boost: f32,
    words: Vec<Box<dyn Weight>>,
}

/// Scores documents with the per-field formula of the search.
pub(crate) struct Rescorer {
    groups: Vec<GroupField>,
    exact: Vec<(f32, Box<dyn Weight>)>,
    tie: f32,
}

fn weight(searcher: &Searcher, field: Field, text: &str) -> Result<Box<dyn Weight>> {
    let q = TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    );
    Ok(q.weight(EnableScoring::enabled_from_searcher(searcher))?)
}

impl Rescorer {
    pub(crate) fn new(
        searcher: &Searcher,
        a: &Analyzed,
        fields: &[(Field, f32)],
        f: &Fields,
        w: &Weights,
    ) -> Result<Rescorer> {
        let mut groups = Vec::new();
        for group in &a.groups {
            for &(field, boost) in fields {
                let words = group
                    .iter()
                    .map(|word| weight(searcher, field, word))
                    .collect::<Result<Vec<_>>>()?;
                groups.push(GroupField { boost, words });
            }
        }
        let mut exact = Vec::new();
        if w.keyword_exact > 0.0 {
            for chunk in &a.chunks {
                exact.push((w.keyword_exact, weight(searcher, f.keyword_exact, chunk)?));
            }
        }
        Ok(Rescorer {
            groups,
            exact,
            tie: w.part_tie,
        })
    }

    /// Scores `top` again and sorts it best first.
    pub(crate) fn rescore(&self, searcher: &Searcher, top: &mut [Ranked]) -> Result<()> {
        top.sort_by_key(|r| r.addr);
        let mut i = 0;
        while let Some(first) = top.get(i) {
            let segment = first.addr.segment_ord;
            let reader = searcher.segment_reader(segment);
            let mut groups = Vec::with_capacity(self.groups.len());
            for g in &self.groups {
                let scorers = g
                    .words
                    .iter()
                    .map(|w| w.scorer(reader, 1.0))
                    .collect::<tantivy::Result<Vec<_>>>()?;
                groups.push((g.boost, scorers));
            }
            let mut exact = Vec::with_capacity(self.exact.len());
            for (boost, w) in &self.exact {
                exact.push((*boost, w.scorer(reader, 1.0)?));
            }
            while let Some(r) = top.get_mut(i) {
                if r.addr.segment_ord != segment {
                    break;
                }
                let doc = r.addr.doc_id;
                let mut score: Score = 0.0;
                for (boost, scorers) in &mut groups {
                    let (mut max, mut sum) = (0.0f32, 0.0f32);
                    for s in scorers.iter_mut() {
                        let v = score_at(s.as_mut(), doc);
                        max = max.max(v);
                        sum += v;
                    }
                    score += *boost * (max + self.tie * (sum - max));
                }
                for (boost, s) in &mut exact {
                    score += *boost * score_at(s.as_mut(), doc);
                }
                r.score = score;
                r.key.0 = u64::from(score.max(0.0).to_bits());
                i += 1;
            }
        }
        top.sort_by(|a, b| b.cmp(a));
        Ok(())
    }
}

fn score_at(s: &mut dyn tantivy::query::Scorer, doc: tantivy::DocId) -> Score {
    let at = if s.doc() < doc { s.seek(doc) } else { s.doc() };
    if at == doc { s.score() } else { 0.0 }
}
