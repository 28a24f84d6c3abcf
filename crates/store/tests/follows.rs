//! Conformance of follows and digests on SQLite and PostgreSQL: settings with
//! audit, one-click unsubscribe, which follows are due, and digest generation
//! (matching by sub-field, parent field and keyword; nothing twice; mail queued or
//! recorded as failed).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use ztc_domain::achievement::{Channel, Details, Status};
use ztc_domain::digest::{self, DAY_MS, Form, Frequency, Reason, Settings};
use ztc_domain::vocab::Vocabulary;
use ztc_domain::{AccountStatus, OrgKind, Role};
use ztc_store::achievements::{self, NewAchievement};
use ztc_store::follows::{self, digests};
use ztc_store::mail::{self, MailStatus};
use ztc_store::orgs::{self, NewOrg};
use ztc_store::testing::TestDb;
use ztc_store::users::{self, NewUser};
use ztc_store::{Ctx, Store, now_ms};

const BASE: &str = "https://ztc.example.cn";

async fn org(s: &Store, name: &str, kind: OrgKind) -> String {
    orgs::create(
        s,
        &Ctx::system("test"),
        &NewOrg {
            name: name.into(),
            kind,
            region_code: "330100".into(),
            credit_code: None,
            status: AccountStatus::Active,
            contact_name: None,
            contact_phone: None,
            contact_email: None,
            industry: None,
            interest_fields: Vec::new(),
        },
    )
    .await
    .unwrap()
    .id
}

async fn member(s: &Store, org: &str, username: &str, role: Role, email: Option<&str>) -> String {
    users::create(
        s,
        &Ctx::system("test"),
        org,
        &NewUser {
            username: username.into(),
            display_name: format!("{username}经理"),
            email: email.map(Into::into),
            phone: None,
            password_hash: "!".into(),
            role,
            status: AccountStatus::Active,
            must_change_password: false,
        },
    )
    .await
    .unwrap()
    .id
}

async fn enterprise(s: &Store, name: &str, email: Option<&str>) -> String {
    let o = org(s, &format!("{name}有限公司"), OrgKind::HighTechEnterprise).await;
    member(s, &o, name, Role::Enterprise, email).await
}

/// A published entry, published at `at`.
#[allow(clippy::too_many_arguments)]
async fn publish(
    s: &Store,
    holder: &(String, String),
    title: &str,
    field: &str,
    sub: &str,
    keywords: &[&str],
    at: i64,
) -> String {
    publish_as(
        s,
        holder,
        title,
        field,
        sub,
        keywords,
        at,
        Status::Published,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn publish_as(
    s: &Store,
    holder: &(String, String),
    title: &str,
    field: &str,
    sub: &str,
    keywords: &[&str],
    at: i64,
    status: Status,
) -> String {
    let a = achievements::create(
        s,
        &Ctx::system("test"),
        &holder.1,
        &NewAchievement {
            details: Details {
                title: title.into(),
                field: Some(field.into()),
                subfield: Some(sub.into()),
                summary: Some(format!("{title}：面向产业化的成套技术。")),
                keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
                ..Details::default()
            },
            status,
            holder_org_id: holder.0.clone(),
            owner_id: Some(holder.1.clone()),
            channel: Channel::SelfNomination,
            channel_ref: None,
            create_key: None,
        },
    )
    .await
    .unwrap();
    sqlx::query("UPDATE achievements SET published_at = $1 WHERE id = $2")
        .bind(at)
        .bind(&a.id)
        .execute(s.pool())
        .await
        .unwrap();
    a.id
}

fn settings(fields: &[&str], keywords: &str, frequency: &str) -> Settings {
    let vocab = Vocabulary::builtin().unwrap();
    digest::validate(
        &Form {
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
            keywords: keywords.into(),
            frequency: frequency.into(),
        },
        &vocab,
    )
    .unwrap()
}

fn ctx(id: &str) -> Ctx {
    Ctx {
        actor_id: Some(id.into()),
        actor_name: Some(id.into()),
        ..Ctx::default()
    }
}

async fn count(s: &Store, sql: &str, arg: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(arg)
        .fetch_one(s.pool())
        .await
        .unwrap()
}

async fn set_last_sent(s: &Store, user: &str, at: i64) {
    sqlx::query("UPDATE follows SET last_sent_at = $1, covered_to = $1 WHERE user_id = $2")
        .bind(at)
        .bind(user)
        .execute(s.pool())
        .await
        .unwrap();
}

#[tokio::test]
async fn follows_are_upserted_with_audit_and_keep_their_token() {
    let vocab = Vocabulary::builtin().unwrap();
    // The form's problems come from the domain, with stable codes.
    let e = digest::validate(
        &Form {
            fields: vec!["99".into()],
            keywords: "光".into(),
            frequency: "hourly".into(),
        },
        &vocab,
    )
    .unwrap_err();
    let codes: Vec<&str> = e.0.iter().map(|e| e.code.as_str()).collect();
    assert_eq!(
        codes,
        ["choice_invalid", "keyword_too_short", "frequency_invalid"]
    );

    for db in TestDb::all().await {
        let s = &db.store;
        let u = enterprise(s, "绍兴印染", Some("a@example.cn")).await;
        assert_eq!(follows::get(s, &u).await.unwrap(), None);
        let f = follows::upsert(
            s,
            &ctx(&u),
            &u,
            &settings(&["7.2", "3"], "印染废水、脱色", "daily"),
        )
        .await
        .unwrap();
        assert_eq!(f.settings.fields, ["7.2", "3"]);
        assert_eq!(f.settings.keywords, ["印染废水", "脱色"]);
        assert_eq!(
            (f.settings.frequency, f.version, f.last_sent_at),
            (Frequency::Daily, 1, None)
        );
        assert_eq!(f.unsubscribe_token.len(), 64);
        let g = follows::upsert(s, &ctx(&u), &u, &settings(&["7"], "", "weekly"))
            .await
            .unwrap();
        assert_eq!(
            (
                g.settings.fields.as_slice(),
                g.settings.frequency,
                g.version
            ),
            (&["7".to_owned()][..], Frequency::Weekly, 2)
        );
        assert!(g.settings.keywords.is_empty());
        assert_eq!(g.unsubscribe_token, f.unsubscribe_token);
        assert_eq!(g.created_at, f.created_at);
        assert_eq!(follows::get(s, &u).await.unwrap(), Some(g.clone()));
        let actions: Vec<String> = sqlx::query_scalar(
            "SELECT action FROM audit_log WHERE object_id = $1 AND object_type = 'follow' ORDER BY at, id",
        )
        .bind(&u)
        .fetch_all(s.pool())
        .await
        .unwrap();
        assert_eq!(actions, ["follow.create", "follow.update"], "{db:?}");
        assert_eq!(
            count(
                s,
                "SELECT COUNT(*) FROM outbox WHERE object_type = 'follow' AND object_id = $1",
                &u
            )
            .await,
            2
        );
        // A second account gets its own token.
        let v = enterprise(s, "宁波储能", None).await;
        let h = follows::upsert(s, &ctx(&v), &v, &settings(&["1"], "", "daily"))
            .await
            .unwrap();
        assert_ne!(h.unsubscribe_token, g.unsubscribe_token);
        let counts = follows::counts(s).await.unwrap();
        assert_eq!(
            counts,
            [
                (Frequency::Daily, 1),
                (Frequency::Weekly, 1),
                (Frequency::Off, 0)
            ]
        );
        assert!(
            follows::upsert(s, &ctx("x"), "no-such-user", &settings(&["1"], "", "daily"))
                .await
                .is_err()
        );
    }
}

#[tokio::test]
async fn unsubscribe_is_one_click_and_idempotent() {
    for db in TestDb::all().await {
        let s = &db.store;
        let u = enterprise(s, "杭州光电", Some("a@example.cn")).await;
        let f = follows::upsert(s, &ctx(&u), &u, &settings(&["1"], "激光", "weekly"))
            .await
            .unwrap();
        let token = f.unsubscribe_token.clone();
        assert_eq!(
            follows::by_token(s, &token).await.unwrap().unwrap().user_id,
            u
        );
        let off = follows::unsubscribe(s, &Ctx::system("unsubscribe"), &token)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (off.user_id.as_str(), off.settings.frequency),
            (u.as_str(), Frequency::Off)
        );
        // What was followed is kept, so turning digests on again is one choice.
        assert_eq!(off.settings.keywords, ["激光"]);
        let again = follows::unsubscribe(s, &Ctx::system("unsubscribe"), &token)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(again, off);
        assert_eq!(
            count(
                s,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'follow.unsubscribe' AND object_id = $1",
                &u
            )
            .await,
            1,
            "{db:?}"
        );
        for bad in ["", "abc", &"0".repeat(64), "' OR 1=1 --"] {
            assert_eq!(
                follows::unsubscribe(s, &Ctx::system("u"), bad)
                    .await
                    .unwrap(),
                None
            );
            assert_eq!(follows::by_token(s, bad).await.unwrap(), None);
        }
        assert!(follows::due(s, now_ms(), 100, "").await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn due_follows_by_frequency() {
    for db in TestDb::all().await {
        let s = &db.store;
        let now = now_ms();
        let mut ids = HashMap::new();
        for (name, freq, last) in [
            ("daily_new", "daily", None),
            ("daily_yesterday", "daily", Some(now - DAY_MS)),
            ("daily_today", "daily", Some(now)),
            ("weekly_new", "weekly", None),
            ("weekly_3d", "weekly", Some(now - 3 * DAY_MS)),
            ("weekly_8d", "weekly", Some(now - 8 * DAY_MS)),
            ("off", "off", None),
            ("disabled", "daily", None),
        ] {
            let u = enterprise(s, name, None).await;
            let st = if freq == "off" {
                settings(&[], "", "off")
            } else {
                settings(&["1"], "", freq)
            };
            follows::upsert(s, &ctx(&u), &u, &st).await.unwrap();
            if let Some(at) = last {
                set_last_sent(s, &u, at).await;
            }
            ids.insert(u, name);
        }
        let disabled = ids.iter().find(|(_, n)| **n == "disabled").unwrap().0;
        sqlx::query("UPDATE users SET status = 'disabled' WHERE id = $1")
            .bind(disabled)
            .execute(s.pool())
            .await
            .unwrap();
        let mut due: Vec<&str> = follows::due(s, now, 100, "")
            .await
            .unwrap()
            .iter()
            .map(|f| ids[&f.user_id])
            .collect();
        due.sort();
        assert_eq!(
            due,
            ["daily_new", "daily_yesterday", "weekly_8d", "weekly_new"],
            "{db:?}"
        );
        // Paged by user id.
        let first = follows::due(s, now, 3, "").await.unwrap();
        let rest = follows::due(s, now, 3, &first[2].user_id).await.unwrap();
        assert_eq!((first.len(), rest.len()), (3, 1));
        assert!(first[2].user_id < rest[0].user_id);
        // The domain rule says the same, follow by follow.
        for f in follows::due(s, now, 100, "").await.unwrap() {
            assert!(digest::due(f.settings.frequency, f.last_sent_at, now));
        }
    }
}

#[tokio::test]
async fn digests_match_by_field_parent_field_and_keyword_and_never_twice() {
    for db in TestDb::all().await {
        let s = &db.store;
        let now = now_ms();
        let horg = org(s, "浙江大学", OrgKind::University).await;
        let hu = member(s, &horg, "holder", Role::Holder, None).await;
        let h = (horg, hu);
        let film = publish(s, &h, "高导热石墨烯膜", "3", "3.5", &["导热"], now - DAY_MS).await;
        let base5g = publish(
            s,
            &h,
            "5G 基站智能节能",
            "1",
            "1.1",
            &["节能"],
            now - 2 * DAY_MS,
        )
        .await;
        let dye = publish(
            s,
            &h,
            "印染废水深度脱色",
            "7",
            "7.2",
            &["废水"],
            now - 3 * DAY_MS,
        )
        .await;
        // Too old for a first digest (more than 7 days), not published, or not yet settled.
        publish(s, &h, "旧的石墨烯成果", "3", "3.5", &[], now - 8 * DAY_MS).await;
        publish_as(
            s,
            &h,
            "石墨烯草稿",
            "3",
            "3.5",
            &[],
            now - DAY_MS,
            Status::Draft,
        )
        .await;
        publish(s, &h, "刚入库的石墨烯", "3", "3.5", &[], now - 60_000).await;

        let sub = enterprise(s, "常州碳材", Some("sub@example.cn")).await;
        let parent = enterprise(s, "深圳通信", Some("parent@example.cn")).await;
        let kw = enterprise(s, "绍兴印染", Some("kw@example.cn")).await;
        let off = enterprise(s, "不接收", Some("off@example.cn")).await;
        let none = enterprise(s, "无匹配", Some("none@example.cn")).await;
        let bad = enterprise(s, "地址有误", Some("not-an-address")).await;
        let silent = enterprise(s, "无邮箱", None).await;
        for (u, st) in [
            (&sub, settings(&["3.5"], "", "daily")),
            (&parent, settings(&["1"], "", "weekly")),
            (&kw, settings(&[], "脱色, 石墨烯膜", "daily")),
            (&off, settings(&["3", "1", "7"], "", "off")),
            (&none, settings(&["9"], "无人机", "daily")),
            (&bad, settings(&["3"], "", "daily")),
            (&silent, settings(&["7.2"], "", "daily")),
        ] {
            follows::upsert(s, &ctx(u), u, &st).await.unwrap();
        }

        let r = digests::generate(s, now, BASE).await.unwrap();
        assert_eq!(
            (
                r.due,
                r.digests,
                r.mails,
                r.bad_addresses,
                r.skipped,
                r.entries
            ),
            (6, 5, 3, 1, 0, 4),
            "{db:?}"
        );
        let items_of = |user: String| async move {
            let page = digests::list_for_user(s, &user, 1, 20).await.unwrap();
            assert!(page.items.len() <= 1);
            match page.items.first() {
                None => Vec::new(),
                Some(d) => {
                    let (dd, items) = digests::get_for_user(s, &user, &d.id)
                        .await
                        .unwrap()
                        .unwrap();
                    assert_eq!(dd.item_count, items.len() as i64);
                    items
                        .into_iter()
                        .map(|i| (i.achievement_id, i.reasons))
                        .collect::<Vec<_>>()
                }
            }
        };
        let field = |c: &str| Reason::Field { code: c.into() };
        let keyword = |k: &str| Reason::Keyword { keyword: k.into() };
        assert_eq!(
            items_of(sub.clone()).await,
            [(film.clone(), vec![field("3.5")])]
        );
        assert_eq!(
            items_of(parent.clone()).await,
            [(base5g.clone(), vec![field("1")])]
        );
        // Two matches by keyword; the newest first.
        assert_eq!(
            items_of(kw.clone()).await,
            [
                (film.clone(), vec![keyword("石墨烯膜")]),
                (dye.clone(), vec![keyword("脱色")])
            ]
        );
        assert!(items_of(off.clone()).await.is_empty());
        assert!(items_of(none.clone()).await.is_empty());
        assert_eq!(
            items_of(silent.clone()).await,
            [(dye.clone(), vec![field("7.2")])]
        );

        // The mail: queued for the good address, with the links; failed with a
        // reason for the bad one; none without an address.
        let sub_digest = &digests::list_for_user(s, &sub, 1, 5).await.unwrap().items[0];
        assert_eq!(sub_digest.mail_status, Some(MailStatus::Queued));
        let m = mail::get(s, sub_digest.mail_id.as_deref().unwrap())
            .await
            .unwrap()
            .unwrap();
        let token = follows::get(s, &sub)
            .await
            .unwrap()
            .unwrap()
            .unsubscribe_token;
        assert_eq!(m.to_addr, "sub@example.cn");
        assert_eq!(
            (m.kind.as_str(), m.ref_id.as_deref()),
            ("digest", Some(sub_digest.id.as_str()))
        );
        assert!(m.subject.contains("1 项"), "{}", m.subject);
        assert!(m.body_text.contains("高导热石墨烯膜"));
        assert!(
            m.body_text
                .contains("匹配原因：领域：高性能纤维及制品和复合材料"),
            "{}",
            m.body_text
        );
        assert!(m.body_text.contains(&format!("{BASE}/achievements/{film}")));
        assert!(m.body_text.contains(&format!("{BASE}/unsubscribe/{token}")));
        assert_eq!(
            m.list_unsubscribe,
            Some(format!("{BASE}/unsubscribe/{token}"))
        );
        let bad_digest = &digests::list_for_user(s, &bad, 1, 5).await.unwrap().items[0];
        assert_eq!(bad_digest.mail_status, Some(MailStatus::Failed));
        let bm = mail::get(s, bad_digest.mail_id.as_deref().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert!(bm.last_error.unwrap().contains("格式不正确"));
        let silent_digest = &digests::list_for_user(s, &silent, 1, 5)
            .await
            .unwrap()
            .items[0];
        assert_eq!(silent_digest.mail_id, None);
        // Another account cannot open it.
        assert!(
            digests::get_for_user(s, &sub, &silent_digest.id)
                .await
                .unwrap()
                .is_none()
        );
        // Everyone due was marked, matches or not.
        let marked = follows::get(s, &none).await.unwrap().unwrap();
        assert_eq!(marked.last_sent_at, Some(now));
        assert_eq!(marked.covered_to, Some(now - digests::SETTLE_MS));
        assert_eq!(
            follows::get(s, &off).await.unwrap().unwrap().last_sent_at,
            None
        );

        // A second run right after: nothing is due, nothing is sent twice.
        let r2 = digests::generate(s, now + 1_000, BASE).await.unwrap();
        assert_eq!((r2.due, r2.digests, r2.mails), (0, 0, 0), "{db:?}");
        assert_eq!(
            count(s, "SELECT COUNT(*) FROM digests WHERE user_id <> $1", "").await,
            5
        );
        assert_eq!(
            count(
                s,
                "SELECT COUNT(*) FROM mail_outbox WHERE kind = $1",
                "digest"
            )
            .await,
            4
        );

        // The next day: only what was published since (the entry that had not
        // settled, and a new one), and only to daily follows.
        let fresh = publish(s, &h, "石墨烯散热涂层", "3", "3.5", &[], now + DAY_MS / 2).await;
        let r3 = digests::generate(s, now + DAY_MS, BASE).await.unwrap();
        assert_eq!((r3.due, r3.digests), (5, 2), "{db:?}");
        let latest = &digests::list_for_user(s, &sub, 1, 5).await.unwrap().items[0];
        let (_, items) = digests::get_for_user(s, &sub, &latest.id)
            .await
            .unwrap()
            .unwrap();
        let titles: Vec<String> = items.iter().map(|i| i.title.clone()).collect();
        assert_eq!(titles, ["石墨烯散热涂层", "刚入库的石墨烯"]);
        assert!(items.iter().all(|i| i.achievement_id != film));
        assert_eq!(items[0].achievement_id, fresh);
        assert_eq!(latest.period_from, now - digests::SETTLE_MS);
        assert_eq!(
            digests::list_for_user(s, &parent, 1, 5)
                .await
                .unwrap()
                .total,
            1
        );
        assert_eq!(
            digests::list_for_user(s, &sub, 1, 5).await.unwrap().total,
            2
        );

        // One audit record per run that had work, none for the empty run.
        assert_eq!(
            count(
                s,
                "SELECT COUNT(*) FROM audit_log WHERE action = $1",
                "digest.run"
            )
            .await,
            2
        );
        // Old digests can be pruned.
        assert_eq!(digests::prune(s, now + 1).await.unwrap(), 5);
        assert_eq!(
            count(s, "SELECT COUNT(*) FROM digests WHERE user_id <> $1", "").await,
            2
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_runs_make_each_digest_once() {
    for db in TestDb::all().await {
        let s = &db.store;
        let now = now_ms();
        let horg = org(s, "清华大学", OrgKind::University).await;
        let hu = member(s, &horg, "holder", Role::Holder, None).await;
        let h = (horg, hu);
        for i in 0..5 {
            publish(
                s,
                &h,
                &format!("储能电池成果{i}"),
                "6",
                "6.1",
                &["储能"],
                now - DAY_MS,
            )
            .await;
        }
        let mut users = Vec::new();
        for i in 0..250 {
            let u = enterprise(
                s,
                &format!("储能企业{i}"),
                Some(&format!("e{i}@example.cn")),
            )
            .await;
            follows::upsert(s, &ctx(&u), &u, &settings(&[], "储能", "daily"))
                .await
                .unwrap();
            users.push(u);
        }
        let (a, b) = tokio::join!(
            {
                let s = s.clone();
                tokio::spawn(async move { digests::generate(&s, now, BASE).await.unwrap() })
            },
            {
                let s = s.clone();
                tokio::spawn(async move { digests::generate(&s, now, BASE).await.unwrap() })
            }
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        eprintln!("{db:?}: {a:?} / {b:?}");
        assert_eq!(a.digests + b.digests, 250, "{a:?} {b:?} {db:?}");
        assert_eq!(a.mails + b.mails, 250);
        let per_user: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT user_id FROM digests GROUP BY user_id HAVING COUNT(*) > 1) t",
        )
        .fetch_one(s.pool())
        .await
        .unwrap();
        assert_eq!(per_user, 0);
        assert_eq!(
            count(
                s,
                "SELECT COUNT(*) FROM digest_items WHERE digest_id <> $1",
                ""
            )
            .await,
            250 * 5
        );
    }
}
