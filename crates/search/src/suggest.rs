//! Suggestions while typing, from the term dictionary of the `suggest`
//! field (whole titles and keywords of published documents, normalised).
//!
//! Nothing is held in memory: the dictionary is memory-mapped and read by
//! prefix range; terms whose documents were all deleted are skipped.

use std::collections::HashMap;

use tantivy::DocSet;
use tantivy::TERMINATED;
use tantivy::schema::IndexRecordOption;

use crate::error::Result;
use crate::index::Index;
use crate::schema::exact_key;

/// Terms read per segment before giving up on finding more.
const SCAN_LIMIT: usize = 400;

impl Index {
    /// Up to `limit` (at most 20) titles and keywords of published documents
    /// that start with `prefix` (normalised: Latin letters lower-cased), the
    /// most frequent first, then the shortest.
    pub fn suggest(&self, prefix: &str, limit: usize) -> Result<Vec<String>> {
        let prefix = exact_key(&crate::query::clean_text(prefix));
        let limit = limit.min(20);
        if prefix.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let mut counts: HashMap<String, u64> = HashMap::new();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(self.fields.suggest)?;
            let mut stream = inverted
                .terms()
                .range()
                .ge(prefix.as_bytes())
                .into_stream()?;
            let mut scanned = 0;
            while stream.advance() && scanned < SCAN_LIMIT {
                let key = stream.key();
                if !key.starts_with(prefix.as_bytes()) {
                    break;
                }
                scanned += 1;
                let mut postings = inverted
                    .read_postings_from_terminfo(stream.value(), IndexRecordOption::Basic)?;
                let mut alive = 0u64;
                let mut doc = postings.doc();
                while doc != TERMINATED {
                    if !segment.is_deleted(doc) {
                        alive += 1;
                    }
                    doc = postings.advance();
                }
                if alive > 0 {
                    let word = String::from_utf8_lossy(key).into_owned();
                    *counts.entry(word).or_default() += alive;
                }
            }
        }
        let mut v: Vec<(String, u64)> = counts.into_iter().collect();
        v.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then_with(|| a.0.chars().count().cmp(&b.0.chars().count()))
                .then_with(|| a.0.cmp(&b.0))
        });
        Ok(v.into_iter().take(limit).map(|(w, _)| w).collect())
    }
}
