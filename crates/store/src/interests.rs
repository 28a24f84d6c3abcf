//! Expressions of interest: one record per enterprise and achievement; the holder
//! accepts or declines; unanswered requests expire after a reminder; messages
//! between the two sides once accepted. Every change writes its audit and outbox
//! records in the same transaction.

use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use ztc_domain::interest::{ANSWER_DAYS, DAY_MS, InterestStatus, REMIND_DAYS_BEFORE};

use crate::change::{Event, record};
use crate::mail::{self, NewMail};
use crate::{Ctx, Result, Store, StoreError, new_id, now_ms};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interest {
    pub id: String,
    pub achievement_id: String,
    pub achievement_title: String,
    pub holder_org_id: String,
    pub holder_org_name: String,
    /// The holder account that entered the achievement, if any.
    pub holder_owner_id: Option<String>,
    pub unit_code: String,
    /// The enterprise.
    pub org_id: String,
    pub org_name: String,
    pub org_verified: bool,
    pub org_contact_name: Option<String>,
    pub org_contact_phone: Option<String>,
    pub org_contact_email: Option<String>,
    /// The account that expressed it.
    pub user_id: String,
    pub user_name: String,
    pub message: String,
    pub cooperation_mode: String,
    pub status: InterestStatus,
    pub reason: Option<String>,
    pub expires_at: i64,
    pub reminded_at: i64,
    pub decided_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

const COLUMNS: &str = "i.id, i.achievement_id, a.title AS achievement_title, a.holder_org_id, h.name AS holder_org_name, a.owner_id AS holder_owner_id, a.unit_code,
    i.org_id, o.name AS org_name, o.status AS org_status, o.contact_name AS org_contact_name, o.contact_phone AS org_contact_phone, o.contact_email AS org_contact_email,
    i.user_id, u.display_name AS user_name, i.message, i.cooperation_mode, i.status, i.reason, i.expires_at, i.reminded_at, i.decided_at, i.created_at, i.updated_at, i.version";
const FROM: &str = "FROM interests i JOIN achievements a ON a.id = i.achievement_id JOIN organisations h ON h.id = a.holder_org_id
    JOIN organisations o ON o.id = i.org_id JOIN users u ON u.id = i.user_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Interest> {
    let status: String = r.try_get("status")?;
    let org_status: String = r.try_get("org_status")?;
    Ok(Interest {
        id: r.try_get("id")?,
        achievement_id: r.try_get("achievement_id")?,
        achievement_title: r.try_get("achievement_title")?,
        holder_org_id: r.try_get("holder_org_id")?,
        holder_org_name: r.try_get("holder_org_name")?,
        holder_owner_id: r.try_get("holder_owner_id")?,
        unit_code: r.try_get("unit_code")?,
        org_id: r.try_get("org_id")?,
        org_name: r.try_get("org_name")?,
        org_verified: org_status == "active",
        org_contact_name: r.try_get("org_contact_name")?,
        org_contact_phone: r.try_get("org_contact_phone")?,
        org_contact_email: r.try_get("org_contact_email")?,
        user_id: r.try_get("user_id")?,
        user_name: r.try_get("user_name")?,
        message: r.try_get("message")?,
        cooperation_mode: r.try_get("cooperation_mode")?,
        status: InterestStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("interest status {status}")))?,
        reason: r.try_get("reason")?,
        expires_at: r.try_get("expires_at")?,
        reminded_at: r.try_get("reminded_at")?,
        decided_at: r.try_get("decided_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

async fn fetch(conn: &mut AnyConnection, id: &str) -> Result<Option<Interest>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} {FROM} WHERE i.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn get(store: &Store, id: &str) -> Result<Option<Interest>> {
    let mut conn = store.pool().acquire().await?;
    fetch(&mut conn, id).await
}

/// The enterprise's record for an achievement, if it expressed interest.
pub async fn of_org(store: &Store, achievement_id: &str, org_id: &str) -> Result<Option<Interest>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} {FROM} WHERE i.achievement_id = $1 AND i.org_id = $2"
    ))
    .bind(achievement_id)
    .bind(org_id)
    .fetch_optional(store.pool())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Which requests a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Sent by this enterprise.
    pub org_id: Option<String>,
    /// Received by this holder: achievements the user owns, or that have no owner
    /// and are held by `holder_org_id`.
    pub holder: Option<(String, String)>,
    /// About this achievement.
    pub achievement_id: Option<String>,
}

/// Requests, most recently changed first (at most `limit`).
pub async fn list(store: &Store, f: &Filter, limit: i64) -> Result<Vec<Interest>> {
    let (user, org) = f.holder.clone().unzip();
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} {FROM}
         WHERE ($1 IS NULL OR i.org_id = $1)
           AND ($2 IS NULL OR a.owner_id = $2 OR (a.owner_id IS NULL AND a.holder_org_id = $3))
           AND ($4 IS NULL OR i.achievement_id = $4)
         ORDER BY i.updated_at DESC, i.id LIMIT $5"
    ))
    .bind(&f.org_id)
    .bind(&user)
    .bind(&org)
    .bind(&f.achievement_id)
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

fn view(i: &Interest) -> serde_json::Value {
    json!({ "status": i.status, "mode": i.cooperation_mode, "reason": i.reason,
            "expires_at": i.expires_at, "version": i.version })
}

async fn finish(
    mut tx: sqlx::Transaction<'_, sqlx::Any>,
    ctx: &Ctx,
    id: &str,
    action: &str,
    before: Option<serde_json::Value>,
) -> Result<Interest> {
    let i = fetch(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
    let ev = Event {
        action,
        object_type: "interest",
        object_id: &i.id,
        unit_code: Some(&i.unit_code),
        before,
        after: Some(view(&i)),
    };
    record(&mut tx, ctx, ev).await?;
    tx.commit().await?;
    Ok(i)
}

/// An enterprise's request.
#[derive(Debug, Clone, Copy)]
pub struct NewInterest<'a> {
    pub achievement_id: &'a str,
    /// The enterprise.
    pub org_id: &'a str,
    /// The account expressing it.
    pub user_id: &'a str,
    pub message: &'a str,
    pub mode: &'a str,
}

/// The addresses of the holders who answer interest in an achievement: its owner,
/// or (without one) the active holders of its organisation.
async fn holder_addresses(
    conn: &mut AnyConnection,
    owner_id: &Option<String>,
    org_id: &str,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT email FROM users WHERE email IS NOT NULL AND status = 'active' AND role = 'holder'
           AND (id = $1 OR ($1 IS NULL AND org_id = $2))",
    )
    .bind(owner_id)
    .bind(org_id)
    .fetch_all(conn)
    .await?)
}

/// Tells the holders of `i` about a new (or renewed) request, in the transaction.
async fn notify_holders(conn: &mut AnyConnection, i: &Interest, base_url: &str) -> Result<()> {
    let to = holder_addresses(conn, &i.holder_owner_id, &i.holder_org_id).await?;
    let body = format!(
        "您好：\n\n{} 对您的成果《{}》表达了合作意向。\n\n留言：{}\n\n请在 {} 天内登录平台接受或婉拒（接受后双方可以看到彼此的联系方式）：{}/interests/{}\n",
        i.org_name, i.achievement_title, i.message, ANSWER_DAYS, base_url, i.id
    );
    let subject = format!("【科技成果直通车】{}对您的成果表达了合作意向", i.org_name);
    crate::mail::notify_tx(conn, &to, &subject, &body, "interest_new", &i.id, now_ms()).await
}

/// Records that an enterprise is interested in a published achievement and tells
/// the holder (a mail in the outbox, same transaction; `base_url` makes its link).
/// Expressing interest again keeps one record: a pending, expired or withdrawn
/// request is renewed with the new message; a declined or accepted one is refused.
pub async fn express(
    store: &Store,
    ctx: &Ctx,
    new: &NewInterest<'_>,
    base_url: &str,
) -> Result<Interest> {
    let NewInterest {
        achievement_id,
        org_id,
        user_id,
        message,
        mode,
    } = *new;
    let now = now_ms();
    let expires = now + ANSWER_DAYS * DAY_MS;
    let mut tx = store.pool().begin().await?;
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM achievements WHERE id = $1")
            .bind(achievement_id)
            .fetch_optional(&mut *tx)
            .await?;
    if status.as_deref() != Some("published") {
        return Err(StoreError::Conflict {
            code: "achievement_not_public",
            message: "该成果未在成果库中公开",
        });
    }
    let existing =
        sqlx::query("SELECT id, status FROM interests WHERE achievement_id = $1 AND org_id = $2")
            .bind(achievement_id)
            .bind(org_id)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some(row) = existing {
        let id: String = row.try_get("id")?;
        let old = fetch(&mut tx, &id).await?.ok_or(StoreError::NotFound)?;
        match old.status {
            InterestStatus::Accepted => {
                return Err(StoreError::Conflict {
                    code: "interest_accepted",
                    message: "对方已接受贵单位的合作意向，请直接在对接页面沟通",
                });
            }
            InterestStatus::Declined => {
                return Err(StoreError::Conflict {
                    code: "interest_declined",
                    message: "成果持有人已婉拒贵单位对该成果的合作意向",
                });
            }
            _ => {}
        }
        sqlx::query(
            "UPDATE interests SET user_id = $1, message = $2, cooperation_mode = $3, status = 'pending', reason = NULL,
               expires_at = $4, reminded_at = 0, updated_at = $5, version = version + 1 WHERE id = $6",
        )
        .bind(user_id)
        .bind(message)
        .bind(mode)
        .bind(expires)
        .bind(now)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        if let Some(i) = fetch(&mut tx, &id).await? {
            notify_holders(&mut tx, &i, base_url).await?;
        }
        return finish(tx, ctx, &id, "interest.renew", Some(view(&old))).await;
    }
    let id = new_id();
    sqlx::query(
        "INSERT INTO interests (id, achievement_id, org_id, user_id, message, cooperation_mode, status, reason,
           expires_at, reminded_at, decided_by, decided_at, created_at, updated_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', NULL, $7, 0, NULL, NULL, $8, $8, 1)",
    )
    .bind(&id)
    .bind(achievement_id)
    .bind(org_id)
    .bind(user_id)
    .bind(message)
    .bind(mode)
    .bind(expires)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(StoreError::unique(
        "interest_exists",
        "贵单位已对该成果表达过合作意向",
    ))?;
    if let Some(i) = fetch(&mut tx, &id).await? {
        notify_holders(&mut tx, &i, base_url).await?;
    }
    finish(tx, ctx, &id, "interest.express", None).await
}

/// The holder's answer (`Accepted`, or `Declined` with a reason) or the
/// enterprise's withdrawal, on a pending request that has not expired. The
/// enterprise's account is told of the holder's answer by mail.
pub async fn decide(
    store: &Store,
    ctx: &Ctx,
    current: &Interest,
    to: InterestStatus,
    reason: Option<&str>,
    base_url: &str,
) -> Result<Interest> {
    let now = now_ms();
    if current.status == InterestStatus::Pending && current.expires_at < now {
        return Err(StoreError::Conflict {
            code: "interest_expired",
            message: "该合作意向已过期",
        });
    }
    if !current.status.can_become(to) {
        return Err(StoreError::Conflict {
            code: "interest_status_invalid",
            message: "该合作意向当前状态不能进行这一操作",
        });
    }
    let mut tx = store.pool().begin().await?;
    let n = sqlx::query(
        "UPDATE interests SET status = $1, reason = $2, decided_by = $3, decided_at = $4, updated_at = $4, version = version + 1
         WHERE id = $5 AND version = $6",
    )
    .bind(to.as_str())
    .bind(reason)
    .bind(&ctx.actor_id)
    .bind(now)
    .bind(&current.id)
    .bind(current.version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::Stale);
    }
    if matches!(to, InterestStatus::Accepted | InterestStatus::Declined) {
        let to_addr: Vec<String> =
            sqlx::query_scalar("SELECT email FROM users WHERE id = $1 AND email IS NOT NULL")
                .bind(&current.user_id)
                .fetch_all(&mut *tx)
                .await?;
        let (subject, body) = if to == InterestStatus::Accepted {
            (
                format!(
                    "【科技成果直通车】对方已接受您对《{}》的合作意向",
                    current.achievement_title
                ),
                format!(
                    "您好：\n\n{} 已接受贵单位对成果《{}》的合作意向，双方现在可以看到彼此的联系方式并在平台上沟通：{}/interests/{}\n",
                    current.holder_org_name, current.achievement_title, base_url, current.id
                ),
            )
        } else {
            (
                format!(
                    "【科技成果直通车】对方婉拒了您对《{}》的合作意向",
                    current.achievement_title
                ),
                format!(
                    "您好：\n\n{} 婉拒了贵单位对成果《{}》的合作意向。\n\n理由：{}\n\n{}/interests/{}\n",
                    current.holder_org_name,
                    current.achievement_title,
                    reason.unwrap_or_default(),
                    base_url,
                    current.id
                ),
            )
        };
        crate::mail::notify_tx(
            &mut tx,
            &to_addr,
            &subject,
            &body,
            "interest_answer",
            &current.id,
            now,
        )
        .await?;
    }
    finish(tx, ctx, &current.id, "interest.decide", Some(view(current))).await
}

/// A message between the two sides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    pub id: String,
    pub author_id: String,
    pub author_name: String,
    pub body: String,
    pub created_at: i64,
}

pub async fn messages(store: &Store, interest_id: &str) -> Result<Vec<Message>> {
    let rows = sqlx::query(
        "SELECT m.id, m.author_id, u.display_name AS author_name, m.body, m.created_at
         FROM interest_messages m JOIN users u ON u.id = m.author_id
         WHERE m.interest_id = $1 ORDER BY m.created_at, m.id",
    )
    .bind(interest_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Message {
                id: r.try_get("id")?,
                author_id: r.try_get("author_id")?,
                author_name: r.try_get("author_name")?,
                body: r.try_get("body")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// Adds a message to an accepted request.
pub async fn post_message(
    store: &Store,
    ctx: &Ctx,
    interest: &Interest,
    author_id: &str,
    body: &str,
) -> Result<Message> {
    if interest.status != InterestStatus::Accepted {
        return Err(StoreError::Conflict {
            code: "interest_not_accepted",
            message: "对方接受合作意向后才能发送消息",
        });
    }
    let now = now_ms();
    let id = new_id();
    let mut tx = store.pool().begin().await?;
    sqlx::query(
        "INSERT INTO interest_messages (id, interest_id, author_id, body, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(&interest.id)
    .bind(author_id)
    .bind(body)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let ev = Event {
        action: "interest.message",
        object_type: "interest",
        object_id: &interest.id,
        unit_code: Some(&interest.unit_code),
        before: None,
        after: Some(json!({ "message_id": id, "chars": body.chars().count() })),
    };
    record(&mut tx, ctx, ev).await?;
    tx.commit().await?;
    let name: String = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
        .bind(author_id)
        .fetch_one(store.pool())
        .await?;
    Ok(Message {
        id,
        author_id: author_id.to_owned(),
        author_name: name,
        body: body.to_owned(),
        created_at: now,
    })
}

/// What one pass of [`sweep`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Swept {
    pub reminded: usize,
    pub expired: usize,
}

/// Reminds holders of requests that expire within [`REMIND_DAYS_BEFORE`] days
/// (once each: an audit record and, where the holder has an address, a mail in
/// the outbox) and expires those whose time has run out. Each request is handled
/// in its own transaction guarded by its version, so two processes sweeping at
/// once never remind twice.
pub async fn sweep(store: &Store, ctx: &Ctx, now: i64, base_url: &str) -> Result<Swept> {
    let mut out = Swept::default();
    let due = sqlx::query(&format!(
        "SELECT {COLUMNS} {FROM} WHERE i.status = 'pending' AND (i.expires_at < $1 OR (i.reminded_at = 0 AND i.expires_at < $2))
         ORDER BY i.expires_at LIMIT 1000"
    ))
    .bind(now)
    .bind(now + REMIND_DAYS_BEFORE * DAY_MS)
    .fetch_all(store.pool())
    .await?;
    for row in &due {
        let i = from_row(row)?;
        let mut tx = store.pool().begin().await?;
        if i.expires_at < now {
            let n = sqlx::query(
                "UPDATE interests SET status = 'expired', updated_at = $1, version = version + 1 WHERE id = $2 AND version = $3",
            )
            .bind(now)
            .bind(&i.id)
            .bind(i.version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                finish(tx, ctx, &i.id, "interest.expire", Some(view(&i))).await?;
                out.expired += 1;
            }
            continue;
        }
        let n = sqlx::query(
            "UPDATE interests SET reminded_at = $1, version = version + 1 WHERE id = $2 AND version = $3",
        )
        .bind(now)
        .bind(&i.id)
        .bind(i.version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            continue;
        }
        let to = holder_addresses(&mut tx, &i.holder_owner_id, &i.holder_org_id).await?;
        let days = (i.expires_at - now).div_euclid(DAY_MS) + 1;
        for addr in to {
            let mail = NewMail {
                to: addr,
                subject: format!("【科技成果直通车】请回复{}的合作意向", i.org_name),
                body_text: format!(
                    "您好：\n\n{} 对您的成果《{}》表达了合作意向（{} 天后过期）。\n\n留言：{}\n\n请登录平台接受或婉拒：{}/interests/{}\n",
                    i.org_name, i.achievement_title, days, i.message, base_url, i.id
                ),
                kind: "interest_reminder".into(),
                ref_id: Some(i.id.clone()),
                list_unsubscribe: None,
            };
            mail::enqueue_tx(&mut tx, &mail, now).await?;
        }
        finish(tx, ctx, &i.id, "interest.remind", Some(view(&i))).await?;
        out.reminded += 1;
    }
    Ok(out)
}

/// Enterprises that expressed interest in other entries of sub-field `subfield`
/// (not `except`): `(org id, name, verified, how many)`, most first.
pub async fn interested_in_subfield(
    store: &Store,
    subfield: &str,
    except: &str,
    limit: i64,
) -> Result<Vec<(String, String, bool, i64)>> {
    let rows = sqlx::query(
        "SELECT o.id, o.name, o.status, COUNT(*) AS n
         FROM interests i JOIN achievements a ON a.id = i.achievement_id JOIN organisations o ON o.id = i.org_id
         WHERE a.subfield_code = $1 AND a.id <> $2 AND i.status <> 'withdrawn'
         GROUP BY o.id, o.name, o.status ORDER BY n DESC, o.name LIMIT $3",
    )
    .bind(subfield)
    .bind(except)
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get("status")?;
            Ok((
                r.try_get("id")?,
                r.try_get("name")?,
                status == "active",
                r.try_get("n")?,
            ))
        })
        .collect()
}
