//! The achievement library: create, save, submit, list and read achievements. Every
//! change writes the row, a version, an audit record and an outbox event in one
//! transaction; a stale version is refused, so concurrent edits never overwrite each
//! other silently.

use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use ztc_domain::Resource;
use ztc_domain::achievement::{Channel, Condition, Details, Status, conditions};

use crate::change::{Event, record};
use crate::orgs::Page;
use crate::{Ctx, Result, Store, StoreError, new_id, now_ms};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Achievement {
    pub id: String,
    pub status: Status,
    pub details: Details,
    /// Collection conditions (SPEC §4.7) as judged at the last save.
    pub flags: Vec<Condition>,
    pub holder_org_id: String,
    pub holder_org_name: String,
    pub owner_id: Option<String>,
    pub collected_by: String,
    pub channel: Channel,
    pub channel_ref: Option<String>,
    pub region_code: String,
    pub unit_code: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub submitted_at: Option<i64>,
    pub published_at: Option<i64>,
    pub version: i64,
}

impl Achievement {
    /// The policy's view of this achievement.
    pub fn resource(&self) -> Resource {
        Resource::Achievement {
            unit_code: self.unit_code.clone(),
            org_id: self.holder_org_id.clone(),
            owner_id: self.owner_id.clone(),
            status: self.status,
        }
    }

    pub fn unmet(&self) -> impl Iterator<Item = &Condition> {
        self.flags.iter().filter(|c| !c.met)
    }
}

/// What a list shows of an achievement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub id: String,
    pub status: Status,
    pub title: String,
    pub field_code: Option<String>,
    pub subfield_code: Option<String>,
    pub trl: Option<i64>,
    pub stage: Option<String>,
    pub cooperation_modes: Vec<String>,
    pub keywords: Vec<String>,
    pub summary: Option<String>,
    pub holder_org_name: String,
    pub region_code: String,
    pub unit_code: String,
    pub updated_at: i64,
    pub published_at: Option<i64>,
}

/// A new achievement.
#[derive(Debug, Clone)]
pub struct NewAchievement {
    pub details: Details,
    /// `Draft` or `Submitted`.
    pub status: Status,
    pub holder_org_id: String,
    pub owner_id: Option<String>,
    pub channel: Channel,
    pub channel_ref: Option<String>,
    /// The form's one-time key (double submission creates one record).
    pub create_key: Option<String>,
}

pub(crate) fn delimited(items: &[String]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let clean: Vec<String> = items.iter().map(|i| i.replace(',', " ")).collect();
    format!(",{},", clean.join(","))
}

pub(crate) fn undelimit(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

pub(crate) fn corrupt(what: &str) -> impl FnOnce(serde_json::Error) -> StoreError + '_ {
    move |e| StoreError::Corrupt(format!("{what}: {e}"))
}

const COLUMNS: &str = "a.id, a.status, a.details, a.flags, a.holder_org_id, o.name AS holder_org_name, a.owner_id, a.collected_by, a.channel, a.channel_ref, a.region_code, a.unit_code, a.created_at, a.updated_at, a.submitted_at, a.published_at, a.version";
const FROM: &str = "FROM achievements a JOIN organisations o ON o.id = a.holder_org_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Achievement> {
    let status: String = r.try_get("status")?;
    let channel: String = r.try_get("channel")?;
    let details: String = r.try_get("details")?;
    let flags: String = r.try_get("flags")?;
    Ok(Achievement {
        id: r.try_get("id")?,
        status: Status::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("status {status}")))?,
        details: serde_json::from_str(&details).map_err(corrupt("details"))?,
        flags: serde_json::from_str(&flags).map_err(corrupt("flags"))?,
        holder_org_id: r.try_get("holder_org_id")?,
        holder_org_name: r.try_get("holder_org_name")?,
        owner_id: r.try_get("owner_id")?,
        collected_by: r.try_get("collected_by")?,
        channel: Channel::parse(&channel)
            .ok_or_else(|| StoreError::Corrupt(format!("channel {channel}")))?,
        channel_ref: r.try_get("channel_ref")?,
        region_code: r.try_get("region_code")?,
        unit_code: r.try_get("unit_code")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        submitted_at: r.try_get("submitted_at")?,
        published_at: r.try_get("published_at")?,
        version: r.try_get("version")?,
    })
}

async fn fetch(conn: &mut AnyConnection, id: &str) -> Result<Option<Achievement>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} {FROM} WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The achievements with these ids (those that exist), in no particular order.
pub async fn get_many(store: &Store, ids: &[String]) -> Result<Vec<Achievement>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT {COLUMNS} {FROM} WHERE a.id IN ({})",
            (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(id);
        }
        for row in q.fetch_all(store.pool()).await? {
            out.push(from_row(&row)?);
        }
    }
    Ok(out)
}

/// Up to `limit` achievements with ids after `after` (all of them, page by page,
/// for a full reindex).
pub async fn scan(store: &Store, after: &str, limit: i64) -> Result<Vec<Achievement>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} {FROM} WHERE a.id > $1 ORDER BY a.id LIMIT $2"
    ))
    .bind(after)
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// How many achievements there are (any state).
pub async fn count(store: &Store) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM achievements")
        .fetch_one(store.pool())
        .await?)
}

pub async fn get(store: &Store, id: &str) -> Result<Option<Achievement>> {
    let mut conn = store.pool().acquire().await?;
    fetch(&mut conn, id).await
}

async fn write_version(conn: &mut AnyConnection, ctx: &Ctx, a: &Achievement) -> Result<()> {
    let details = serde_json::to_string(&a.details).map_err(corrupt("details"))?;
    sqlx::query("INSERT INTO achievement_versions (achievement_id, version, status, details, actor_id, at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&a.id)
        .bind(a.version)
        .bind(a.status.as_str())
        .bind(details)
        .bind(ctx.actor_id.clone())
        .bind(a.updated_at)
        .execute(conn)
        .await?;
    Ok(())
}

fn audit_view(a: &Achievement) -> serde_json::Value {
    json!({ "title": a.details.title, "status": a.status, "version": a.version, "subfield": a.details.subfield, "trl": a.details.trl })
}

/// Creates an achievement. If `create_key` was used before, the earlier record is
/// returned unchanged.
pub async fn create(
    store: &Store,
    ctx: &Ctx,
    collected_by: &str,
    new: &NewAchievement,
) -> Result<Achievement> {
    let mut tx = store.pool().begin().await?;
    if let Some(key) = &new.create_key {
        let existing: Option<String> =
            sqlx::query_scalar("SELECT id FROM achievements WHERE create_key = $1")
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(id) = existing {
            return fetch(&mut tx, &id).await?.ok_or(StoreError::NotFound);
        }
    }
    let org: Option<(String, String)> =
        sqlx::query("SELECT region_code, unit_code FROM organisations WHERE id = $1")
            .bind(&new.holder_org_id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| Ok::<_, sqlx::Error>((r.try_get("region_code")?, r.try_get("unit_code")?)))
            .transpose()?;
    let (region_code, unit_code) = org.ok_or(StoreError::Conflict {
        code: "holder_org_unknown",
        message: "成果持有单位不存在",
    })?;
    let now = now_ms();
    let id = new_id();
    let d = &new.details;
    let flags = conditions(d);
    let submitted_at = (new.status != Status::Draft).then_some(now);
    let published_at = (new.status == Status::Published).then_some(now);
    sqlx::query(
        "INSERT INTO achievements (id, status, title, field_code, subfield_code, trl, stage, tech_level, cooperation_modes, keywords, summary,
           holder_org_id, owner_id, collected_by, channel, channel_ref, region_code, unit_code, details, flags, create_key,
           created_at, updated_at, submitted_at, published_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22, $23, $24, 1)",
    )
    .bind(&id)
    .bind(new.status.as_str())
    .bind(&d.title)
    .bind(&d.field)
    .bind(&d.subfield)
    .bind(d.trl.map(i64::from))
    .bind(&d.stage)
    .bind(&d.tech_level)
    .bind(delimited(&d.cooperation_modes))
    .bind(delimited(&d.keywords))
    .bind(&d.summary)
    .bind(&new.holder_org_id)
    .bind(&new.owner_id)
    .bind(collected_by)
    .bind(new.channel.as_str())
    .bind(&new.channel_ref)
    .bind(&region_code)
    .bind(&unit_code)
    .bind(serde_json::to_string(d).map_err(corrupt("details"))?)
    .bind(serde_json::to_string(&flags).map_err(corrupt("flags"))?)
    .bind(&new.create_key)
    .bind(now)
    .bind(submitted_at)
    .bind(published_at)
    .execute(&mut *tx)
    .await
    .map_err(StoreError::unique("duplicate_submission", "该表单已提交过"))?;
    let a = fetch(&mut tx, &id).await?.ok_or(StoreError::NotFound)?;
    write_version(&mut tx, ctx, &a).await?;
    let ev = Event {
        action: "achievement.create",
        object_type: "achievement",
        object_id: &id,
        unit_code: Some(&unit_code),
        before: None,
        after: Some(audit_view(&a)),
    };
    record(&mut tx, ctx, ev).await?;
    tx.commit().await?;
    Ok(a)
}

/// Saves a new form over `current` (which must still be the stored version) and
/// moves it to `next`: the same status for a plain save, `Submitted` to submit (or to
/// send a library entry with substantive changes back to review).
pub async fn update(
    store: &Store,
    ctx: &Ctx,
    current: &Achievement,
    details: &Details,
    next: Status,
) -> Result<Achievement> {
    if !current.status.editable_by_holder()
        || (next != current.status && !current.status.can_become(next))
    {
        return Err(StoreError::Conflict {
            code: "achievement_status_invalid",
            message: "当前状态不能提交",
        });
    }
    let status = next;
    let submit = next == Status::Submitted && current.status != Status::Submitted;
    let now = now_ms();
    let flags = conditions(details);
    let mut tx = store.pool().begin().await?;
    let n = sqlx::query(
        "UPDATE achievements SET status = $1, title = $2, field_code = $3, subfield_code = $4, trl = $5, stage = $6, tech_level = $7,
           cooperation_modes = $8, keywords = $9, summary = $10, details = $11, flags = $12, updated_at = $13,
           submitted_at = CASE WHEN $14 = 1 THEN $13 ELSE submitted_at END, version = version + 1
         WHERE id = $15 AND version = $16",
    )
    .bind(status.as_str())
    .bind(&details.title)
    .bind(&details.field)
    .bind(&details.subfield)
    .bind(details.trl.map(i64::from))
    .bind(&details.stage)
    .bind(&details.tech_level)
    .bind(delimited(&details.cooperation_modes))
    .bind(delimited(&details.keywords))
    .bind(&details.summary)
    .bind(serde_json::to_string(details).map_err(corrupt("details"))?)
    .bind(serde_json::to_string(&flags).map_err(corrupt("flags"))?)
    .bind(now)
    .bind(i64::from(submit))
    .bind(&current.id)
    .bind(current.version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::Stale);
    }
    let a = fetch(&mut tx, &current.id)
        .await?
        .ok_or(StoreError::NotFound)?;
    write_version(&mut tx, ctx, &a).await?;
    let action = if submit {
        "achievement.submit"
    } else {
        "achievement.save"
    };
    let ev = Event {
        action,
        object_type: "achievement",
        object_id: &a.id,
        unit_code: Some(&a.unit_code),
        before: Some(audit_view(current)),
        after: Some(audit_view(&a)),
    };
    record(&mut tx, ctx, ev).await?;
    tx.commit().await?;
    Ok(a)
}

/// Moves an achievement along its lifecycle (review decisions, archiving …).
pub async fn set_status(
    store: &Store,
    ctx: &Ctx,
    current: &Achievement,
    to: Status,
    note: Option<&str>,
) -> Result<Achievement> {
    let mut tx = store.pool().begin().await?;
    let a = set_status_in(&mut tx, ctx, current, to, note).await?;
    tx.commit().await?;
    Ok(a)
}

/// [`set_status`] inside the caller's transaction.
pub(crate) async fn set_status_in(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    current: &Achievement,
    to: Status,
    note: Option<&str>,
) -> Result<Achievement> {
    if !current.status.can_become(to) {
        return Err(StoreError::Conflict {
            code: "achievement_status_invalid",
            message: "当前状态不能进行这一操作",
        });
    }
    let now = now_ms();
    let n = sqlx::query(
        "UPDATE achievements SET status = $1, updated_at = $2, version = version + 1,
           published_at = CASE WHEN $1 = 'published' THEN $2 ELSE published_at END,
           submitted_at = CASE WHEN $1 = 'submitted' THEN $2 ELSE submitted_at END
         WHERE id = $3 AND version = $4",
    )
    .bind(to.as_str())
    .bind(now)
    .bind(&current.id)
    .bind(current.version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::Stale);
    }
    let a = fetch(&mut *conn, &current.id)
        .await?
        .ok_or(StoreError::NotFound)?;
    write_version(&mut *conn, ctx, &a).await?;
    let ev = Event {
        action: "achievement.status",
        object_type: "achievement",
        object_id: &a.id,
        unit_code: Some(&a.unit_code),
        before: Some(json!({ "status": current.status })),
        after: Some(json!({ "status": to, "note": note })),
    };
    record(conn, ctx, ev).await?;
    Ok(a)
}

/// Records that `ctx`'s actor saw the protected part of `a` (SPEC §6).
pub async fn record_protected_view(store: &Store, ctx: &Ctx, a: &Achievement) -> Result<()> {
    let mut tx = store.pool().begin().await?;
    let ev = Event::bare(
        "achievement.view_protected",
        "achievement",
        &a.id,
        Some(&a.unit_code),
    );
    record(&mut tx, ctx, ev).await?;
    tx.commit().await?;
    Ok(())
}

/// Records an export of `count` library entries (SPEC §6: who took which list, and
/// whether personal data was masked).
pub async fn record_export(
    store: &Store,
    ctx: &Ctx,
    unit_code: Option<&str>,
    filter: serde_json::Value,
    count: usize,
    masked: bool,
) -> Result<()> {
    let mut tx = store.pool().begin().await?;
    let ev = Event {
        action: "achievement.export",
        object_type: "library",
        object_id: unit_code.unwrap_or("all"),
        unit_code,
        before: None,
        after: Some(json!({ "filter": filter, "count": count, "masked": masked })),
    };
    record(&mut tx, ctx, ev).await?;
    tx.commit().await?;
    Ok(())
}

/// What to list. Every field narrows the result.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<Status>,
    pub unit: Option<String>,
    pub region: Option<String>,
    pub field: Option<String>,
    pub subfield: Option<String>,
    pub trl_min: Option<i64>,
    pub mode: Option<String>,
    /// In the title or the keywords.
    pub q: Option<String>,
    pub owner: Option<String>,
    pub org: Option<String>,
    /// Only achievements collected by this user or owned by `owner`.
    pub collected_by: Option<String>,
}

const LIST_COLUMNS: &str = "a.id, a.status, a.title, a.field_code, a.subfield_code, a.trl, a.stage, a.cooperation_modes, a.keywords, a.summary, o.name AS holder_org_name, a.region_code, a.unit_code, a.updated_at, a.published_at";
const LIST_FILTER: &str = "($1 IS NULL OR a.status = $1) AND ($2 IS NULL OR a.unit_code = $2) AND ($3 IS NULL OR a.region_code = $3)
    AND ($4 IS NULL OR a.field_code = $4) AND ($5 IS NULL OR a.subfield_code = $5) AND ($6 IS NULL OR a.trl >= $6)
    AND ($7 IS NULL OR a.cooperation_modes LIKE $7) AND ($8 IS NULL OR LOWER(a.title) LIKE $8 ESCAPE '\\' OR LOWER(a.keywords) LIKE $8 ESCAPE '\\')
    AND (($9 IS NULL AND $11 IS NULL) OR a.owner_id = $9 OR a.collected_by = $11) AND ($10 IS NULL OR a.holder_org_id = $10)";

/// The LIKE patterns of a filter's cooperation mode and text.
fn patterns(f: &Filter) -> (Option<String>, Option<String>) {
    let mode = f
        .mode
        .as_deref()
        .map(|m| format!("%,{},%", crate::audit::escape_like(m)));
    let q =
        f.q.as_deref()
            .map(|q| format!("%{}%", crate::audit::escape_like(&q.to_lowercase())));
    (mode, q)
}

/// Binds $1..$11 of [`LIST_FILTER`].
macro_rules! bind_filter {
    ($query:expr, $f:expr, $mode:expr, $q:expr) => {
        $query
            .bind($f.status.map(|s| s.as_str()))
            .bind(&$f.unit)
            .bind(&$f.region)
            .bind(&$f.field)
            .bind(&$f.subfield)
            .bind($f.trl_min)
            .bind($mode)
            .bind($q)
            .bind(&$f.owner)
            .bind(&$f.org)
            .bind(&$f.collected_by)
    };
}

/// Up to `limit` whole achievements matching `f` (newest first), for exports.
pub async fn list_full(store: &Store, f: &Filter, limit: i64) -> Result<Vec<Achievement>> {
    let (mode, q) = patterns(f);
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE {LIST_FILTER} ORDER BY a.updated_at DESC, a.id DESC LIMIT $12"
    );
    let rows = bind_filter!(sqlx::query(&sql), f, &mode, &q)
        .bind(limit)
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn list(store: &Store, f: &Filter, page: i64, per_page: i64) -> Result<Page<Summary>> {
    let (mode, q) = patterns(f);
    macro_rules! bound {
        ($query:expr) => {
            bind_filter!($query, f, &mode, &q)
        };
    }
    let total: i64 = bound!(sqlx::query_scalar(&format!(
        "SELECT COUNT(*) {FROM} WHERE {LIST_FILTER}"
    )))
    .fetch_one(store.pool())
    .await?;
    let page = page.max(1);
    let order = if f.status == Some(Status::Published) {
        "a.published_at DESC, a.id DESC"
    } else {
        "a.updated_at DESC, a.id DESC"
    };
    let sql = format!(
        "SELECT {LIST_COLUMNS} {FROM} WHERE {LIST_FILTER} ORDER BY {order} LIMIT $12 OFFSET $13"
    );
    let rows = bound!(sqlx::query(&sql))
        .bind(per_page)
        .bind((page - 1) * per_page)
        .fetch_all(store.pool())
        .await?;
    let items = rows
        .iter()
        .map(|r| {
            let status: String = r.try_get("status")?;
            Ok(Summary {
                id: r.try_get("id")?,
                status: Status::parse(&status)
                    .ok_or_else(|| StoreError::Corrupt(format!("status {status}")))?,
                title: r.try_get("title")?,
                field_code: r.try_get("field_code")?,
                subfield_code: r.try_get("subfield_code")?,
                trl: r.try_get("trl")?,
                stage: r.try_get("stage")?,
                cooperation_modes: undelimit(&r.try_get::<String, _>("cooperation_modes")?),
                keywords: undelimit(&r.try_get::<String, _>("keywords")?),
                summary: r.try_get("summary")?,
                holder_org_name: r.try_get("holder_org_name")?,
                region_code: r.try_get("region_code")?,
                unit_code: r.try_get("unit_code")?,
                updated_at: r.try_get("updated_at")?,
                published_at: r.try_get("published_at")?,
            })
        })
        .collect::<Result<_>>()?;
    Ok(Page {
        items,
        total,
        page,
        per_page,
    })
}

/// One saved state of an achievement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Version {
    pub version: i64,
    pub status: Status,
    pub details: Details,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub at: i64,
}

/// Every saved state, newest first.
pub async fn versions(store: &Store, id: &str) -> Result<Vec<Version>> {
    let rows = sqlx::query(
        "SELECT v.version, v.status, v.details, v.actor_id, u.username AS actor_name, v.at FROM achievement_versions v
         LEFT JOIN users u ON u.id = v.actor_id WHERE v.achievement_id = $1 ORDER BY v.version DESC",
    )
    .bind(id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get("status")?;
            let details: String = r.try_get("details")?;
            Ok(Version {
                version: r.try_get("version")?,
                status: Status::parse(&status)
                    .ok_or_else(|| StoreError::Corrupt(format!("status {status}")))?,
                details: serde_json::from_str(&details).map_err(corrupt("details"))?,
                actor_id: r.try_get("actor_id")?,
                actor_name: r.try_get("actor_name")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}

/// How many versions an achievement has had.
pub async fn version_count(store: &Store, id: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM achievement_versions WHERE achievement_id = $1")
            .bind(id)
            .fetch_one(store.pool())
            .await?,
    )
}

/// Rows per multi-row `INSERT` in [`create_many`]: 26 parameters a row stays far
/// below both databases' parameter limits.
const BATCH: usize = 200;

fn placeholders(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            format!(
                "({})",
                (1..=cols)
                    .map(|c| format!("${}", r * cols + c))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes achievements in batches inside one open transaction (a batch import):
/// nothing is visible until [`BulkWriter::commit`], and dropping the writer without
/// committing rolls everything back. Each achievement gets its first version, an
/// audit record and an outbox event, as if created one by one.
pub struct BulkWriter {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    ctx: Ctx,
    collected_by: String,
    places: std::collections::HashMap<String, (String, String)>,
    now: i64,
    /// Outbox events (achievement id, status), written at commit: their time is the
    /// commit's, so an outbox follower never sees an event older than its cursor
    /// appear after a long import.
    events: Vec<(String, Status)>,
}

impl BulkWriter {
    pub async fn begin(store: &Store, ctx: &Ctx, collected_by: &str) -> Result<BulkWriter> {
        Ok(BulkWriter {
            tx: store.pool().begin().await?,
            ctx: ctx.clone(),
            collected_by: collected_by.to_owned(),
            places: Default::default(),
            now: now_ms(),
            events: Vec::new(),
        })
    }

    /// Writes `items` (any number; split into multi-row inserts); returns their ids.
    pub async fn write(&mut self, items: &[NewAchievement]) -> Result<Vec<String>> {
        for org in items.iter().map(|n| &n.holder_org_id) {
            if !self.places.contains_key(org) {
                let row =
                    sqlx::query("SELECT region_code, unit_code FROM organisations WHERE id = $1")
                        .bind(org)
                        .fetch_optional(&mut *self.tx)
                        .await?;
                let row = row.ok_or(StoreError::Conflict {
                    code: "holder_org_unknown",
                    message: "成果持有单位不存在",
                })?;
                self.places.insert(
                    org.clone(),
                    (row.try_get("region_code")?, row.try_get("unit_code")?),
                );
            }
        }
        let now = self.now;
        let mut ids = Vec::with_capacity(items.len());
        for chunk in items.chunks(BATCH) {
            let sql = format!(
            "INSERT INTO achievements (id, status, title, field_code, subfield_code, trl, stage, tech_level, cooperation_modes, keywords, summary,
               holder_org_id, owner_id, collected_by, channel, channel_ref, region_code, unit_code, details, flags, create_key,
               created_at, updated_at, submitted_at, published_at, version) VALUES {}",
            placeholders(chunk.len(), 26)
        );
            let mut q = sqlx::query(&sql);
            let mut versions = Vec::with_capacity(chunk.len());
            for n in chunk {
                let id = new_id();
                let d = &n.details;
                let (region, unit) = self
                    .places
                    .get(&n.holder_org_id)
                    .cloned()
                    .unwrap_or_default();
                let details = serde_json::to_string(d).map_err(corrupt("details"))?;
                let flags = serde_json::to_string(&conditions(d)).map_err(corrupt("flags"))?;
                q = q
                    .bind(id.clone())
                    .bind(n.status.as_str())
                    .bind(d.title.clone())
                    .bind(d.field.clone())
                    .bind(d.subfield.clone())
                    .bind(d.trl.map(i64::from))
                    .bind(d.stage.clone())
                    .bind(d.tech_level.clone())
                    .bind(delimited(&d.cooperation_modes))
                    .bind(delimited(&d.keywords))
                    .bind(d.summary.clone())
                    .bind(n.holder_org_id.clone())
                    .bind(n.owner_id.clone())
                    .bind(self.collected_by.clone())
                    .bind(n.channel.as_str())
                    .bind(n.channel_ref.clone())
                    .bind(region)
                    .bind(unit.clone())
                    .bind(details.clone())
                    .bind(flags)
                    .bind(n.create_key.clone())
                    .bind(now)
                    .bind(now)
                    .bind((n.status != Status::Draft).then_some(now))
                    .bind((n.status == Status::Published).then_some(now))
                    .bind(1_i64);
                versions.push((id.clone(), n.status, details, d.title.clone(), unit));
                ids.push(id);
            }
            q.execute(&mut *self.tx)
                .await
                .map_err(StoreError::unique("duplicate_submission", "该表单已提交过"))?;

            let sql = format!(
                "INSERT INTO achievement_versions (achievement_id, version, status, details, actor_id, at) VALUES {}",
                placeholders(versions.len(), 6)
            );
            let mut q = sqlx::query(&sql);
            for (id, status, details, _, _) in &versions {
                q = q
                    .bind(id.clone())
                    .bind(1_i64)
                    .bind(status.as_str())
                    .bind(details.clone())
                    .bind(self.ctx.actor_id.clone())
                    .bind(now);
            }
            q.execute(&mut *self.tx).await?;

            let sql = format!(
                "INSERT INTO audit_log (id, at, actor_id, actor_name, action, object_type, object_id, unit_code, before_json, after_json, ip, request_id) VALUES {}",
                placeholders(versions.len(), 12)
            );
            let mut q = sqlx::query(&sql);
            for (id, status, _, title, unit) in &versions {
                let after =
                    json!({ "title": title, "status": status, "version": 1, "via": "import" })
                        .to_string();
                q = q
                    .bind(new_id())
                    .bind(now)
                    .bind(self.ctx.actor_id.clone())
                    .bind(self.ctx.actor_name.clone())
                    .bind("achievement.create")
                    .bind("achievement")
                    .bind(id.clone())
                    .bind(unit.clone())
                    .bind(None::<String>)
                    .bind(after)
                    .bind(self.ctx.ip.clone())
                    .bind(self.ctx.request_id.clone());
            }
            q.execute(&mut *self.tx).await?;

            self.events
                .extend(versions.into_iter().map(|(id, status, ..)| (id, status)));
        }
        Ok(ids)
    }

    pub async fn commit(mut self) -> Result<()> {
        let now = now_ms();
        for chunk in self.events.chunks(BATCH) {
            let sql = format!(
                "INSERT INTO outbox (id, at, topic, object_type, object_id, payload) VALUES {}",
                placeholders(chunk.len(), 6)
            );
            let mut q = sqlx::query(&sql);
            for (id, status) in chunk {
                let payload = json!({ "action": "achievement.create", "actor": self.ctx.actor_id, "after": { "status": status } }).to_string();
                q = q
                    .bind(new_id())
                    .bind(now)
                    .bind("achievement.create")
                    .bind("achievement")
                    .bind(id.clone())
                    .bind(payload);
            }
            q.execute(&mut *self.tx).await?;
        }
        self.tx.commit().await?;
        Ok(())
    }
}

/// Creates many achievements in one transaction: all of them or, on any error,
/// none (see [`BulkWriter`]). `progress` is called after every batch with the number
/// written so far. Returns the new ids in order.
pub async fn create_many(
    store: &Store,
    ctx: &Ctx,
    collected_by: &str,
    items: &[NewAchievement],
    mut progress: impl FnMut(usize),
) -> Result<Vec<String>> {
    let mut w = BulkWriter::begin(store, ctx, collected_by).await?;
    let mut ids = Vec::with_capacity(items.len());
    for chunk in items.chunks(BATCH) {
        ids.extend(w.write(chunk).await?);
        progress(ids.len());
    }
    w.commit().await?;
    Ok(ids)
}

/// Which of `titles` (compared exactly, after trimming) already name an achievement
/// of the library that is not rejected.
pub async fn existing_titles(
    store: &Store,
    titles: &[String],
) -> Result<std::collections::HashSet<String>> {
    let mut found = std::collections::HashSet::new();
    for chunk in titles.chunks(500) {
        let sql = format!(
            "SELECT title FROM achievements WHERE status <> 'rejected' AND title IN ({})",
            (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql);
        for t in chunk {
            q = q.bind(t.trim().to_owned());
        }
        found.extend(q.fetch_all(store.pool()).await?);
    }
    Ok(found)
}
