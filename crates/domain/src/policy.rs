//! The one permission policy. Every route asks [`can`] before it acts.
//!
//! Decisions follow role × region × ownership (SPEC §1):
//! - the national administrator (火炬中心) acts everywhere;
//! - a provincial administrator acts only inside its programme unit (省/计划单列市/兵团);
//! - an agency that its region has authorised verifies researchers' registrations
//!   in its own unit;
//! - the exchange partner verifies listed companies and investors;
//! - everyone else acts on their own account only;
//! - an account awaiting verification may only look at its own page and change its
//!   password.

use crate::achievement::Status;
use crate::demand::DemandStatus;
use crate::role::{AccountStatus, OrgKind, Role};

/// The signed-in user, as the policy sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: String,
    pub role: Role,
    pub org_id: String,
    /// Programme unit of the user's organisation (e.g. `44`, `4403`, `66`).
    pub unit_code: String,
    pub status: AccountStatus,
    /// The user's organisation is an agency authorised to verify registrations.
    pub org_verifier: bool,
}

/// What is being attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read public pages and the public part of the library.
    ViewPublic,
    /// See one's own home page and account.
    ViewOwnAccount,
    /// Change one's own password.
    ChangeOwnPassword,
    /// Use the API with personal tokens, and manage them.
    ManageOwnTokens,
    /// Read the reference data (regions, fields, TRL …) on the admin pages.
    ViewReference,
    /// Change the reference data.
    EditReference,
    /// List organisations and accounts of a region.
    ListAccounts,
    /// Create an account (the resource is the account to be).
    CreateUser,
    /// Reset another account's password, or disable / enable it.
    ManageUser,
    /// Approve or reject a self-registered account.
    VerifyRegistration,
    /// Create or edit an organisation.
    ManageOrg,
    /// Browse the audit trail of a region.
    ViewAudit,
    /// Enter an achievement into the library (the resource is the achievement to be).
    CreateAchievement,
    /// See an achievement in any state (drafts, returned, …) with its full form.
    ViewAchievement,
    /// Change an achievement's form.
    EditAchievement,
    /// See the protected part of a published achievement (contacts, documents, price).
    ViewProtected,
    /// Review a submission: take it, accept it into evaluation, return or reject it,
    /// assign experts, publish on the evaluation's result, archive and restore.
    ReviewAchievement,
    /// Score an achievement one is assigned to evaluate.
    Evaluate,
    /// Record a public service given to a library entry (SPEC §4.8).
    RecordService,
    /// Export a filtered list of library entries of a unit (the resource) to .xlsx.
    ExportLibrary,
    /// Write a technology demand for one's enterprise (the resource is the demand to be).
    CreateDemand,
    /// See a demand in any state with its contacts.
    ViewDemand,
    /// Change, submit, close or renew a demand.
    EditDemand,
    /// Publish a submitted demand (or keep it for matching), or return it.
    ReviewDemand,
    /// Open and edit collection windows (征集批次) of a unit (the resource).
    ManageWindows,
    /// Answer a published demand with a proposal.
    AnswerDemand,
    /// Express interest in a published achievement (a verified enterprise).
    ExpressInterest,
    /// Accept or decline interest in an achievement (its holder).
    DecideInterest,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::ViewPublic,
        Action::ViewOwnAccount,
        Action::ChangeOwnPassword,
        Action::ManageOwnTokens,
        Action::ViewReference,
        Action::EditReference,
        Action::ListAccounts,
        Action::CreateUser,
        Action::ManageUser,
        Action::VerifyRegistration,
        Action::ManageOrg,
        Action::ViewAudit,
        Action::CreateAchievement,
        Action::ViewAchievement,
        Action::EditAchievement,
        Action::ViewProtected,
        Action::ReviewAchievement,
        Action::Evaluate,
        Action::RecordService,
        Action::ExportLibrary,
        Action::CreateDemand,
        Action::ViewDemand,
        Action::EditDemand,
        Action::ReviewDemand,
        Action::ManageWindows,
        Action::AnswerDemand,
        Action::ExpressInterest,
        Action::DecideInterest,
    ];
}

/// What the action is done to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// Nothing in particular (a page, a site-wide list).
    Site,
    /// Everything of one programme unit.
    Unit { unit_code: String },
    /// An organisation.
    Org { unit_code: String, kind: OrgKind },
    /// An achievement of a holder organisation.
    Achievement {
        unit_code: String,
        /// The holder organisation.
        org_id: String,
        /// The holder account that owns it, if any.
        owner_id: Option<String>,
        status: Status,
    },
    /// A technology demand of an enterprise.
    Demand {
        unit_code: String,
        /// The enterprise that posted it.
        org_id: String,
        status: DemandStatus,
        /// Its deadline has passed.
        expired: bool,
    },
    /// An expert's assignment to evaluate an achievement.
    Assignment { expert_id: String },
    /// An account.
    User {
        user_id: String,
        unit_code: String,
        role: Role,
        org_kind: OrgKind,
    },
}

impl Resource {
    fn unit(&self) -> Option<&str> {
        match self {
            Resource::Site | Resource::Assignment { .. } => None,
            Resource::Unit { unit_code }
            | Resource::Org { unit_code, .. }
            | Resource::User { unit_code, .. }
            | Resource::Achievement { unit_code, .. }
            | Resource::Demand { unit_code, .. } => Some(unit_code),
        }
    }
}

/// Roles that only the national administrator may grant or manage.
fn nationally_managed(role: Role) -> bool {
    matches!(role, Role::NationalAdmin | Role::SzsePartner)
}

/// Organisation kinds that only the national administrator may create or edit.
fn nationally_managed_org(kind: OrgKind) -> bool {
    matches!(kind, OrgKind::TorchCenter | OrgKind::Exchange)
}

/// Decides whether `actor` (None: not signed in) may do `action` to `resource`.
pub fn can(actor: Option<&Actor>, action: Action, resource: &Resource) -> bool {
    if action == Action::ViewPublic {
        return true;
    }
    let Some(a) = actor else { return false };
    match a.status {
        AccountStatus::Active => {}
        AccountStatus::Pending => {
            return matches!(action, Action::ViewOwnAccount | Action::ChangeOwnPassword);
        }
        AccountStatus::Rejected | AccountStatus::Disabled => return false,
    }
    let own_unit = resource.unit() == Some(a.unit_code.as_str());
    match action {
        Action::ViewPublic => true,
        Action::ViewOwnAccount | Action::ChangeOwnPassword | Action::ManageOwnTokens => true,
        Action::ViewReference => matches!(
            a.role,
            Role::NationalAdmin
                | Role::ProvincialAdmin
                | Role::SzsePartner
                | Role::Host
                | Role::Agency
        ),
        Action::EditReference => a.role == Role::NationalAdmin,
        Action::ListAccounts | Action::ViewAudit => match a.role {
            Role::NationalAdmin => true,
            Role::ProvincialAdmin => own_unit,
            _ => false,
        },
        Action::CreateUser | Action::ManageUser => match (a.role, resource) {
            (Role::NationalAdmin, Resource::User { .. }) => true,
            (Role::ProvincialAdmin, Resource::User { role, .. }) => {
                own_unit && !nationally_managed(*role)
            }
            _ => false,
        },
        Action::VerifyRegistration => match (a.role, resource) {
            (Role::NationalAdmin, Resource::User { role, .. }) => role.self_registrable(),
            (Role::ProvincialAdmin, Resource::User { role, .. }) => {
                own_unit && role.self_registrable()
            }
            (Role::Agency, Resource::User { role, .. }) => {
                a.org_verifier && own_unit && *role == Role::Holder
            }
            (Role::SzsePartner, Resource::User { role, org_kind, .. }) => {
                *role == Role::Enterprise
                    && matches!(org_kind, OrgKind::ListedCompany | OrgKind::Investor)
            }
            _ => false,
        },
        // Stewards for their unit (the national centre for all), the region's hosts,
        // and the exchange; enterprises read entries one by one (each view audited).
        Action::ExportLibrary => match a.role {
            Role::NationalAdmin | Role::SzsePartner => true,
            Role::ProvincialAdmin | Role::Agency | Role::Host => own_unit,
            _ => false,
        },
        Action::Evaluate => {
            matches!(resource, Resource::Assignment { expert_id } if a.role == Role::Expert && *expert_id == a.user_id)
        }
        Action::CreateAchievement
        | Action::ViewAchievement
        | Action::EditAchievement
        | Action::ViewProtected
        | Action::ReviewAchievement
        | Action::RecordService
        | Action::ExpressInterest
        | Action::DecideInterest => achievement_rule(a, action, resource, own_unit),
        Action::CreateDemand
        | Action::ViewDemand
        | Action::EditDemand
        | Action::ReviewDemand
        | Action::AnswerDemand => demand_rule(a, action, resource, own_unit),
        Action::ManageWindows => match a.role {
            Role::NationalAdmin => true,
            Role::ProvincialAdmin => own_unit,
            _ => false,
        },
        Action::ManageOrg => match (a.role, resource) {
            (Role::NationalAdmin, Resource::Org { .. }) => true,
            (Role::ProvincialAdmin, Resource::Org { kind, .. }) => {
                own_unit && !nationally_managed_org(*kind)
            }
            _ => false,
        },
    }
}

/// Whether `role` gets personal data (contact names, phones, e-mails) unmasked in
/// lists and exports (SPEC §6): only those who collect and manage achievements do;
/// hosts and the exchange reach holders through them.
pub fn sees_personal_data(role: Role) -> bool {
    matches!(
        role,
        Role::NationalAdmin | Role::ProvincialAdmin | Role::Agency
    )
}

/// Demands: the enterprise's own accounts write them; the region's administrators
/// and hosts (who mobilise local enterprises) review them; researchers answer
/// published ones before their deadline.
fn demand_rule(a: &Actor, action: Action, resource: &Resource, own_unit: bool) -> bool {
    let Resource::Demand {
        org_id,
        status,
        expired,
        ..
    } = resource
    else {
        return false;
    };
    let own_org = a.role == Role::Enterprise && *org_id == a.org_id;
    let reviewer = match a.role {
        Role::NationalAdmin => true,
        Role::ProvincialAdmin | Role::Host => own_unit,
        _ => false,
    };
    match action {
        Action::CreateDemand => own_org,
        Action::ViewDemand => own_org || reviewer,
        Action::EditDemand => own_org && (status.editable() || *status == DemandStatus::Closed),
        Action::ReviewDemand => reviewer && *status == DemandStatus::Submitted,
        Action::AnswerDemand => {
            a.role == Role::Holder && *status == DemandStatus::Published && !expired
        }
        _ => false,
    }
}

fn achievement_rule(a: &Actor, action: Action, resource: &Resource, own_unit: bool) -> bool {
    let Resource::Achievement {
        org_id,
        owner_id,
        status,
        ..
    } = resource
    else {
        return false;
    };
    let owner = owner_id.as_deref() == Some(a.user_id.as_str());
    // Those who collect and manage a region's achievements.
    let steward = match a.role {
        Role::NationalAdmin => true,
        Role::ProvincialAdmin | Role::Agency => own_unit,
        _ => false,
    };
    match action {
        Action::CreateAchievement => steward || (a.role == Role::Holder && *org_id == a.org_id),
        Action::ViewAchievement => steward || owner,
        Action::ReviewAchievement => steward,
        // Stewards, the exchange (科融通, listed companies) and the region's hosts.
        Action::RecordService => {
            status.is_public()
                && (steward || a.role == Role::SzsePartner || (a.role == Role::Host && own_unit))
        }
        Action::EditAchievement => status.editable_by_holder() && (steward || owner),
        Action::ExpressInterest => status.is_public() && a.role == Role::Enterprise,
        // The holder who entered the achievement; one without an owning account
        // (collected by an agency) is answered by its organisation's holders.
        Action::DecideInterest => {
            a.role == Role::Holder && (owner || (owner_id.is_none() && *org_id == a.org_id))
        }
        Action::ViewProtected => {
            status.is_public()
                && (steward
                    || owner
                    || matches!(a.role, Role::SzsePartner | Role::Enterprise)
                    || (a.role == Role::Host && own_unit))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, unit: &str) -> Actor {
        Actor {
            user_id: format!("{role}-{unit}"),
            role,
            org_id: "o".into(),
            unit_code: unit.into(),
            status: AccountStatus::Active,
            org_verifier: false,
        }
    }

    fn user(role: Role, unit: &str, kind: OrgKind) -> Resource {
        Resource::User {
            user_id: "target".into(),
            unit_code: unit.into(),
            role,
            org_kind: kind,
        }
    }

    fn unit(u: &str) -> Resource {
        Resource::Unit {
            unit_code: u.into(),
        }
    }

    #[test]
    fn library_exports_by_unit_and_masking_by_role() {
        let gd = unit("44");
        let js = unit("32");
        let can_export =
            |role, u: &str, r: &Resource| can(Some(&actor(role, u)), Action::ExportLibrary, r);
        assert!(can_export(Role::NationalAdmin, "00", &gd));
        assert!(can_export(Role::SzsePartner, "00", &js));
        for role in [Role::ProvincialAdmin, Role::Agency, Role::Host] {
            assert!(can_export(role, "44", &gd), "{role:?} own unit");
            assert!(!can_export(role, "44", &js), "{role:?} other unit");
        }
        for role in [Role::Enterprise, Role::Expert, Role::Holder] {
            assert!(!can_export(role, "44", &gd), "{role:?}");
        }
        assert!(!can(None, Action::ExportLibrary, &gd));
        assert!(sees_personal_data(Role::Agency));
        assert!(!sees_personal_data(Role::Host));
        assert!(!sees_personal_data(Role::SzsePartner));
    }

    #[test]
    fn anonymous_sees_only_public() {
        for action in Action::ALL {
            assert_eq!(
                can(None, *action, &Resource::Site),
                *action == Action::ViewPublic,
                "{action:?}"
            );
        }
    }

    #[test]
    fn provincial_admin_acts_only_in_its_unit() {
        let gd = actor(Role::ProvincialAdmin, "44");
        assert!(can(Some(&gd), Action::ListAccounts, &unit("44")));
        assert!(
            !can(Some(&gd), Action::ListAccounts, &unit("4403")),
            "深圳 is its own unit"
        );
        assert!(!can(Some(&gd), Action::ViewAudit, &unit("11")));
        assert!(can(
            Some(&gd),
            Action::CreateUser,
            &user(Role::Holder, "44", OrgKind::University)
        ));
        assert!(!can(
            Some(&gd),
            Action::CreateUser,
            &user(Role::Holder, "32", OrgKind::University)
        ));
        assert!(!can(
            Some(&gd),
            Action::CreateUser,
            &user(Role::NationalAdmin, "44", OrgKind::TorchCenter)
        ));
        assert!(!can(
            Some(&gd),
            Action::CreateUser,
            &user(Role::SzsePartner, "44", OrgKind::Exchange)
        ));
        assert!(can(
            Some(&gd),
            Action::VerifyRegistration,
            &user(Role::Enterprise, "44", OrgKind::Park)
        ));
        assert!(!can(
            Some(&gd),
            Action::VerifyRegistration,
            &user(Role::Enterprise, "4403", OrgKind::Park)
        ));
        assert!(!can(Some(&gd), Action::EditReference, &Resource::Site));
        let org = |k| Resource::Org {
            unit_code: "44".into(),
            kind: k,
        };
        assert!(can(Some(&gd), Action::ManageOrg, &org(OrgKind::University)));
        assert!(!can(
            Some(&gd),
            Action::ManageOrg,
            &org(OrgKind::TorchCenter)
        ));
    }

    #[test]
    fn national_admin_acts_everywhere() {
        let n = actor(Role::NationalAdmin, "00");
        for action in Action::ALL {
            let r = match action {
                Action::CreateUser | Action::ManageUser | Action::VerifyRegistration => {
                    user(Role::Holder, "65", OrgKind::University)
                }
                Action::ManageOrg => Resource::Org {
                    unit_code: "66".into(),
                    kind: OrgKind::Host,
                },
                Action::EditAchievement => achievement("66", Some("h"), Status::Returned),
                Action::Evaluate => Resource::Assignment {
                    expert_id: "x".into(),
                },
                Action::CreateAchievement
                | Action::ViewAchievement
                | Action::ViewProtected
                | Action::ReviewAchievement
                | Action::RecordService => achievement("66", Some("h"), Status::Published),
                Action::ViewDemand | Action::ReviewDemand => {
                    demand("66", "e", DemandStatus::Submitted)
                }
                _ => unit("66"),
            };
            // Only an assigned expert scores an achievement, not even the Torch Center;
            // demands are written by enterprises and answered by researchers;
            // interest is an enterprise's and the holder's own business.
            let theirs = matches!(
                action,
                Action::Evaluate
                    | Action::CreateDemand
                    | Action::EditDemand
                    | Action::AnswerDemand
                    | Action::ExpressInterest
                    | Action::DecideInterest
            );
            assert_eq!(can(Some(&n), *action, &r), !theirs, "{action:?}");
        }
    }

    #[test]
    fn services_are_recorded_by_stewards_the_exchange_and_local_hosts() {
        let published = achievement("44", Some("h"), Status::Published);
        for (role, unit, ok) in [
            (Role::Agency, "44", true),
            (Role::SzsePartner, "4403", true),
            (Role::Host, "44", true),
            (Role::Host, "32", false),
            (Role::Holder, "44", false),
            (Role::Enterprise, "44", false),
        ] {
            assert_eq!(
                can(Some(&actor(role, unit)), Action::RecordService, &published),
                ok,
                "{role} {unit}"
            );
        }
        assert!(
            !can(
                Some(&actor(Role::Agency, "44")),
                Action::RecordService,
                &achievement("44", None, Status::Draft)
            ),
            "only library entries"
        );
    }

    #[test]
    fn only_the_assigned_expert_evaluates() {
        let e = actor(Role::Expert, "44");
        let mine = Resource::Assignment {
            expert_id: e.user_id.clone(),
        };
        assert!(can(Some(&e), Action::Evaluate, &mine));
        assert!(!can(
            Some(&e),
            Action::Evaluate,
            &Resource::Assignment {
                expert_id: "other".into()
            }
        ));
        let h = actor(Role::Holder, "44");
        assert!(
            !can(
                Some(&h),
                Action::Evaluate,
                &Resource::Assignment {
                    expert_id: h.user_id.clone()
                }
            ),
            "holders never score"
        );
        assert!(!can(
            Some(&e),
            Action::ReviewAchievement,
            &Resource::Achievement {
                unit_code: "44".into(),
                org_id: "o".into(),
                owner_id: None,
                status: crate::achievement::Status::Submitted
            }
        ));
    }

    #[test]
    fn verification_rights() {
        let unauthorised = actor(Role::Agency, "32");
        assert!(!can(
            Some(&unauthorised),
            Action::VerifyRegistration,
            &user(Role::Holder, "32", OrgKind::University)
        ));
        let mut ag = actor(Role::Agency, "32");
        ag.org_verifier = true;
        assert!(can(
            Some(&ag),
            Action::VerifyRegistration,
            &user(Role::Holder, "32", OrgKind::University)
        ));
        assert!(!can(
            Some(&ag),
            Action::VerifyRegistration,
            &user(Role::Enterprise, "32", OrgKind::Park)
        ));
        assert!(!can(
            Some(&ag),
            Action::VerifyRegistration,
            &user(Role::Holder, "33", OrgKind::University)
        ));
        let sz = actor(Role::SzsePartner, "4403");
        assert!(can(
            Some(&sz),
            Action::VerifyRegistration,
            &user(Role::Enterprise, "11", OrgKind::ListedCompany)
        ));
        assert!(can(
            Some(&sz),
            Action::VerifyRegistration,
            &user(Role::Enterprise, "11", OrgKind::Investor)
        ));
        assert!(!can(
            Some(&sz),
            Action::VerifyRegistration,
            &user(Role::Enterprise, "11", OrgKind::Park)
        ));
        let n = actor(Role::NationalAdmin, "00");
        assert!(
            !can(
                Some(&n),
                Action::VerifyRegistration,
                &user(Role::Agency, "11", OrgKind::Agency)
            ),
            "only self-registered roles are verified"
        );
    }

    #[test]
    fn ordinary_roles_have_no_admin_power() {
        for role in [
            Role::Host,
            Role::Agency,
            Role::Expert,
            Role::Holder,
            Role::Enterprise,
            Role::SzsePartner,
        ] {
            let a = actor(role, "44");
            for action in [
                Action::ListAccounts,
                Action::ViewAudit,
                Action::CreateUser,
                Action::ManageUser,
                Action::ManageOrg,
                Action::EditReference,
            ] {
                let r = match action {
                    Action::CreateUser | Action::ManageUser => {
                        user(Role::Holder, "44", OrgKind::University)
                    }
                    Action::ManageOrg => Resource::Org {
                        unit_code: "44".into(),
                        kind: OrgKind::University,
                    },
                    _ => unit("44"),
                };
                assert!(!can(Some(&a), action, &r), "{role} {action:?}");
            }
            assert!(can(Some(&a), Action::ViewOwnAccount, &Resource::Site));
        }
    }

    fn demand(unit: &str, org: &str, status: DemandStatus) -> Resource {
        Resource::Demand {
            unit_code: unit.into(),
            org_id: org.into(),
            status,
            expired: false,
        }
    }

    #[test]
    fn demands_belong_to_their_enterprise_and_are_reviewed_in_their_region() {
        let mut ent = actor(Role::Enterprise, "44");
        ent.org_id = "e".into();
        let mine = demand("44", "e", DemandStatus::Draft);
        let theirs = demand("44", "f", DemandStatus::Draft);
        assert!(can(Some(&ent), Action::CreateDemand, &mine));
        assert!(can(Some(&ent), Action::EditDemand, &mine));
        assert!(!can(Some(&ent), Action::EditDemand, &theirs));
        assert!(!can(Some(&ent), Action::ViewDemand, &theirs));
        assert!(!can(
            Some(&ent),
            Action::ReviewDemand,
            &demand("44", "e", DemandStatus::Submitted)
        ));
        let mut pending = ent.clone();
        pending.status = AccountStatus::Pending;
        assert!(
            !can(Some(&pending), Action::CreateDemand, &mine),
            "unverified"
        );
        let submitted = demand("44", "e", DemandStatus::Submitted);
        for (role, unit, ok) in [
            (Role::ProvincialAdmin, "44", true),
            (Role::Host, "44", true),
            (Role::ProvincialAdmin, "32", false),
            (Role::Agency, "44", false),
            (Role::Holder, "44", false),
        ] {
            assert_eq!(
                can(Some(&actor(role, unit)), Action::ReviewDemand, &submitted),
                ok,
                "{role:?} {unit}"
            );
        }
        assert!(
            !can(
                Some(&actor(Role::ProvincialAdmin, "44")),
                Action::ReviewDemand,
                &mine
            ),
            "drafts are not reviewed"
        );
        let holder = actor(Role::Holder, "32");
        let published = demand("44", "e", DemandStatus::Published);
        assert!(can(Some(&holder), Action::AnswerDemand, &published));
        let expired = Resource::Demand {
            unit_code: "44".into(),
            org_id: "e".into(),
            status: DemandStatus::Published,
            expired: true,
        };
        assert!(!can(Some(&holder), Action::AnswerDemand, &expired));
        assert!(!can(
            Some(&holder),
            Action::AnswerDemand,
            &demand("44", "e", DemandStatus::Private)
        ));
        assert!(!can(Some(&ent), Action::AnswerDemand, &published));
        assert!(can(
            Some(&actor(Role::ProvincialAdmin, "44")),
            Action::ManageWindows,
            &unit("44")
        ));
        assert!(!can(
            Some(&actor(Role::ProvincialAdmin, "44")),
            Action::ManageWindows,
            &unit("32")
        ));
        assert!(!can(
            Some(&actor(Role::Host, "44")),
            Action::ManageWindows,
            &unit("44")
        ));
    }

    fn achievement(unit: &str, owner: Option<&str>, status: Status) -> Resource {
        Resource::Achievement {
            unit_code: unit.into(),
            org_id: "uni".into(),
            owner_id: owner.map(Into::into),
            status,
        }
    }

    #[test]
    fn enterprises_express_interest_and_only_the_holder_decides() {
        let published = achievement("44", Some("holder-44"), Status::Published);
        let draft = achievement("44", Some("holder-44"), Status::Draft);
        let ent = actor(Role::Enterprise, "32");
        assert!(can(Some(&ent), Action::ExpressInterest, &published));
        assert!(!can(Some(&ent), Action::ExpressInterest, &draft));
        let mut pending = ent.clone();
        pending.status = AccountStatus::Pending;
        assert!(
            !can(Some(&pending), Action::ExpressInterest, &published),
            "unverified enterprises cannot"
        );
        assert!(!can(
            Some(&actor(Role::Holder, "44")),
            Action::ExpressInterest,
            &published
        ));
        // The owner decides; another holder of the same organisation does not,
        // nor do administrators on the holder's behalf.
        let mut owner = actor(Role::Holder, "44");
        owner.org_id = "uni".into();
        assert!(can(Some(&owner), Action::DecideInterest, &published));
        let mut colleague = actor(Role::Holder, "44");
        colleague.user_id = "someone-else".into();
        colleague.org_id = "uni".into();
        assert!(!can(Some(&colleague), Action::DecideInterest, &published));
        assert!(can(
            Some(&colleague),
            Action::DecideInterest,
            &achievement("44", None, Status::Published)
        ));
        for role in [Role::NationalAdmin, Role::ProvincialAdmin, Role::Agency] {
            assert!(!can(
                Some(&actor(role, "44")),
                Action::DecideInterest,
                &published
            ));
        }
    }

    #[test]
    fn achievements_follow_ownership_region_and_state() {
        let mut holder = actor(Role::Holder, "44");
        holder.org_id = "uni".into();
        let mine = |s| achievement("44", Some(&holder.user_id), s);
        assert!(can(
            Some(&holder),
            Action::CreateAchievement,
            &mine(Status::Draft)
        ));
        assert!(can(
            Some(&holder),
            Action::EditAchievement,
            &mine(Status::Draft)
        ));
        assert!(can(
            Some(&holder),
            Action::EditAchievement,
            &mine(Status::Returned)
        ));
        assert!(
            !can(
                Some(&holder),
                Action::EditAchievement,
                &mine(Status::Submitted)
            ),
            "no edits while under review"
        );
        assert!(!can(
            Some(&holder),
            Action::ViewAchievement,
            &achievement("44", Some("someone-else"), Status::Draft)
        ));
        let mut other_org = mine(Status::Draft);
        if let Resource::Achievement { org_id, .. } = &mut other_org {
            *org_id = "another-university".into();
        }
        assert!(
            !can(Some(&holder), Action::CreateAchievement, &other_org),
            "holders enter their own organisation's results"
        );

        let agency = actor(Role::Agency, "44");
        assert!(
            can(
                Some(&agency),
                Action::CreateAchievement,
                &achievement("44", None, Status::Draft)
            ),
            "on behalf of a holder"
        );
        assert!(!can(
            Some(&agency),
            Action::CreateAchievement,
            &achievement("32", None, Status::Draft)
        ));
        assert!(can(
            Some(&agency),
            Action::ViewAchievement,
            &achievement("44", Some("h"), Status::Submitted)
        ));

        let mut ent = actor(Role::Enterprise, "11");
        assert!(can(
            Some(&ent),
            Action::ViewProtected,
            &achievement("44", Some("h"), Status::Published)
        ));
        assert!(!can(
            Some(&ent),
            Action::ViewProtected,
            &achievement("44", Some("h"), Status::Draft)
        ));
        assert!(!can(
            Some(&ent),
            Action::ViewAchievement,
            &achievement("44", Some("h"), Status::Draft)
        ));
        ent.status = AccountStatus::Pending;
        assert!(
            !can(
                Some(&ent),
                Action::ViewProtected,
                &achievement("44", Some("h"), Status::Published)
            ),
            "unverified enterprises see public fields only"
        );
        assert!(!can(
            None,
            Action::ViewProtected,
            &achievement("44", Some("h"), Status::Published)
        ));
        let expert = actor(Role::Expert, "44");
        assert!(!can(
            Some(&expert),
            Action::ViewProtected,
            &achievement("44", Some("h"), Status::Published)
        ));
    }

    #[test]
    fn pending_and_disabled_accounts() {
        let mut p = actor(Role::Holder, "44");
        p.status = AccountStatus::Pending;
        assert!(can(Some(&p), Action::ViewOwnAccount, &Resource::Site));
        assert!(can(Some(&p), Action::ChangeOwnPassword, &Resource::Site));
        assert!(!can(Some(&p), Action::ManageOwnTokens, &Resource::Site));
        let mut d = actor(Role::NationalAdmin, "00");
        d.status = AccountStatus::Disabled;
        assert!(!can(Some(&d), Action::ViewAudit, &unit("00")));
        assert!(can(Some(&d), Action::ViewPublic, &Resource::Site));
    }
}
