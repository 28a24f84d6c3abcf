//! The store's conformance suite: every test runs against SQLite and PostgreSQL,
//! each on a database of its own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ztc_domain::{AccountStatus, OrgKind, Role};
use ztc_store::orgs::{self, NewOrg};
use ztc_store::testing::TestDb;
use ztc_store::users::{self, NewUser};
use ztc_store::{Ctx, Store, StoreError, audit, backup, sessions};

fn org(name: &str, kind: OrgKind, region: &str, credit: Option<&str>) -> NewOrg {
    NewOrg {
        name: name.into(),
        kind,
        region_code: region.into(),
        credit_code: credit.map(Into::into),
        status: AccountStatus::Active,
        contact_name: None,
        contact_phone: None,
        contact_email: None,
        industry: None,
        interest_fields: Vec::new(),
    }
}

fn user(name: &str, role: Role) -> NewUser {
    NewUser {
        username: name.into(),
        display_name: format!("{name} 显示名"),
        email: None,
        phone: None,
        password_hash: ztc_domain::password::hash("initial-password-1"),
        role,
        status: AccountStatus::Active,
        must_change_password: false,
    }
}

fn ctx(who: &str) -> Ctx {
    Ctx {
        actor_id: Some(format!("id-{who}")),
        actor_name: Some(who.into()),
        ip: Some("127.0.0.1".into()),
        request_id: None,
    }
}

async fn count(s: &Store, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(s.pool()).await.unwrap()
}

async fn member(s: &Store, name: &str, role: Role, kind: OrgKind, region: &str) -> users::Member {
    let o = orgs::create(
        s,
        &ctx("admin"),
        &org(&format!("{name}的机构"), kind, region, None),
    )
    .await
    .unwrap();
    let u = users::create(s, &ctx("admin"), &o.id, &user(name, role))
        .await
        .unwrap();
    users::member(s, &u.id).await.unwrap().unwrap()
}

#[tokio::test]
async fn migration_loads_reference_data_and_is_idempotent() {
    for db in TestDb::all().await {
        let s = &db.store;
        s.migrate().await.unwrap();
        assert_eq!(count(s, "SELECT COUNT(*) FROM units").await, 37, "{db:?}");
        assert!(count(s, "SELECT COUNT(*) FROM regions").await > 330);
        assert_eq!(
            count(s, "SELECT COUNT(*) FROM vocab_items WHERE vocab = 'trl'").await,
            9
        );
        let shenzhen = ztc_store::reference::region(s, "440300")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(shenzhen.unit_code, "4403");
        let fields = ztc_store::reference::items(s, "fields").await.unwrap();
        assert!(
            fields
                .iter()
                .any(|f| f.name == "人工智能" && f.parent_code.as_deref() == Some("1"))
        );
    }
}

#[tokio::test]
async fn every_change_writes_row_audit_and_outbox_together() {
    for db in TestDb::all().await {
        let s = &db.store;
        let o = orgs::create(
            s,
            &ctx("admin"),
            &org(
                "清华大学",
                OrgKind::University,
                "110100",
                Some("12100000400000398M"),
            ),
        )
        .await
        .unwrap();
        assert_eq!(o.unit_code, "11");
        let audits = count(
            s,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'org.create'",
        )
        .await;
        let events = count(s, "SELECT COUNT(*) FROM outbox WHERE topic = 'org.create'").await;
        assert_eq!((audits, events), (1, 1), "{db:?}");

        // A change that fails leaves nothing behind: same credit code again.
        let err = orgs::create(
            s,
            &ctx("admin"),
            &org(
                "另一所",
                OrgKind::University,
                "110100",
                Some("12100000400000398M"),
            ),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Conflict {
                    code: "credit_code_taken",
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(count(s, "SELECT COUNT(*) FROM organisations").await, 1);
        assert_eq!(count(s, "SELECT COUNT(*) FROM audit_log").await, 1);
        assert_eq!(count(s, "SELECT COUNT(*) FROM outbox").await, 1);

        // An unknown region is refused with a clear code.
        let err = orgs::create(
            s,
            &ctx("admin"),
            &org("无名", OrgKind::Host, "999999", None),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Conflict {
                    code: "region_unknown",
                    ..
                }
            ),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn accounts_are_unique_and_fit_their_organisation() {
    for db in TestDb::all().await {
        let s = &db.store;
        let o = orgs::create(
            s,
            &ctx("admin"),
            &org("浙江大学", OrgKind::University, "330100", None),
        )
        .await
        .unwrap();
        users::create(s, &ctx("admin"), &o.id, &user("zhang", Role::Holder))
            .await
            .unwrap();
        let dup = users::create(s, &ctx("admin"), &o.id, &user("zhang", Role::Holder))
            .await
            .unwrap_err();
        assert!(
            matches!(
                dup,
                StoreError::Conflict {
                    code: "username_taken",
                    ..
                }
            ),
            "{dup:?}"
        );
        let wrong = users::create(s, &ctx("admin"), &o.id, &user("boss", Role::NationalAdmin))
            .await
            .unwrap_err();
        assert!(
            matches!(
                wrong,
                StoreError::Conflict {
                    code: "role_org_mismatch",
                    ..
                }
            ),
            "{wrong:?}"
        );
        assert_eq!(count(s, "SELECT COUNT(*) FROM users").await, 1);
        let missing = users::create(s, &ctx("admin"), "no-such-org", &user("x1", Role::Holder))
            .await
            .unwrap_err();
        assert!(matches!(missing, StoreError::NotFound));
    }
}

#[tokio::test]
async fn hostile_text_is_stored_literally() {
    for db in TestDb::all().await {
        let s = &db.store;
        let name = "'; DROP TABLE users; -- <script>alert('x')</script> 😀";
        let o = orgs::create(s, &ctx("admin"), &org(name, OrgKind::Other, "440100", None))
            .await
            .unwrap();
        let back = orgs::get(s, &o.id).await.unwrap().unwrap();
        assert_eq!(back.name, name);
        let found = orgs::list(s, None, Some("drop table"), 1, 20)
            .await
            .unwrap();
        assert_eq!(found.total, 1, "case-insensitive search on {db:?}");
        let none = orgs::list(s, None, Some("%"), 1, 20).await.unwrap();
        assert_eq!(none.total, 0, "LIKE wildcards are escaped");
    }
}

#[tokio::test]
async fn registration_joins_existing_organisation_and_waits_for_verification() {
    for db in TestDb::all().await {
        let s = &db.store;
        let mut new_org = org(
            "深圳某科技有限公司",
            OrgKind::HighTechEnterprise,
            "440300",
            Some("9144030071526726XG"),
        );
        new_org.status = AccountStatus::Pending;
        let mut u1 = user("ent1", Role::Enterprise);
        u1.status = AccountStatus::Pending;
        let (o1, _) = users::register(s, &Ctx::default(), &new_org, &u1)
            .await
            .unwrap();
        assert_eq!(o1.unit_code, "4403");
        let mut u2 = user("ent2", Role::Enterprise);
        u2.status = AccountStatus::Pending;
        let (o2, u2) = users::register(s, &Ctx::default(), &new_org, &u2)
            .await
            .unwrap();
        assert_eq!(o1.id, o2.id, "same credit code joins the same organisation");
        assert_eq!(count(s, "SELECT COUNT(*) FROM organisations").await, 1);

        let m = users::member(s, &u2.id).await.unwrap().unwrap();
        users::set_status(
            s,
            &ctx("gd"),
            &m,
            AccountStatus::Active,
            "user.verify",
            None,
        )
        .await
        .unwrap();
        let o = orgs::get(s, &o1.id).await.unwrap().unwrap();
        assert_eq!(
            o.status,
            AccountStatus::Active,
            "verifying an account verifies its organisation"
        );
        // The stale copy cannot be applied again.
        let stale = users::set_status(
            s,
            &ctx("gd"),
            &m,
            AccountStatus::Rejected,
            "user.reject",
            Some("x"),
        )
        .await
        .unwrap_err();
        assert!(matches!(stale, StoreError::Stale));

        let pending = users::list(
            s,
            &users::Filter {
                status: Some(AccountStatus::Pending),
                unit: Some("4403".into()),
                q: None,
            },
            1,
            10,
        )
        .await
        .unwrap();
        assert_eq!(pending.total, 1);
        assert_eq!(pending.items[0].user.username, "ent1");
    }
}

#[tokio::test]
async fn sessions_tokens_and_password_changes() {
    for db in TestDb::all().await {
        let s = &db.store;
        let m = member(s, "holder1", Role::Holder, OrgKind::University, "320100").await;
        let t1 = sessions::create(s, &ctx("holder1"), &m, Some("test"))
            .await
            .unwrap();
        let t2 = sessions::create(s, &ctx("holder1"), &m, None)
            .await
            .unwrap();
        let s1 = sessions::find(s, &t1).await.unwrap().unwrap();
        assert_eq!(s1.member.user.username, "holder1");
        assert_eq!(s1.member.unit_code, "32");
        assert!(sessions::find(s, "forged").await.unwrap().is_none());

        users::change_password(
            s,
            &ctx("holder1"),
            &m,
            &ztc_domain::password::hash("brand-new-password"),
            &s1.token_hash,
        )
        .await
        .unwrap();
        assert!(
            sessions::find(s, &t1).await.unwrap().is_some(),
            "the current session stays"
        );
        assert!(
            sessions::find(s, &t2).await.unwrap().is_none(),
            "other sessions end"
        );

        let (_, secret) = sessions::create_token(s, &ctx("holder1"), &m, "脚本")
            .await
            .unwrap();
        assert_eq!(
            sessions::find_token(s, &secret)
                .await
                .unwrap()
                .unwrap()
                .user
                .id,
            m.user.id
        );

        users::reset_password(
            s,
            &ctx("admin"),
            &m,
            &ztc_domain::password::hash("temporary-pass-1"),
        )
        .await
        .unwrap();
        assert!(
            sessions::find(s, &t1).await.unwrap().is_none(),
            "a reset ends every session"
        );
        assert!(
            sessions::find_token(s, &secret).await.unwrap().is_none(),
            "and revokes tokens"
        );
        let after = users::member(s, &m.user.id).await.unwrap().unwrap();
        assert!(after.user.must_change_password);
        assert!(ztc_domain::password::verify(
            "temporary-pass-1",
            &after.user.password_hash
        ));

        sqlx::query("UPDATE sessions SET expires_at = 0")
            .execute(s.pool())
            .await
            .unwrap();
        let t3 = sessions::create(s, &ctx("holder1"), &after, None)
            .await
            .unwrap();
        sqlx::query("UPDATE sessions SET expires_at = 1")
            .execute(s.pool())
            .await
            .unwrap();
        assert!(
            sessions::find(s, &t3).await.unwrap().is_none(),
            "expired sessions are not found"
        );
        assert_eq!(sessions::purge_expired(s).await.unwrap(), 1);
    }
}

#[tokio::test]
async fn throttle_locks_after_repeated_failures() {
    for db in TestDb::all().await {
        let s = &db.store;
        let key = "user:nobody".to_owned();
        for i in 1..5 {
            assert_eq!(sessions::fail(s, &key, 5).await.unwrap(), i);
            assert!(
                sessions::locked_until(s, std::slice::from_ref(&key))
                    .await
                    .unwrap()
                    .is_none()
            );
        }
        sessions::fail(s, &key, 5).await.unwrap();
        let until = sessions::locked_until(s, &[key.clone(), "ip:1.2.3.4".into()])
            .await
            .unwrap();
        assert!(until.unwrap() > ztc_store::now_ms());
        sessions::clear(s, &key).await.unwrap();
        assert!(sessions::locked_until(s, &[key]).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn audit_trail_filters_and_pages() {
    for db in TestDb::all().await {
        let s = &db.store;
        let a = member(s, "alice", Role::Holder, OrgKind::University, "440100").await;
        let _b = member(s, "bob", Role::Holder, OrgKind::University, "320100").await;
        let all = audit::list(s, &audit::Filter::default(), 1, 100)
            .await
            .unwrap();
        assert_eq!(all.total, 4, "two organisations and two accounts");
        let gd = audit::list(
            s,
            &audit::Filter {
                unit: Some("44".into()),
                ..Default::default()
            },
            1,
            100,
        )
        .await
        .unwrap();
        assert_eq!(gd.total, 2);
        assert!(
            gd.items
                .iter()
                .all(|r| r.unit_code.as_deref() == Some("44"))
        );
        let obj = audit::Filter {
            object_type: Some("user".into()),
            object_id: Some(a.user.id.clone()),
            ..Default::default()
        };
        let one = audit::list(s, &obj, 1, 100).await.unwrap();
        assert_eq!(one.total, 1);
        assert!(
            one.items[0]
                .after_json
                .as_deref()
                .unwrap()
                .contains("alice")
        );
        assert!(
            !one.items[0]
                .after_json
                .as_deref()
                .unwrap()
                .contains("argon2"),
            "no password hash in the trail"
        );
        let by_actor = audit::list(
            s,
            &audit::Filter {
                actor: Some("ADM".into()),
                ..Default::default()
            },
            1,
            3,
        )
        .await
        .unwrap();
        assert_eq!(
            (by_actor.total, by_actor.items.len(), by_actor.pages()),
            (4, 3, 2)
        );
        let future = audit::list(
            s,
            &audit::Filter {
                from: Some(ztc_store::now_ms() + 60_000),
                ..Default::default()
            },
            1,
            10,
        )
        .await
        .unwrap();
        assert_eq!(future.total, 0);
        let page2 = audit::list(s, &audit::Filter::default(), 2, 3)
            .await
            .unwrap();
        assert_eq!(page2.items.len(), 1);
    }
}

#[tokio::test]
async fn backup_restores_across_databases() {
    let dbs = TestDb::all().await;
    let src = &dbs[0].store;
    let m = member(src, "wang", Role::Expert, OrgKind::Institute, "110100").await;
    let mut buf = Vec::new();
    backup::write(src, &mut buf).await.unwrap();
    for db in TestDb::all().await {
        let dst = &db.store;
        // Something to be replaced.
        member(
            dst,
            "someone_else",
            Role::Holder,
            OrgKind::University,
            "310100",
        )
        .await;
        let d = backup::read(buf.as_slice()).unwrap();
        backup::restore(dst, &d).await.unwrap();
        let back = users::member(dst, &m.user.id).await.unwrap().unwrap();
        assert_eq!(back, m, "{db:?}");
        assert!(
            users::member_by_username(dst, "someone_else")
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(count(dst, "SELECT COUNT(*) FROM audit_log").await, 2);
        assert_eq!(count(dst, "SELECT COUNT(*) FROM units").await, 37);
    }
}

#[tokio::test]
async fn a_bad_backup_changes_nothing() {
    for db in TestDb::all().await {
        let s = &db.store;
        let m = member(s, "li", Role::Holder, OrgKind::University, "110100").await;
        assert!(backup::read(&b"not a backup"[..]).is_err());
        let mut d = backup::dump(s).await.unwrap();
        // Break the users table: a row that refers to a missing organisation.
        let users_t = d.tables.iter_mut().find(|t| t.name == "users").unwrap();
        let mut row = users_t.rows[0].clone();
        row[0] = serde_json::Value::from("another-id");
        row[1] = serde_json::Value::from("another-user");
        let org_col = users_t.columns.iter().position(|c| c == "org_id").unwrap();
        row[org_col] = serde_json::Value::from("missing-org");
        users_t.rows.push(row);
        assert!(backup::restore(s, &d).await.is_err());
        assert_eq!(
            users::member(s, &m.user.id).await.unwrap().unwrap(),
            m,
            "still there after the failed restore"
        );
    }
}
