//! Organisations: every account belongs to one; each has a kind and a region.

use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use ztc_domain::{AccountStatus, OrgKind};

use crate::change::{Event, record};
use crate::{Ctx, Result, Store, StoreError, new_id, now_ms};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    pub kind: OrgKind,
    pub region_code: String,
    pub unit_code: String,
    pub credit_code: Option<String>,
    pub status: AccountStatus,
    /// An agency authorised to verify researchers' registrations.
    pub verifier: bool,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    /// Industry (国民经济行业分类 section code, A–T) of an enterprise, park or investor.
    pub industry: Option<String>,
    /// Field codes the organisation follows (enterprises, parks, investors).
    pub interest_fields: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

/// A validated new organisation. `unit_code` is derived from the region.
#[derive(Debug, Clone)]
pub struct NewOrg {
    pub name: String,
    pub kind: OrgKind,
    pub region_code: String,
    pub credit_code: Option<String>,
    pub status: AccountStatus,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub industry: Option<String>,
    pub interest_fields: Vec<String>,
}

/// One page of a list.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

impl<T> Page<T> {
    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }
}

pub(crate) const COLUMNS: &str = "id, name, kind, region_code, unit_code, credit_code, status, verifier, contact_name, contact_phone, contact_email, industry, interest_fields, created_at, updated_at, version";

pub(crate) fn from_row(r: &sqlx::any::AnyRow) -> Result<Organisation> {
    let kind: String = r.try_get("kind")?;
    let status: String = r.try_get("status")?;
    Ok(Organisation {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        kind: OrgKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("org kind {kind}")))?,
        region_code: r.try_get("region_code")?,
        unit_code: r.try_get("unit_code")?,
        credit_code: r.try_get("credit_code")?,
        status: AccountStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("status {status}")))?,
        verifier: r.try_get::<i64, _>("verifier")? != 0,
        contact_name: r.try_get("contact_name")?,
        contact_phone: r.try_get("contact_phone")?,
        contact_email: r.try_get("contact_email")?,
        industry: r.try_get("industry")?,
        interest_fields: r
            .try_get::<Option<String>, _>("interest_fields")?
            .map(|s| crate::achievements::undelimit(&s))
            .unwrap_or_default(),
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

pub(crate) async fn unit_of_region(conn: &mut AnyConnection, region_code: &str) -> Result<String> {
    sqlx::query_scalar("SELECT unit_code FROM regions WHERE code = $1")
        .bind(region_code)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::Conflict {
            code: "region_unknown",
            message: "所选地区不存在",
        })
}

/// Inserts an organisation inside an open transaction.
pub(crate) async fn insert(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    new: &NewOrg,
) -> Result<Organisation> {
    let unit_code = unit_of_region(conn, &new.region_code).await?;
    let now = now_ms();
    let org = Organisation {
        id: new_id(),
        name: new.name.clone(),
        kind: new.kind,
        region_code: new.region_code.clone(),
        unit_code,
        credit_code: new.credit_code.clone(),
        status: new.status,
        verifier: false,
        contact_name: new.contact_name.clone(),
        contact_phone: new.contact_phone.clone(),
        contact_email: new.contact_email.clone(),
        industry: new.industry.clone(),
        interest_fields: new.interest_fields.clone(),
        created_at: now,
        updated_at: now,
        version: 1,
    };
    sqlx::query(&format!(
        "INSERT INTO organisations ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
    ))
    .bind(&org.id)
    .bind(&org.name)
    .bind(org.kind.as_str())
    .bind(&org.region_code)
    .bind(&org.unit_code)
    .bind(&org.credit_code)
    .bind(org.status.as_str())
    .bind(i64::from(org.verifier))
    .bind(&org.contact_name)
    .bind(&org.contact_phone)
    .bind(&org.contact_email)
    .bind(&org.industry)
    .bind(crate::achievements::delimited(&org.interest_fields))
    .bind(org.created_at)
    .bind(org.updated_at)
    .bind(org.version)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::unique("credit_code_taken", "该统一社会信用代码已被其他机构登记"))?;
    let ev = Event {
        action: "org.create",
        object_type: "organisation",
        object_id: &org.id,
        unit_code: Some(&org.unit_code),
        before: None,
        after: Some(json!(org)),
    };
    record(conn, ctx, ev).await?;
    Ok(org)
}

pub async fn create(store: &Store, ctx: &Ctx, new: &NewOrg) -> Result<Organisation> {
    let mut tx = store.pool().begin().await?;
    let org = insert(&mut tx, ctx, new).await?;
    tx.commit().await?;
    Ok(org)
}

pub async fn get(store: &Store, id: &str) -> Result<Option<Organisation>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM organisations WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(store.pool())
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub(crate) async fn find_existing(
    conn: &mut AnyConnection,
    new: &NewOrg,
) -> Result<Option<Organisation>> {
    let row = if let Some(code) = &new.credit_code {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM organisations WHERE credit_code = $1"
        ))
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?
    } else {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM organisations WHERE name = $1 AND region_code = $2 AND credit_code IS NULL"
        ))
        .bind(&new.name)
        .bind(&new.region_code)
        .fetch_optional(&mut *conn)
        .await?
    };
    row.as_ref().map(from_row).transpose()
}

/// Organisations, optionally of one unit and matching a name fragment, by name.
pub async fn list(
    store: &Store,
    unit: Option<&str>,
    q: Option<&str>,
    page: i64,
    per_page: i64,
) -> Result<Page<Organisation>> {
    let pattern = q.map(|q| format!("%{}%", crate::audit::escape_like(q)));
    let filter =
        "($1 IS NULL OR unit_code = $1) AND ($2 IS NULL OR LOWER(name) LIKE LOWER($2) ESCAPE '\\')";
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM organisations WHERE {filter}"
    ))
    .bind(unit)
    .bind(&pattern)
    .fetch_one(store.pool())
    .await?;
    let page = page.max(1);
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM organisations WHERE {filter} ORDER BY unit_code, name, id LIMIT $3 OFFSET $4"
    ))
    .bind(unit)
    .bind(&pattern)
    .bind(per_page)
    .bind((page - 1) * per_page)
    .fetch_all(store.pool())
    .await?;
    let items = rows.iter().map(from_row).collect::<Result<_>>()?;
    Ok(Page {
        items,
        total,
        page,
        per_page,
    })
}

/// Sets an organisation's status (e.g. verified on its first account's approval).
pub(crate) async fn set_status_in(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    org: &Organisation,
    status: AccountStatus,
) -> Result<()> {
    if org.status == status {
        return Ok(());
    }
    sqlx::query("UPDATE organisations SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3")
        .bind(status.as_str())
        .bind(now_ms())
        .bind(&org.id)
        .execute(&mut *conn)
        .await?;
    let ev = Event {
        action: "org.status",
        object_type: "organisation",
        object_id: &org.id,
        unit_code: Some(&org.unit_code),
        before: Some(json!({ "status": org.status })),
        after: Some(json!({ "status": status })),
    };
    record(conn, ctx, ev).await
}

/// Authorises an agency to verify researchers' registrations in its unit, or
/// withdraws the authorisation.
pub async fn set_verifier(
    store: &Store,
    ctx: &Ctx,
    org: &Organisation,
    verifier: bool,
) -> Result<()> {
    if org.kind != OrgKind::Agency {
        return Err(StoreError::Conflict {
            code: "not_an_agency",
            message: "只能授权技术转移机构审核注册",
        });
    }
    let mut tx = store.pool().begin().await?;
    let n = sqlx::query("UPDATE organisations SET verifier = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND version = $4")
        .bind(i64::from(verifier))
        .bind(now_ms())
        .bind(&org.id)
        .bind(org.version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::Stale);
    }
    let ev = Event {
        action: "org.verifier",
        object_type: "organisation",
        object_id: &org.id,
        unit_code: Some(&org.unit_code),
        before: Some(json!({ "verifier": org.verifier })),
        after: Some(json!({ "verifier": verifier })),
    };
    record(&mut tx, ctx, ev).await?;
    tx.commit().await?;
    Ok(())
}

/// Verified enterprises, parks and investors that follow field `field` or
/// sub-field `subfield` (registered interest or an active digest follow): `(id,
/// name)`, by name.
pub async fn following(
    store: &Store,
    field: &str,
    subfield: &str,
    limit: i64,
) -> Result<Vec<(String, String)>> {
    if field.is_empty() && subfield.is_empty() {
        return Ok(Vec::new());
    }
    let f = format!("%,{},%", crate::audit::escape_like(field));
    let s = format!("%,{},%", crate::audit::escape_like(subfield));
    let kinds: Vec<String> = OrgKind::ALL
        .iter()
        .filter(|k| k.is_demand_side())
        .map(|k| format!("'{}'", k.as_str()))
        .collect();
    let rows = sqlx::query(&format!(
        "SELECT o.id, o.name FROM organisations o
         WHERE o.status = 'active' AND o.kind IN ({})
           AND (o.interest_fields LIKE $1 ESCAPE '\\' OR o.interest_fields LIKE $2 ESCAPE '\\'
                OR EXISTS (SELECT 1 FROM follows w WHERE w.org_id = o.id AND w.frequency <> 'off'
                           AND (w.fields LIKE $1 ESCAPE '\\' OR w.fields LIKE $2 ESCAPE '\\')))
         ORDER BY o.name, o.id LIMIT $3",
        kinds.join(", ")
    ))
    .bind(&f)
    .bind(&s)
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect()
}
