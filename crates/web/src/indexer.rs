//! Keeps this process's search index in step with the store: the index follows the
//! outbox (every change writes an event in its own transaction), catches up at start
//! and can be rebuilt from scratch (`ztc reindex`).
//!
//! Each process keeps its own index; the outbox is shared, so a change made through
//! any process reaches every index. The cursor (the newest event applied) is stored
//! in the index's own commit, so a crash loses nothing: whatever was not committed
//! is applied again, and applying is idempotent (the object is read afresh from the
//! store and replaces its document).
//!
//! Events carry the time of their transaction, and a transaction may commit a little
//! after a later one started, so an event can appear behind the position already
//! read. Hence: the follower sweeps the last [`LOOK_BACK_MS`] of wall-clock time
//! every few seconds and applies the events it has not seen; and the cursor stored
//! with each commit is a safe point, never later than `now − LOOK_BACK_MS`, so that
//! a restart re-reads whatever may have committed late.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use ztc_domain::achievement::Status;
use ztc_domain::demand::DemandStatus;
use ztc_search::{Index, SearchDoc};
use ztc_store::achievements::{self, Achievement};
use ztc_store::demands::{self, Demand};
use ztc_store::outbox::{self, Cursor};
use ztc_store::{Store, StoreError};

/// How far back a sweep re-reads the outbox (longer than any transaction).
pub const LOOK_BACK_MS: i64 = 120_000;
/// Events read per step.
const STEP: i64 = 2000;
/// Achievements read and written per batch while applying events.
const APPLY_BATCH: usize = 500;
/// Achievements per batch in a rebuild.
const REBUILD_BATCH: i64 = 1000;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("search index: {0}")]
    Search(#[from] ztc_search::SearchError),
    #[error("indexing thread: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// The document of an achievement. Codes stay codes; the index stores them for
/// filters and facets.
pub fn document(a: &Achievement) -> SearchDoc {
    let d = &a.details;
    SearchDoc {
        id: a.id.clone(),
        kind: ztc_search::Kind::Achievement,
        title: d.title.clone(),
        keywords: d.keywords.clone(),
        summary: d.summary.clone().unwrap_or_default(),
        applications: d.applications.clone().unwrap_or_default(),
        holder_org: a.holder_org_name.clone(),
        technical: [d.technical.as_deref(), d.advantages.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n"),
        field: d.field.clone().unwrap_or_default(),
        subfield: d.subfield.clone().unwrap_or_default(),
        region: a.unit_code.clone(),
        trl: d.trl.unwrap_or(0),
        cooperation_modes: d.cooperation_modes.clone(),
        ip_types: d.ip.iter().map(|i| i.kind.clone()).collect(),
        status: a.status.as_str().to_owned(),
        published: a.status == Status::Published,
        created_at: a.created_at,
        updated_at: a.updated_at,
    }
}

/// The document of a technology demand. Its `trl` is the lowest acceptable
/// readiness; only a published, public demand is visible to public searches.
/// Demands kept for matching only are indexed too (matching looks at live
/// demands in the admin scope), never shown publicly.
pub fn demand_document(d: &Demand) -> SearchDoc {
    let x = &d.details;
    SearchDoc {
        id: d.id.clone(),
        kind: ztc_search::Kind::Demand,
        title: x.title.clone(),
        keywords: x.keywords.clone(),
        summary: x.problem.clone().unwrap_or_default(),
        applications: x.goals.clone().unwrap_or_default(),
        holder_org: d.org_name.clone(),
        technical: x.basis.clone().unwrap_or_default(),
        field: x.field.clone().unwrap_or_default(),
        subfield: x.subfield.clone().unwrap_or_default(),
        region: d.unit_code.clone(),
        trl: x.trl_min.unwrap_or(0),
        cooperation_modes: x.cooperation_modes.clone(),
        ip_types: Vec::new(),
        status: d.status.as_str().to_owned(),
        published: d.status == DemandStatus::Published && x.public,
        created_at: d.created_at,
        updated_at: d.updated_at,
    }
}

/// Whether an event can change what the index holds.
fn relevant(e: &outbox::Event) -> bool {
    match e.object_type.as_str() {
        // (Organisations cannot be renamed yet; when they can, their achievements
        // carry the name and must be indexed again.)
        "achievement" => e.topic != "achievement.view_protected",
        "demand" => true,
        "search_term" => true,
        _ => false,
    }
}

/// Reads the objects behind `events` and writes their documents (not committed).
async fn apply(
    store: &Store,
    index: &Arc<Index>,
    events: &[outbox::Event],
) -> Result<(), IndexError> {
    let mut ids: BTreeSet<String> = BTreeSet::new();
    let mut demand_ids: BTreeSet<String> = BTreeSet::new();
    // Entries to write again even if unchanged (a new dictionary term).
    let mut forced: BTreeSet<String> = BTreeSet::new();
    for e in events.iter().filter(|e| relevant(e)) {
        if e.object_type == "demand" {
            demand_ids.insert(e.object_id.clone());
        } else if e.object_type == "search_term" {
            if e.topic == "search_term.add" {
                forced.extend(learn(index, &e.object_id).await?);
            }
        } else {
            ids.insert(e.object_id.clone());
        }
    }
    ids.extend(forced.iter().cloned());
    apply_demands(store, index, demand_ids).await?;
    if ids.is_empty() {
        return Ok(());
    }
    let forced = Arc::new(forced);
    let ids: Vec<String> = ids.into_iter().collect();
    for chunk in ids.chunks(APPLY_BATCH) {
        let found = achievements::get_many(store, chunk).await?;
        let present: BTreeSet<&str> = found.iter().map(|a| a.id.as_str()).collect();
        let gone: Vec<String> = chunk
            .iter()
            .filter(|id| !present.contains(id.as_str()))
            .cloned()
            .collect();
        let index = index.clone();
        let forced = forced.clone();
        tokio::task::spawn_blocking(move || {
            // Documents the index already holds in this version are left alone, so
            // re-reading events (sweeps, restarts) costs lookups, not rewrites.
            let ids: Vec<String> = found.iter().map(|a| a.id.clone()).collect();
            let stamps = index.stamps(&ids)?;
            let docs: Vec<SearchDoc> = found
                .iter()
                .filter(|a| forced.contains(&a.id) || stamps.get(&a.id) != Some(&a.updated_at))
                .map(document)
                .collect();
            for id in &gone {
                index.delete(id)?;
            }
            index.upsert(&docs)
        })
        .await??;
    }
    Ok(())
}

/// Writes the documents of the demands behind some events (they are few: read one
/// by one).
async fn apply_demands(
    store: &Store,
    index: &Arc<Index>,
    ids: BTreeSet<String>,
) -> Result<(), IndexError> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut docs = Vec::new();
    let mut gone = Vec::new();
    for id in ids {
        match demands::get(store, &id).await? {
            Some(d) => docs.push(demand_document(&d)),
            None => gone.push(id),
        }
    }
    let index = index.clone();
    tokio::task::spawn_blocking(move || {
        // As for achievements: documents already held in this version are left
        // alone, so sweeps and restarts do not pile up deleted documents.
        let ids: Vec<String> = docs.iter().map(|d| d.id.clone()).collect();
        let stamps = index.stamps(&ids)?;
        let docs: Vec<SearchDoc> = docs
            .into_iter()
            .filter(|d| stamps.get(&d.id) != Some(&d.updated_at))
            .collect();
        for id in &gone {
            index.delete(id)?;
        }
        index.upsert(&docs)
    })
    .await??;
    Ok(())
}

/// Teaches the segmenter a new term; returns the documents that contain its parts,
/// to be indexed again with it.
async fn learn(index: &Arc<Index>, term: &str) -> Result<Vec<String>, IndexError> {
    let index = index.clone();
    let term = term.to_owned();
    let ids = tokio::task::spawn_blocking(move || {
        // Found with the old segmentation (as the documents were indexed), then
        // written again with the new one.
        let mut ids = Vec::new();
        for page in 1..=100 {
            let r = index.search(&ztc_search::Query {
                text: term.clone(),
                scope: ztc_search::Scope::Admin,
                page,
                per_page: 100,
                ..Default::default()
            })?;
            ids.extend(r.hits.into_iter().map(|h| h.id));
            if page >= r.pages {
                break;
            }
        }
        index.add_terms(std::slice::from_ref(&term));
        Ok::<_, ztc_search::SearchError>(ids)
    })
    .await??;
    Ok(ids)
}

/// Loads the administrators' terms into the segmenter.
pub async fn load_terms(store: &Store, index: &Arc<Index>) -> Result<usize, IndexError> {
    let terms: Vec<String> = ztc_store::search_terms::list(store)
        .await?
        .into_iter()
        .map(|t| t.term)
        .collect();
    let n = terms.len();
    index.add_terms(&terms);
    Ok(n)
}

async fn commit(index: &Arc<Index>, cursor: &Cursor) -> Result<(), IndexError> {
    let index = index.clone();
    let c = cursor.encode();
    tokio::task::spawn_blocking(move || index.commit(Some(&c))).await??;
    Ok(())
}

/// The cursor stored with the index's last commit (the start when there is none).
pub async fn stored_cursor(index: &Arc<Index>) -> Result<Cursor, IndexError> {
    let index = index.clone();
    let c = tokio::task::spawn_blocking(move || index.cursor()).await??;
    Ok(c.as_deref().and_then(Cursor::decode).unwrap_or_default())
}

/// The safe point for a position reached: no later than `now − LOOK_BACK_MS`.
fn safe(reached: &Cursor) -> Cursor {
    let horizon = Cursor {
        at: now_ms() - LOOK_BACK_MS,
        id: String::new(),
    };
    std::cmp::min(reached.clone(), horizon)
}

fn now_ms() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64 / 1_000_000
}

/// Applies the events after `from` that are not in `seen` (recording them there),
/// in steps; returns the position reached and the number applied.
async fn read_from(
    store: &Store,
    index: &Arc<Index>,
    from: Cursor,
    seen: &mut HashMap<String, i64>,
) -> Result<(Cursor, usize), IndexError> {
    let mut at = from;
    let mut applied = 0;
    loop {
        let events = outbox::after(store, &at, STEP).await?;
        let Some(last) = events.last() else { break };
        let next = Cursor {
            at: last.at,
            id: last.id.clone(),
        };
        let fresh: Vec<outbox::Event> = events
            .iter()
            .filter(|e| !seen.contains_key(&e.id))
            .cloned()
            .collect();
        apply(store, index, &fresh).await?;
        applied += fresh.len();
        for e in fresh {
            seen.insert(e.id, e.at);
        }
        at = next;
        if (events.len() as i64) < STEP {
            break;
        }
    }
    Ok((at, applied))
}

/// Brings the index up to date from its stored cursor (a safe point) and commits.
/// Returns the number of events applied.
pub async fn catch_up(store: &Store, index: &Arc<Index>) -> Result<usize, IndexError> {
    let stored = stored_cursor(index).await?;
    let mut seen = HashMap::new();
    let (reached, applied) = read_from(store, index, stored, &mut seen).await?;
    commit(index, &safe(&reached)).await?;
    Ok(applied)
}

/// Follows the outbox until the process ends: every `poll` from the position
/// reached, and every `sweep` over the last [`LOOK_BACK_MS`] for events that
/// committed late. Errors are logged and retried (the database may be restarting).
pub async fn follow(store: Store, index: Arc<Index>, poll: Duration, sweep: Duration) {
    let mut position: Option<Cursor> = None;
    // Events applied within the look-back window (id → time), so sweeps skip them.
    let mut seen: HashMap<String, i64> = HashMap::new();
    let mut last_sweep = std::time::Instant::now();
    loop {
        let step = async {
            let from = match &position {
                Some(p) => p.clone(),
                None => stored_cursor(&index).await?,
            };
            let (mut reached, mut applied) = read_from(&store, &index, from, &mut seen).await?;
            let sweeping = last_sweep.elapsed() >= sweep;
            if sweeping {
                let horizon = now_ms() - LOOK_BACK_MS;
                let window = Cursor {
                    at: horizon,
                    id: String::new(),
                };
                let (swept_to, late) = read_from(&store, &index, window.clone(), &mut seen).await?;
                if late > 0 {
                    tracing::info!(late, "search index applied events that committed late");
                }
                applied += late;
                // Only a position an event holds: the window's start is a time
                // the outbox may never have reached, and a cursor beyond the
                // outbox's head reads, at the next start, as an index from
                // another database (a full rebuild).
                if swept_to != window {
                    reached = std::cmp::max(reached, swept_to);
                }
                seen.retain(|_, at| *at >= horizon - LOOK_BACK_MS);
                last_sweep = std::time::Instant::now();
            }
            if applied > 0 || sweeping {
                commit(&index, &safe(&reached)).await?;
            }
            Ok::<_, IndexError>(reached)
        };
        match step.await {
            Ok(p) => position = Some(p),
            Err(e) => {
                tracing::warn!(error = %e, "search index could not follow the outbox; retrying")
            }
        }
        tokio::time::sleep(poll).await;
    }
}

/// Rebuilds the index from every achievement in the store; `progress` gets the
/// count done and the total. The old documents stay searchable until the final
/// commit, which also stores the outbox position read before the rebuild began.
pub async fn rebuild(
    store: &Store,
    index: &Arc<Index>,
    mut progress: impl FnMut(u64, u64),
) -> Result<u64, IndexError> {
    // Events still committing while the store is read are re-read after the
    // rebuild: the cursor stored is a safe point.
    let head = safe(&outbox::head(store).await?);
    load_terms(store, index).await?;
    let total = achievements::count(store).await?.max(0) as u64;
    {
        let index = index.clone();
        tokio::task::spawn_blocking(move || index.clear()).await??;
    }
    let mut after = String::new();
    let mut done = 0u64;
    let filled = async {
        loop {
            let batch = achievements::scan(store, &after, REBUILD_BATCH).await?;
            let Some(last) = batch.last() else { break };
            after = last.id.clone();
            let docs: Vec<SearchDoc> = batch.iter().map(document).collect();
            done += docs.len() as u64;
            let index = index.clone();
            tokio::task::spawn_blocking(move || index.upsert(&docs)).await??;
            progress(done, total.max(done));
        }
        let mut after = String::new();
        loop {
            let batch = demands::scan(store, &after, REBUILD_BATCH).await?;
            let Some(last) = batch.last() else { break };
            after = last.id.clone();
            let docs: Vec<SearchDoc> = batch.iter().map(demand_document).collect();
            let index = index.clone();
            tokio::task::spawn_blocking(move || index.upsert(&docs)).await??;
        }
        Ok::<_, IndexError>(())
    };
    if let Err(e) = filled.await {
        // Nothing of a half-done rebuild becomes visible.
        let index = index.clone();
        tokio::task::spawn_blocking(move || index.rollback()).await??;
        return Err(e);
    }
    commit(index, &head).await?;
    let index = index.clone();
    tokio::task::spawn_blocking(move || index.optimize()).await??;
    Ok(done)
}

/// What [`start`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Started {
    /// Rebuilt from the store (an empty index, or one ahead of the outbox, e.g. after
    /// a restore); the count of documents.
    Rebuilt(u64),
    /// Caught up with the outbox; the count of events read.
    CaughtUp(usize),
}

/// Brings the index up to date when a server starts: rebuilds it when it is empty
/// while the store is not, or when it has seen events the outbox no longer holds
/// (a restored database); otherwise catches up from its cursor.
pub async fn start(store: &Store, index: &Arc<Index>) -> Result<Started, IndexError> {
    load_terms(store, index).await?;
    let stored = stored_cursor(index).await?;
    let head = outbox::head(store).await?;
    let empty = index.doc_count() == 0 && achievements::count(store).await? > 0;
    if empty || stored > head {
        return Ok(Started::Rebuilt(rebuild(store, index, |_, _| {}).await?));
    }
    Ok(Started::CaughtUp(catch_up(store, index).await?))
}
