//! Conformance of the mail outbox on SQLite and PostgreSQL: addresses, exclusive
//! claims with leases, the retry schedule, holding without SMTP, the admin's retry.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use ztc_store::mail::{self, Filter, MAX_ATTEMPTS, MailStatus, NewMail};
use ztc_store::testing::TestDb;
use ztc_store::{Ctx, Store, StoreError, now_ms};

fn letter(to: &str, n: usize) -> NewMail {
    NewMail {
        to: to.into(),
        subject: format!("成果推送 {n}"),
        body_text: format!("第 {n} 封"),
        kind: "digest".into(),
        ref_id: Some(format!("ref{n}")),
        list_unsubscribe: None,
    }
}

async fn status_of(s: &Store, id: &str) -> MailStatus {
    mail::get(s, id).await.unwrap().unwrap().status
}

#[tokio::test]
async fn bad_addresses_are_recorded_as_failed_not_dropped() {
    for db in TestDb::all().await {
        let s = &db.store;
        let ok = mail::enqueue(s, &letter(" a@example.cn ", 1))
            .await
            .unwrap();
        assert_eq!(ok.status, MailStatus::Queued, "{db:?}");
        let m = mail::get(s, &ok.id).await.unwrap().unwrap();
        assert_eq!(
            (m.to_addr.as_str(), m.attempts, m.last_error),
            ("a@example.cn", 0, None)
        );

        // Inside the caller's transaction, a bad address neither aborts it nor
        // disappears: the caller's later statements and the commit go through.
        let mut tx = s.pool().begin().await.unwrap();
        let bad = mail::enqueue_tx(&mut tx, &letter("王经理 at 公司", 2), now_ms())
            .await
            .unwrap();
        let empty = mail::enqueue_tx(&mut tx, &letter("", 3), now_ms())
            .await
            .unwrap();
        sqlx::query("SELECT COUNT(*) FROM mail_outbox")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        for (e, why) in [(&bad, "格式不正确"), (&empty, "为空")] {
            assert_eq!(e.status, MailStatus::Failed);
            let m = mail::get(s, &e.id).await.unwrap().unwrap();
            assert_eq!(m.status, MailStatus::Failed);
            assert!(m.last_error.unwrap().contains(why), "{db:?}");
        }
        // A failed mail is never claimed.
        let got = mail::claim(s, now_ms() + 1, "w", 60_000, 10).await.unwrap();
        assert_eq!(
            got.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
            [ok.id.as_str()]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_claimers_never_get_the_same_mail() {
    for db in TestDb::all().await {
        let s = &db.store;
        let mails: Vec<NewMail> = (0..60)
            .map(|i| letter(&format!("u{i}@example.cn"), i))
            .collect();
        let mut tx = s.pool().begin().await.unwrap();
        mail::enqueue_many_tx(&mut tx, &mails, now_ms())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let now = now_ms() + 1;
        let mut tasks = Vec::new();
        for w in 0..4 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let got = mail::claim(&s, now, &format!("w{w}"), 60_000, 7)
                        .await
                        .unwrap();
                    if got.is_empty() {
                        break;
                    }
                    for m in got {
                        assert_eq!(m.status, MailStatus::Sending);
                        assert_eq!(m.claimed_by.as_deref(), Some(format!("w{w}").as_str()));
                        assert_eq!(m.attempts, 1);
                        mine.push(m.id);
                    }
                }
                mine
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        let unique: HashSet<&String> = all.iter().collect();
        assert_eq!((all.len(), unique.len()), (60, 60), "{db:?}");
        // While the leases hold, nothing more is claimed.
        assert!(
            mail::claim(s, now + 1000, "late", 60_000, 100)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn an_expired_lease_is_claimed_again_and_the_old_claim_is_void() {
    for db in TestDb::all().await {
        let s = &db.store;
        let e = mail::enqueue(s, &letter("a@example.cn", 1)).await.unwrap();
        let t = now_ms() + 1;
        let first = mail::claim(s, t, "crashed", 1_000, 10).await.unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].claimed_until, Some(t + 1_000));
        assert!(
            mail::claim(s, t + 999, "w2", 1_000, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let again = mail::claim(s, t + 1_001, "w2", 60_000, 10).await.unwrap();
        assert_eq!(again.len(), 1, "{db:?}");
        assert_eq!(
            (again[0].claimed_by.as_deref(), again[0].attempts),
            (Some("w2"), 2)
        );
        // The crashed worker's late report changes nothing.
        assert!(
            !mail::mark_sent(s, &e.id, "crashed", t + 2_000)
                .await
                .unwrap()
        );
        assert_eq!(
            mail::mark_failed(s, &e.id, "crashed", "x", false, t + 2_000)
                .await
                .unwrap(),
            None
        );
        assert!(mail::mark_sent(s, &e.id, "w2", t + 2_000).await.unwrap());
        let m = mail::get(s, &e.id).await.unwrap().unwrap();
        assert_eq!(
            (m.status, m.sent_at, m.claimed_by),
            (MailStatus::Sent, Some(t + 2_000), None)
        );
        assert!(
            mail::claim(s, t + 10_000_000, "w3", 1_000, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn failures_back_off_and_fail_for_good_after_six_attempts() {
    for db in TestDb::all().await {
        let s = &db.store;
        let e = mail::enqueue(s, &letter("a@example.cn", 1)).await.unwrap();
        let mut t = now_ms() + 1;
        let waits = [60_000, 300_000, 1_800_000, 7_200_000, 43_200_000];
        for (i, wait) in waits.iter().enumerate() {
            let got = mail::claim(s, t, "w", 60_000, 10).await.unwrap();
            assert_eq!(got.len(), 1, "attempt {} {db:?}", i + 1);
            assert_eq!(got[0].attempts, i as i64 + 1);
            let st = mail::mark_failed(s, &e.id, "w", "421 服务暂不可用", false, t)
                .await
                .unwrap();
            assert_eq!(st, Some(MailStatus::Queued));
            let m = mail::get(s, &e.id).await.unwrap().unwrap();
            assert_eq!(m.next_attempt_at, t + wait);
            assert_eq!(m.last_error.as_deref(), Some("421 服务暂不可用"));
            // Not before its time.
            assert!(
                mail::claim(s, t + wait - 1, "w", 60_000, 10)
                    .await
                    .unwrap()
                    .is_empty()
            );
            t += wait;
        }
        let got = mail::claim(s, t, "w", 60_000, 10).await.unwrap();
        assert_eq!(got[0].attempts, MAX_ATTEMPTS);
        let st = mail::mark_failed(s, &e.id, "w", "421 still down", false, t)
            .await
            .unwrap();
        assert_eq!(st, Some(MailStatus::Failed));
        assert!(
            mail::claim(s, t + 100_000_000, "w", 60_000, 10)
                .await
                .unwrap()
                .is_empty()
        );

        // A permanent refusal fails at once.
        let p = mail::enqueue(s, &letter("nobody@example.cn", 2))
            .await
            .unwrap();
        let t = now_ms() + 1;
        mail::claim(s, t, "w", 60_000, 10).await.unwrap();
        let st = mail::mark_failed(s, &p.id, "w", "550 no such user", true, t)
            .await
            .unwrap();
        assert_eq!(st, Some(MailStatus::Failed));

        // A mail whose sending was interrupted on its last attempt is failed, not
        // claimed a seventh time.
        let c = mail::enqueue(s, &letter("c@example.cn", 3)).await.unwrap();
        sqlx::query("UPDATE mail_outbox SET attempts = $1 WHERE id = $2")
            .bind(MAX_ATTEMPTS - 1)
            .bind(&c.id)
            .execute(s.pool())
            .await
            .unwrap();
        let t = now_ms() + 1;
        assert_eq!(mail::claim(s, t, "w", 1_000, 10).await.unwrap().len(), 1);
        assert!(
            mail::claim(s, t + 2_000, "w", 1_000, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let m = mail::get(s, &c.id).await.unwrap().unwrap();
        assert_eq!(m.status, MailStatus::Failed, "{db:?}");
        assert!(m.last_error.unwrap().contains("中断"));
    }
}

#[tokio::test]
async fn held_without_smtp_then_sent_and_admins_retry_failures() {
    for db in TestDb::all().await {
        let s = &db.store;
        let a = mail::enqueue(s, &letter("a@example.cn", 1)).await.unwrap();
        let b = mail::enqueue(s, &letter("b@example.cn", 2)).await.unwrap();
        let bad = mail::enqueue(s, &letter("bad", 3)).await.unwrap();
        assert_eq!(mail::hold_all_queued(s, now_ms()).await.unwrap(), 2);
        assert_eq!(status_of(s, &a.id).await, MailStatus::Held);
        let counts = mail::counts(s).await.unwrap();
        let count = |st: MailStatus| counts.iter().find(|(x, _)| *x == st).unwrap().1;
        assert_eq!(
            (
                count(MailStatus::Held),
                count(MailStatus::Failed),
                count(MailStatus::Sent)
            ),
            (2, 1, 0),
            "{db:?}"
        );
        let held = mail::list(
            s,
            &Filter {
                status: Some(MailStatus::Held),
                ..Filter::default()
            },
            1,
            1,
        )
        .await
        .unwrap();
        assert_eq!((held.total, held.items.len(), held.pages()), (2, 1, 2));
        let by_to = mail::list(
            s,
            &Filter {
                to: Some("B@EXAMPLE".into()),
                ..Filter::default()
            },
            1,
            20,
        )
        .await
        .unwrap();
        assert_eq!(by_to.items.len(), 1);
        assert_eq!(by_to.items[0].id, b.id);
        let none = mail::list(
            s,
            &Filter {
                to: Some("%".into()),
                ..Filter::default()
            },
            1,
            20,
        )
        .await
        .unwrap();
        assert_eq!(none.total, 0);

        // SMTP configured later: held mail is sent like queued mail.
        let t = now_ms() + 1;
        let got = mail::claim(s, t, "w", 60_000, 10).await.unwrap();
        assert_eq!(got.len(), 2);
        mail::mark_sent(s, &a.id, "w", t).await.unwrap();
        mail::mark_failed(s, &b.id, "w", "550 mailbox unavailable", true, t)
            .await
            .unwrap();

        let admin = Ctx {
            actor_id: Some("admin".into()),
            actor_name: Some("admin".into()),
            ..Ctx::default()
        };
        let r = mail::retry(s, &admin, &b.id).await.unwrap();
        assert_eq!((r.status, r.attempts), (MailStatus::Queued, 0));
        assert_eq!(
            mail::claim(s, now_ms() + 1, "w", 60_000, 10)
                .await
                .unwrap()
                .len(),
            1
        );
        let audit: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'mail.retry' AND object_id = $1 AND actor_id = 'admin'",
        )
        .bind(&b.id)
        .fetch_one(s.pool())
        .await
        .unwrap();
        assert_eq!(audit, 1);
        for (id, code) in [
            (&a.id, "mail_status_invalid"),
            (&b.id, "mail_status_invalid"),
            (&bad.id, "email_invalid"),
        ] {
            let e = mail::retry(s, &admin, id).await.unwrap_err();
            assert!(
                matches!(e, StoreError::Conflict { code: c, .. } if c == code),
                "{e:?}"
            );
        }
        assert!(matches!(
            mail::retry(s, &admin, "nope").await,
            Err(StoreError::NotFound)
        ));
    }
}
