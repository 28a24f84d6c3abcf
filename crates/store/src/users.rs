//! Accounts: creation by administrators, self-registration, verification, password
//! changes and resets, status changes. Every change is audited.

use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use ztc_domain::{AccountStatus, OrgKind, Role};

use crate::change::{Event, record};
use crate::orgs::{self, NewOrg, Organisation, Page};
use crate::{Ctx, Result, Store, StoreError, new_id, now_ms};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[serde(skip)]
    pub password_hash: String,
    pub role: Role,
    pub org_id: String,
    pub status: AccountStatus,
    pub must_change_password: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_login_at: Option<i64>,
    pub version: i64,
}

/// An account with the organisation facts the policy needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub user: User,
    pub org_name: String,
    pub org_kind: OrgKind,
    /// The organisation is an agency authorised to verify registrations.
    pub org_verifier: bool,
    pub unit_code: String,
    pub region_code: String,
}

impl Member {
    pub fn actor(&self) -> ztc_domain::Actor {
        ztc_domain::Actor {
            user_id: self.user.id.clone(),
            role: self.user.role,
            org_id: self.user.org_id.clone(),
            unit_code: self.unit_code.clone(),
            status: self.user.status,
            org_verifier: self.org_verifier,
        }
    }

    pub fn resource(&self) -> ztc_domain::Resource {
        ztc_domain::Resource::User {
            user_id: self.user.id.clone(),
            unit_code: self.unit_code.clone(),
            role: self.user.role,
            org_kind: self.org_kind,
        }
    }
}

/// A validated new account; the password is already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub password_hash: String,
    pub role: Role,
    pub status: AccountStatus,
    pub must_change_password: bool,
}

const COLUMNS: &str = "u.id, u.username, u.display_name, u.email, u.phone, u.password_hash, u.role, u.org_id, u.status, u.must_change_password, u.created_at, u.updated_at, u.last_login_at, u.version";
const MEMBER_FROM: &str = "FROM users u JOIN organisations o ON o.id = u.org_id";

fn user_from(r: &sqlx::any::AnyRow) -> Result<User> {
    let role: String = r.try_get("role")?;
    let status: String = r.try_get("status")?;
    let must: i64 = r.try_get("must_change_password")?;
    Ok(User {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        email: r.try_get("email")?,
        phone: r.try_get("phone")?,
        password_hash: r.try_get("password_hash")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role}")))?,
        org_id: r.try_get("org_id")?,
        status: AccountStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("status {status}")))?,
        must_change_password: must != 0,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        last_login_at: r.try_get("last_login_at")?,
        version: r.try_get("version")?,
    })
}

pub(crate) fn member_from(r: &sqlx::any::AnyRow) -> Result<Member> {
    let kind: String = r.try_get("org_kind")?;
    Ok(Member {
        user: user_from(r)?,
        org_name: r.try_get("org_name")?,
        org_kind: OrgKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("org kind {kind}")))?,
        org_verifier: r.try_get::<i64, _>("org_verifier")? != 0,
        unit_code: r.try_get("unit_code")?,
        region_code: r.try_get("region_code")?,
    })
}

pub(crate) fn member_select() -> String {
    member_select_with("")
}

/// `SELECT` of a member, with `extra` columns (starting with a comma) appended.
pub(crate) fn member_select_with(extra: &str) -> String {
    format!(
        "SELECT {COLUMNS}, o.name AS org_name, o.kind AS org_kind, o.verifier AS org_verifier, o.unit_code AS unit_code, o.region_code AS region_code{extra} {MEMBER_FROM}"
    )
}

fn audit_view(u: &User) -> serde_json::Value {
    json!({ "username": u.username, "display_name": u.display_name, "role": u.role, "org_id": u.org_id, "status": u.status })
}

async fn insert(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    org: &Organisation,
    new: &NewUser,
    action: &str,
) -> Result<User> {
    if !new.role.fits(org.kind) {
        return Err(StoreError::Conflict {
            code: "role_org_mismatch",
            message: "该角色不能属于这一类机构",
        });
    }
    let now = now_ms();
    let user = User {
        id: new_id(),
        username: new.username.clone(),
        display_name: new.display_name.clone(),
        email: new.email.clone(),
        phone: new.phone.clone(),
        password_hash: new.password_hash.clone(),
        role: new.role,
        org_id: org.id.clone(),
        status: new.status,
        must_change_password: new.must_change_password,
        created_at: now,
        updated_at: now,
        last_login_at: None,
        version: 1,
    };
    sqlx::query(
        "INSERT INTO users (id, username, display_name, email, phone, password_hash, role, org_id, status, must_change_password, created_at, updated_at, last_login_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, 1)",
    )
    .bind(&user.id)
    .bind(&user.username)
    .bind(&user.display_name)
    .bind(&user.email)
    .bind(&user.phone)
    .bind(&user.password_hash)
    .bind(user.role.as_str())
    .bind(&user.org_id)
    .bind(user.status.as_str())
    .bind(i64::from(user.must_change_password))
    .bind(now)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::unique("username_taken", "该用户名已被使用，请换一个"))?;
    let ev = Event {
        action,
        object_type: "user",
        object_id: &user.id,
        unit_code: Some(&org.unit_code),
        before: None,
        after: Some(audit_view(&user)),
    };
    record(conn, ctx, ev).await?;
    Ok(user)
}

/// Creates an account in an existing organisation.
pub async fn create(store: &Store, ctx: &Ctx, org_id: &str, new: &NewUser) -> Result<User> {
    let mut tx = store.pool().begin().await?;
    let row = sqlx::query(&format!(
        "SELECT {} FROM organisations WHERE id = $1",
        orgs::COLUMNS
    ))
    .bind(org_id)
    .fetch_optional(&mut *tx)
    .await?;
    let org = row
        .as_ref()
        .map(orgs::from_row)
        .transpose()?
        .ok_or(StoreError::NotFound)?;
    let user = insert(&mut tx, ctx, &org, new, "user.create").await?;
    tx.commit().await?;
    Ok(user)
}

/// Self-registration: joins the organisation with the same credit code (or the same
/// name in the same region, when it has none), or creates it pending; the account is
/// pending until verified.
pub async fn register(
    store: &Store,
    ctx: &Ctx,
    org: &NewOrg,
    new: &NewUser,
) -> Result<(Organisation, User)> {
    let mut tx = store.pool().begin().await?;
    let org = match orgs::find_existing(&mut tx, org).await? {
        Some(existing) => existing,
        None => orgs::insert(&mut tx, ctx, org).await?,
    };
    let user = insert(&mut tx, ctx, &org, new, "user.register").await?;
    tx.commit().await?;
    Ok((org, user))
}

pub async fn member(store: &Store, id: &str) -> Result<Option<Member>> {
    let row = sqlx::query(&format!("{} WHERE u.id = $1", member_select()))
        .bind(id)
        .fetch_optional(store.pool())
        .await?;
    row.as_ref().map(member_from).transpose()
}

pub async fn member_by_username(store: &Store, username: &str) -> Result<Option<Member>> {
    let row = sqlx::query(&format!("{} WHERE u.username = $1", member_select()))
        .bind(username)
        .fetch_optional(store.pool())
        .await?;
    row.as_ref().map(member_from).transpose()
}

/// Filters for the account list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub unit: Option<String>,
    pub status: Option<AccountStatus>,
    pub q: Option<String>,
}

pub async fn list(store: &Store, f: &Filter, page: i64, per_page: i64) -> Result<Page<Member>> {
    let pattern =
        f.q.as_deref()
            .map(|q| format!("%{}%", crate::audit::escape_like(&q.to_lowercase())));
    let filter = "($1 IS NULL OR o.unit_code = $1) AND ($2 IS NULL OR u.status = $2)
        AND ($3 IS NULL OR u.username LIKE $3 ESCAPE '\\' OR LOWER(u.display_name) LIKE $3 ESCAPE '\\' OR LOWER(o.name) LIKE $3 ESCAPE '\\')";
    let status = f.status.map(|s| s.as_str());
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {MEMBER_FROM} WHERE {filter}"))
        .bind(&f.unit)
        .bind(status)
        .bind(&pattern)
        .fetch_one(store.pool())
        .await?;
    let page = page.max(1);
    let rows = sqlx::query(&format!(
        "{} WHERE {filter} ORDER BY u.created_at DESC, u.id LIMIT $4 OFFSET $5",
        member_select()
    ))
    .bind(&f.unit)
    .bind(status)
    .bind(&pattern)
    .bind(per_page)
    .bind((page - 1) * per_page)
    .fetch_all(store.pool())
    .await?;
    let items = rows.iter().map(member_from).collect::<Result<_>>()?;
    Ok(Page {
        items,
        total,
        page,
        per_page,
    })
}

async fn update_password(
    conn: &mut AnyConnection,
    user_id: &str,
    hash: &str,
    must_change: bool,
) -> Result<()> {
    let n = sqlx::query(
        "UPDATE users SET password_hash = $1, must_change_password = $2, updated_at = $3, version = version + 1 WHERE id = $4",
    )
    .bind(hash)
    .bind(i64::from(must_change))
    .bind(now_ms())
    .bind(user_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// A user changes their own password; every other session of theirs ends.
pub async fn change_password(
    store: &Store,
    ctx: &Ctx,
    m: &Member,
    new_hash: &str,
    keep_session: &str,
) -> Result<()> {
    let mut tx = store.pool().begin().await?;
    update_password(&mut tx, &m.user.id, new_hash, false).await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(&m.user.id)
        .bind(keep_session)
        .execute(&mut *tx)
        .await?;
    let ev = Event::bare(
        "user.password_change",
        "user",
        &m.user.id,
        Some(&m.unit_code),
    );
    record(&mut tx, ctx, ev).await?;
    tx.commit().await?;
    Ok(())
}

/// An administrator sets a temporary password: the user must change it at next
/// sign-in, and all their sessions and API tokens end.
pub async fn reset_password(store: &Store, ctx: &Ctx, m: &Member, new_hash: &str) -> Result<()> {
    let mut tx = store.pool().begin().await?;
    update_password(&mut tx, &m.user.id, new_hash, true).await?;
    end_access(&mut tx, &m.user.id).await?;
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(format!("user:{}", m.user.username))
        .execute(&mut *tx)
        .await?;
    let ev = Event {
        action: "user.password_reset",
        object_type: "user",
        object_id: &m.user.id,
        unit_code: Some(&m.unit_code),
        before: None,
        after: Some(json!({ "must_change_password": true })),
    };
    record(&mut tx, ctx, ev).await?;
    tx.commit().await?;
    Ok(())
}

async fn end_access(conn: &mut AnyConnection, user_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(now_ms())
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Changes an account's status; `expected_version` guards against a concurrent
/// change. Verifying an account also verifies its pending organisation. Leaving the
/// active state ends the account's sessions and tokens.
pub async fn set_status(
    store: &Store,
    ctx: &Ctx,
    m: &Member,
    status: AccountStatus,
    action: &str,
    reason: Option<&str>,
) -> Result<()> {
    let mut tx = store.pool().begin().await?;
    let n = sqlx::query("UPDATE users SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND version = $4")
        .bind(status.as_str())
        .bind(now_ms())
        .bind(&m.user.id)
        .bind(m.user.version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::Stale);
    }
    if status == AccountStatus::Active {
        let row = sqlx::query(&format!(
            "SELECT {} FROM organisations WHERE id = $1",
            orgs::COLUMNS
        ))
        .bind(&m.user.org_id)
        .fetch_one(&mut *tx)
        .await?;
        let org = orgs::from_row(&row)?;
        if org.status == AccountStatus::Pending {
            orgs::set_status_in(&mut tx, ctx, &org, AccountStatus::Active).await?;
        }
    } else {
        end_access(&mut tx, &m.user.id).await?;
    }
    let ev = Event {
        action,
        object_type: "user",
        object_id: &m.user.id,
        unit_code: Some(&m.unit_code),
        before: Some(json!({ "status": m.user.status })),
        after: Some(json!({ "status": status, "reason": reason })),
    };
    record(&mut tx, ctx, ev).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn record_login(store: &Store, user_id: &str) -> Result<()> {
    sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(user_id)
        .execute(store.pool())
        .await?;
    Ok(())
}
