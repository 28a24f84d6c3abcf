//! Opening the index and writing to it.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use tantivy::directory::MmapDirectory;
use tantivy::schema::Schema;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{IndexReader, IndexWriter, ReloadPolicy, Term};

use crate::cache::{CacheStats, ResultCache};
use crate::doc::SearchDoc;
use crate::error::{Result, SearchError};
use crate::schema::{self, Fields, ZH};
use crate::tokenizer::Segmenter;

/// How an index is opened.
#[derive(Debug, Clone)]
pub struct Options {
    /// Extra dictionary terms (the administrators' list) on top of the starter list.
    pub terms: Vec<String>,
    /// Whether to load the built-in starter terms (`data/terms.txt`).
    pub starter_terms: bool,
    /// Indexing threads (1 for an application server, more for a bulk rebuild).
    pub writer_threads: usize,
    /// Total indexing memory budget in bytes (split between threads; tantivy
    /// needs at least 15 MB a thread).
    pub writer_memory: usize,
    /// Bytes of recent search answers kept (0: none); see [`Index::cache_stats`].
    pub cache_bytes: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            terms: Vec::new(),
            starter_terms: true,
            writer_threads: 1,
            writer_memory: 64 << 20,
            cache_bytes: 32 << 20,
        }
    }
}

/// A Chinese full-text index of achievements and demands.
///
/// Cheap to share behind an `Arc`: searches take no lock; writes take the
/// writer lock. Changes become visible at [`Index::commit`].
pub struct Index {
    pub(crate) index: tantivy::Index,
    pub(crate) reader: IndexReader,
    writer: Mutex<IndexWriter>,
    pub(crate) fields: Fields,
    pub(crate) segmenter: Segmenter,
    pub(crate) cache: Option<ResultCache>,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index").finish_non_exhaustive()
    }
}

impl Index {
    /// Opens the index in `dir`, creating the folder and an empty index if missing.
    pub fn open(dir: &Path) -> Result<Index> {
        Index::open_with(dir, Options::default())
    }

    /// Like [`Index::open`], with the administrators' extra dictionary terms.
    pub fn open_with_terms(dir: &Path, terms: &[String]) -> Result<Index> {
        Index::open_with(
            dir,
            Options {
                terms: terms.to_vec(),
                ..Options::default()
            },
        )
    }

    /// Opens (or creates) the index in `dir` with explicit options.
    pub fn open_with(dir: &Path, options: Options) -> Result<Index> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema::build();
        let directory = MmapDirectory::open(dir)?;
        let index = if tantivy::Index::exists(&directory).unwrap_or(false) {
            let found = tantivy::Index::open(directory)?;
            if same_fields(&found.schema(), &schema) {
                found
            } else {
                // An index from another version of this crate: it is derived
                // data, so start again empty (no cursor: the follower
                // re-applies everything).
                drop(found);
                remove_index_files(dir)?;
                tantivy::Index::create(MmapDirectory::open(dir)?, schema, settings())?
            }
        } else {
            tantivy::Index::create(directory, schema, settings())?
        };
        Index::finish(index, fields, options)
    }

    /// An index held in memory (tests, evaluations).
    pub fn in_ram() -> Result<Index> {
        Index::in_ram_with(Options::default())
    }

    /// An in-memory index with explicit options.
    pub fn in_ram_with(options: Options) -> Result<Index> {
        let (schema, fields) = schema::build();
        let index = tantivy::Index::builder()
            .schema(schema)
            .settings(settings())
            .create_in_ram()?;
        Index::finish(index, fields, options)
    }

    fn finish(index: tantivy::Index, fields: Fields, options: Options) -> Result<Index> {
        let segmenter = if options.starter_terms {
            Segmenter::new()
        } else {
            Segmenter::bare()
        };
        segmenter.add_terms(options.terms.iter().map(String::as_str));
        index
            .tokenizers()
            .register(ZH, TextAnalyzer::from(segmenter.tokenizer(true)));
        let threads = options.writer_threads.max(1);
        let memory = options.writer_memory.max(threads * (16 << 20));
        let writer = index.writer_with_num_threads(threads, memory)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Index {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            segmenter,
            cache: (options.cache_bytes > 0).then(|| ResultCache::new(options.cache_bytes)),
        })
    }

    /// Adds words to the dictionary used for indexing and queries from now on.
    /// Documents indexed earlier keep their old segmentation until reindexed
    /// (queries still find them through the shorter words search mode emits).
    pub fn add_terms(&self, terms: &[String]) -> usize {
        let added = self.segmenter.add_terms(terms.iter().map(String::as_str));
        // Queries are segmented anew: answers computed with the old words go.
        if let Some(cache) = &self.cache {
            cache.clear();
        }
        added
    }

    /// How the cache of search answers has served since the index was opened
    /// (all zero when it is off).
    pub fn cache_stats(&self) -> CacheStats {
        self.cache
            .as_ref()
            .map(ResultCache::stats)
            .unwrap_or_default()
    }

    /// The segmentation in use (for tests and diagnostics).
    pub fn segmenter(&self) -> &Segmenter {
        &self.segmenter
    }

    fn writer(&self) -> Result<MutexGuard<'_, IndexWriter>> {
        self.writer.lock().map_err(|_| SearchError::Poisoned)
    }

    /// Stages documents, replacing any with the same id. Visible after [`Index::commit`].
    pub fn upsert(&self, docs: &[SearchDoc]) -> Result<()> {
        let writer = self.writer()?;
        for d in docs {
            writer.delete_term(Term::from_field_text(self.fields.id, &d.id));
            writer.add_document(self.fields.tantivy_doc(d))?;
        }
        Ok(())
    }

    /// Stages the removal of a document. Visible after [`Index::commit`].
    pub fn delete(&self, id: &str) -> Result<()> {
        let writer = self.writer()?;
        writer.delete_term(Term::from_field_text(self.fields.id, id));
        Ok(())
    }

    /// Stages the removal of every document (before a full rebuild).
    pub fn clear(&self) -> Result<()> {
        self.writer()?.delete_all_documents()?;
        Ok(())
    }

    /// Makes staged changes durable and visible. `cursor` (e.g. the last outbox
    /// event applied) is stored atomically with the commit; `None` keeps the
    /// previous cursor.
    pub fn commit(&self, cursor: Option<&str>) -> Result<()> {
        let previous = if cursor.is_none() {
            self.cursor()?
        } else {
            None
        };
        let mut writer = self.writer()?;
        let mut prepared = writer.prepare_commit()?;
        if let Some(c) = cursor.map(str::to_string).or(previous) {
            prepared.set_payload(&c);
        }
        prepared.commit()?;
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    /// Merges every committed segment into one (after a full rebuild). Each
    /// query pays per segment (term look-ups, scorers, facet columns), so one
    /// segment answers fastest; later updates add small segments that the
    /// merge policy folds in. The stored cursor is kept. Returns the number of
    /// segments merged (0 when there was nothing to merge).
    pub fn optimize(&self) -> Result<usize> {
        let ids = self.index.searchable_segment_ids()?;
        if ids.len() < 2 {
            return Ok(0);
        }
        let mut writer = self.writer()?;
        writer.merge(&ids).wait()?;
        drop(writer);
        self.reader.reload()?;
        Ok(ids.len())
    }

    /// Discards staged changes.
    pub fn rollback(&self) -> Result<()> {
        self.writer()?.rollback()?;
        Ok(())
    }

    /// The cursor stored with the last commit.
    pub fn cursor(&self) -> Result<Option<String>> {
        Ok(self.index.load_metas()?.payload)
    }

    /// Number of committed documents (all statuses).
    pub fn doc_count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Blocks until background merges finish (after a bulk load, before measuring size).
    pub fn wait_merging(self) -> Result<()> {
        let writer = self
            .writer
            .into_inner()
            .map_err(|_| SearchError::Poisoned)?;
        writer.wait_merging_threads()?;
        Ok(())
    }
}

/// Settings of a new index. Stored documents are read back for every hit
/// shown (title, summary, highlighting); tantivy decompresses a whole block
/// to read one, so blocks of about one document (4 KiB instead of 16 KiB)
/// make a page of hits cheaper for a slightly larger store.
fn settings() -> tantivy::IndexSettings {
    tantivy::IndexSettings {
        docstore_blocksize: 4096,
        ..Default::default()
    }
}

fn same_fields(found: &Schema, expected: &Schema) -> bool {
    let names = |s: &Schema| {
        s.fields()
            .map(|(_, e)| format!("{}:{:?}", e.name(), e.field_type().value_type()))
            .collect::<Vec<_>>()
    };
    names(found) == names(expected)
}

/// Removes tantivy's files from `dir` (segments, meta, lock files), nothing else.
fn remove_index_files(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let tantivy_file = name == "meta.json"
            || name == ".managed.json"
            || name.ends_with(".lock")
            || [
                ".idx",
                ".pos",
                ".term",
                ".store",
                ".fast",
                ".fieldnorm",
                ".del",
            ]
            .iter()
            .any(|ext| name.ends_with(ext));
        if tantivy_file && entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}
