//! Chinese full-text search over achievements and technology demands
//! (tantivy 0.27 + jieba-rs 0.11; nothing project-internal).
//!
//! # Use
//!
//! ```no_run
//! # fn main() -> Result<(), ztc_search::SearchError> {
//! use ztc_search::{Index, Query, Scope, SearchDoc};
//! let index = Index::open_with_terms(std::path::Path::new("data/search"), &["钙钛矿叠层".into()])?;
//! index.upsert(&[SearchDoc { id: "a1".into(), title: "固态锂电池电解质".into(),
//!     published: true, status: "published".into(), ..Default::default() }])?;
//! index.commit(Some("outbox:42"))?;          // the cursor travels with the commit
//! let found = index.search(&Query { text: "锂电池".into(), scope: Scope::Public, ..Query::default() })?;
//! assert_eq!(found.hits[0].id, "a1");
//! # Ok(()) }
//! ```
//!
//! # API
//!
//! - Opening: [`Index::open`] / [`Index::open_with_terms`] / [`Index::open_with`]
//!   (a folder, memory-mapped, created when missing; an index written with
//!   another schema by an older version is emptied, with no cursor, so the
//!   follower rebuilds it) and [`Index::in_ram`].
//!   The jieba dictionary is jieba's built-in one plus `data/terms.txt` plus
//!   the administrators' terms; [`Index::add_terms`] extends it at run time
//!   for indexing and queries alike (documents indexed before keep their old
//!   segmentation until reindexed; search-mode queries still reach them).
//! - Writing: [`Index::upsert`] (replace by id; idempotent), [`Index::delete`],
//!   [`Index::clear`], then [`Index::commit`]`(cursor)`, which stores an
//!   opaque cursor atomically with the data; [`Index::cursor`] reads it back.
//!   An outbox follower applies events, commits with the last event id, and
//!   after a crash resumes from [`Index::cursor`]: whatever was not committed
//!   is applied again, which is harmless because upserts are idempotent.
//!   [`Index::doc_count`] counts committed documents.
//! - Reading: [`Index::search`] with a [`Query`] (text, [`Scope`], [`Filters`],
//!   [`Sort`], page, per-page) gives [`Results`]: total, pages, [`Hit`]s with
//!   HTML-escaped `title_html`/`snippet_html` where matches are wrapped in
//!   `<mark>`, and [`Facets`] counted over every matching document with the
//!   filters applied (drill-down by narrowing). [`Index::suggest`] completes
//!   a prefix from titles and keywords of published documents;
//!   [`Index::more_like_this`] lists related documents, never the document
//!   itself.
//!
//! # Scopes
//!
//! [`Scope::Public`] sees published documents and matches only the public
//! text (title, keywords, summary, applications, holder organisation);
//! [`Scope::Protected`] also matches the technical text of published
//! documents; [`Scope::Admin`] sees every status and gets the status facet.
//!
//! # Queries never fail on user input
//!
//! The text is not parsed as tantivy query syntax. It is cleaned (control
//! characters removed, cut to 200 characters, at most 16 whitespace chunks
//! and 64 distinct words; full-width Latin folded, Latin lower-cased) and
//! segmented with the index's own dictionary. Each word of the default
//! segmentation forms a group with the shorter dictionary words inside it
//! (jieba search mode: 锂电池 → 锂电池 | 电池).
//!
//! Matching runs on `all_text`, the public fields together (plus the
//! technical text outside the public scope): a document must contain every
//! word of two or more characters, either whole or as the shorter words
//! that spell it (主成分分析 = 主成分 + 分析, for documents segmented
//! differently), like a web search; when no document does, any one word is
//! enough (so long natural-language queries still find something).
//! Single-character words (的, 与 …) never decide a match. `total`, pages
//! and facets describe the set actually used.
//!
//! Ranking: BM25 on `all_text` picks the best 200 candidates beyond the
//! page, which are then scored per field with weights title ×3, keywords ×2,
//! the rest ×1 (a group scores its best word plus 0.2 × its other words, so
//! overlapping search-mode tokens do not count three times), plus a bonus
//! when a whitespace-separated chunk of the query equals a whole keyword.
//!
//! A query with no word (empty, only punctuation or emoji) lists the
//! documents in scope newest first. Pages past the end give no hits with the
//! right total and page count; `per_page` is clamped to 1..=100 and paging
//! stops at 10,000 results. Ranking knobs live in [`Weights`]
//! ([`Index::search_with`]); the defaults are the measured best.
//!
//! # Matching
//!
//! [`Index::match_demand`] ranks the achievements that answer a
//! [`DemandProfile`]; [`Index::match_achievement`] ranks the demands an
//! achievement could answer. Each [`Match`] carries its [`Reasons`]
//! (shared words, field fit, readiness, modes, region); the field is a
//! boost, never a filter. See [`matching`]; `tests/demand_quality.rs`
//! measures it on the enterprise demands of `testdata/demands`.
//!
//! # Quality
//!
//! [`eval`] loads the CSL sample and measures MRR@10/Recall@10
//! (`tests/quality.rs` compares with SQLite FTS5 peers;
//! `examples/bench.rs` measures speed and size, run by `bench/search`).

mod cache;
mod collect;
mod doc;
mod error;
pub mod eval;
mod highlight;
mod index;
pub mod matching;
mod query;
mod related;
mod rerank;
mod schema;
mod search;
mod suggest;
mod tokenizer;

pub use cache::CacheStats;
pub use doc::{Kind, SearchDoc};
pub use error::{Result, SearchError};
pub use highlight::escape_html;
pub use index::{Index, Options};
pub use matching::{DemandProfile, FieldFit, Match, MatchWeights, Reasons, TrlFit};
pub use query::{Filters, MAX_CHUNKS, MAX_QUERY_CHARS, MAX_TOKENS, Query, Scope, Sort, Weights};
pub use search::{Facets, Hit, MAX_WINDOW, Results};
pub use tokenizer::{STARTER_TERMS, Segmenter, normalize_token, starter_terms};
