//! The durable mail outbox: every e-mail the platform sends is a row here first,
//! written in the same transaction as the change that causes it, and stays until
//! it is sent or has failed for good. Nothing is lost on a restart.
//!
//! Workers [`claim`] a batch with a lease (PostgreSQL: `FOR UPDATE SKIP LOCKED`;
//! SQLite: one `UPDATE … WHERE id IN (SELECT …)`, writers being serialised), so two
//! processes never send the same mail; a crashed worker's lease expires and the
//! mail is claimed again. A failure is retried after 1, 5, 30 minutes, 2 and 12
//! hours; the sixth failed attempt is final. Without SMTP the mail is `held` and
//! listed for administrators; once SMTP is configured it is sent like any other.

use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};

use crate::change::{Event, record};
use crate::orgs::Page;
use crate::{Backend, Ctx, Result, Store, StoreError, new_id, now_ms};

/// Where a mail is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MailStatus {
    Queued,
    Sending,
    Sent,
    Failed,
    Held,
}

impl MailStatus {
    pub const ALL: &'static [MailStatus] = &[
        MailStatus::Queued,
        MailStatus::Sending,
        MailStatus::Sent,
        MailStatus::Failed,
        MailStatus::Held,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Queued => "queued",
            MailStatus::Sending => "sending",
            MailStatus::Sent => "sent",
            MailStatus::Failed => "failed",
            MailStatus::Held => "held",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            MailStatus::Queued => "待发送",
            MailStatus::Sending => "发送中",
            MailStatus::Sent => "已发送",
            MailStatus::Failed => "发送失败",
            MailStatus::Held => "暂存（未配置邮件服务器）",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            MailStatus::Queued => "Queued",
            MailStatus::Sending => "Sending",
            MailStatus::Sent => "Sent",
            MailStatus::Failed => "Failed",
            MailStatus::Held => "Held (no SMTP server configured)",
        }
    }

    pub fn label(self, en: bool) -> &'static str {
        if en { self.label_en() } else { self.label_zh() }
    }

    pub fn parse(s: &str) -> Option<MailStatus> {
        MailStatus::ALL.iter().copied().find(|m| m.as_str() == s)
    }
}

impl std::fmt::Display for MailStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Attempts after which a mail has failed for good.
pub const MAX_ATTEMPTS: i64 = 6;

const MINUTE: i64 = 60_000;
/// The wait after the 1st, 2nd, … failed attempt.
pub const BACKOFF_MS: [i64; 5] = [MINUTE, 5 * MINUTE, 30 * MINUTE, 120 * MINUTE, 720 * MINUTE];

/// How long to wait after `attempts` attempts have failed; `None`: give up.
pub fn backoff(attempts: i64) -> Option<i64> {
    if !(1..MAX_ATTEMPTS).contains(&attempts) {
        return None;
    }
    BACKOFF_MS.get(usize::try_from(attempts - 1).ok()?).copied()
}

/// A mail to send.
#[derive(Debug, Clone, Default)]
pub struct NewMail {
    pub to: String,
    pub subject: String,
    pub body_text: String,
    /// What makes it: `digest`, …
    pub kind: String,
    /// The record it comes from (a digest id, …).
    pub ref_id: Option<String>,
    /// The URL for the `List-Unsubscribe` header (absolute), if any.
    pub list_unsubscribe: Option<String>,
}

/// A mail in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mail {
    pub id: String,
    pub to_addr: String,
    pub subject: String,
    pub body_text: String,
    pub list_unsubscribe: Option<String>,
    pub kind: String,
    pub ref_id: Option<String>,
    pub status: MailStatus,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub sent_at: Option<i64>,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<i64>,
}

/// What [`enqueue_tx`] did with a mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enqueued {
    pub id: String,
    /// `Queued`, or `Failed` when the address cannot be used.
    pub status: MailStatus,
}

const COLUMNS: &str = "id, to_addr, subject, body_text, list_unsubscribe, kind, ref_id, status, attempts, next_attempt_at, last_error, created_at, updated_at, sent_at, claimed_by, claimed_until";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Mail> {
    let status: String = r.try_get("status")?;
    Ok(Mail {
        id: r.try_get("id")?,
        to_addr: r.try_get("to_addr")?,
        subject: r.try_get("subject")?,
        body_text: r.try_get("body_text")?,
        list_unsubscribe: r.try_get("list_unsubscribe")?,
        kind: r.try_get("kind")?,
        ref_id: r.try_get("ref_id")?,
        status: MailStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("mail status {status}")))?,
        attempts: r.try_get("attempts")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        last_error: r.try_get("last_error")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        sent_at: r.try_get("sent_at")?,
        claimed_by: r.try_get("claimed_by")?,
        claimed_until: r.try_get("claimed_until")?,
    })
}

/// Why an address cannot be used (Chinese, shown to administrators), if so.
pub fn address_problem(to: &str) -> Option<String> {
    if to.trim().is_empty() {
        return Some("收件地址为空，无法发送".into());
    }
    match ztc_domain::text::email(to) {
        Ok(Some(_)) => None,
        _ => Some(format!("收件地址“{}”格式不正确，无法发送", clip(to, 80))),
    }
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

/// `(?, ?, …), …` with `$n` numbering.
fn placeholders(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let p: Vec<String> = (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
            format!("({})", p.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Puts mails in the outbox inside the caller's transaction (`conn`). A mail whose
/// address cannot be used is recorded as `failed` with the reason, never dropped;
/// only a database error is an error (and it is the caller's to handle).
pub async fn enqueue_many_tx(
    conn: &mut AnyConnection,
    mails: &[NewMail],
    now: i64,
) -> Result<Vec<Enqueued>> {
    let mut out = Vec::with_capacity(mails.len());
    for chunk in mails.chunks(200) {
        let sql = format!(
            "INSERT INTO mail_outbox (id, to_addr, subject, body_text, list_unsubscribe, kind, ref_id, status, attempts, next_attempt_at, last_error, created_at, updated_at) VALUES {}",
            placeholders(chunk.len(), 13)
        );
        let mut q = sqlx::query(&sql);
        for m in chunk {
            let id = new_id();
            let problem = address_problem(&m.to);
            let status = if problem.is_some() {
                MailStatus::Failed
            } else {
                MailStatus::Queued
            };
            q = q
                .bind(id.clone())
                .bind(m.to.trim().to_owned())
                .bind(m.subject.clone())
                .bind(m.body_text.clone())
                .bind(m.list_unsubscribe.clone())
                .bind(m.kind.clone())
                .bind(m.ref_id.clone())
                .bind(status.as_str())
                .bind(0_i64)
                .bind(now)
                .bind(problem)
                .bind(now)
                .bind(now);
            out.push(Enqueued { id, status });
        }
        q.execute(&mut *conn).await?;
    }
    Ok(out)
}

/// Notifies people of a change inside the change's transaction: one mail of
/// `kind` per address (none when there is no address).
pub async fn notify_tx(
    conn: &mut AnyConnection,
    to: &[String],
    subject: &str,
    body: &str,
    kind: &str,
    ref_id: &str,
    now: i64,
) -> Result<()> {
    let mails: Vec<NewMail> = to
        .iter()
        .filter(|a| !a.trim().is_empty())
        .map(|a| NewMail {
            to: a.clone(),
            subject: subject.to_owned(),
            body_text: body.to_owned(),
            kind: kind.to_owned(),
            ref_id: Some(ref_id.to_owned()),
            list_unsubscribe: None,
        })
        .collect();
    if !mails.is_empty() {
        enqueue_many_tx(conn, &mails, now).await?;
    }
    Ok(())
}

/// [`enqueue_many_tx`] for one mail.
pub async fn enqueue_tx(conn: &mut AnyConnection, mail: &NewMail, now: i64) -> Result<Enqueued> {
    let mut v = enqueue_many_tx(conn, std::slice::from_ref(mail), now).await?;
    v.pop()
        .ok_or_else(|| StoreError::Other("mail not enqueued".into()))
}

/// Puts one mail in the outbox (its own transaction).
pub async fn enqueue(store: &Store, mail: &NewMail) -> Result<Enqueued> {
    let mut tx = store.pool().begin().await?;
    let e = enqueue_tx(&mut tx, mail, now_ms()).await?;
    tx.commit().await?;
    Ok(e)
}

pub async fn get(store: &Store, id: &str) -> Result<Option<Mail>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM mail_outbox WHERE id = $1"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

const READY: &str = "((status IN ('queued', 'held') AND next_attempt_at <= $3) OR (status = 'sending' AND claimed_until < $3))";

/// Claims up to `limit` mails that are ready at `now` (queued or held and due, or
/// left `sending` by a worker whose lease expired) for `worker` until
/// `now + lease_ms`. Each claim counts as an attempt. Two workers never get the
/// same mail while a lease holds.
pub async fn claim(
    store: &Store,
    now: i64,
    worker: &str,
    lease_ms: i64,
    limit: i64,
) -> Result<Vec<Mail>> {
    // A mail whose sending was interrupted on its last allowed attempt has failed.
    sqlx::query(
        "UPDATE mail_outbox SET status = 'failed', claimed_by = NULL, claimed_until = NULL, updated_at = $1,
           last_error = $2
         WHERE status = 'sending' AND claimed_until < $1 AND attempts >= $3",
    )
    .bind(now)
    .bind("发送过程多次中断（已达最多尝试次数），已停止重试")
    .bind(MAX_ATTEMPTS)
    .execute(store.pool())
    .await?;
    let lock = match store.backend() {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE mail_outbox SET status = 'sending', claimed_by = $1, claimed_until = $2, attempts = attempts + 1, updated_at = $3
         WHERE id IN (SELECT id FROM mail_outbox WHERE {READY} ORDER BY next_attempt_at, id LIMIT $4 {lock})
           AND {READY}
         RETURNING {COLUMNS}"
    );
    let rows = sqlx::query(&sql)
        .bind(worker)
        .bind(now + lease_ms)
        .bind(now)
        .bind(limit)
        .fetch_all(store.pool())
        .await?;
    let mut v = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    v.sort_by(|a, b| {
        a.next_attempt_at
            .cmp(&b.next_attempt_at)
            .then(a.id.cmp(&b.id))
    });
    Ok(v)
}

/// Records that `worker` sent mail `id`. `false`: the worker's claim had been
/// lost (its lease expired and another worker took the mail).
pub async fn mark_sent(store: &Store, id: &str, worker: &str, now: i64) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE mail_outbox SET status = 'sent', sent_at = $1, updated_at = $1, last_error = NULL,
           claimed_by = NULL, claimed_until = NULL
         WHERE id = $2 AND status = 'sending' AND claimed_by = $3",
    )
    .bind(now)
    .bind(id)
    .bind(worker)
    .execute(store.pool())
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Records that `worker` could not send mail `id`: it is queued again after the
/// backoff for its attempts, or has failed for good after [`MAX_ATTEMPTS`] (or at
/// once when `permanent`, e.g. the server refused the address). Returns the new
/// status, or `None` when the worker's claim had been lost.
pub async fn mark_failed(
    store: &Store,
    id: &str,
    worker: &str,
    error: &str,
    permanent: bool,
    now: i64,
) -> Result<Option<MailStatus>> {
    let mut tx = store.pool().begin().await?;
    let attempts: Option<i64> = sqlx::query_scalar(
        "SELECT attempts FROM mail_outbox WHERE id = $1 AND status = 'sending' AND claimed_by = $2",
    )
    .bind(id)
    .bind(worker)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(attempts) = attempts else {
        return Ok(None);
    };
    let (status, next) = match backoff(attempts) {
        Some(wait) if !permanent => (MailStatus::Queued, now + wait),
        _ => (MailStatus::Failed, now),
    };
    let n = sqlx::query(
        "UPDATE mail_outbox SET status = $1, next_attempt_at = $2, last_error = $3, updated_at = $4,
           claimed_by = NULL, claimed_until = NULL
         WHERE id = $5 AND status = 'sending' AND claimed_by = $6",
    )
    .bind(status.as_str())
    .bind(next)
    .bind(clip(error, 1000))
    .bind(now)
    .bind(id)
    .bind(worker)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok((n == 1).then_some(status))
}

/// With no SMTP server configured: marks the queued mails (and those left
/// `sending` by a crashed worker) `held`, so that administrators see they wait for
/// a mail server. A worker with SMTP sends held mail like queued mail.
pub async fn hold_all_queued(store: &Store, now: i64) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE mail_outbox SET status = 'held', updated_at = $1, claimed_by = NULL, claimed_until = NULL
         WHERE status = 'queued' OR (status = 'sending' AND claimed_until < $1)",
    )
    .bind(now)
    .execute(store.pool())
    .await?
    .rows_affected())
}

/// An administrator sends a failed (or held, or queued) mail again now, with a
/// fresh set of attempts.
pub async fn retry(store: &Store, ctx: &Ctx, id: &str) -> Result<Mail> {
    let mut tx = store.pool().begin().await?;
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM mail_outbox WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    let m = from_row(&row)?;
    if !matches!(
        m.status,
        MailStatus::Failed | MailStatus::Held | MailStatus::Queued
    ) {
        return Err(StoreError::Conflict {
            code: "mail_status_invalid",
            message: "该邮件已发送或正在发送，不能重发",
        });
    }
    if address_problem(&m.to_addr).is_some() {
        return Err(StoreError::Conflict {
            code: "email_invalid",
            message: "收件地址格式不正确，无法重发",
        });
    }
    let now = now_ms();
    sqlx::query(
        "UPDATE mail_outbox SET status = 'queued', attempts = 0, next_attempt_at = $1, updated_at = $1,
           claimed_by = NULL, claimed_until = NULL
         WHERE id = $2",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let ev = Event {
        action: "mail.retry",
        object_type: "mail",
        object_id: id,
        unit_code: None,
        before: Some(json!({ "status": m.status, "attempts": m.attempts, "error": m.last_error })),
        after: Some(json!({ "status": MailStatus::Queued, "to": m.to_addr, "kind": m.kind })),
    };
    record(&mut tx, ctx, ev).await?;
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM mail_outbox WHERE id = $1"))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    let m = from_row(&row)?;
    tx.commit().await?;
    Ok(m)
}

/// Which mails an administrator lists.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<MailStatus>,
    pub kind: Option<String>,
    /// Part of the address.
    pub to: Option<String>,
}

/// Mails, newest first.
pub async fn list(store: &Store, f: &Filter, page: i64, per_page: i64) -> Result<Page<Mail>> {
    let page = page.max(1);
    let per_page = per_page.clamp(1, 200);
    let mut cond = vec!["1 = 1".to_owned()];
    let mut args: Vec<String> = Vec::new();
    if let Some(s) = f.status {
        args.push(s.as_str().to_owned());
        cond.push(format!("status = ${}", args.len()));
    }
    if let Some(k) = &f.kind {
        args.push(k.clone());
        cond.push(format!("kind = ${}", args.len()));
    }
    if let Some(t) = f.to.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let escaped = t
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        args.push(format!("%{escaped}%"));
        cond.push(format!("LOWER(to_addr) LIKE ${} ESCAPE '\\'", args.len()));
    }
    let wh = cond.join(" AND ");
    let count_sql = format!("SELECT COUNT(*) FROM mail_outbox WHERE {wh}");
    let mut q = sqlx::query_scalar::<_, i64>(&count_sql);
    for a in &args {
        q = q.bind(a.clone());
    }
    let total = q.fetch_one(store.pool()).await?;
    let sql = format!(
        "SELECT {COLUMNS} FROM mail_outbox WHERE {wh} ORDER BY created_at DESC, id DESC LIMIT ${} OFFSET ${}",
        args.len() + 1,
        args.len() + 2
    );
    let mut q = sqlx::query(&sql);
    for a in &args {
        q = q.bind(a.clone());
    }
    let rows = q
        .bind(per_page)
        .bind((page - 1) * per_page)
        .fetch_all(store.pool())
        .await?;
    Ok(Page {
        items: rows.iter().map(from_row).collect::<Result<_>>()?,
        total,
        page,
        per_page,
    })
}

/// How many mails are in each status (every status present, zero or not).
pub async fn counts(store: &Store) -> Result<Vec<(MailStatus, i64)>> {
    let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM mail_outbox GROUP BY status")
        .fetch_all(store.pool())
        .await?;
    let mut out: Vec<(MailStatus, i64)> = MailStatus::ALL.iter().map(|s| (*s, 0)).collect();
    for r in &rows {
        let s: String = r.try_get("status")?;
        let n: i64 = r.try_get("n")?;
        if let Some(slot) = out.iter_mut().find(|(m, _)| m.as_str() == s) {
            slot.1 = n;
        }
    }
    Ok(out)
}

/// The earliest moment a queued or held mail becomes ready (for a worker's sleep).
pub async fn next_ready_at(store: &Store) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT MIN(next_attempt_at) FROM mail_outbox WHERE status IN ('queued', 'held')",
    )
    .fetch_one(store.pool())
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_schedule() {
        let got: Vec<Option<i64>> = (1..=7).map(backoff).collect();
        assert_eq!(
            got,
            [
                Some(60_000),
                Some(300_000),
                Some(1_800_000),
                Some(7_200_000),
                Some(43_200_000),
                None,
                None
            ]
        );
        assert_eq!(backoff(0), None);
    }

    #[test]
    fn addresses() {
        assert_eq!(address_problem("a@b.cn"), None);
        assert!(address_problem("").is_some_and(|m| m.contains("为空")));
        assert!(address_problem("not-an-address").is_some_and(|m| m.contains("格式不正确")));
    }

    #[test]
    fn statuses_round_trip() {
        for s in MailStatus::ALL {
            assert_eq!(MailStatus::parse(s.as_str()), Some(*s));
        }
    }
}
