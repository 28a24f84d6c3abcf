//! Review decisions and expert evaluation (SPEC §5, §4.6). A decision moves the
//! achievement, records the decision with its reasons, assigns experts when it
//! opens evaluation, and is audited — all in one transaction.

use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use ztc_domain::achievement::Status;
use ztc_domain::evaluation::Evaluation;

use crate::achievements::{Achievement, set_status_in};
use crate::change::{Event, record};
use crate::{Ctx, Result, Store, StoreError, new_id, now_ms};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    pub decision: String,
    pub reasons: Vec<String>,
    pub note: Option<String>,
    pub actor_name: Option<String>,
    pub at: i64,
}

/// A review decision.
#[derive(Debug, Clone, Copy)]
pub struct Decision<'a> {
    /// take, accept, return, reject, publish, archive, restore.
    pub decision: &'a str,
    pub to: Status,
    /// Return reasons (vocabulary codes).
    pub reasons: &'a [String],
    pub note: Option<&'a str>,
    /// Experts to assign (when opening evaluation).
    pub experts: &'a [String],
}

/// Applies `d` to `a`: moves it, records the decision with its reasons, assigns the
/// experts — in one transaction.
pub async fn decide(
    store: &Store,
    ctx: &Ctx,
    a: &Achievement,
    d: Decision<'_>,
) -> Result<Achievement> {
    let Decision {
        decision,
        to,
        reasons,
        note,
        experts,
    } = d;
    let mut tx = store.pool().begin().await?;
    // Adding experts to an evaluation (after a recusal, or for a wide spread) keeps
    // the state; every other decision moves it.
    let moved = if decision == "add_experts" {
        if a.status != Status::InEvaluation || to != a.status || experts.is_empty() {
            return Err(StoreError::Conflict {
                code: "achievement_status_invalid",
                message: "当前状态不能进行这一操作",
            });
        }
        a.clone()
    } else {
        set_status_in(&mut tx, ctx, a, to, note).await?
    };
    let delimited = if reasons.is_empty() {
        String::new()
    } else {
        format!(",{},", reasons.join(","))
    };
    let now = now_ms();
    sqlx::query("INSERT INTO achievement_reviews (id, achievement_id, decision, reasons, note, actor_id, actor_name, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(new_id())
        .bind(&a.id)
        .bind(decision)
        .bind(delimited)
        .bind(note)
        .bind(ctx.actor_id.clone())
        .bind(ctx.actor_name.clone())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    for e in experts {
        sqlx::query("INSERT INTO evaluation_assignments (achievement_id, expert_id, assigned_by, at) VALUES ($1, $2, $3, $4) ON CONFLICT (achievement_id, expert_id) DO NOTHING")
            .bind(&a.id)
            .bind(e)
            .bind(ctx.actor_id.clone())
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    let ev = Event {
        action: "achievement.review",
        object_type: "achievement",
        object_id: &a.id,
        unit_code: Some(&a.unit_code),
        before: Some(json!({ "status": a.status })),
        after: Some(
            json!({ "decision": decision, "status": to, "reasons": reasons, "note": note, "experts": experts }),
        ),
    };
    record(&mut tx, ctx, ev).await?;
    tx.commit().await?;
    Ok(moved)
}

/// The decisions on an achievement, newest first.
pub async fn reviews(store: &Store, achievement_id: &str) -> Result<Vec<Review>> {
    let rows = sqlx::query("SELECT decision, reasons, note, actor_name, at FROM achievement_reviews WHERE achievement_id = $1 ORDER BY at DESC, id DESC")
        .bind(achievement_id)
        .fetch_all(store.pool())
        .await?;
    rows.iter()
        .map(|r| {
            let reasons: String = r.try_get("reasons")?;
            Ok(Review {
                decision: r.try_get("decision")?,
                reasons: reasons
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                note: r.try_get("note")?,
                actor_name: r.try_get("actor_name")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}

/// One expert's assignment as the expert sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assignment {
    pub achievement_id: String,
    pub title: String,
    pub status: Status,
    pub holder_org_name: String,
    pub assigned_at: i64,
    pub evaluated_at: Option<i64>,
}

pub async fn assignments_of(store: &Store, expert_id: &str) -> Result<Vec<Assignment>> {
    let rows = sqlx::query(
        "SELECT a.id, a.title, a.status, o.name AS org_name, s.at AS assigned_at, e.at AS evaluated_at
         FROM evaluation_assignments s
         JOIN achievements a ON a.id = s.achievement_id
         JOIN organisations o ON o.id = a.holder_org_id
         LEFT JOIN evaluations e ON e.achievement_id = s.achievement_id AND e.expert_id = s.expert_id
         WHERE s.expert_id = $1 ORDER BY s.at DESC",
    )
    .bind(expert_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get("status")?;
            Ok(Assignment {
                achievement_id: r.try_get("id")?,
                title: r.try_get("title")?,
                status: Status::parse(&status)
                    .ok_or_else(|| StoreError::Corrupt(format!("status {status}")))?,
                holder_org_name: r.try_get("org_name")?,
                assigned_at: r.try_get("assigned_at")?,
                evaluated_at: r.try_get("evaluated_at")?,
            })
        })
        .collect()
}

pub async fn is_assigned(store: &Store, achievement_id: &str, expert_id: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM evaluation_assignments WHERE achievement_id = $1 AND expert_id = $2",
    )
    .bind(achievement_id)
    .bind(expert_id)
    .fetch_one(store.pool())
    .await?;
    Ok(n > 0)
}

/// Records (or replaces) an assigned expert's evaluation, while evaluation is open.
pub async fn evaluate(
    store: &Store,
    ctx: &Ctx,
    a: &Achievement,
    expert_id: &str,
    e: &Evaluation,
) -> Result<()> {
    if a.status != Status::InEvaluation {
        return Err(StoreError::Conflict {
            code: "evaluation_closed",
            message: "该成果当前不在专家评价阶段",
        });
    }
    if !is_assigned(store, &a.id, expert_id).await? {
        return Err(StoreError::NotFound);
    }
    let body = serde_json::to_string(e).map_err(|x| StoreError::Other(x.to_string()))?;
    let mut tx = store.pool().begin().await?;
    sqlx::query(
        "INSERT INTO evaluations (achievement_id, expert_id, body, at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (achievement_id, expert_id) DO UPDATE SET body = excluded.body, at = excluded.at",
    )
    .bind(&a.id)
    .bind(expert_id)
    .bind(&body)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    let action = if e.conflict {
        "evaluation.conflict"
    } else {
        "evaluation.submit"
    };
    let ev = Event {
        action,
        object_type: "achievement",
        object_id: &a.id,
        unit_code: Some(&a.unit_code),
        before: None,
        after: Some(json!({ "expert": expert_id, "evaluation": e })),
    };
    record(&mut tx, ctx, ev).await?;
    tx.commit().await?;
    Ok(())
}

/// The evaluations of an achievement with the experts' names.
pub async fn evaluations(
    store: &Store,
    achievement_id: &str,
) -> Result<Vec<(String, String, Evaluation)>> {
    let rows = sqlx::query(
        "SELECT s.expert_id, u.display_name, e.body FROM evaluation_assignments s
         JOIN users u ON u.id = s.expert_id
         LEFT JOIN evaluations e ON e.achievement_id = s.achievement_id AND e.expert_id = s.expert_id
         WHERE s.achievement_id = $1 ORDER BY s.at",
    )
    .bind(achievement_id)
    .fetch_all(store.pool())
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let body: Option<String> = r.try_get("body")?;
        if let Some(b) = body {
            let e: Evaluation =
                serde_json::from_str(&b).map_err(|x| StoreError::Corrupt(x.to_string()))?;
            out.push((r.try_get("expert_id")?, r.try_get("display_name")?, e));
        }
    }
    Ok(out)
}

/// The experts assigned to an achievement: (id, name, evaluated).
pub async fn assigned_experts(
    store: &Store,
    achievement_id: &str,
) -> Result<Vec<(String, String, bool)>> {
    let rows = sqlx::query(
        "SELECT s.expert_id, u.display_name, e.at AS evaluated FROM evaluation_assignments s JOIN users u ON u.id = s.expert_id
         LEFT JOIN evaluations e ON e.achievement_id = s.achievement_id AND e.expert_id = s.expert_id WHERE s.achievement_id = $1 ORDER BY s.at",
    )
    .bind(achievement_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("expert_id")?,
                r.try_get("display_name")?,
                r.try_get::<Option<i64>, _>("evaluated")?.is_some(),
            ))
        })
        .collect()
}

/// A public service given to an achievement (SPEC §4.8).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Service {
    pub id: String,
    pub service: String,
    pub given_on: i64,
    pub note: Option<String>,
    pub recorded_by: Option<String>,
}

/// Records that `a` received `service` on `given_on` (epoch ms).
pub async fn record_service(
    store: &Store,
    ctx: &Ctx,
    a: &Achievement,
    service: &str,
    given_on: i64,
    note: Option<&str>,
) -> Result<()> {
    let mut tx = store.pool().begin().await?;
    let id = new_id();
    sqlx::query("INSERT INTO achievement_services (id, achievement_id, service, given_on, note, recorded_by, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(&id)
        .bind(&a.id)
        .bind(service)
        .bind(given_on)
        .bind(note)
        .bind(ctx.actor_name.clone())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
    let ev = Event {
        action: "achievement.service",
        object_type: "achievement",
        object_id: &a.id,
        unit_code: Some(&a.unit_code),
        before: None,
        after: Some(json!({ "service": service, "given_on": given_on, "note": note })),
    };
    record(&mut tx, ctx, ev).await?;
    tx.commit().await?;
    Ok(())
}

/// The services an achievement received, oldest first.
pub async fn services(store: &Store, achievement_id: &str) -> Result<Vec<Service>> {
    let rows = sqlx::query("SELECT id, service, given_on, note, recorded_by FROM achievement_services WHERE achievement_id = $1 ORDER BY given_on, at")
        .bind(achievement_id)
        .fetch_all(store.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Service {
                id: r.try_get("id")?,
                service: r.try_get("service")?,
                given_on: r.try_get("given_on")?,
                note: r.try_get("note")?,
                recorded_by: r.try_get("recorded_by")?,
            })
        })
        .collect()
}
