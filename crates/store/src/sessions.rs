//! Sign-in state kept in the database, so that any process can serve any request:
//! browser sessions, personal API tokens and the login throttle.

use rand::RngCore;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::change::{Event, record};
use crate::users::{Member, member_from, member_select, member_select_with};
use crate::{Ctx, Result, Store, new_id, now_ms};

/// How long a browser session lasts.
pub const SESSION_TTL_MS: i64 = 12 * 3600 * 1000;
/// Failures within this window count towards a lock.
pub const THROTTLE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// How long a lock lasts.
pub const LOCK_MS: i64 = 15 * 60 * 1000;

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// SHA-256 of a secret token, as stored.
pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A live session: the member, its CSRF token and the stored token hash.
#[derive(Debug, Clone)]
pub struct Session {
    pub member: Member,
    pub csrf: String,
    pub token_hash: String,
}

/// Opens a session after a successful sign-in; returns the secret cookie value.
pub async fn create(
    store: &Store,
    ctx: &Ctx,
    m: &Member,
    user_agent: Option<&str>,
) -> Result<String> {
    let token = random_hex(32);
    let now = now_ms();
    let mut tx = store.pool().begin().await?;
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(digest(&token))
    .bind(&m.user.id)
    .bind(random_hex(24))
    .bind(now)
    .bind(now + SESSION_TTL_MS)
    .bind(ctx.ip.clone())
    .bind(user_agent.map(|s| s.chars().take(200).collect::<String>()))
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
        .bind(now)
        .bind(&m.user.id)
        .execute(&mut *tx)
        .await?;
    let ev = Event::bare("auth.login", "user", &m.user.id, Some(&m.unit_code));
    record(&mut tx, ctx, ev).await?;
    tx.commit().await?;
    Ok(token)
}

/// The session for a cookie value, if it exists and has not expired.
pub async fn find(store: &Store, token: &str) -> Result<Option<Session>> {
    let hash = digest(token);
    let row = sqlx::query(&format!(
        "{} JOIN sessions s ON s.user_id = u.id WHERE s.token_hash = $1 AND s.expires_at > $2",
        member_select_with(", s.csrf_token AS csrf_token")
    ))
    .bind(&hash)
    .bind(now_ms())
    .fetch_optional(store.pool())
    .await?;
    match row {
        Some(r) => Ok(Some(Session {
            member: member_from(&r)?,
            csrf: r.try_get("csrf_token")?,
            token_hash: hash,
        })),
        None => Ok(None),
    }
}

/// Ends one session (sign-out).
pub async fn end(store: &Store, ctx: &Ctx, s: &Session) -> Result<()> {
    let mut tx = store.pool().begin().await?;
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(&s.token_hash)
        .execute(&mut *tx)
        .await?;
    let ev = Event::bare(
        "auth.logout",
        "user",
        &s.member.user.id,
        Some(&s.member.unit_code),
    );
    record(&mut tx, ctx, ev).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes expired sessions; returns how many.
pub async fn purge_expired(store: &Store) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now_ms())
        .execute(store.pool())
        .await?
        .rows_affected())
}

// ---- personal API tokens ---------------------------------------------------------

#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// Creates a token; the secret (`ztc_…`) is returned once and stored only as a hash.
pub async fn create_token(
    store: &Store,
    ctx: &Ctx,
    m: &Member,
    name: &str,
) -> Result<(ApiToken, String)> {
    let secret = format!("ztc_{}", random_hex(24));
    let t = ApiToken {
        id: new_id(),
        name: name.to_owned(),
        created_at: now_ms(),
        last_used_at: None,
        revoked_at: None,
    };
    let mut tx = store.pool().begin().await?;
    sqlx::query("INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&t.id)
        .bind(&m.user.id)
        .bind(&t.name)
        .bind(digest(&secret))
        .bind(t.created_at)
        .execute(&mut *tx)
        .await?;
    let ev = Event {
        action: "token.create",
        object_type: "api_token",
        object_id: &t.id,
        unit_code: Some(&m.unit_code),
        before: None,
        after: Some(json!({ "name": name, "user_id": m.user.id })),
    };
    record(&mut tx, ctx, ev).await?;
    tx.commit().await?;
    Ok((t, secret))
}

pub async fn tokens(store: &Store, user_id: &str) -> Result<Vec<ApiToken>> {
    let rows = sqlx::query("SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC")
        .bind(user_id)
        .fetch_all(store.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ApiToken {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                created_at: r.try_get("created_at")?,
                last_used_at: r.try_get("last_used_at")?,
                revoked_at: r.try_get("revoked_at")?,
            })
        })
        .collect()
}

pub async fn revoke_token(store: &Store, ctx: &Ctx, m: &Member, id: &str) -> Result<bool> {
    let mut tx = store.pool().begin().await?;
    let n = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
        .bind(now_ms())
        .bind(id)
        .bind(&m.user.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n > 0 {
        let ev = Event::bare("token.revoke", "api_token", id, Some(&m.unit_code));
        record(&mut tx, ctx, ev).await?;
    }
    tx.commit().await?;
    Ok(n > 0)
}

/// The member a bearer token belongs to, if the token is live.
pub async fn find_token(store: &Store, secret: &str) -> Result<Option<Member>> {
    let hash = digest(secret);
    let row = sqlx::query(&format!(
        "{} JOIN api_tokens t ON t.user_id = u.id WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        member_select()
    ))
    .bind(&hash)
    .fetch_optional(store.pool())
    .await?;
    let Some(r) = row else { return Ok(None) };
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
        .bind(now_ms())
        .bind(&hash)
        .execute(store.pool())
        .await?;
    Ok(Some(member_from(&r)?))
}

// ---- login throttle -------------------------------------------------------------

/// If any of `keys` is locked, until when (epoch ms).
pub async fn locked_until(store: &Store, keys: &[String]) -> Result<Option<i64>> {
    let now = now_ms();
    let mut until = None;
    for k in keys {
        let v: Option<i64> = sqlx::query_scalar(
            "SELECT locked_until FROM login_throttle WHERE key = $1 AND locked_until > $2",
        )
        .bind(k)
        .bind(now)
        .fetch_optional(store.pool())
        .await?;
        until = until.max(v);
    }
    Ok(until)
}

/// Counts a failed attempt against `key`; locks it once `limit` failures fall in
/// one window. Returns the failures counted so far.
pub async fn fail(store: &Store, key: &str, limit: i64) -> Result<i64> {
    let now = now_ms();
    let window_open = now - THROTTLE_WINDOW_MS;
    let mut tx = store.pool().begin().await?;
    sqlx::query(
        "INSERT INTO login_throttle (key, failures, window_start, locked_until) VALUES ($1, 1, $2, 0)
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN login_throttle.window_start < $3 THEN 1 ELSE login_throttle.failures + 1 END,
           window_start = CASE WHEN login_throttle.window_start < $3 THEN $2 ELSE login_throttle.window_start END",
    )
    .bind(key)
    .bind(now)
    .bind(window_open)
    .execute(&mut *tx)
    .await?;
    let failures: i64 = sqlx::query_scalar("SELECT failures FROM login_throttle WHERE key = $1")
        .bind(key)
        .fetch_one(&mut *tx)
        .await?;
    if failures >= limit {
        sqlx::query("UPDATE login_throttle SET locked_until = $1, failures = 0, window_start = $2 WHERE key = $3")
            .bind(now + LOCK_MS)
            .bind(now)
            .bind(key)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(failures)
}

pub async fn clear(store: &Store, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(key)
        .execute(store.pool())
        .await?;
    Ok(())
}
