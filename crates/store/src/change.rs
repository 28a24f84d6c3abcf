//! The audit record and the outbox event that accompany every state change, written
//! inside the caller's transaction so that the three stand or fall together.

use serde_json::Value;
use sqlx::AnyConnection;

use crate::{Result, new_id, now_ms};

/// Who is making a change, and from where.
#[derive(Debug, Clone, Default)]
pub struct Ctx {
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

impl Ctx {
    /// A change made by the system itself (migrations, demo loading, the CLI).
    pub fn system(what: &str) -> Ctx {
        Ctx {
            actor_id: None,
            actor_name: Some(format!("system:{what}")),
            ip: None,
            request_id: None,
        }
    }
}

/// One state change to record.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    /// What happened, e.g. `user.create`, `user.password_reset`.
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: &'a str,
    /// The programme unit the object belongs to (scopes who may read the record).
    pub unit_code: Option<&'a str>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl<'a> Event<'a> {
    /// An event with no before/after state (sign-in, sign-out, password change …).
    pub fn bare(
        action: &'a str,
        object_type: &'a str,
        object_id: &'a str,
        unit_code: Option<&'a str>,
    ) -> Self {
        Event {
            action,
            object_type,
            object_id,
            unit_code,
            before: None,
            after: None,
        }
    }
}

/// Writes the audit record and the outbox event for `ev` on `conn` (a transaction).
pub async fn record(conn: &mut AnyConnection, ctx: &Ctx, ev: Event<'_>) -> Result<()> {
    let at = now_ms();
    let before = ev.before.as_ref().map(Value::to_string);
    let after = ev.after.as_ref().map(Value::to_string);
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor_id, actor_name, action, object_type, object_id, unit_code, before_json, after_json, ip, request_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(new_id())
    .bind(at)
    .bind(ctx.actor_id.clone())
    .bind(ctx.actor_name.clone())
    .bind(ev.action)
    .bind(ev.object_type)
    .bind(ev.object_id)
    .bind(ev.unit_code)
    .bind(before)
    .bind(after.clone())
    .bind(ctx.ip.clone())
    .bind(ctx.request_id.clone())
    .execute(&mut *conn)
    .await?;
    let payload =
        serde_json::json!({ "action": ev.action, "actor": ctx.actor_id, "after": ev.after });
    sqlx::query("INSERT INTO outbox (id, at, topic, object_type, object_id, payload) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(new_id())
        .bind(at)
        .bind(ev.action)
        .bind(ev.object_type)
        .bind(ev.object_id)
        .bind(payload.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}
