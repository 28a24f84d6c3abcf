//! Matching benchmark: N generated achievements and demands (`eval::Generator`,
//! fixed seed) with the 1,000 CSL papers among them as demo achievements;
//! every demand of `testdata/demands/quality.jsonl` goes through
//! `Index::match_demand` (public scope, 20 matches) several times, single
//! threaded.
//!
//! `cargo run --release -p ztc-search --example match_bench -- N [DIR]`
//!
//! DIR (default `/tmp/ztc-match-bench-N`) keeps the index: when it already
//! holds N + 1,000 documents it is reused, otherwise it is built there.
//! Prints build time, size, p50/p99/mean latency per demand and the quality
//! of the matches with the papers hidden among the N.
//!
//! Environment: `MATCH_ROUNDS` (default 5) rounds over the 102 demands;
//! `MATCH_WEIGHTS="terms=24,candidates=300"` overrides matching knobs;
//! `MATCH_SLOWEST=1` lists the slowest demands.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ztc_search::eval::{self, DemandCase, Generator, Paper};
use ztc_search::{Index, MatchWeights, Options, Scope, SearchDoc};

type Error = Box<dyn std::error::Error>;

const SEED: u64 = 42;

fn documents(n: u64, papers: &[Paper]) -> Vec<SearchDoc> {
    let mut g = Generator::new(papers, SEED);
    let mut docs: Vec<SearchDoc> = (0..n).map(|i| g.next_doc(i)).collect();
    // The real papers sit among the generated ones, spread out (as examples/bench.rs).
    for (i, p) in papers.iter().enumerate() {
        let at = (i as u64 * n / papers.len() as u64) as usize + i;
        docs.insert(at.min(docs.len()), eval::csl_achievement(i, p));
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
    let index = Index::open_with(dir, options)?;
    for chunk in docs.chunks(10_000) {
        index.upsert(chunk)?;
    }
    drop(docs);
    index.commit(Some("match-bench"))?;
    let merged = index.optimize()?;
    index.wait_merging()?;
    println!(
        "built in {:.1?} ({merged} segments merged into one)",
        t.elapsed()
    );
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args.get(1).ok_or("usage: match_bench N [DIR]")?.parse()?;
    let dir = args
        .get(2)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join(format!("ztc-match-bench-{n}")));
    let rounds: usize = std::env::var("MATCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let weights = MatchWeights::default()
        .with_overrides(&std::env::var("MATCH_WEIGHTS").unwrap_or_default())?;
    let papers = eval::load_csl(&eval::csl_path())?;
    let demands = eval::load_demands(&eval::demands_path())?;

    let expected = n + papers.len() as u64;
    let existing = if dir.join("meta.json").exists() {
        Index::open(&dir)?.doc_count()
    } else {
        0
    };
    if existing == expected {
        println!("reusing {} ({existing} documents)", dir.display());
    } else {
        build(n, &dir, &papers)?;
    }
    let t = Instant::now();
    let index = Index::open(&dir)?;
    println!(
        "N = {n} generated + {} papers = {} documents; index {:.0} MB on disk; opened in {:.1?}",
        papers.len(),
        index.doc_count(),
        dir_size(&dir) as f64 / (1024.0 * 1024.0),
        t.elapsed()
    );
    println!("weights: {weights:?}");

    let profiles: Vec<_> = demands.iter().map(DemandCase::profile).collect();
    for p in &profiles {
        index.match_demand_with(p, Scope::Public, 20, &weights)?; // warm
    }
    let mut times = Vec::with_capacity(rounds * profiles.len());
    let mut per_demand = vec![Duration::ZERO; profiles.len()];
    let started = Instant::now();
    for _ in 0..rounds {
        for (i, p) in profiles.iter().enumerate() {
            let t = Instant::now();
            let found = index.match_demand_with(p, Scope::Public, 20, &weights)?;
            let took = t.elapsed();
            std::hint::black_box(found);
            times.push(took);
            per_demand[i] = per_demand[i].max(took);
        }
    }
    let total = started.elapsed();
    times.sort();
    println!(
        "match_demand: {} calls ({} demands x {rounds}), p50 {:.2?}, p90 {:.2?}, p99 {:.2?}, max {:.2?}, mean {:.2?}",
        times.len(),
        profiles.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.9),
        percentile(&times, 0.99),
        times.last().copied().unwrap_or_default(),
        total / times.len().max(1) as u32
    );
    if std::env::var_os("MATCH_SLOWEST").is_some() {
        let mut slow: Vec<(Duration, &DemandCase)> =
            per_demand.into_iter().zip(demands.iter()).collect();
        slow.sort_by_key(|s| std::cmp::Reverse(s.0));
        for (t, c) in slow.iter().take(8) {
            println!("  slow: {t:>9.2?} {} {}", c.id, c.title);
        }
    }

    let (tech, plain): (Vec<&DemandCase>, Vec<&DemandCase>) =
        demands.iter().partition(|c| !c.plain_language());
    for (label, set) in [("dq-001..090", &tech), ("dq-091..102", &plain)] {
        let m = eval::score_demands(set.iter().copied(), |c| {
            eval::match_ranking(&index, c, &weights)
        })?;
        println!(
            "quality among {n}: {label} nDCG@10 {:.3}, Recall@100 {:.3}",
            m.ndcg10, m.recall100
        );
    }
    Ok(())
}
