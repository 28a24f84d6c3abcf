//! A bounded cache of search answers, keyed by the query and the index
//! content (its segments and their deletions): the same query asked again (a
//! popular search, the next visitor of a shared link, a page reloaded) is
//! answered without running it, and any commit that changes documents, or a
//! merge, names new content, so an answer never outlives the index state it
//! was computed on.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use quick_cache::Weighter;
use quick_cache::sync::Cache;

use crate::query::Query;
use crate::search::Results;

/// Answers kept for each index content, weighed by their approximate size in bytes.
pub(crate) struct ResultCache {
    answers: Cache<(u64, Query), Arc<Results>, BySize>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// How often the cache answered, since the index was opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    /// Answers held now.
    pub entries: u64,
    /// Their approximate size in bytes.
    pub bytes: u64,
}

#[derive(Clone)]
struct BySize;

impl Weighter<(u64, Query), Arc<Results>> for BySize {
    fn weight(&self, key: &(u64, Query), r: &Arc<Results>) -> u64 {
        let hits: usize = r
            .hits
            .iter()
            .map(|h| {
                h.id.len()
                    + h.title.len()
                    + h.title_html.len()
                    + h.snippet_html.len()
                    + h.keywords.iter().map(|k| k.len() + 24).sum::<usize>()
                    + h.holder_org.len()
                    + h.field.len()
                    + h.subfield.len()
                    + h.region.len()
                    + h.status.len()
                    + 200
            })
            .sum();
        let f = &r.facets;
        let facets: usize = [
            &f.field,
            &f.subfield,
            &f.region,
            &f.trl,
            &f.cooperation_mode,
            &f.ip_type,
            &f.status,
        ]
        .iter()
        .flat_map(|v| v.iter())
        .map(|(code, _)| code.len() + 32)
        .sum();
        (key.1.text.len() + hits + facets + 256) as u64
    }
}

impl ResultCache {
    /// A cache of about `bytes` bytes.
    pub(crate) fn new(bytes: u64) -> ResultCache {
        // An answer of 20 hits weighs about 10 KB.
        let items = usize::try_from(bytes / 10_000)
            .unwrap_or(usize::MAX)
            .max(16);
        ResultCache {
            answers: Cache::with_weighter(items, bytes, BySize),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    pub(crate) fn get(&self, content: u64, q: &Query) -> Option<Arc<Results>> {
        let found = self.answers.get(&(content, q.clone()));
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    pub(crate) fn put(&self, content: u64, q: Query, r: Arc<Results>) {
        self.answers.insert((content, q), r);
    }

    pub(crate) fn clear(&self) {
        self.answers.clear();
    }

    pub(crate) fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            entries: self.answers.len() as u64,
            bytes: self.answers.weight(),
        }
    }
}
