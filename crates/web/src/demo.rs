//! Demo organisations and one account per role, so a newcomer sees a working
//! platform (`ztc serve --demo`, `ztc demo`). Loading twice changes nothing.

use ztc_domain::{AccountStatus, OrgKind, Role, credit_code, password};
use ztc_store::orgs::{self, NewOrg};
use ztc_store::users::{self, NewUser};
use ztc_store::{Ctx, Store, StoreError};

/// The password of every demo account.
pub const PASSWORD: &str = "ztc-demo-2026";

/// One demo login, for printing.
#[derive(Debug, Clone)]
pub struct Login {
    pub username: &'static str,
    pub role: Role,
    pub org: &'static str,
    pub status: AccountStatus,
}

struct DemoOrg {
    key: &'static str,
    name: &'static str,
    kind: OrgKind,
    region: &'static str,
    /// Body of a credit code (17 characters); the check character is computed.
    credit_body: Option<&'static str>,
}

const ORGS: &[DemoOrg] = &[
    DemoOrg {
        key: "torch",
        name: "科技部火炬高技术产业开发中心",
        kind: OrgKind::TorchCenter,
        region: "110100",
        credit_body: None,
    },
    DemoOrg {
        key: "szse",
        name: "深圳证券交易所",
        kind: OrgKind::Exchange,
        region: "440300",
        credit_body: None,
    },
    DemoOrg {
        key: "gd",
        name: "广东省科学技术厅",
        kind: OrgKind::ProvincialDept,
        region: "440100",
        credit_body: None,
    },
    DemoOrg {
        key: "js",
        name: "江苏省科学技术厅",
        kind: OrgKind::ProvincialDept,
        region: "320100",
        credit_body: None,
    },
    DemoOrg {
        key: "host",
        name: "广州高新技术产业开发区管理委员会",
        kind: OrgKind::Host,
        region: "440100",
        credit_body: None,
    },
    DemoOrg {
        key: "agency",
        name: "华南技术转移中心（演示）",
        kind: OrgKind::Agency,
        region: "440100",
        credit_body: Some("12440000MB2C58670"),
    },
    DemoOrg {
        key: "uni",
        name: "岭南理工大学（演示）",
        kind: OrgKind::University,
        region: "440100",
        credit_body: None,
    },
    DemoOrg {
        key: "inst",
        name: "江南先进材料研究院（演示）",
        kind: OrgKind::Institute,
        region: "320500",
        credit_body: None,
    },
    DemoOrg {
        key: "ent",
        name: "穗芯智能装备有限公司（演示）",
        kind: OrgKind::HighTechEnterprise,
        region: "440100",
        credit_body: Some("91440101MA59XK2L7"),
    },
    DemoOrg {
        key: "pending_ent",
        name: "珠江生物医药有限公司（演示）",
        kind: OrgKind::ListedCompany,
        region: "440100",
        credit_body: Some("91440101MA5AR3C94"),
    },
];

struct DemoUser {
    username: &'static str,
    name: &'static str,
    role: Role,
    org: &'static str,
    status: AccountStatus,
}

const USERS: &[DemoUser] = &[
    DemoUser {
        username: "torch",
        name: "周立",
        role: Role::NationalAdmin,
        org: "torch",
        status: AccountStatus::Active,
    },
    DemoUser {
        username: "szse",
        name: "黄蕾",
        role: Role::SzsePartner,
        org: "szse",
        status: AccountStatus::Active,
    },
    DemoUser {
        username: "gd-admin",
        name: "林志强",
        role: Role::ProvincialAdmin,
        org: "gd",
        status: AccountStatus::Active,
    },
    DemoUser {
        username: "js-admin",
        name: "顾晓燕",
        role: Role::ProvincialAdmin,
        org: "js",
        status: AccountStatus::Active,
    },
    DemoUser {
        username: "host",
        name: "梁海",
        role: Role::Host,
        org: "host",
        status: AccountStatus::Active,
    },
    DemoUser {
        username: "agency",
        name: "陈明",
        role: Role::Agency,
        org: "agency",
        status: AccountStatus::Active,
    },
    DemoUser {
        username: "expert",
        name: "李华 教授",
        role: Role::Expert,
        org: "uni",
        status: AccountStatus::Active,
    },
    DemoUser {
        username: "expert2",
        name: "赵敏 研究员",
        role: Role::Expert,
        org: "inst",
        status: AccountStatus::Active,
    },
    DemoUser {
        username: "expert3",
        name: "孙立 高级工程师",
        role: Role::Expert,
        org: "agency",
        status: AccountStatus::Active,
    },
    DemoUser {
        username: "holder",
        name: "张伟 研究员",
        role: Role::Holder,
        org: "uni",
        status: AccountStatus::Active,
    },
    DemoUser {
        username: "js-holder",
        name: "周敏 研究员",
        role: Role::Holder,
        org: "inst",
        status: AccountStatus::Active,
    },
    DemoUser {
        username: "enterprise",
        name: "王强 研发总监",
        role: Role::Enterprise,
        org: "ent",
        status: AccountStatus::Active,
    },
    DemoUser {
        username: "new-holder",
        name: "刘洋 博士",
        role: Role::Holder,
        org: "uni",
        status: AccountStatus::Pending,
    },
    DemoUser {
        username: "new-enterprise",
        name: "赵静 董秘",
        role: Role::Enterprise,
        org: "pending_ent",
        status: AccountStatus::Pending,
    },
];

fn credit(body: &str) -> Option<String> {
    credit_code::check_char(body.as_bytes()).map(|c| format!("{body}{c}"))
}

/// Loads the demo organisations and accounts that are missing; returns the logins.
pub async fn load(store: &Store) -> Result<Vec<Login>, StoreError> {
    let ctx = Ctx::system("demo");
    let hash = password::hash(PASSWORD);
    let mut ids = std::collections::HashMap::new();
    let existing = orgs::list(store, None, None, 1, 10_000).await?.items;
    for o in ORGS {
        let id = match existing.iter().find(|e| e.name == o.name) {
            Some(e) => e.id.clone(),
            None => {
                let status = if o.key == "pending_ent" {
                    AccountStatus::Pending
                } else {
                    AccountStatus::Active
                };
                let new = NewOrg {
                    name: o.name.into(),
                    kind: o.kind,
                    region_code: o.region.into(),
                    credit_code: o.credit_body.and_then(credit),
                    status,
                    contact_name: None,
                    contact_phone: None,
                    contact_email: None,
                    industry: None,
                    interest_fields: Vec::new(),
                };
                orgs::create(store, &ctx, &new).await?.id
            }
        };
        if o.kind == OrgKind::Agency
            && let Some(org) = orgs::get(store, &id).await?
            && !org.verifier
        {
            orgs::set_verifier(store, &ctx, &org, true).await?;
        }
        ids.insert(o.key, id);
    }
    let mut logins = Vec::new();
    for u in USERS {
        if users::member_by_username(store, u.username)
            .await?
            .is_none()
        {
            let org_id = ids.get(u.org).cloned().ok_or(StoreError::NotFound)?;
            let new = NewUser {
                username: u.username.into(),
                display_name: u.name.into(),
                email: Some(format!("{}@demo.ztc.example", u.username)),
                phone: None,
                password_hash: hash.clone(),
                role: u.role,
                status: u.status,
                must_change_password: false,
            };
            users::create(store, &ctx, &org_id, &new).await?;
        }
        let org = ORGS
            .iter()
            .find(|o| o.key == u.org)
            .map(|o| o.name)
            .unwrap_or_default();
        logins.push(Login {
            username: u.username,
            role: u.role,
            org,
            status: u.status,
        });
    }
    Ok(logins)
}
