//! Tries matching variants on the demand quality set and prints the metrics.
//! `cargo run --release -p ztc-search --example match_tune -- [terms=24,same_subfield=0.2 …]`
//! (each argument is one variant of [`MatchWeights::with_overrides`]).

use ztc_search::MatchWeights;
use ztc_search::eval::{self, DemandCase, DemandMetrics};

fn line(label: &str, a: DemandMetrics, b: DemandMetrics) {
    println!(
        "{label:<34} 001-090 nDCG@10 {:.3} R@100 {:.3} (exp {:.3} / any {:.3}) | 091-102 nDCG@10 {:.3} R@100 {:.3}",
        a.ndcg10, a.recall100, a.ndcg10_exp, a.recall100_any, b.ndcg10, b.recall100
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let papers = eval::load_csl(&eval::csl_path())?;
    let demands = eval::load_demands(&eval::demands_path())?;
    let index = eval::csl_index(&papers)?;
    let (tech, plain): (Vec<&DemandCase>, Vec<&DemandCase>) =
        demands.iter().partition(|c| !c.plain_language());
    let a = eval::score_demands(tech.iter().copied(), |c| eval::search_ranking(&index, c))?;
    let b = eval::score_demands(plain.iter().copied(), |c| eval::search_ranking(&index, c))?;
    line("search (BM25 baseline)", a, b);
    let base = MatchWeights::default();
    let mut variants: Vec<(String, MatchWeights)> = vec![("default".into(), base)];
    let args: Vec<String> = std::env::args().skip(1).collect();
    for spec in &args {
        variants.push((spec.clone(), base.with_overrides(spec)?));
    }
    for (label, w) in &variants {
        let a = eval::score_demands(tech.iter().copied(), |c| eval::match_ranking(&index, c, w))?;
        let b = eval::score_demands(plain.iter().copied(), |c| eval::match_ranking(&index, c, w))?;
        line(label, a, b);
    }
    Ok(())
}
