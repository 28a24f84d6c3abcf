//! Search benchmark (run by `bench/search`): N achievements generated from
//! the CSL text with a fixed seed, the 1,000 real papers hidden among them.
//!
//! `bench build N DIR`: generates, builds our index in DIR/index (2 writer
//! threads) and the SQLite FTS5 trigram peer in DIR/fts5.db; prints times
//! and sizes.
//! `bench query N DIR`: in a fresh process, runs the query set (1,000
//! queries: single CSL keywords, titles, pairs of keywords; fixed seed)
//! single-threaded against our index (public scope, page of 10 with facets
//! and highlighting) and then the peer; prints p50/p99, resident memory and
//! MRR@10 of task A (keywords → paper) among the N.
//!
//! Diagnostics: `BENCH_NO_PEER=1` skips SQLite, `BENCH_NO_RERANK=1` ranks
//! on the combined field only, `BENCH_PER_PAGE=n`, `BENCH_SLOWEST=1` lists
//! the slowest queries, `BENCH_QUERIES=http` runs the queries bench/search-http
//! sends instead (two keywords of a paper; the first 12 characters of a title).
//! Queries go through `Index::search_with`, which never uses the answer cache.
//!
//! HTTP latency under 50 concurrent clients: bench/search-http (wrk against
//! `ztc serve`).

#[path = "../tests/support/peers.rs"]
mod peers;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use peers::{Peer, PeerDoc, PeerKind};
use ztc_search::eval::{self, Generator, Paper, Rng, Scorer, Task};
use ztc_search::{Index, Options, Query, Scope, SearchDoc, Weights};

type Error = Box<dyn std::error::Error>;

const SEED: u64 = 42;
/// Time the peer may spend on the query set before the rest is skipped.
const PEER_BUDGET: Duration = Duration::from_secs(180);

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: bench build|query N DIR";
    let (Some(cmd), Some(n), Some(dir)) = (args.get(1), args.get(2), args.get(3)) else {
        return Err(usage.into());
    };
    let n: u64 = n.parse()?;
    let dir = PathBuf::from(dir);
    let papers = eval::load_csl(&eval::csl_path())?;
    match cmd.as_str() {
        "build" => build(n, &dir, &papers),
        "query" => query(n, &dir, &papers),
        _ => Err(usage.into()),
    }
}

fn documents(n: u64, papers: &[Paper]) -> Vec<SearchDoc> {
    let mut g = Generator::new(papers, SEED);
    let mut docs: Vec<SearchDoc> = (0..n).map(|i| g.next_doc(i)).collect();
    // The real papers sit among the generated ones, spread out.
    for (i, p) in papers.iter().enumerate() {
        let at = (i as u64 * n / papers.len() as u64) as usize + i;
        docs.insert(at.min(docs.len()), Task::Keywords.doc(p));
    }
    docs
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn build(n: u64, dir: &Path, papers: &[Paper]) -> Result<(), Error> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir)?;
    let t = Instant::now();
    let docs = documents(n, papers);
    println!("generated {} documents in {:.1?}", docs.len(), t.elapsed());

    let t = Instant::now();
    let options = Options {
        writer_threads: 2,
        writer_memory: 1 << 30,
        ..Options::default()
    };
    let index = Index::open_with(&dir.join("index"), options)?;
    for chunk in docs.chunks(10_000) {
        index.upsert(chunk)?;
    }
    index.commit(Some("bench"))?;
    index.wait_merging()?;
    let ours = t.elapsed();
    println!(
        "ours:  built in {:.1?} ({:.0} docs/s), {:.0} MB on disk",
        ours,
        docs.len() as f64 / ours.as_secs_f64(),
        mb(dir_size(&dir.join("index")))
    );

    if std::env::var_os("BENCH_NO_PEER").is_some() {
        return Ok(());
    }
    let t = Instant::now();
    let mut peer = Peer::open(PeerKind::Trigram, &dir.join("fts5.db"))?;
    for chunk in docs.chunks(10_000) {
        let rows: Vec<PeerDoc<'_>> = chunk
            .iter()
            .map(|d| PeerDoc {
                id: &d.id,
                title: &d.title,
                keywords: &d.keywords,
                body: &d.summary,
            })
            .collect();
        peer.insert_all(&rows)?;
    }
    let fts = t.elapsed();
    println!(
        "FTS5 trigram: built in {:.1?}, {:.0} MB on disk",
        fts,
        mb(std::fs::metadata(dir.join("fts5.db"))?.len())
    );
    Ok(())
}

/// (text, is a keyword query)
fn query_set(papers: &[Paper]) -> Vec<(String, bool)> {
    if std::env::var("BENCH_QUERIES").as_deref() == Ok("http") {
        // The queries bench/search-http sends: each paper's first two keywords,
        // and the first 12 characters of its title.
        return papers
            .iter()
            .flat_map(|p| {
                let keywords = (!p.keywords.is_empty()).then(|| {
                    let two: Vec<&str> = p.keywords.iter().take(2).map(String::as_str).collect();
                    (two.join(" "), true)
                });
                let title = (p.title.chars().take(12).collect::<String>(), false);
                keywords.into_iter().chain([title])
            })
            .collect();
    }
    let mut rng = Rng::new(SEED + 1);
    let keywords: Vec<&String> = papers.iter().flat_map(|p| &p.keywords).collect();
    (0..1000)
        .filter_map(|i| match i % 3 {
            0 => rng.pick(&keywords).map(|k| (k.to_string(), true)),
            1 => rng.pick(papers).map(|p| (p.title.clone(), false)),
            _ => {
                let a = rng.pick(&keywords)?;
                let b = rng.pick(&keywords)?;
                Some((format!("{a} {b}"), true))
            }
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let get = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or(0.0, |kb| kb as f64 / 1024.0)
    };
    format!(
        "VmRSS {:.0} MB (anonymous {:.0} MB, mapped index files {:.0} MB), VmHWM {:.0} MB",
        get("VmRSS:"),
        get("RssAnon:"),
        get("RssFile:"),
        get("VmHWM:")
    )
}

fn report(label: &str, times: &mut [Duration]) -> Duration {
    times.sort();
    let p50 = percentile(times, 0.5);
    println!(
        "{label:<14} {:>6} queries  p50 {:>9.3?}  p90 {:>9.3?}  p99 {:>9.3?}  max {:>9.3?}",
        times.len(),
        p50,
        percentile(times, 0.9),
        percentile(times, 0.99),
        times.last().copied().unwrap_or_default()
    );
    p50
}

fn query(n: u64, dir: &Path, papers: &[Paper]) -> Result<(), Error> {
    let queries = query_set(papers);
    let t = Instant::now();
    let index = Index::open(&dir.join("index"))?;
    println!(
        "ours:  opened {} documents in {:.1?}; {}",
        index.doc_count(),
        t.elapsed(),
        memory()
    );
    let per_page = std::env::var("BENCH_PER_PAGE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let weights = Weights {
        rerank: std::env::var_os("BENCH_NO_RERANK").is_none(),
        ..Weights::default()
    };
    let search = |text: &str| {
        index.search_with(
            &Query {
                text: text.to_string(),
                scope: Scope::Public,
                per_page,
                ..Query::default()
            },
            &weights,
        )
    };
    for (text, _) in &queries {
        search(text)?; // warm the page cache
    }
    let mut times = Vec::with_capacity(queries.len());
    let mut matched = 0u64;
    let mut slowest = Vec::new();
    for (text, _) in &queries {
        let t = Instant::now();
        let r = search(text)?;
        times.push(t.elapsed());
        matched += r.total;
        slowest.push((t.elapsed(), r.total, text));
    }
    if std::env::var_os("BENCH_SLOWEST").is_some() {
        slowest.sort();
        for (t, total, text) in slowest.iter().rev().take(12) {
            println!("  slow: {t:>9.3?} {total:>7} {text}");
        }
    }
    let ours_p50 = report("ours", &mut times);
    println!(
        "ours:  mean matching set {:.0} documents; after queries {}",
        matched as f64 / queries.len() as f64,
        memory()
    );
    let mut times = Vec::new();
    for (i, (text, _)) in queries.iter().enumerate() {
        let prefix: String = text.chars().take(1 + i % 2).collect();
        let t = Instant::now();
        index.suggest(&prefix, 8)?;
        times.push(t.elapsed());
    }
    report("ours suggest", &mut times);
    let mut s = Scorer::default();
    for p in papers {
        s.add(
            &eval::top10(&index, &Task::Keywords.query(p), &weights)?,
            &p.id,
        );
    }
    let m = s.metrics();
    println!(
        "ours:  task A among {n}: MRR@10 {:.4}, Recall@10 {:.4}",
        m.mrr10, m.recall10
    );
    drop(index);
    if std::env::var_os("BENCH_NO_PEER").is_some() {
        return Ok(());
    }

    let peer = Peer::open(PeerKind::Trigram, &dir.join("fts5.db"))?;
    let mut times = Vec::new();
    let started = Instant::now();
    for (text, kw) in &queries {
        peer.search(text, *kw, 10)?; // warm
        if started.elapsed() > PEER_BUDGET / 4 {
            break;
        }
    }
    let started = Instant::now();
    for (text, kw) in &queries {
        let t = Instant::now();
        peer.search(text, *kw, 10)?;
        times.push(t.elapsed());
        if started.elapsed() > PEER_BUDGET {
            println!("(FTS5: stopped after {} queries, time budget)", times.len());
            break;
        }
    }
    let peer_p50 = report("FTS5 trigram", &mut times);
    println!(
        "p50 ratio FTS5/ours: {:.1}x",
        peer_p50.as_secs_f64() / ours_p50.as_secs_f64().max(1e-9)
    );
    let mut s = Scorer::default();
    let started = Instant::now();
    for p in papers {
        s.add(&peer.search(&Task::Keywords.query(p), true, 10)?, &p.id);
        if started.elapsed() > PEER_BUDGET {
            break;
        }
    }
    let m = s.metrics();
    println!(
        "FTS5 trigram: task A among {n}: MRR@10 {:.4}, Recall@10 {:.4} ({} queries)",
        m.mrr10, m.recall10, m.queries
    );
    Ok(())
}
