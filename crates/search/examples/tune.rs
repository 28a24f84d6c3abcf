//! Tries ranking variants on the CSL tasks (ours only) and prints MRR@10.
//! `cargo run -p ztc-search --example tune [N_HIDDEN]`

use ztc_search::eval::{self, Generator, Task};
use ztc_search::{Index, SearchDoc, Weights};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let hidden: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let papers = eval::load_csl(&eval::csl_path())?;
    let base = Weights::default();
    let variants: Vec<(&str, Weights)> = vec![
        ("default", base),
        (
            "no rerank",
            Weights {
                rerank: false,
                ..base
            },
        ),
    ];
    let mut generator = Generator::new(&papers, 7);
    let generated: Vec<SearchDoc> = (0..hidden).map(|n| generator.next_doc(n)).collect();
    for (label, task, extra) in [
        ("B", Task::TitleToAbstract, &[][..]),
        ("A@N", Task::Keywords, &generated[..]),
    ] {
        let index = Index::in_ram()?;
        index.upsert(&papers.iter().map(|p| task.doc(p)).collect::<Vec<_>>())?;
        for c in extra.chunks(5000) {
            index.upsert(c)?;
        }
        index.commit(None)?;
        for (name, w) in &variants {
            let t = std::time::Instant::now();
            let m = eval::measure(&index, &papers, task, w)?;
            println!(
                "{label:<4} {name:<28} MRR@10 {:.4} R@10 {:.4} ({:.1?})",
                m.mrr10,
                m.recall10,
                t.elapsed()
            );
        }
    }
    Ok(())
}
