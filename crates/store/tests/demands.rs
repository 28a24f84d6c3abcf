//! Conformance of technology demands and collection windows on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ztc_domain::demand::{DemandStatus, Details, day_string, today};
use ztc_domain::{AccountStatus, OrgKind, Role};
use ztc_store::demands::windows::{self, NewWindow};
use ztc_store::demands::{self, Filter, NewDemand};
use ztc_store::orgs::{self, NewOrg};
use ztc_store::testing::TestDb;
use ztc_store::users::{self, NewUser};
use ztc_store::{Ctx, Store, StoreError, now_ms};

async fn enterprise(s: &Store, name: &str, region: &str) -> (String, String) {
    let ctx = Ctx::system("test");
    let org = orgs::create(
        s,
        &ctx,
        &NewOrg {
            name: name.into(),
            kind: OrgKind::HighTechEnterprise,
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
            username: format!("e{region}"),
            display_name: "研发经理".into(),
            email: None,
            phone: None,
            password_hash: "!".into(),
            role: Role::Enterprise,
            status: AccountStatus::Active,
            must_change_password: false,
        },
    )
    .await
    .unwrap();
    (org.id, u.id)
}

fn day(offset: i64) -> String {
    day_string(today(now_ms()) + offset)
}

fn details(title: &str, public: bool) -> Details {
    Details {
        title: title.into(),
        problem: Some("冬季出水色度不稳定".into()),
        field: Some("7".into()),
        subfield: Some("7.2".into()),
        keywords: vec!["印染废水".into()],
        cooperation_modes: vec!["joint_development".into()],
        trl_min: Some(4),
        deadline: Some(day(30)),
        public,
        contact_phone: Some("13800138000".into()),
        ..Details::default()
    }
}

fn ctx(id: &str) -> Ctx {
    Ctx {
        actor_id: Some(id.into()),
        actor_name: Some(id.into()),
        ..Ctx::default()
    }
}

async fn events(s: &Store, id: &str) -> Vec<String> {
    sqlx::query_scalar::<_, String>(
        "SELECT action FROM audit_log WHERE object_id = $1 ORDER BY at, id",
    )
    .bind(id)
    .fetch_all(s.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn demands_go_from_draft_through_review_to_publication() {
    for db in TestDb::all().await {
        let s = &db.store;
        let (org, owner) = enterprise(s, "绍兴印染有限公司", "330600").await;
        let new = NewDemand {
            details: details("印染废水深度脱色", true),
            status: DemandStatus::Draft,
            org_id: org.clone(),
            owner_id: Some(owner.clone()),
            create_key: Some("k1".into()),
        };
        let d = demands::create(s, &ctx(&owner), &new).await.unwrap();
        assert_eq!(
            (d.status, d.unit_code.as_str(), d.org_verified),
            (DemandStatus::Draft, "33", true),
            "{db:?}"
        );
        assert!(d.deadline_at > now_ms() && !d.expired_at(now_ms()));
        // The same form twice is one demand.
        let again = demands::create(s, &ctx(&owner), &new).await.unwrap();
        assert_eq!(again.id, d.id);
        // Publishing a draft skips review: refused.
        let e = demands::set_status(s, &ctx("x"), &d, DemandStatus::Published, None)
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                StoreError::Conflict {
                    code: "demand_status_invalid",
                    ..
                }
            ),
            "{e:?}"
        );
        let submitted = demands::update(s, &ctx(&owner), &d, &d.details, true)
            .await
            .unwrap();
        assert_eq!(submitted.status, DemandStatus::Submitted);
        // A stale copy cannot overwrite.
        assert!(matches!(
            demands::update(s, &ctx(&owner), &d, &d.details, false).await,
            Err(StoreError::Stale)
        ));
        let returned = demands::set_status(
            s,
            &ctx("admin"),
            &submitted,
            DemandStatus::Returned,
            Some("请补充目标指标"),
        )
        .await
        .unwrap();
        assert_eq!(returned.review_note.as_deref(), Some("请补充目标指标"));
        let resubmitted = demands::update(s, &ctx(&owner), &returned, &returned.details, true)
            .await
            .unwrap();
        let published = demands::set_status(
            s,
            &ctx("admin"),
            &resubmitted,
            DemandStatus::Published,
            None,
        )
        .await
        .unwrap();
        assert!(published.is_public() && published.published_at.is_some());
        // Changing a published demand sends it back to review.
        let mut changed = published.details.clone();
        changed.goals = Some("色度≤30倍".into());
        let back = demands::update(s, &ctx(&owner), &published, &changed, false)
            .await
            .unwrap();
        assert_eq!(back.status, DemandStatus::Submitted);
        assert_eq!(
            events(s, &d.id).await,
            [
                "demand.create",
                "demand.submit",
                "demand.status",
                "demand.submit",
                "demand.status",
                "demand.submit"
            ]
        );
        let outbox: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE object_id = $1")
            .bind(&d.id)
            .fetch_one(s.pool())
            .await
            .unwrap();
        assert_eq!(outbox, 6);
    }
}

#[tokio::test]
async fn private_demands_are_never_published_and_lists_filter() {
    for db in TestDb::all().await {
        let s = &db.store;
        let (org, owner) = enterprise(s, "兰州石化配件厂", "620100").await;
        let mk = |title: &str, public: bool| NewDemand {
            details: details(title, public),
            status: DemandStatus::Submitted,
            org_id: org.clone(),
            owner_id: Some(owner.clone()),
            create_key: None,
        };
        let private = demands::create(s, &ctx(&owner), &mk("高温阀门密封", false))
            .await
            .unwrap();
        let e = demands::set_status(s, &ctx("a"), &private, DemandStatus::Published, None)
            .await
            .unwrap_err();
        assert!(matches!(
            e,
            StoreError::Conflict {
                code: "demand_not_public",
                ..
            }
        ));
        let kept = demands::set_status(s, &ctx("a"), &private, DemandStatus::Private, None)
            .await
            .unwrap();
        assert!(kept.status.is_live() && !kept.is_public());
        let public = demands::create(s, &ctx(&owner), &mk("管道结垢清除", true))
            .await
            .unwrap();
        let public = demands::set_status(s, &ctx("a"), &public, DemandStatus::Published, None)
            .await
            .unwrap();
        let shown = demands::list(
            s,
            &Filter {
                statuses: vec![DemandStatus::Published],
                public_only: true,
                open_at: Some(now_ms()),
                ..Filter::default()
            },
            1,
            20,
        )
        .await
        .unwrap();
        assert_eq!(
            shown
                .items
                .iter()
                .map(|d| d.id.as_str())
                .collect::<Vec<_>>(),
            [public.id.as_str()]
        );
        let unit = demands::list(
            s,
            &Filter {
                unit_code: Some("62".into()),
                field: Some("7".into()),
                ..Filter::default()
            },
            1,
            20,
        )
        .await
        .unwrap();
        assert_eq!(unit.total, 2);
        let other = demands::list(
            s,
            &Filter {
                unit_code: Some("44".into()),
                ..Filter::default()
            },
            1,
            20,
        )
        .await
        .unwrap();
        assert_eq!(other.total, 0);
        // Renewal moves the deadline without another review.
        let renewed = demands::renew(s, &ctx(&owner), &public, &day(90))
            .await
            .unwrap();
        assert_eq!(renewed.status, DemandStatus::Published);
        assert!(renewed.deadline_at > public.deadline_at);
        assert_eq!(renewed.details.deadline, Some(day(90)));
        assert_eq!(demands::count(s).await.unwrap(), 2);
        assert_eq!(demands::scan(s, "", 10).await.unwrap().len(), 2);
    }
}

#[tokio::test]
async fn windows_take_demands_only_while_open_and_in_their_fields() {
    for db in TestDb::all().await {
        let s = &db.store;
        let (org, owner) = enterprise(s, "甘肃新材料公司", "620100").await;
        let now = now_ms();
        let open = windows::create(
            s,
            &ctx(&owner),
            &NewWindow {
                title: "2026 年第四季度兰州企业技术需求征集".into(),
                unit_code: "62".into(),
                description: "面向新材料与节能环保".into(),
                fields: vec!["3".into(), "7".into()],
                opens_at: now - 1000,
                closes_at: now + 86_400_000,
            },
        )
        .await
        .unwrap();
        let closed = windows::create(
            s,
            &ctx(&owner),
            &NewWindow {
                title: "上一批".into(),
                unit_code: "62".into(),
                description: String::new(),
                fields: vec![],
                opens_at: now - 10 * 86_400_000,
                closes_at: now - 86_400_000,
            },
        )
        .await
        .unwrap();
        let e = windows::create(
            s,
            &ctx(&owner),
            &NewWindow {
                title: "倒置".into(),
                unit_code: "62".into(),
                description: String::new(),
                fields: vec![],
                opens_at: now,
                closes_at: now - 1,
            },
        )
        .await
        .unwrap_err();
        assert!(matches!(
            e,
            StoreError::Conflict {
                code: "window_dates_invalid",
                ..
            }
        ));
        let listed = windows::open_for(s, "62", now).await.unwrap();
        assert_eq!(
            listed.iter().map(|w| w.id.as_str()).collect::<Vec<_>>(),
            [open.id.as_str()]
        );
        assert!(windows::open_for(s, "44", now).await.unwrap().is_empty());
        assert_eq!(windows::list(s, Some("62")).await.unwrap().len(), 3 - 1);

        let with = |window: &str, sub: (&str, &str)| {
            let mut d = details("余热回收", true);
            d.window_id = Some(window.into());
            d.field = Some(sub.0.into());
            d.subfield = Some(sub.1.into());
            NewDemand {
                details: d,
                status: DemandStatus::Submitted,
                org_id: org.clone(),
                owner_id: Some(owner.clone()),
                create_key: None,
            }
        };
        let ok = demands::create(s, &ctx(&owner), &with(&open.id, ("7", "7.1")))
            .await
            .unwrap();
        assert_eq!(ok.details.window_id.as_deref(), Some(open.id.as_str()));
        let e = demands::create(s, &ctx(&owner), &with(&open.id, ("4", "4.2")))
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                StoreError::Conflict {
                    code: "window_field_mismatch",
                    ..
                }
            ),
            "{e:?}"
        );
        let e = demands::create(s, &ctx(&owner), &with(&closed.id, ("7", "7.1")))
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                StoreError::Conflict {
                    code: "window_closed",
                    ..
                }
            ),
            "{e:?}"
        );
        let e = demands::create(s, &ctx(&owner), &with("no-such-window", ("7", "7.1")))
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                StoreError::Conflict {
                    code: "window_unknown",
                    ..
                }
            ),
            "{e:?}"
        );
        // Nothing half-written by the refusals.
        assert_eq!(demands::count(s).await.unwrap(), 1);
    }
}
