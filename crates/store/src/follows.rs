//! What enterprise accounts follow (fields, keywords, how often) and the digests
//! made for them ([`digests`]). One follow per account; every change writes the
//! row, an audit record and an outbox event in one transaction. Each follow has a
//! random token for the one-click unsubscribe link `/unsubscribe/{token}`.

use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use ztc_domain::digest::{Frequency, Settings, due_before};

use crate::achievements::{delimited, undelimit};
use crate::change::{Event, record};
use crate::{Ctx, Result, Store, StoreError, now_ms};

/// An account's follow.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Follow {
    pub user_id: String,
    pub org_id: String,
    pub settings: Settings,
    /// For the link `/unsubscribe/{token}` (see [`digests::unsubscribe_url`]).
    pub unsubscribe_token: String,
    /// When the last digest run for this follow happened.
    pub last_sent_at: Option<i64>,
    /// The end of the publication period already covered.
    pub covered_to: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

const COLUMNS: &str = "f.user_id, f.org_id, f.fields, f.keywords, f.frequency, f.unsubscribe_token, f.last_sent_at, f.covered_to, f.created_at, f.updated_at, f.version";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Follow> {
    let frequency: String = r.try_get("frequency")?;
    let fields: String = r.try_get("fields")?;
    let keywords: String = r.try_get("keywords")?;
    Ok(Follow {
        user_id: r.try_get("user_id")?,
        org_id: r.try_get("org_id")?,
        settings: Settings {
            fields: undelimit(&fields),
            keywords: undelimit(&keywords),
            frequency: Frequency::parse(&frequency)
                .ok_or_else(|| StoreError::Corrupt(format!("follow frequency {frequency}")))?,
        },
        unsubscribe_token: r.try_get("unsubscribe_token")?,
        last_sent_at: r.try_get("last_sent_at")?,
        covered_to: r.try_get("covered_to")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

fn audit_view(f: &Follow) -> serde_json::Value {
    json!({ "fields": f.settings.fields, "keywords": f.settings.keywords,
            "frequency": f.settings.frequency, "version": f.version })
}

async fn fetch(conn: &mut AnyConnection, user_id: &str) -> Result<Option<Follow>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM follows f WHERE f.user_id = $1"
    ))
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The follow of `user_id`, if it has one.
pub async fn get(store: &Store, user_id: &str) -> Result<Option<Follow>> {
    let mut conn = store.pool().acquire().await?;
    fetch(&mut conn, user_id).await
}

/// The follow an unsubscribe link names.
pub async fn by_token(store: &Store, token: &str) -> Result<Option<Follow>> {
    if !plausible_token(token) {
        return Ok(None);
    }
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM follows f WHERE f.unsubscribe_token = $1"
    ))
    .bind(token)
    .fetch_optional(store.pool())
    .await?;
    row.as_ref().map(from_row).transpose()
}

fn plausible_token(t: &str) -> bool {
    t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())
}

fn new_token() -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// Creates or replaces the follow of `user_id` (validated settings, see
/// [`ztc_domain::digest::validate`]). The unsubscribe token and the period already
/// covered are kept.
pub async fn upsert(store: &Store, ctx: &Ctx, user_id: &str, s: &Settings) -> Result<Follow> {
    let mut tx = store.pool().begin().await?;
    let row = sqlx::query(
        "SELECT u.org_id, o.unit_code FROM users u JOIN organisations o ON o.id = u.org_id WHERE u.id = $1",
    )
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::Conflict {
        code: "user_unknown",
        message: "账号不存在",
    })?;
    let (org_id, unit_code): (String, String) = (row.try_get("org_id")?, row.try_get("unit_code")?);
    let before = fetch(&mut tx, user_id).await?;
    let now = now_ms();
    let fields = delimited(&s.fields);
    let keywords = delimited(&s.keywords);
    match &before {
        Some(_) => {
            sqlx::query(
                "UPDATE follows SET org_id = $1, fields = $2, keywords = $3, frequency = $4, updated_at = $5, version = version + 1
                 WHERE user_id = $6",
            )
            .bind(&org_id)
            .bind(&fields)
            .bind(&keywords)
            .bind(s.frequency.as_str())
            .bind(now)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        }
        None => {
            sqlx::query(
                "INSERT INTO follows (user_id, org_id, fields, keywords, frequency, unsubscribe_token, created_at, updated_at, version)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 1)",
            )
            .bind(user_id)
            .bind(&org_id)
            .bind(&fields)
            .bind(&keywords)
            .bind(s.frequency.as_str())
            .bind(new_token())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::unique("follow_exists", "关注设置已被同时修改，请重试"))?;
        }
    }
    let after = fetch(&mut tx, user_id).await?.ok_or(StoreError::NotFound)?;
    let ev = Event {
        action: if before.is_some() {
            "follow.update"
        } else {
            "follow.create"
        },
        object_type: "follow",
        object_id: user_id,
        unit_code: Some(&unit_code),
        before: before.as_ref().map(audit_view),
        after: Some(audit_view(&after)),
    };
    record(&mut tx, ctx, ev).await?;
    tx.commit().await?;
    Ok(after)
}

/// One-click unsubscribe: sets the follow named by `token` to [`Frequency::Off`].
/// Idempotent (a second click changes and records nothing). `None`: no follow has
/// this token.
pub async fn unsubscribe(store: &Store, ctx: &Ctx, token: &str) -> Result<Option<Follow>> {
    if !plausible_token(token) {
        return Ok(None);
    }
    let mut tx = store.pool().begin().await?;
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS}, o.unit_code FROM follows f JOIN organisations o ON o.id = f.org_id WHERE f.unsubscribe_token = $1"
    ))
    .bind(token)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let before = from_row(&row)?;
    let unit_code: String = row.try_get("unit_code")?;
    if before.settings.frequency == Frequency::Off {
        return Ok(Some(before));
    }
    sqlx::query(
        "UPDATE follows SET frequency = 'off', updated_at = $1, version = version + 1 WHERE user_id = $2",
    )
    .bind(now_ms())
    .bind(&before.user_id)
    .execute(&mut *tx)
    .await?;
    let after = fetch(&mut tx, &before.user_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let ev = Event {
        action: "follow.unsubscribe",
        object_type: "follow",
        object_id: &before.user_id,
        unit_code: Some(&unit_code),
        before: Some(audit_view(&before)),
        after: Some(audit_view(&after)),
    };
    record(&mut tx, ctx, ev).await?;
    tx.commit().await?;
    Ok(Some(after))
}

/// A due follow with what a digest needs of its account.
#[derive(Debug, Clone)]
pub(crate) struct DueRow {
    pub follow: Follow,
    pub email: Option<String>,
    pub display_name: String,
}

async fn due_rows(store: &Store, now: i64, limit: i64, after: &str) -> Result<Vec<DueRow>> {
    let never = i64::MIN;
    let daily = due_before(Frequency::Daily, now).unwrap_or(never);
    let weekly = due_before(Frequency::Weekly, now).unwrap_or(never);
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS}, u.email, u.display_name FROM follows f JOIN users u ON u.id = f.user_id
         WHERE u.status = 'active' AND f.user_id > $1
           AND ((f.frequency = 'daily' AND (f.last_sent_at IS NULL OR f.last_sent_at < $2))
             OR (f.frequency = 'weekly' AND (f.last_sent_at IS NULL OR f.last_sent_at < $3)))
         ORDER BY f.user_id LIMIT $4"
    ))
    .bind(after)
    .bind(daily)
    .bind(weekly)
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DueRow {
                follow: from_row(r)?,
                email: r.try_get("email")?,
                display_name: r.try_get("display_name")?,
            })
        })
        .collect()
}

/// Up to `limit` follows of active accounts whose digest is due at `now`
/// ([`ztc_domain::digest::due`]), by user id after `after` (`""` to start).
pub async fn due(store: &Store, now: i64, limit: i64, after: &str) -> Result<Vec<Follow>> {
    Ok(due_rows(store, now, limit, after)
        .await?
        .into_iter()
        .map(|d| d.follow)
        .collect())
}

/// How many follows there are at each frequency.
pub async fn counts(store: &Store) -> Result<Vec<(Frequency, i64)>> {
    let rows = sqlx::query("SELECT frequency, COUNT(*) AS n FROM follows GROUP BY frequency")
        .fetch_all(store.pool())
        .await?;
    let mut out: Vec<(Frequency, i64)> = Frequency::ALL.iter().map(|f| (*f, 0)).collect();
    for r in &rows {
        let f: String = r.try_get("frequency")?;
        let n: i64 = r.try_get("n")?;
        if let Some(slot) = out.iter_mut().find(|(x, _)| x.as_str() == f) {
            slot.1 = n;
        }
    }
    Ok(out)
}

/// Digests: made by [`digests::generate`] for every due follow, shown in the site
/// ("my digests") and sent by e-mail through the [`crate::mail`] outbox.
pub mod digests {
    use serde::Serialize;
    use serde_json::json;
    use sqlx::Row;
    use ztc_domain::demand::{day_string, today};
    use ztc_domain::digest::{Catalog, DAY_MS, Entry, Hit, Reason, limits, period_from};
    use ztc_domain::vocab::Vocabulary;

    use super::{DueRow, due_rows};
    use crate::achievements::{corrupt, undelimit};
    use crate::change::{Event, record};
    use crate::mail::{self, MailStatus, NewMail};
    use crate::orgs::Page;
    use crate::{Ctx, Result, Store, StoreError, new_id};

    /// A digest's period ends this long before the run, so that a publication
    /// whose transaction commits a moment after its `published_at` is not missed.
    pub const SETTLE_MS: i64 = 5 * 60_000;
    /// Follows read from the database at a time.
    const PAGE: i64 = 1000;
    /// Follows written per transaction.
    const BATCH: usize = 100;

    /// Where the web layer shows a member's digests, follow settings, an entry.
    pub const MY_DIGESTS_PATH: &str = "/me/digests";
    pub const FOLLOW_PATH: &str = "/me/follow";

    /// A digest as listed.
    #[derive(Debug, Clone, PartialEq, Serialize)]
    pub struct Digest {
        pub id: String,
        pub user_id: String,
        pub org_id: String,
        pub created_at: i64,
        pub period_from: i64,
        pub period_to: i64,
        /// Entries matched (at most [`limits::ITEMS`] are kept as items).
        pub item_count: i64,
        pub mail_id: Option<String>,
        pub mail_status: Option<MailStatus>,
    }

    /// One entry of a digest.
    #[derive(Debug, Clone, PartialEq, Serialize)]
    pub struct Item {
        pub position: i64,
        pub achievement_id: String,
        pub title: String,
        pub holder_org_name: String,
        pub field_code: Option<String>,
        pub subfield_code: Option<String>,
        pub status: String,
        pub published_at: Option<i64>,
        pub reasons: Vec<Reason>,
    }

    /// What one run did.
    #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
    pub struct Report {
        /// Follows that were due.
        pub due: usize,
        /// Entries published in the longest period looked at.
        pub entries: usize,
        pub digests: usize,
        pub items: usize,
        /// Mails put in the outbox (queued).
        pub mails: usize,
        /// Mails recorded as failed at once (unusable address).
        pub bad_addresses: usize,
        /// Follows changed by someone else during the run (left for the next one).
        pub skipped: usize,
    }

    fn join(base_url: &str, path: &str) -> String {
        format!("{}{path}", base_url.trim_end_matches('/'))
    }

    /// The one-click unsubscribe link; relative when `base_url` is empty.
    pub fn unsubscribe_url(base_url: &str, token: &str) -> String {
        join(base_url, &format!("/unsubscribe/{token}"))
    }

    /// A library entry's page.
    pub fn entry_url(base_url: &str, achievement_id: &str) -> String {
        join(base_url, &format!("/achievements/{achievement_id}"))
    }

    fn absolute(base_url: &str) -> bool {
        base_url.starts_with("https://") || base_url.starts_with("http://")
    }

    struct Loaded {
        catalog: Catalog,
        holders: Vec<String>,
    }

    async fn load_entries(store: &Store, from: i64, to: i64) -> Result<Loaded> {
        let rows = sqlx::query(
            "SELECT a.id, a.title, a.field_code, a.subfield_code, a.keywords, a.summary, a.published_at, o.name AS holder
             FROM achievements a JOIN organisations o ON o.id = a.holder_org_id
             WHERE a.status = 'published' AND a.published_at > $1 AND a.published_at <= $2
             ORDER BY a.published_at, a.id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(store.pool())
        .await?;
        let mut entries = Vec::with_capacity(rows.len());
        let mut holders = Vec::with_capacity(rows.len());
        for r in &rows {
            let kw: String = r.try_get("keywords")?;
            entries.push(Entry {
                id: r.try_get("id")?,
                title: r.try_get("title")?,
                field: r.try_get("field_code")?,
                subfield: r.try_get("subfield_code")?,
                keywords: undelimit(&kw),
                summary: r.try_get("summary")?,
                published_at: r.try_get("published_at")?,
            });
            holders.push(r.try_get("holder")?);
        }
        Ok(Loaded {
            catalog: Catalog::new(entries),
            holders,
        })
    }

    /// A digest about to be written.
    struct Plan {
        row: DueRow,
        from: i64,
        hits: Vec<Hit>,
        total: usize,
    }

    /// The mail of a digest: plain text, in Chinese.
    #[allow(clippy::too_many_arguments)]
    fn compose(
        vocab: &Vocabulary,
        loaded: &Loaded,
        base_url: &str,
        name: &str,
        token: &str,
        from: i64,
        to: i64,
        hits: &[Hit],
        total: usize,
    ) -> (String, String) {
        let first = day_string(today(from + 1));
        let last = day_string(today(to));
        let subject = format!("【火炬科技成果直通车】{total} 项新入库成果符合您的关注（{last}）");
        let mut b = String::with_capacity(256 + hits.len() * 200);
        b.push_str(&format!("{name}，您好：\n\n"));
        b.push_str(&format!(
            "{first} 至 {last}，科技成果库新入库 {total} 项符合您关注的领域或关键词的成果"
        ));
        if total > hits.len() {
            b.push_str(&format!("，以下列出其中 {} 项", hits.len()));
        }
        b.push_str("：\n\n");
        let entries = loaded.catalog.entries();
        for (i, h) in hits.iter().enumerate() {
            let e = &entries[h.entry];
            let why: Vec<String> = h.reasons.iter().map(|r| r.describe(vocab, false)).collect();
            b.push_str(&format!(
                "{}. {}\n   持有单位：{}\n   匹配原因：{}\n   {}\n\n",
                i + 1,
                e.title,
                loaded.holders.get(h.entry).map_or("", String::as_str),
                why.join("；"),
                entry_url(base_url, &e.id)
            ));
        }
        b.push_str(&format!(
            "查看全部推送：{}\n调整关注的领域、关键词或接收频率：{}\n不再接收（一键退订）：{}\n\n此邮件由火炬科技成果直通车平台自动发送，请勿直接回复。\n",
            join(base_url, MY_DIGESTS_PATH),
            join(base_url, FOLLOW_PATH),
            unsubscribe_url(base_url, token)
        ));
        (subject, b)
    }

    /// Makes the digests due at `now`: for every due follow (of an active account),
    /// the entries published since its period began that match its fields (a
    /// sub-field or the field above it) or keywords; one digest with its items per
    /// follow with at least one match, and a mail in the outbox when the account
    /// has an address. Every due follow is marked as sent in the same transaction
    /// as its digest, a hundred follows per transaction: a crash loses nothing, and
    /// a second run sends nothing twice. A follow changed meanwhile (by its owner or
    /// by another process running digests) is skipped and left for the next run.
    /// `base_url` (e.g. `https://ztc.example.cn`) makes the links in the mail.
    pub async fn generate(store: &Store, now: i64, base_url: &str) -> Result<Report> {
        let period_to = now - SETTLE_MS;
        let vocab = Vocabulary::builtin().map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut loaded: Option<Loaded> = None;
        let mut report = Report::default();
        let mut after = String::new();
        loop {
            let rows = due_rows(store, now, PAGE, &after).await?;
            let Some(last) = rows.last() else {
                break;
            };
            after = last.follow.user_id.clone();
            report.due += rows.len();
            if loaded.is_none() {
                let earliest = period_to - limits::MAX_PERIOD_DAYS * DAY_MS;
                let l = load_entries(store, earliest, period_to).await?;
                report.entries = l.catalog.len();
                loaded = Some(l);
            }
            let Some(l) = loaded.as_mut() else {
                break;
            };
            let mut rows = rows.into_iter().peekable();
            while rows.peek().is_some() {
                let mut plans = Vec::with_capacity(BATCH);
                for row in rows.by_ref().take(BATCH) {
                    let from = period_from(row.follow.covered_to, period_to);
                    let (hits, total) =
                        l.catalog.matches(&row.follow.settings, from, limits::ITEMS);
                    plans.push(Plan {
                        row,
                        from,
                        hits,
                        total,
                    });
                }
                write_batch(
                    store,
                    &vocab,
                    l,
                    base_url,
                    now,
                    period_to,
                    plans,
                    &mut report,
                )
                .await?;
            }
        }
        if report.due > 0 {
            let mut tx = store.pool().begin().await?;
            let id = new_id();
            let ev = Event {
                action: "digest.run",
                object_type: "digest_run",
                object_id: &id,
                unit_code: None,
                before: None,
                after: Some(json!(report)),
            };
            record(&mut tx, &Ctx::system("digests"), ev).await?;
            tx.commit().await?;
        }
        Ok(report)
    }

    fn placeholders(rows: usize, cols: usize) -> String {
        (0..rows)
            .map(|r| {
                let p: Vec<String> = (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
                format!("({})", p.join(", "))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    #[allow(clippy::too_many_arguments)]
    async fn write_batch(
        store: &Store,
        vocab: &Vocabulary,
        loaded: &Loaded,
        base_url: &str,
        now: i64,
        period_to: i64,
        plans: Vec<Plan>,
        report: &mut Report,
    ) -> Result<()> {
        let mut tx = store.pool().begin().await?;
        let mut kept = Vec::with_capacity(plans.len());
        let mut skipped = 0;
        for p in plans {
            let f = &p.row.follow;
            let covered = f.covered_to.map_or(period_to, |c| c.max(period_to));
            let n = sqlx::query(
                "UPDATE follows SET last_sent_at = $1, covered_to = $2, version = version + 1
                 WHERE user_id = $3 AND version = $4",
            )
            .bind(now)
            .bind(covered)
            .bind(&f.user_id)
            .bind(f.version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                if p.total > 0 {
                    kept.push(p);
                }
            } else {
                skipped += 1;
            }
        }
        let ids: Vec<String> = kept.iter().map(|_| new_id()).collect();
        let mut mails = Vec::new();
        let mut mail_of = vec![None; kept.len()];
        for (i, p) in kept.iter().enumerate() {
            let Some(to) = p.row.email.as_deref().filter(|e| !e.trim().is_empty()) else {
                continue;
            };
            let token = &p.row.follow.unsubscribe_token;
            let (subject, body_text) = compose(
                vocab,
                loaded,
                base_url,
                &p.row.display_name,
                token,
                p.from,
                period_to,
                &p.hits,
                p.total,
            );
            mail_of[i] = Some(mails.len());
            mails.push(NewMail {
                to: to.to_owned(),
                subject,
                body_text,
                kind: "digest".into(),
                ref_id: Some(ids[i].clone()),
                list_unsubscribe: absolute(base_url).then(|| unsubscribe_url(base_url, token)),
            });
        }
        let queued = mail::enqueue_many_tx(&mut tx, &mails, now).await?;
        for chunk in (0..kept.len()).collect::<Vec<_>>().chunks(500) {
            let sql = format!(
                "INSERT INTO digests (id, user_id, org_id, created_at, period_from, period_to, item_count, mail_id) VALUES {}",
                placeholders(chunk.len(), 8)
            );
            let mut q = sqlx::query(&sql);
            for &i in chunk {
                let p = &kept[i];
                q = q
                    .bind(ids[i].clone())
                    .bind(p.row.follow.user_id.clone())
                    .bind(p.row.follow.org_id.clone())
                    .bind(now)
                    .bind(p.from)
                    .bind(period_to)
                    .bind(p.total as i64)
                    .bind(mail_of[i].and_then(|m| queued.get(m)).map(|e| e.id.clone()));
            }
            q.execute(&mut *tx).await?;
        }
        let items: Vec<(usize, usize, &Hit)> = kept
            .iter()
            .enumerate()
            .flat_map(|(i, p)| p.hits.iter().enumerate().map(move |(pos, h)| (i, pos, h)))
            .collect();
        for chunk in items.chunks(1000) {
            let sql = format!(
                "INSERT INTO digest_items (digest_id, achievement_id, position, reasons) VALUES {}",
                placeholders(chunk.len(), 4)
            );
            let mut q = sqlx::query(&sql);
            for (i, pos, h) in chunk {
                let reasons = serde_json::to_string(&h.reasons).map_err(corrupt("reasons"))?;
                q = q
                    .bind(ids[*i].clone())
                    .bind(loaded.catalog.entries()[h.entry].id.clone())
                    .bind(*pos as i64 + 1)
                    .bind(reasons);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        report.skipped += skipped;
        report.digests += kept.len();
        report.items += items.len();
        report.mails += queued
            .iter()
            .filter(|e| e.status == MailStatus::Queued)
            .count();
        report.bad_addresses += queued
            .iter()
            .filter(|e| e.status == MailStatus::Failed)
            .count();
        Ok(())
    }

    const COLUMNS: &str = "d.id, d.user_id, d.org_id, d.created_at, d.period_from, d.period_to, d.item_count, d.mail_id, m.status AS mail_status";
    const FROM: &str = "FROM digests d LEFT JOIN mail_outbox m ON m.id = d.mail_id";

    fn from_row(r: &sqlx::any::AnyRow) -> Result<Digest> {
        let status: Option<String> = r.try_get("mail_status")?;
        Ok(Digest {
            id: r.try_get("id")?,
            user_id: r.try_get("user_id")?,
            org_id: r.try_get("org_id")?,
            created_at: r.try_get("created_at")?,
            period_from: r.try_get("period_from")?,
            period_to: r.try_get("period_to")?,
            item_count: r.try_get("item_count")?,
            mail_id: r.try_get("mail_id")?,
            mail_status: status.as_deref().and_then(MailStatus::parse),
        })
    }

    /// A member's digests, newest first.
    pub async fn list_for_user(
        store: &Store,
        user_id: &str,
        page: i64,
        per_page: i64,
    ) -> Result<Page<Digest>> {
        let page = page.max(1);
        let per_page = per_page.clamp(1, 100);
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM digests WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(store.pool())
            .await?;
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} {FROM} WHERE d.user_id = $1 ORDER BY d.created_at DESC, d.id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(user_id)
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

    /// One of `user_id`'s digests with its entries (`None`: not theirs, or none).
    pub async fn get_for_user(
        store: &Store,
        user_id: &str,
        id: &str,
    ) -> Result<Option<(Digest, Vec<Item>)>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} {FROM} WHERE d.id = $1 AND d.user_id = $2"
        ))
        .bind(id)
        .bind(user_id)
        .fetch_optional(store.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let digest = from_row(&row)?;
        let rows = sqlx::query(
            "SELECT i.position, i.achievement_id, i.reasons, a.title, a.field_code, a.subfield_code, a.status, a.published_at, o.name AS holder
             FROM digest_items i JOIN achievements a ON a.id = i.achievement_id
             JOIN organisations o ON o.id = a.holder_org_id
             WHERE i.digest_id = $1 ORDER BY i.position",
        )
        .bind(id)
        .fetch_all(store.pool())
        .await?;
        let mut items = Vec::with_capacity(rows.len());
        for r in &rows {
            let reasons: String = r.try_get("reasons")?;
            items.push(Item {
                position: r.try_get("position")?,
                achievement_id: r.try_get("achievement_id")?,
                title: r.try_get("title")?,
                holder_org_name: r.try_get("holder")?,
                field_code: r.try_get("field_code")?,
                subfield_code: r.try_get("subfield_code")?,
                status: r.try_get("status")?,
                published_at: r.try_get("published_at")?,
                reasons: serde_json::from_str(&reasons).map_err(corrupt("reasons"))?,
            });
        }
        Ok(Some((digest, items)))
    }

    /// Removes digests made before `before` (and their items); returns how many.
    pub async fn prune(store: &Store, before: i64) -> Result<u64> {
        let mut tx = store.pool().begin().await?;
        sqlx::query(
            "DELETE FROM digest_items WHERE digest_id IN (SELECT id FROM digests WHERE created_at < $1)",
        )
        .bind(before)
        .execute(&mut *tx)
        .await?;
        let n = sqlx::query("DELETE FROM digests WHERE created_at < $1")
            .bind(before)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n)
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn links() {
            assert_eq!(
                super::unsubscribe_url("https://ztc.example.cn/", "ab"),
                "https://ztc.example.cn/unsubscribe/ab"
            );
            assert_eq!(super::unsubscribe_url("", "ab"), "/unsubscribe/ab");
            assert_eq!(super::entry_url("", "x"), "/achievements/x");
            assert!(!super::absolute("/"));
        }
    }
}
