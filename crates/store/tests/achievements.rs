//! Conformance of the achievement library on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ztc_domain::achievement::{Channel, Details, Status};
use ztc_domain::{AccountStatus, OrgKind, Role};
use ztc_store::achievements::{self, Filter, NewAchievement};
use ztc_store::orgs::{self, NewOrg};
use ztc_store::testing::TestDb;
use ztc_store::users::{self, NewUser};
use ztc_store::{Ctx, Store, StoreError};

async fn holder(s: &Store, region: &str) -> (String, String) {
    let ctx = Ctx::system("test");
    let org = orgs::create(
        s,
        &ctx,
        &NewOrg {
            name: format!("大学{region}"),
            kind: OrgKind::University,
            region_code: region.into(),
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
    .unwrap();
    let u = users::create(
        s,
        &ctx,
        &org.id,
        &NewUser {
            username: format!("h{region}"),
            display_name: "持有人".into(),
            email: None,
            phone: None,
            password_hash: "!".into(),
            role: Role::Holder,
            status: AccountStatus::Active,
            must_change_password: false,
        },
    )
    .await
    .unwrap();
    (org.id, u.id)
}

fn details(title: &str, modes: &[&str], trl: u8, keywords: &[&str]) -> Details {
    Details {
        title: title.into(),
        field: Some("1".into()),
        subfield: Some("1.5".into()),
        summary: Some(format!("{title}的简介")),
        trl: Some(trl),
        cooperation_modes: modes.iter().map(|m| (*m).to_owned()).collect(),
        keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
        contact_phone: Some("020-12345678".into()),
        ..Details::default()
    }
}

fn new(org: &str, owner: &str, d: Details, status: Status, key: Option<&str>) -> NewAchievement {
    NewAchievement {
        details: d,
        status,
        holder_org_id: org.into(),
        owner_id: Some(owner.into()),
        channel: Channel::SelfNomination,
        channel_ref: None,
        create_key: key.map(Into::into),
    }
}

fn ctx(id: &str) -> Ctx {
    Ctx {
        actor_id: Some(id.into()),
        actor_name: Some(id.into()),
        ..Ctx::default()
    }
}

#[tokio::test]
async fn drafts_are_saved_versioned_and_submitted() {
    for db in TestDb::all().await {
        let s = &db.store;
        let (org, owner) = holder(s, "440100").await;
        let a = achievements::create(
            s,
            &ctx(&owner),
            &owner,
            &new(
                &org,
                &owner,
                details("智能巡检机器人", &["licence"], 6, &["机器人"]),
                Status::Draft,
                Some("key-1"),
            ),
        )
        .await
        .unwrap();
        assert_eq!(
            (a.status, a.version, a.unit_code.as_str()),
            (Status::Draft, 1, "44"),
            "{db:?}"
        );
        // The same form sent twice makes one record.
        let again = achievements::create(
            s,
            &ctx(&owner),
            &owner,
            &new(
                &org,
                &owner,
                details("智能巡检机器人", &["licence"], 6, &[]),
                Status::Draft,
                Some("key-1"),
            ),
        )
        .await
        .unwrap();
        assert_eq!(again.id, a.id);
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM achievements")
            .fetch_one(s.pool())
            .await
            .unwrap();
        assert_eq!(n, 1);

        let mut d2 = a.details.clone();
        d2.title = "智能巡检机器人（第二版）".into();
        let saved = achievements::update(s, &ctx(&owner), &a, &d2, Status::Draft)
            .await
            .unwrap();
        assert_eq!((saved.version, saved.status), (2, Status::Draft));
        // A second editor holding the old version is refused, not overwritten.
        let stale = achievements::update(
            s,
            &ctx("someone"),
            &a,
            &details("抢先保存", &[], 1, &[]),
            Status::Draft,
        )
        .await
        .unwrap_err();
        assert!(matches!(stale, StoreError::Stale));
        assert_eq!(
            achievements::get(s, &a.id)
                .await
                .unwrap()
                .unwrap()
                .details
                .title,
            "智能巡检机器人（第二版）"
        );

        let submitted = achievements::update(s, &ctx(&owner), &saved, &d2, Status::Submitted)
            .await
            .unwrap();
        assert_eq!(submitted.status, Status::Submitted);
        assert!(submitted.submitted_at.is_some());
        assert!(
            achievements::update(s, &ctx(&owner), &submitted, &d2, Status::Submitted)
                .await
                .is_err(),
            "cannot submit twice"
        );
        assert_eq!(achievements::version_count(s, &a.id).await.unwrap(), 3);
        let wrong = achievements::set_status(s, &ctx("x"), &submitted, Status::Published, None)
            .await
            .unwrap_err();
        assert!(matches!(
            wrong,
            StoreError::Conflict {
                code: "achievement_status_invalid",
                ..
            }
        ));
        let audits: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE object_id = $1")
            .bind(&a.id)
            .fetch_one(s.pool())
            .await
            .unwrap();
        assert_eq!(audits, 3, "create, save, submit");
        // Unmet collection conditions are flagged.
        assert!(submitted.unmet().any(|c| c.no == 6));
    }
}

#[tokio::test]
async fn the_library_filters() {
    for db in TestDb::all().await {
        let s = &db.store;
        let (gd_org, gd) = holder(s, "440100").await;
        let (js_org, js) = holder(s, "320100").await;
        let mk =
            |org: &str,
             owner: &str,
             title: &str,
             modes: &[&str],
             trl: u8,
             kw: &[&str],
             st: Status| new(org, owner, details(title, modes, trl, kw), st, None);
        for n in [
            mk(
                &gd_org,
                &gd,
                "锂电池管理系统 BMS",
                &["licence", "transfer"],
                7,
                &["锂电池", "BMS"],
                Status::Published,
            ),
            mk(
                &gd_org,
                &gd,
                "基因编辑育种",
                &["joint_development"],
                4,
                &["CRISPR"],
                Status::Published,
            ),
            mk(
                &js_org,
                &js,
                "100%_纯度提纯工艺",
                &["licence"],
                8,
                &["提纯"],
                Status::Published,
            ),
            mk(
                &js_org,
                &js,
                "未公开的草稿",
                &["licence"],
                9,
                &[],
                Status::Draft,
            ),
        ] {
            achievements::create(
                s,
                &ctx("agency"),
                if n.owner_id.as_deref() == Some(gd.as_str()) {
                    &gd
                } else {
                    &js
                },
                &n,
            )
            .await
            .unwrap();
        }
        let published = |f: Filter| Filter {
            status: Some(Status::Published),
            ..f
        };
        let titles = |p: ztc_store::orgs::Page<achievements::Summary>| {
            p.items.into_iter().map(|i| i.title).collect::<Vec<_>>()
        };
        let all = achievements::list(s, &published(Filter::default()), 1, 10)
            .await
            .unwrap();
        assert_eq!(all.total, 3, "{db:?}");
        let lic = achievements::list(
            s,
            &published(Filter {
                mode: Some("licence".into()),
                ..Filter::default()
            }),
            1,
            10,
        )
        .await
        .unwrap();
        assert_eq!(lic.total, 2);
        let trl = achievements::list(
            s,
            &published(Filter {
                trl_min: Some(7),
                ..Filter::default()
            }),
            1,
            10,
        )
        .await
        .unwrap();
        assert_eq!(trl.total, 2);
        assert_eq!(
            titles(
                achievements::list(
                    s,
                    &published(Filter {
                        q: Some("bms".into()),
                        ..Filter::default()
                    }),
                    1,
                    10
                )
                .await
                .unwrap()
            ),
            vec!["锂电池管理系统 BMS"]
        );
        assert_eq!(
            titles(
                achievements::list(
                    s,
                    &published(Filter {
                        q: Some("crispr".into()),
                        ..Filter::default()
                    }),
                    1,
                    10
                )
                .await
                .unwrap()
            ),
            vec!["基因编辑育种"],
            "keywords match"
        );
        assert_eq!(
            achievements::list(
                s,
                &published(Filter {
                    q: Some("%".into()),
                    ..Filter::default()
                }),
                1,
                10
            )
            .await
            .unwrap()
            .total,
            1,
            "only the title with a literal %"
        );
        assert_eq!(
            achievements::list(
                s,
                &published(Filter {
                    unit: Some("32".into()),
                    ..Filter::default()
                }),
                1,
                10
            )
            .await
            .unwrap()
            .total,
            1
        );
        assert_eq!(
            achievements::list(
                s,
                &Filter {
                    owner: Some(js.clone()),
                    ..Filter::default()
                },
                1,
                10
            )
            .await
            .unwrap()
            .total,
            2,
            "mine, with drafts"
        );
        let page2 = achievements::list(s, &published(Filter::default()), 2, 2)
            .await
            .unwrap();
        assert_eq!((page2.items.len(), page2.pages()), (1, 2));
        assert!(
            !all.items[0].cooperation_modes.is_empty(),
            "modes are listed"
        );
    }
}

#[tokio::test]
async fn batch_creation_is_all_or_nothing() {
    for db in TestDb::all().await {
        let s = &db.store;
        let (org, owner) = holder(s, "440100").await;
        let many: Vec<NewAchievement> = (0..450)
            .map(|i| {
                new(
                    &org,
                    &owner,
                    details(&format!("批量成果{i}"), &["licence"], 5, &["批量"]),
                    Status::Submitted,
                    Some(&format!("batch-{i}")),
                )
            })
            .collect();
        let mut seen = Vec::new();
        let ids = achievements::create_many(s, &ctx("agency"), &owner, &many, |n| seen.push(n))
            .await
            .unwrap();
        assert_eq!(ids.len(), 450);
        assert_eq!(seen, vec![200, 400, 450], "{db:?}");
        let a = achievements::get(s, &ids[449]).await.unwrap().unwrap();
        assert_eq!(
            (a.details.title.as_str(), a.status, a.unit_code.as_str()),
            ("批量成果449", Status::Submitted, "44")
        );
        assert_eq!(achievements::version_count(s, &ids[0]).await.unwrap(), 1);
        let audits: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'achievement.create'",
        )
        .fetch_one(s.pool())
        .await
        .unwrap();
        let events: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE topic = 'achievement.create'")
                .fetch_one(s.pool())
                .await
                .unwrap();
        assert_eq!((audits, events), (450, 450));
        let dup = achievements::existing_titles(s, &["批量成果7".into(), "没有这个".into()])
            .await
            .unwrap();
        assert_eq!(
            dup.into_iter().collect::<Vec<_>>(),
            vec!["批量成果7".to_owned()]
        );

        // One bad row (a key used before) and nothing of the batch is written.
        let mut again: Vec<NewAchievement> = (0..300)
            .map(|i| {
                new(
                    &org,
                    &owner,
                    details(&format!("第二批{i}"), &[], 3, &[]),
                    Status::Draft,
                    Some(&format!("second-{i}")),
                )
            })
            .collect();
        again[250].create_key = Some("batch-3".into());
        let err = achievements::create_many(s, &ctx("agency"), &owner, &again, |_| {})
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Conflict {
                    code: "duplicate_submission",
                    ..
                }
            ),
            "{err:?}"
        );
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM achievements")
            .fetch_one(s.pool())
            .await
            .unwrap();
        assert_eq!(n, 450, "the failed batch left nothing behind");
        let unknown = vec![new(
            "no-such-org",
            &owner,
            details("孤儿", &[], 3, &[]),
            Status::Draft,
            None,
        )];
        assert!(matches!(
            achievements::create_many(s, &ctx("agency"), &owner, &unknown, |_| {})
                .await
                .unwrap_err(),
            StoreError::Conflict {
                code: "holder_org_unknown",
                ..
            }
        ));
    }
}
