//! The batch-import pipeline shared by the web (`/import`) and the command line
//! (`ztc import achievements`): check every row of a file (problems by row and
//! column, duplicates of library entries), then stream the valid rows into one
//! transaction. Memory stays bounded by the parser's working set and one batch:
//! the check keeps only titles, and the write moves rows from a parser thread
//! through a bounded channel into `BulkWriter` batches. Nothing is visible until
//! every row has arrived; any failure rolls the whole import back.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use ztc_domain::achievement::{Channel, Status};
use ztc_domain::vocab::Vocabulary;
use ztc_exchange::{ExchangeError, Limits, Problem, Row, Summary};
use ztc_store::achievements::{self, BulkWriter, NewAchievement};
use ztc_store::{Ctx, Store, StoreError};

/// Rows written per batch while streaming into the transaction.
pub const BATCH: usize = 2000;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file as a whole cannot be read (not a spreadsheet, other version, too large …).
    #[error("{}", .0.message())]
    File(#[from] ExchangeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The rows seen while writing differ from the rows checked.
    #[error("文件在导入过程中发生变化（{written}/{expected}），未导入任何数据")]
    Changed { written: usize, expected: usize },
    #[error("导入线程异常终止：{0}")]
    Worker(String),
}

impl ImportError {
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::File(e) => e.code(),
            ImportError::Store(StoreError::Conflict { code, .. }) => code,
            ImportError::Store(_) => "store",
            ImportError::Changed { .. } => "file_changed",
            ImportError::Worker(_) => "worker",
        }
    }
}

/// Reads `bytes` as .xlsx (a zip) or else as CSV, calling `on_row` for every data row.
pub fn parse_each(
    bytes: &[u8],
    vocab: &Vocabulary,
    limits: &Limits,
    on_row: impl FnMut(Row),
) -> Result<Summary, ExchangeError> {
    if bytes.starts_with(b"PK") {
        ztc_exchange::parse_xlsx_each(bytes, vocab, limits, on_row)
    } else {
        ztc_exchange::parse_csv_each(bytes, vocab, limits, on_row)
    }
}

/// The outcome of checking a file: every problem (sorted by row) and the rows that
/// will be imported.
#[derive(Debug, Default)]
pub struct Checked {
    pub rows: usize,
    pub problems: Vec<Problem>,
    /// Rows with at least one problem (never imported).
    pub bad_rows: HashSet<u32>,
    /// Valid rows that are not duplicates of library entries.
    pub to_import: usize,
}

/// The problem reported for a row whose title is already in the library.
pub fn duplicate_problem(row: u32, title: &str) -> Problem {
    Problem {
        row,
        column: "A".into(),
        header: "成果名称".into(),
        code: "duplicate_in_library".into(),
        message: format!("库中已有同名成果“{title}”"),
    }
}

/// A file to import, shared between the check and the write without copying.
#[derive(Clone)]
pub struct Source {
    pub vocab: Arc<Vocabulary>,
    pub bytes: Arc<Vec<u8>>,
    pub limits: Limits,
}

/// Checks every row (on a blocking thread) and looks up library duplicates.
pub async fn check(store: &Store, source: &Source) -> Result<Checked, ImportError> {
    let Source {
        vocab,
        bytes,
        limits,
    } = source.clone();
    let (summary, titles) = tokio::task::spawn_blocking(move || {
        let mut titles: Vec<(u32, String)> = Vec::new();
        let summary = parse_each(&bytes, &vocab, &limits, |row| {
            if let Ok(d) = row.details {
                titles.push((row.number, d.title));
            }
        })?;
        Ok::<_, ExchangeError>((summary, titles))
    })
    .await
    .map_err(|e| ImportError::Worker(e.to_string()))??;
    let names: Vec<String> = titles.iter().map(|(_, t)| t.clone()).collect();
    let existing = achievements::existing_titles(store, &names).await?;
    let mut problems = summary.problems;
    for (number, title) in &titles {
        if existing.contains(title) {
            problems.push(duplicate_problem(*number, title));
        }
    }
    problems.sort_by_key(|p| p.row);
    let bad_rows: HashSet<u32> = problems.iter().map(|p| p.row).collect();
    let to_import = titles.iter().filter(|(n, _)| !bad_rows.contains(n)).count();
    Ok(Checked {
        rows: summary.rows,
        problems,
        bad_rows,
        to_import,
    })
}

/// Whose achievements the imported rows become, and in which state.
#[derive(Debug, Clone)]
pub struct Plan {
    pub holder_org_id: String,
    pub owner_id: Option<String>,
    pub channel: Channel,
    pub status: Status,
    /// The account recorded as the collector.
    pub collected_by: String,
}

/// Writes the rows of `checked` that have no problem, in one transaction; calls
/// `progress` with the number written so far after each batch. Returns the count.
pub async fn write(
    store: &Store,
    ctx: &Ctx,
    source: Source,
    checked: Checked,
    plan: Plan,
    mut progress: impl FnMut(usize),
) -> Result<usize, ImportError> {
    let expected = checked.to_import;
    let bad_rows = checked.bad_rows;
    let (send, mut recv) = tokio::sync::mpsc::channel::<NewAchievement>(BATCH);
    let template = plan.clone();
    let Source {
        vocab,
        bytes,
        limits,
    } = source;
    let parser = tokio::task::spawn_blocking(move || {
        parse_each(&bytes, &vocab, &limits, |row| {
            if let Ok(details) = row.details
                && !bad_rows.contains(&row.number)
            {
                let item = NewAchievement {
                    details,
                    status: template.status,
                    holder_org_id: template.holder_org_id.clone(),
                    owner_id: template.owner_id.clone(),
                    channel: template.channel,
                    channel_ref: None,
                    create_key: None,
                };
                // The receiver is gone only when writing failed; the import is void then.
                let _ = send.blocking_send(item);
            }
        })
    });
    let mut writer = BulkWriter::begin(store, ctx, &plan.collected_by).await?;
    let mut batch = Vec::with_capacity(BATCH);
    let mut written = 0usize;
    while let Some(item) = recv.recv().await {
        batch.push(item);
        if batch.len() == BATCH {
            written += writer.write(&batch).await?.len();
            batch.clear();
            progress(written);
        }
    }
    written += writer.write(&batch).await?.len();
    parser
        .await
        .map_err(|e| ImportError::Worker(e.to_string()))??;
    if written != expected {
        return Err(ImportError::Changed { written, expected });
    }
    writer.commit().await?;
    progress(written);
    Ok(written)
}

/// Admission for imports: one at a time per account, and at most `capacity` at once
/// in the process (parsing is CPU-bound; the rest of the site must stay responsive).
#[derive(Clone)]
pub struct Slots {
    busy: Arc<Mutex<HashSet<String>>>,
    capacity: usize,
}

/// Held while an import runs; frees the account's slot when dropped.
pub struct Slot {
    busy: Arc<Mutex<HashSet<String>>>,
    user: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut busy) = self.busy.lock() {
            busy.remove(&self.user);
        }
    }
}

/// Why an import could not start now.
#[derive(Debug, PartialEq, Eq)]
pub enum Busy {
    /// This account already has an import running.
    Account,
    /// The process is running as many imports as it allows.
    Site,
}

impl Slots {
    pub fn new(capacity: usize) -> Slots {
        Slots {
            busy: Arc::default(),
            capacity: capacity.max(1),
        }
    }

    pub fn try_take(&self, user: &str) -> Result<Slot, Busy> {
        let mut busy = self.busy.lock().map_err(|_| Busy::Site)?;
        if busy.contains(user) {
            return Err(Busy::Account);
        }
        if busy.len() >= self.capacity {
            return Err(Busy::Site);
        }
        busy.insert(user.to_owned());
        Ok(Slot {
            busy: self.busy.clone(),
            user: user.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_import_per_account_and_a_ceiling_for_the_site() {
        let slots = Slots::new(2);
        let a = slots.try_take("a").expect("first");
        assert_eq!(slots.try_take("a").err(), Some(Busy::Account));
        let b = slots.try_take("b").expect("second account");
        assert_eq!(slots.try_take("c").err(), Some(Busy::Site));
        drop(a);
        let _a2 = slots.try_take("a").expect("freed when dropped");
        drop(b);
        let _c = slots.try_take("c").expect("room again");
    }
}
