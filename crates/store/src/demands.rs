//! Technology demands and the collection windows they are gathered in. Every
//! change writes the row, an audit record and an outbox event in one
//! transaction; a stale version is refused.

use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use ztc_domain::Resource;
use ztc_domain::demand::{DemandStatus, Details, day_number, end_of_day_ms};

use crate::achievements::{corrupt, delimited, undelimit};
use crate::change::{Event, record};
use crate::orgs::Page;
use crate::{Ctx, Result, Store, StoreError, new_id, now_ms};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Demand {
    pub id: String,
    pub status: DemandStatus,
    pub details: Details,
    pub org_id: String,
    pub org_name: String,
    /// The enterprise has been verified (its organisation is active).
    pub org_verified: bool,
    pub owner_id: Option<String>,
    pub region_code: String,
    pub unit_code: String,
    /// The last moment answers are taken (epoch ms); 0 while a draft has none.
    pub deadline_at: i64,
    pub review_note: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub submitted_at: Option<i64>,
    pub published_at: Option<i64>,
    pub version: i64,
}

impl Demand {
    /// Whether the deadline has passed at `now`.
    pub fn expired_at(&self, now: i64) -> bool {
        self.deadline_at > 0 && self.deadline_at < now
    }

    /// The policy's view of this demand now.
    pub fn resource(&self) -> Resource {
        Resource::Demand {
            unit_code: self.unit_code.clone(),
            org_id: self.org_id.clone(),
            status: self.status,
            expired: self.expired_at(now_ms()),
        }
    }

    /// Shown to everyone: published, whatever its deadline.
    pub fn is_public(&self) -> bool {
        self.status == DemandStatus::Published
    }
}

/// A new demand.
#[derive(Debug, Clone)]
pub struct NewDemand {
    pub details: Details,
    /// `Draft` or `Submitted`.
    pub status: DemandStatus,
    pub org_id: String,
    pub owner_id: Option<String>,
    pub create_key: Option<String>,
}

const COLUMNS: &str = "d.id, d.status, d.details, d.org_id, o.name AS org_name, o.status AS org_status, d.owner_id, d.region_code, d.unit_code, d.deadline, d.review_note, d.created_at, d.updated_at, d.submitted_at, d.published_at, d.version";
const FROM: &str = "FROM demands d JOIN organisations o ON o.id = d.org_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Demand> {
    let status: String = r.try_get("status")?;
    let details: String = r.try_get("details")?;
    let org_status: String = r.try_get("org_status")?;
    Ok(Demand {
        id: r.try_get("id")?,
        status: DemandStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("demand status {status}")))?,
        details: serde_json::from_str(&details).map_err(corrupt("details"))?,
        org_id: r.try_get("org_id")?,
        org_name: r.try_get("org_name")?,
        org_verified: org_status == "active",
        owner_id: r.try_get("owner_id")?,
        region_code: r.try_get("region_code")?,
        unit_code: r.try_get("unit_code")?,
        deadline_at: r.try_get("deadline")?,
        review_note: r.try_get("review_note")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        submitted_at: r.try_get("submitted_at")?,
        published_at: r.try_get("published_at")?,
        version: r.try_get("version")?,
    })
}

async fn fetch(conn: &mut AnyConnection, id: &str) -> Result<Option<Demand>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} {FROM} WHERE d.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn get(store: &Store, id: &str) -> Result<Option<Demand>> {
    let mut conn = store.pool().acquire().await?;
    fetch(&mut conn, id).await
}

/// Up to `limit` demands with ids after `after` (all of them, for a reindex).
pub async fn scan(store: &Store, after: &str, limit: i64) -> Result<Vec<Demand>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} {FROM} WHERE d.id > $1 ORDER BY d.id LIMIT $2"
    ))
    .bind(after)
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// How many demands there are (any state).
pub async fn count(store: &Store) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM demands")
        .fetch_one(store.pool())
        .await?)
}

fn deadline_ms(d: &Details) -> i64 {
    d.deadline
        .as_deref()
        .and_then(day_number)
        .map_or(0, end_of_day_ms)
}

fn audit_view(d: &Demand) -> serde_json::Value {
    json!({ "title": d.details.title, "status": d.status, "version": d.version,
            "subfield": d.details.subfield, "deadline": d.details.deadline, "public": d.details.public })
}

/// Checks that `window_id` (if any) names a window that takes demands now and
/// asks for this field.
async fn check_window(conn: &mut AnyConnection, d: &Details, submitting: bool) -> Result<()> {
    let Some(id) = &d.window_id else {
        return Ok(());
    };
    let w = windows::fetch(conn, id)
        .await?
        .ok_or(StoreError::Conflict {
            code: "window_unknown",
            message: "所选征集批次不存在",
        })?;
    let now = now_ms();
    if submitting && (now < w.opens_at || now > w.closes_at) {
        return Err(StoreError::Conflict {
            code: "window_closed",
            message: "所选征集批次不在征集期内，请改选其他批次或不选批次",
        });
    }
    if let Some(field) = &d.field
        && !w.fields.is_empty()
        && !w.fields.iter().any(|f| f == field)
    {
        return Err(StoreError::Conflict {
            code: "window_field_mismatch",
            message: "需求所属领域不在该征集批次的领域范围内",
        });
    }
    Ok(())
}

/// Creates a demand. If `create_key` was used before, the earlier record is
/// returned unchanged.
pub async fn create(store: &Store, ctx: &Ctx, new: &NewDemand) -> Result<Demand> {
    let mut tx = store.pool().begin().await?;
    if let Some(key) = &new.create_key {
        let existing: Option<String> =
            sqlx::query_scalar("SELECT id FROM demands WHERE create_key = $1")
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(id) = existing {
            return fetch(&mut tx, &id).await?.ok_or(StoreError::NotFound);
        }
    }
    let row = sqlx::query("SELECT region_code, unit_code FROM organisations WHERE id = $1")
        .bind(&new.org_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::Conflict {
            code: "org_unknown",
            message: "发布需求的机构不存在",
        })?;
    let (region_code, unit_code): (String, String) =
        (row.try_get("region_code")?, row.try_get("unit_code")?);
    let d = &new.details;
    check_window(&mut tx, d, new.status == DemandStatus::Submitted).await?;
    let now = now_ms();
    let id = new_id();
    let submitted_at = (new.status == DemandStatus::Submitted).then_some(now);
    sqlx::query(
        "INSERT INTO demands (id, status, title, field_code, subfield_code, trl_min, cooperation_modes, keywords, budget, public, deadline,
           window_id, org_id, owner_id, region_code, unit_code, details, create_key, created_at, updated_at, submitted_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19, $20, 1)",
    )
    .bind(&id)
    .bind(new.status.as_str())
    .bind(&d.title)
    .bind(&d.field)
    .bind(&d.subfield)
    .bind(d.trl_min.map(i64::from))
    .bind(delimited(&d.cooperation_modes))
    .bind(delimited(&d.keywords))
    .bind(&d.budget)
    .bind(i64::from(d.public))
    .bind(deadline_ms(d))
    .bind(&d.window_id)
    .bind(&new.org_id)
    .bind(&new.owner_id)
    .bind(&region_code)
    .bind(&unit_code)
    .bind(serde_json::to_string(d).map_err(corrupt("details"))?)
    .bind(&new.create_key)
    .bind(now)
    .bind(submitted_at)
    .execute(&mut *tx)
    .await
    .map_err(StoreError::unique("duplicate_submission", "该表单已提交过"))?;
    let demand = fetch(&mut tx, &id).await?.ok_or(StoreError::NotFound)?;
    let ev = Event {
        action: "demand.create",
        object_type: "demand",
        object_id: &id,
        unit_code: Some(&unit_code),
        before: None,
        after: Some(audit_view(&demand)),
    };
    record(&mut tx, ctx, ev).await?;
    tx.commit().await?;
    Ok(demand)
}

/// Saves a new form over `current` (which must still be the stored version):
/// `submit` sends it to review (a reviewed demand that is changed goes back to
/// review as well, so that what is shown has been read by the region).
pub async fn update(
    store: &Store,
    ctx: &Ctx,
    current: &Demand,
    details: &Details,
    submit: bool,
) -> Result<Demand> {
    if !current.status.editable() {
        return Err(StoreError::Conflict {
            code: "demand_status_invalid",
            message: "当前状态不能修改",
        });
    }
    let next = if submit || current.status.is_live() {
        DemandStatus::Submitted
    } else {
        current.status
    };
    let mut tx = store.pool().begin().await?;
    check_window(&mut tx, details, next == DemandStatus::Submitted).await?;
    let now = now_ms();
    let n = sqlx::query(
        "UPDATE demands SET status = $1, title = $2, field_code = $3, subfield_code = $4, trl_min = $5, cooperation_modes = $6,
           keywords = $7, budget = $8, public = $9, deadline = $10, window_id = $11, details = $12, updated_at = $13,
           submitted_at = CASE WHEN $14 = 1 THEN $13 ELSE submitted_at END, version = version + 1
         WHERE id = $15 AND version = $16",
    )
    .bind(next.as_str())
    .bind(&details.title)
    .bind(&details.field)
    .bind(&details.subfield)
    .bind(details.trl_min.map(i64::from))
    .bind(delimited(&details.cooperation_modes))
    .bind(delimited(&details.keywords))
    .bind(&details.budget)
    .bind(i64::from(details.public))
    .bind(deadline_ms(details))
    .bind(&details.window_id)
    .bind(serde_json::to_string(details).map_err(corrupt("details"))?)
    .bind(now)
    .bind(i64::from(next == DemandStatus::Submitted && current.status != DemandStatus::Submitted))
    .bind(&current.id)
    .bind(current.version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let action = if next == DemandStatus::Submitted {
        "demand.submit"
    } else {
        "demand.save"
    };
    finish(
        tx,
        ctx,
        n,
        &current.id,
        action,
        audit_view(current),
        audit_view,
    )
    .await
}

/// Moves a demand along its lifecycle: review decisions (`Published`, `Private`,
/// `Returned` with a note), closing, reopening a closed one for review.
pub async fn set_status(
    store: &Store,
    ctx: &Ctx,
    current: &Demand,
    to: DemandStatus,
    note: Option<&str>,
) -> Result<Demand> {
    if !current.status.can_become(to) {
        return Err(StoreError::Conflict {
            code: "demand_status_invalid",
            message: "当前状态不能进行这一操作",
        });
    }
    if to == DemandStatus::Published && !current.details.public {
        return Err(StoreError::Conflict {
            code: "demand_not_public",
            message: "企业选择了不公开该需求，只能保留用于匹配",
        });
    }
    let now = now_ms();
    let mut tx = store.pool().begin().await?;
    let n = sqlx::query(
        "UPDATE demands SET status = $1, updated_at = $2, version = version + 1,
           review_note = CASE WHEN $3 IS NULL THEN review_note ELSE $3 END,
           published_at = CASE WHEN $1 = 'published' OR $1 = 'private' THEN $2 ELSE published_at END,
           submitted_at = CASE WHEN $1 = 'submitted' THEN $2 ELSE submitted_at END
         WHERE id = $4 AND version = $5",
    )
    .bind(to.as_str())
    .bind(now)
    .bind(note)
    .bind(&current.id)
    .bind(current.version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let before = json!({ "status": current.status });
    let after = |_: &Demand| json!({ "status": to, "note": note });
    finish(tx, ctx, n, &current.id, "demand.status", before, after).await
}

/// Sets a new deadline on a reviewed demand (renewal after it expired, or an
/// extension) without another review: only the date changes.
pub async fn renew(store: &Store, ctx: &Ctx, current: &Demand, deadline: &str) -> Result<Demand> {
    if !current.status.is_live() {
        return Err(StoreError::Conflict {
            code: "demand_status_invalid",
            message: "只有已发布或用于匹配的需求可以续期",
        });
    }
    let day = day_number(deadline).ok_or(StoreError::Conflict {
        code: "date_invalid",
        message: "截止日期格式应为 年-月-日",
    })?;
    let mut details = current.details.clone();
    details.deadline = Some(deadline.to_owned());
    let now = now_ms();
    let mut tx = store.pool().begin().await?;
    let n = sqlx::query(
        "UPDATE demands SET deadline = $1, details = $2, updated_at = $3, version = version + 1 WHERE id = $4 AND version = $5",
    )
    .bind(end_of_day_ms(day))
    .bind(serde_json::to_string(&details).map_err(corrupt("details"))?)
    .bind(now)
    .bind(&current.id)
    .bind(current.version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let before = json!({ "deadline": current.details.deadline });
    let after = |_: &Demand| json!({ "deadline": deadline });
    finish(tx, ctx, n, &current.id, "demand.renew", before, after).await
}

/// After an UPDATE of `n` rows guarded by the version: refuses a stale write,
/// reads the demand back, records the change and commits.
async fn finish(
    mut tx: sqlx::Transaction<'_, sqlx::Any>,
    ctx: &Ctx,
    n: u64,
    id: &str,
    action: &str,
    before: serde_json::Value,
    after: impl FnOnce(&Demand) -> serde_json::Value,
) -> Result<Demand> {
    if n == 0 {
        return Err(StoreError::Stale);
    }
    let d = fetch(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
    let ev = Event {
        action,
        object_type: "demand",
        object_id: &d.id,
        unit_code: Some(&d.unit_code),
        before: Some(before),
        after: Some(after(&d)),
    };
    record(&mut tx, ctx, ev).await?;
    tx.commit().await?;
    Ok(d)
}

/// Which demands a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only these states (empty: any).
    pub statuses: Vec<DemandStatus>,
    /// Only public ones (the public list).
    pub public_only: bool,
    /// Hide those whose deadline has passed (at this time).
    pub open_at: Option<i64>,
    pub unit_code: Option<String>,
    pub org_id: Option<String>,
    pub field: Option<String>,
    pub window_id: Option<String>,
    /// Offering this cooperation mode.
    pub mode: Option<String>,
    /// In the title or the keywords.
    pub q: Option<String>,
}

/// One page of demands, most recently changed first.
pub async fn list(store: &Store, f: &Filter, page: i64, per_page: i64) -> Result<Page<Demand>> {
    let mut clauses: Vec<String> = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    let mut bind = |v: String| {
        binds.push(v);
        format!("${}", binds.len())
    };
    if !f.statuses.is_empty() {
        let list: Vec<String> = f
            .statuses
            .iter()
            .map(|s| bind(s.as_str().to_owned()))
            .collect();
        clauses.push(format!("d.status IN ({})", list.join(", ")));
    }
    if f.public_only {
        clauses.push("d.public = 1".into());
    }
    if let Some(u) = &f.unit_code {
        clauses.push(format!("d.unit_code = {}", bind(u.clone())));
    }
    if let Some(o) = &f.org_id {
        clauses.push(format!("d.org_id = {}", bind(o.clone())));
    }
    if let Some(x) = &f.field {
        clauses.push(format!("d.field_code = {}", bind(x.clone())));
    }
    if let Some(w) = &f.window_id {
        clauses.push(format!("d.window_id = {}", bind(w.clone())));
    }
    if let Some(m) = &f.mode {
        let p = bind(format!("%,{},%", crate::audit::escape_like(m)));
        clauses.push(format!("d.cooperation_modes LIKE {p} ESCAPE '\\'"));
    }
    if let Some(q) = &f.q {
        let p = bind(format!(
            "%{}%",
            crate::audit::escape_like(&q.to_lowercase())
        ));
        clauses.push(format!(
            "(LOWER(d.title) LIKE {p} ESCAPE '\\' OR LOWER(d.keywords) LIKE {p} ESCAPE '\\')"
        ));
    }
    let open = f.open_at.map(|_| {
        let n = binds.len() + 1;
        format!("d.deadline >= ${n}")
    });
    clauses.extend(open);
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let count_sql = format!("SELECT COUNT(*) {FROM} {filter}");
    let mut cq = sqlx::query_scalar::<_, i64>(&count_sql);
    for b in &binds {
        cq = cq.bind(b);
    }
    if let Some(t) = f.open_at {
        cq = cq.bind(t);
    }
    let total = cq.fetch_one(store.pool()).await?;
    let per_page = per_page.clamp(1, 100);
    let page = page.max(1);
    let n = binds.len() + usize::from(f.open_at.is_some());
    let sql = format!(
        "SELECT {COLUMNS} {FROM} {filter} ORDER BY d.updated_at DESC, d.id LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let mut q = sqlx::query(&sql);
    for b in &binds {
        q = q.bind(b);
    }
    if let Some(t) = f.open_at {
        q = q.bind(t);
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

/// Collection windows (征集批次).
pub mod windows {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Serialize)]
    pub struct Window {
        pub id: String,
        pub title: String,
        pub unit_code: String,
        pub description: String,
        /// Field codes asked for (empty: any).
        pub fields: Vec<String>,
        pub opens_at: i64,
        pub closes_at: i64,
        pub created_at: i64,
        pub version: i64,
    }

    impl Window {
        pub fn open_at(&self, now: i64) -> bool {
            self.opens_at <= now && now <= self.closes_at
        }
    }

    /// A new window: the days are `YYYY-MM-DD` in Asia/Shanghai.
    #[derive(Debug, Clone)]
    pub struct NewWindow {
        pub title: String,
        pub unit_code: String,
        pub description: String,
        pub fields: Vec<String>,
        pub opens_at: i64,
        pub closes_at: i64,
    }

    const COLUMNS: &str =
        "id, title, unit_code, description, fields, opens_at, closes_at, created_at, version";

    fn from_row(r: &sqlx::any::AnyRow) -> Result<Window> {
        let fields: String = r.try_get("fields")?;
        Ok(Window {
            id: r.try_get("id")?,
            title: r.try_get("title")?,
            unit_code: r.try_get("unit_code")?,
            description: r.try_get("description")?,
            fields: undelimit(&fields),
            opens_at: r.try_get("opens_at")?,
            closes_at: r.try_get("closes_at")?,
            created_at: r.try_get("created_at")?,
            version: r.try_get("version")?,
        })
    }

    pub(crate) async fn fetch(conn: &mut AnyConnection, id: &str) -> Result<Option<Window>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM demand_windows WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(conn)
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    pub async fn get(store: &Store, id: &str) -> Result<Option<Window>> {
        let mut conn = store.pool().acquire().await?;
        fetch(&mut conn, id).await
    }

    /// Opens a window.
    pub async fn create(store: &Store, ctx: &Ctx, w: &NewWindow) -> Result<Window> {
        if w.closes_at <= w.opens_at {
            return Err(StoreError::Conflict {
                code: "window_dates_invalid",
                message: "截止日期应晚于开始日期",
            });
        }
        let now = now_ms();
        let id = new_id();
        let mut tx = store.pool().begin().await?;
        sqlx::query(
            "INSERT INTO demand_windows (id, title, unit_code, description, fields, opens_at, closes_at, created_by, created_at, updated_at, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 1)",
        )
        .bind(&id)
        .bind(&w.title)
        .bind(&w.unit_code)
        .bind(&w.description)
        .bind(delimited(&w.fields))
        .bind(w.opens_at)
        .bind(w.closes_at)
        .bind(ctx.actor_id.clone())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let created = fetch(&mut tx, &id).await?.ok_or(StoreError::NotFound)?;
        let ev = Event {
            action: "demand_window.create",
            object_type: "demand_window",
            object_id: &id,
            unit_code: Some(&w.unit_code),
            before: None,
            after: Some(
                json!({ "title": w.title, "fields": w.fields, "opens_at": w.opens_at, "closes_at": w.closes_at }),
            ),
        };
        record(&mut tx, ctx, ev).await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Windows taking demands at `now` that an enterprise of `unit_code` may
    /// join (its own unit's and the national ones), closing soonest first.
    pub async fn open_for(store: &Store, unit_code: &str, now: i64) -> Result<Vec<Window>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM demand_windows WHERE (unit_code = $1 OR unit_code = '00') AND opens_at <= $2 AND closes_at >= $2 ORDER BY closes_at, id"
        ))
        .bind(unit_code)
        .bind(now)
        .fetch_all(store.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Every window of `unit_code` (None: all), newest first.
    pub async fn list(store: &Store, unit_code: Option<&str>) -> Result<Vec<Window>> {
        let rows = match unit_code {
            Some(u) => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM demand_windows WHERE unit_code = $1 ORDER BY opens_at DESC, id"
                ))
                .bind(u)
                .fetch_all(store.pool())
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM demand_windows ORDER BY opens_at DESC, id"
                ))
                .fetch_all(store.pool())
                .await?
            }
        };
        rows.iter().map(from_row).collect()
    }
}

/// Holders' answers (proposals) to published demands: one per holder and
/// demand; the enterprise shortlists, declines with a reason, or accepts.
pub mod answers {
    use ztc_domain::demand::{Answer as Proposal, AnswerStatus};

    use super::*;

    #[derive(Debug, Clone, PartialEq, Serialize)]
    pub struct Answer {
        pub id: String,
        pub demand_id: String,
        pub author_id: String,
        pub author_name: String,
        pub author_email: Option<String>,
        pub author_phone: Option<String>,
        pub org_id: String,
        pub org_name: String,
        pub org_verified: bool,
        pub proposal: Proposal,
        pub status: AnswerStatus,
        pub reason: Option<String>,
        pub created_at: i64,
        pub updated_at: i64,
        pub version: i64,
    }

    const COLUMNS: &str = "a.id, a.demand_id, a.author_id, u.display_name AS author_name, u.email AS author_email, u.phone AS author_phone, a.org_id, o.name AS org_name, o.status AS org_status, a.achievement_id, a.approach, a.trl, a.team, a.cooperation_mode, a.status, a.reason, a.created_at, a.updated_at, a.version";
    const FROM: &str = "FROM demand_answers a JOIN users u ON u.id = a.author_id JOIN organisations o ON o.id = a.org_id";

    fn from_row(r: &sqlx::any::AnyRow) -> Result<Answer> {
        let status: String = r.try_get("status")?;
        let org_status: String = r.try_get("org_status")?;
        Ok(Answer {
            id: r.try_get("id")?,
            demand_id: r.try_get("demand_id")?,
            author_id: r.try_get("author_id")?,
            author_name: r.try_get("author_name")?,
            author_email: r.try_get("author_email")?,
            author_phone: r.try_get("author_phone")?,
            org_id: r.try_get("org_id")?,
            org_name: r.try_get("org_name")?,
            org_verified: org_status == "active",
            proposal: Proposal {
                approach: r.try_get("approach")?,
                trl: r
                    .try_get::<Option<i64>, _>("trl")?
                    .and_then(|t| u8::try_from(t).ok()),
                team: r.try_get("team")?,
                cooperation_mode: r.try_get("cooperation_mode")?,
                achievement_id: r.try_get("achievement_id")?,
            },
            status: AnswerStatus::parse(&status)
                .ok_or_else(|| StoreError::Corrupt(format!("answer status {status}")))?,
            reason: r.try_get("reason")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
            version: r.try_get("version")?,
        })
    }

    async fn fetch(conn: &mut AnyConnection, id: &str) -> Result<Option<Answer>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} {FROM} WHERE a.id = $1"))
            .bind(id)
            .fetch_optional(conn)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    pub async fn get(store: &Store, id: &str) -> Result<Option<Answer>> {
        let mut conn = store.pool().acquire().await?;
        fetch(&mut conn, id).await
    }

    /// The answers to a demand, oldest first.
    pub async fn for_demand(store: &Store, demand_id: &str) -> Result<Vec<Answer>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} {FROM} WHERE a.demand_id = $1 ORDER BY a.created_at, a.id"
        ))
        .bind(demand_id)
        .fetch_all(store.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// A holder's answers, most recently changed first.
    pub async fn by_author(store: &Store, author_id: &str, limit: i64) -> Result<Vec<Answer>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} {FROM} WHERE a.author_id = $1 ORDER BY a.updated_at DESC, a.id LIMIT $2"
        ))
        .bind(author_id)
        .bind(limit)
        .fetch_all(store.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    fn view(a: &Answer) -> serde_json::Value {
        json!({ "status": a.status, "mode": a.proposal.cooperation_mode, "trl": a.proposal.trl,
                "reason": a.reason, "version": a.version })
    }

    /// Records `author`'s proposal (of organisation `org_id`) for a demand that is
    /// published and still before its deadline, both checked inside the
    /// transaction. A holder who answered before changes the same record while the
    /// enterprise has not decided on it yet. A new proposal is mailed to the
    /// enterprise (its author's account, else the demand's contact address).
    pub async fn submit(
        store: &Store,
        ctx: &Ctx,
        demand_id: &str,
        author_id: &str,
        org_id: &str,
        p: &Proposal,
        base_url: &str,
    ) -> Result<Answer> {
        let mut tx = store.pool().begin().await?;
        let d = super::fetch(&mut tx, demand_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if d.status != DemandStatus::Published {
            return Err(StoreError::Conflict {
                code: "demand_not_open",
                message: "该需求当前不接受方案",
            });
        }
        let now = now_ms();
        if d.expired_at(now) {
            return Err(StoreError::Conflict {
                code: "demand_expired",
                message: "该需求已过截止日期，不再接受方案",
            });
        }
        let existing: Option<String> = sqlx::query_scalar(
            "SELECT id FROM demand_answers WHERE demand_id = $1 AND author_id = $2",
        )
        .bind(demand_id)
        .bind(author_id)
        .fetch_optional(&mut *tx)
        .await?;
        let (id, before, action) = match existing {
            Some(id) => {
                let old = fetch(&mut tx, &id).await?.ok_or(StoreError::NotFound)?;
                if !old.status.open() {
                    return Err(StoreError::Conflict {
                        code: "answer_decided",
                        message: "企业已处理您的方案，不能再修改",
                    });
                }
                sqlx::query(
                    "UPDATE demand_answers SET achievement_id = $1, approach = $2, trl = $3, team = $4, cooperation_mode = $5,
                       status = 'submitted', reason = NULL, updated_at = $6, version = version + 1 WHERE id = $7",
                )
                .bind(&p.achievement_id)
                .bind(&p.approach)
                .bind(p.trl.map(i64::from))
                .bind(&p.team)
                .bind(&p.cooperation_mode)
                .bind(now)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
                (id, Some(view(&old)), "answer.update")
            }
            None => {
                let id = new_id();
                sqlx::query(
                    "INSERT INTO demand_answers (id, demand_id, author_id, org_id, achievement_id, approach, trl, team,
                       cooperation_mode, status, reason_code, reason, created_at, updated_at, version)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'submitted', NULL, NULL, $10, $10, 1)",
                )
                .bind(&id)
                .bind(demand_id)
                .bind(author_id)
                .bind(org_id)
                .bind(&p.achievement_id)
                .bind(&p.approach)
                .bind(p.trl.map(i64::from))
                .bind(&p.team)
                .bind(&p.cooperation_mode)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::unique("answer_exists", "您已经提交过方案"))?;
                (id, None, "answer.submit")
            }
        };
        let a = fetch(&mut tx, &id).await?.ok_or(StoreError::NotFound)?;
        if action == "answer.submit" {
            let owner: Option<String> = match &d.owner_id {
                Some(u) => {
                    sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
                        .bind(u)
                        .fetch_optional(&mut *tx)
                        .await?
                }
                None => None,
            };
            let to: Vec<String> = owner
                .or_else(|| d.details.contact_email.clone())
                .into_iter()
                .collect();
            let subject = format!(
                "【科技成果直通车】您的技术需求《{}》收到新方案",
                d.details.title
            );
            let body = format!(
                "您好：\n\n{}（{}）就您的技术需求《{}》提交了解决方案。\n\n请登录平台查看，可选择入围、接受或说明理由后不采纳：{}/demands/{}#answers\n",
                a.org_name, a.author_name, d.details.title, base_url, d.id
            );
            crate::mail::notify_tx(&mut tx, &to, &subject, &body, "answer_new", &a.id, now).await?;
        }
        let ev = Event {
            action,
            object_type: "demand_answer",
            object_id: &a.id,
            unit_code: Some(&d.unit_code),
            before,
            after: Some(view(&a)),
        };
        record(&mut tx, ctx, ev).await?;
        tx.commit().await?;
        Ok(a)
    }

    /// The enterprise's decision on an answer (or the holder's withdrawal); the
    /// holder is told of the enterprise's decision by mail.
    pub async fn decide(
        store: &Store,
        ctx: &Ctx,
        current: &Answer,
        to: AnswerStatus,
        reason: Option<&str>,
        base_url: &str,
    ) -> Result<Answer> {
        if !current.status.can_become(to) {
            return Err(StoreError::Conflict {
                code: "answer_status_invalid",
                message: "该方案当前状态不能进行这一操作",
            });
        }
        let mut tx = store.pool().begin().await?;
        let n = sqlx::query(
            "UPDATE demand_answers SET status = $1, reason = $2, updated_at = $3, version = version + 1 WHERE id = $4 AND version = $5",
        )
        .bind(to.as_str())
        .bind(reason)
        .bind(now_ms())
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
        let row = sqlx::query("SELECT unit_code, title FROM demands WHERE id = $1")
            .bind(&a.demand_id)
            .fetch_optional(&mut *tx)
            .await?;
        let (unit, title): (Option<String>, String) = match row {
            Some(r) => (Some(r.try_get("unit_code")?), r.try_get("title")?),
            None => (None, String::new()),
        };
        if to != AnswerStatus::Withdrawn {
            let what = match to {
                AnswerStatus::Accepted => {
                    "已接受您的方案，双方现在可以看到彼此的联系方式".to_owned()
                }
                AnswerStatus::Shortlisted => "已将您的方案列入候选".to_owned(),
                _ => format!("未采纳您的方案。理由：{}", reason.unwrap_or_default()),
            };
            let subject = format!("【科技成果直通车】需求《{title}》：{}", to.label_zh());
            let body = format!(
                "您好：\n\n需求方{what}。\n\n{base_url}/demands/{}#answers\n",
                a.demand_id
            );
            let addr: Vec<String> = a.author_email.clone().into_iter().collect();
            crate::mail::notify_tx(
                &mut tx,
                &addr,
                &subject,
                &body,
                "answer_decided",
                &a.id,
                now_ms(),
            )
            .await?;
        }
        let ev = Event {
            action: "answer.decide",
            object_type: "demand_answer",
            object_id: &a.id,
            unit_code: unit.as_deref(),
            before: Some(view(current)),
            after: Some(view(&a)),
        };
        record(&mut tx, ctx, ev).await?;
        tx.commit().await?;
        Ok(a)
    }
}
