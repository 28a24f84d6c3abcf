//! What every page template receives: language, the signed-in user's badge, the
//! CSRF token and the navigation this user may use.

use time::macros::{format_description, offset};
use ztc_domain::{AccountStatus, Action, Resource, Role};

use crate::ctx::Req;
use crate::i18n::{self, Lang};

#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub key: &'static str,
    pub active: bool,
}

#[derive(Debug, Clone)]
pub struct Badge {
    pub name: String,
    pub role: String,
    pub org: String,
    pub pending: bool,
}

#[derive(Debug, Clone)]
pub struct Page {
    pub lang: Lang,
    pub title: String,
    pub csrf: String,
    pub path: String,
    pub user: Option<Badge>,
    pub nav: Vec<NavItem>,
}

/// Whether this member verifies some self-registrations (SPEC §1; the policy
/// decides each one): administrators, the exchange partner, authorised agencies.
pub fn verifies_registrations(m: &ztc_store::users::Member) -> bool {
    match m.user.role {
        Role::NationalAdmin | Role::ProvincialAdmin | Role::SzsePartner => true,
        Role::Agency => m.org_verifier,
        _ => false,
    }
}

/// The navigation entries `req`'s user may use, in order.
pub fn nav_for(req: &Req) -> Vec<(&'static str, &'static str)> {
    let mut items = vec![
        ("/", "nav.home"),
        ("/achievements", "nav.library"),
        ("/demands", "nav.demands"),
    ];
    let Some(m) = req.member() else { return items };
    items.push(("/me", "nav.workbench"));
    if m.user.status != AccountStatus::Active {
        return items;
    }
    if matches!(
        m.user.role,
        Role::Holder | Role::Agency | Role::ProvincialAdmin | Role::NationalAdmin
    ) {
        items.push(("/library/mine", "nav.mine"));
    }
    if crate::routes::review::reviews(req) {
        items.push(("/review", "nav.review"));
    }
    if m.user.role == Role::Enterprise {
        items.push(("/demands/mine", "nav.my_demands"));
    }
    if matches!(m.user.role, Role::Enterprise | Role::Holder) {
        items.push(("/interests", "nav.interests"));
    }
    if m.user.role == Role::Enterprise {
        items.push(("/me/digests", "nav.digests"));
    }
    if crate::routes::demands::reviews(req) {
        items.push(("/demands/review", "nav.demand_review"));
    }
    if m.user.role == Role::Expert {
        items.push(("/evaluations", "nav.evaluations"));
    }
    let own = Resource::Unit {
        unit_code: m.unit_code.clone(),
    };
    if verifies_registrations(m) {
        items.push(("/admin/registrations", "nav.registrations"));
    }
    if req.can(Action::ListAccounts, &own) {
        items.push(("/admin/users", "nav.users"));
        items.push(("/admin/orgs", "nav.orgs"));
    }
    if req.can(Action::ViewAudit, &own) {
        items.push(("/admin/audit", "nav.audit"));
    }
    if req.can(Action::ManageWindows, &own) {
        items.push(("/admin/windows", "nav.windows"));
    }
    if req.can(Action::EditReference, &Resource::Site) {
        items.push(("/admin/mail", "nav.mail"));
    }
    if req.can(Action::ViewReference, &Resource::Site) {
        items.push(("/admin/reference", "nav.reference"));
    }
    items
}

impl Page {
    pub fn new(req: &Req, title_key: &str) -> Page {
        let nav = nav_for(req)
            .into_iter()
            .map(|(href, key)| NavItem {
                href,
                key,
                active: if href == "/" {
                    req.path == "/"
                } else {
                    req.path.starts_with(href)
                },
            })
            .collect();
        let user = req.member().map(|m| Badge {
            name: m.user.display_name.clone(),
            role: m.user.role.label(req.lang.is_en()).to_owned(),
            org: m.org_name.clone(),
            pending: m.user.status == AccountStatus::Pending,
        });
        Page {
            lang: req.lang,
            title: i18n::t(req.lang, title_key).to_owned(),
            csrf: req.csrf.clone(),
            path: req.path.clone(),
            user,
            nav,
        }
    }

    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        i18n::t(self.lang, key)
    }

    pub fn en(&self) -> bool {
        self.lang.is_en()
    }

    /// An epoch-millisecond time shown in Asia/Shanghai (UTC+8, no daylight saving).
    pub fn time(&self, ms: &i64) -> String {
        format_time(*ms)
    }

    pub fn opt_time(&self, ms: &Option<i64>) -> String {
        ms.map(format_time).unwrap_or_else(|| "—".into())
    }
}

pub fn format_time(ms: i64) -> String {
    let fmt = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .map(|t| t.to_offset(offset!(+8)))
        .and_then(|t| t.format(fmt).ok())
        .unwrap_or_default()
}

/// Parses a `YYYY-MM-DD` date in Asia/Shanghai to epoch ms at its start.
pub fn parse_day(s: &str) -> Option<i64> {
    let fmt = format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(s.trim(), fmt).ok()?;
    let t = d.with_hms(0, 0, 0).ok()?.assume_offset(offset!(+8));
    Some((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_shown_in_shanghai() {
        // 2026-01-01T00:00:00Z is 08:00 in Shanghai.
        assert_eq!(super::format_time(1_767_225_600_000), "2026-01-01 08:00:00");
        assert_eq!(
            super::parse_day("2026-01-01"),
            Some(1_767_225_600_000 - 8 * 3600 * 1000)
        );
        assert_eq!(super::parse_day("2026-13-01"), None);
    }
}
