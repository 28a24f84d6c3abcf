//! One pass over the matching documents: the count, facet counts and the
//! top documents in the requested order.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Cardinality, Column, StrColumn};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use crate::query::Sort;

/// Facet dimensions counted from string fast fields, in [`FacetCounts`] order.
pub const FACET_FIELDS: [&str; 6] = [
    "field",
    "subfield",
    "region",
    "cooperation",
    "ip_type",
    "status",
];

/// A ranked document: higher `key` first, then lower address.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranked {
    pub key: (u64, u64),
    pub score: Score,
    pub addr: DocAddress,
}

impl Eq for Ranked {}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key
            .cmp(&other.key)
            .then_with(|| other.addr.cmp(&self.addr))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Merged facet counts: code → count, per dimension, plus TRL 0..=9.
#[derive(Debug, Default)]
pub struct FacetCounts {
    pub codes: Vec<HashMap<String, u64>>,
    pub trl: [u64; 10],
}

/// What the collector returns.
#[derive(Debug, Default)]
pub struct Collected {
    pub total: u64,
    /// Best first, at most `top` of them.
    pub top: Vec<Ranked>,
    pub facets: FacetCounts,
}

/// Collector settings.
#[derive(Debug, Clone, Copy)]
pub struct SearchCollector {
    pub top: usize,
    pub sort: Sort,
    /// Whether to count facets (the status facet needs `count_status`).
    pub facets: bool,
    pub count_status: bool,
}

pub struct SegmentPart {
    segment: SegmentOrdinal,
    top: usize,
    sort: Sort,
    heap: BinaryHeap<Reverse<Ranked>>,
    total: u64,
    created: Option<Column<i64>>,
    trl: Option<Column<u64>>,
    /// Facet columns: the column, whether it holds one value per document, counts by ordinal.
    columns: Vec<Option<(StrColumn, bool, Vec<u64>)>>,
    trl_counts: [u64; 10],
}

pub struct SegmentFruit {
    total: u64,
    heap: Vec<Ranked>,
    codes: Vec<HashMap<String, u64>>,
    trl: [u64; 10],
}

fn monotonic_i64(v: i64) -> u64 {
    (v as u64) ^ (1 << 63)
}

impl Collector for SearchCollector {
    type Fruit = Collected;
    type Child = SegmentPart;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentPart> {
        let ff = reader.fast_fields();
        let mut columns = Vec::new();
        for name in FACET_FIELDS {
            let wanted = self.facets && (name != "status" || self.count_status);
            let col = if wanted { ff.str(name)? } else { None };
            columns.push(col.map(|c| {
                let n = c.num_terms();
                let single = c.ords().get_cardinality() != Cardinality::Multivalued;
                (c, single, vec![0u64; n])
            }));
        }
        Ok(SegmentPart {
            segment,
            top: self.top,
            sort: self.sort,
            heap: BinaryHeap::with_capacity(self.top.min(1024) + 1),
            total: 0,
            created: ff.column_opt("created_at")?,
            trl: ff.column_opt("trl")?,
            columns,
            trl_counts: [0; 10],
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<Collected> {
        let mut out = Collected {
            facets: FacetCounts {
                codes: vec![HashMap::new(); FACET_FIELDS.len()],
                trl: [0; 10],
            },
            ..Collected::default()
        };
        let mut all = Vec::new();
        for f in fruits {
            out.total += f.total;
            all.extend(f.heap);
            for (dst, src) in out.facets.codes.iter_mut().zip(f.codes) {
                for (k, v) in src {
                    *dst.entry(k).or_default() += v;
                }
            }
            for (d, s) in out.facets.trl.iter_mut().zip(f.trl) {
                *d += s;
            }
        }
        all.sort_by(|a, b| b.cmp(a));
        all.truncate(self.top);
        out.top = all;
        Ok(out)
    }
}

impl SegmentCollector for SegmentPart {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.total += 1;
        let trl = self.trl.as_ref().and_then(|c| c.first(doc)).unwrap_or(0);
        if let Some(slot) = self.trl_counts.get_mut(trl as usize) {
            *slot += 1;
        }
        for (col, single, counts) in self.columns.iter_mut().flatten() {
            if *single {
                if let Some(ord) = col.ords().first(doc)
                    && let Some(c) = counts.get_mut(ord as usize)
                {
                    *c += 1;
                }
            } else {
                for ord in col.term_ords(doc) {
                    if let Some(c) = counts.get_mut(ord as usize) {
                        *c += 1;
                    }
                }
            }
        }
        if self.top == 0 {
            return;
        }
        let s = u64::from(score.max(0.0).to_bits());
        // Most documents cannot enter a full heap: skip reading their date.
        if self.sort == Sort::Relevance
            && self.heap.len() >= self.top
            && self.heap.peek().is_some_and(|min| s < min.0.key.0)
        {
            return;
        }
        let created = self
            .created
            .as_ref()
            .and_then(|c| c.first(doc))
            .unwrap_or(0);
        let key = match self.sort {
            Sort::Relevance => (s, monotonic_i64(created)),
            Sort::Newest => (monotonic_i64(created), s),
            Sort::Trl => (trl, s),
        };
        let r = Ranked {
            key,
            score,
            addr: DocAddress::new(self.segment, doc),
        };
        if self.heap.len() < self.top {
            self.heap.push(Reverse(r));
        } else if let Some(mut min) = self.heap.peek_mut()
            && r > min.0
        {
            *min = Reverse(r);
        }
    }

    fn harvest(self) -> SegmentFruit {
        let mut codes = Vec::new();
        for col in self.columns {
            let mut map = HashMap::new();
            if let Some((col, _, counts)) = col {
                let mut name = String::new();
                for (ord, n) in counts.into_iter().enumerate() {
                    if n > 0 && col.ord_to_str(ord as u64, &mut name).unwrap_or(false) {
                        map.insert(name.clone(), n);
                    }
                }
            }
            codes.push(map);
        }
        SegmentFruit {
            total: self.total,
            heap: self.heap.into_iter().map(|r| r.0).collect(),
            codes,
            trl: self.trl_counts,
        }
    }
}
