//! Benchmark: generates an N-row .xlsx from recombined CSL abstracts, then times
//! `parse_xlsx` on it in a fresh process and prints rows/s and peak memory.
//!
//! ```text
//! cargo run --release -p ztc-exchange --example gen_and_parse -- 100000
//! ```

#[path = "../tests/support/csl.rs"]
mod csl;

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use ztc_domain::vocab::Vocabulary;
use ztc_exchange::{ExportOptions, ExportRow, Limits, export_xlsx, parse_xlsx, parse_xlsx_each};

/// Peak resident memory of this process in MB (VmHWM), when /proc has it.
fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn mb(x: Option<f64>) -> String {
    x.map(|m| format!("{m:.0} MB"))
        .unwrap_or_else(|| "n/a".into())
}

/// Times `parse_xlsx` (all rows kept in a `Batch`) or, with `stream`,
/// `parse_xlsx_each` (rows handed over one by one and dropped).
fn parse(path: &str, stream: bool) -> Result<(), Box<dyn std::error::Error>> {
    let vocab = Vocabulary::builtin()?;
    let bytes = std::fs::read(path)?;
    let defaults = Limits::default();
    // Full rows of CSL text take ~700 bytes each once compressed, so 100,000 of
    // them exceed the default 50 MB: raise the file limit for the benchmark.
    let limits = Limits {
        max_bytes: defaults.max_bytes.max(bytes.len() as u64),
        ..defaults.clone()
    };
    if bytes.len() as u64 > defaults.max_bytes {
        println!(
            "note: the file is over the default limit of {} MB; raised for this run",
            defaults.max_bytes / (1024 * 1024)
        );
    }
    let before = peak_mb();
    let start = Instant::now();
    let (name, rows, valid, problems) = if stream {
        let mut chars = 0usize;
        let s = parse_xlsx_each(&bytes, &vocab, &limits, |row| {
            chars += row.form.technical.len();
        })
        .map_err(|e| e.message())?;
        std::hint::black_box(chars);
        ("parse_xlsx_each", s.rows, s.valid, s.problems)
    } else {
        let b = parse_xlsx(&bytes, &vocab, &limits).map_err(|e| e.message())?;
        let valid = b.valid_rows().count();
        ("parse_xlsx", b.rows.len(), valid, b.problems)
    };
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{name}: {rows} rows ({valid} valid, {} problems) in {secs:.2} s = {:.0} rows/s, \
         peak resident memory {} (of which {} before parsing, file in memory)",
        problems.len(),
        rows as f64 / secs,
        mb(peak_mb()),
        mb(before)
    );
    for p in problems.iter().take(3) {
        println!(
            "  problem: row {} {} {}: {}",
            p.row, p.column, p.header, p.message
        );
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if let Some(mode @ ("--parse" | "--stream")) = args.get(1).map(String::as_str) {
        let path = args.get(2).ok_or("--parse PATH")?;
        return parse(path, mode == "--stream");
    }
    let n: usize = args
        .get(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100_000);

    let vocab = Vocabulary::builtin()?;
    let records = csl::records();
    let start = Instant::now();
    // GEN_SEED: another recombination (bench/search-http imports 1M rows as
    // two files of 500k, since one import file may not exceed 512 MB).
    let seed: u64 = std::env::var("GEN_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2026);
    let mut details = csl::details(&records, &vocab, n, seed);
    if seed != 2026 {
        // Titles are numbered by row; another part needs titles of its own.
        for d in &mut details {
            d.title = format!("{}·{seed}", d.title);
        }
    }
    let rows: Vec<ExportRow> = details.into_iter().map(Into::into).collect();
    let bytes = export_xlsx(&rows, &vocab, &ExportOptions::default()).map_err(|e| e.message())?;
    drop(rows);
    let path: PathBuf = std::env::temp_dir().join(if seed == 2026 {
        format!("ztc-exchange-bench-{n}.xlsx")
    } else {
        format!("ztc-exchange-bench-{n}-{seed}.xlsx")
    });
    std::fs::write(&path, &bytes)?;
    println!(
        "generate: {n} rows in {:.1} s, file {} = {:.1} MB (generator peak {})",
        start.elapsed().as_secs_f64(),
        path.display(),
        bytes.len() as f64 / (1024.0 * 1024.0),
        mb(peak_mb())
    );
    drop(bytes);

    // GEN_ONLY=1: the file is all the caller wants (bench/search-http).
    if std::env::var_os("GEN_ONLY").is_some() {
        return Ok(());
    }
    // Parse in a fresh process so that its peak memory is the parser's own.
    let mut ok = true;
    for mode in ["--parse", "--stream"] {
        ok &= Command::new(std::env::current_exe()?)
            .arg(mode)
            .arg(&path)
            .status()?
            .success();
    }
    if std::env::var_os("KEEP").is_none() {
        let _ = std::fs::remove_file(&path);
    }
    if !ok {
        return Err("parsing failed".into());
    }
    Ok(())
}
