//! Roles and organisation kinds (SPEC §1).

use serde::{Deserialize, Serialize};

string_enum! {
    /// What a user does on the platform. One role per account.
    Role {
        NationalAdmin => "national_admin", "火炬中心管理员", "Torch Center administrator";
        SzsePartner => "szse_partner", "深交所合作方", "Shenzhen Stock Exchange partner";
        ProvincialAdmin => "provincial_admin", "省级科技管理部门", "Provincial science department";
        Host => "host", "承办单位", "Host";
        Agency => "agency", "技术转移机构", "Technology-transfer agency";
        Expert => "expert", "评价专家", "Expert";
        Holder => "holder", "成果持有人", "Achievement holder";
        Enterprise => "enterprise", "企业/园区/投资机构", "Enterprise / park / investor";
    }
}

string_enum! {
    /// What kind of organisation an account belongs to.
    OrgKind {
        TorchCenter => "torch_center", "科技部火炬中心", "Torch Center";
        Exchange => "exchange", "深圳证券交易所", "Shenzhen Stock Exchange";
        ProvincialDept => "provincial_dept", "省级科技管理部门", "Provincial science department";
        Host => "host", "承办单位（科技局/高新区/示范区/技术转移中心）", "Host (city bureau, high-tech zone, centre)";
        Agency => "agency", "技术转移机构", "Technology-transfer agency";
        University => "university", "高等院校", "University";
        Institute => "institute", "科研院所", "Research institute";
        ListedCompany => "listed_company", "上市公司", "Listed company";
        HighTechEnterprise => "high_tech_enterprise", "高新技术企业", "High-tech enterprise";
        LeadingEnterprise => "leading_enterprise", "龙头企业", "Leading enterprise";
        Park => "park", "产业园区", "Industrial park";
        Investor => "investor", "投资机构", "Investor";
        OtherEnterprise => "other_enterprise", "其他企业", "Other enterprise";
        Other => "other", "其他机构", "Other organisation";
    }
}

string_enum! {
    /// The state of an account or an organisation.
    AccountStatus {
        Pending => "pending", "待审核", "Awaiting verification";
        Active => "active", "正常", "Active";
        Rejected => "rejected", "未通过审核", "Rejected";
        Disabled => "disabled", "已停用", "Disabled";
    }
}

impl OrgKind {
    /// Organisation kinds on the demand side (SPEC §4.4).
    pub fn is_demand_side(self) -> bool {
        matches!(
            self,
            OrgKind::ListedCompany
                | OrgKind::HighTechEnterprise
                | OrgKind::LeadingEnterprise
                | OrgKind::Park
                | OrgKind::Investor
                | OrgKind::OtherEnterprise
        )
    }

    /// Organisation kinds whose researchers hold achievements.
    pub fn is_holder_side(self) -> bool {
        matches!(
            self,
            OrgKind::University | OrgKind::Institute | OrgKind::Other
        ) || self.is_demand_side()
    }

    /// Kinds that a member of the public may register for themselves.
    pub fn self_registrable(self) -> bool {
        self.is_holder_side()
    }
}

impl Role {
    /// Whether an account of this role may belong to an organisation of `kind`.
    pub fn fits(self, kind: OrgKind) -> bool {
        match self {
            Role::NationalAdmin => kind == OrgKind::TorchCenter,
            Role::SzsePartner => kind == OrgKind::Exchange,
            Role::ProvincialAdmin => kind == OrgKind::ProvincialDept,
            Role::Host => kind == OrgKind::Host,
            Role::Agency => kind == OrgKind::Agency,
            Role::Expert => true,
            Role::Holder => kind.is_holder_side(),
            Role::Enterprise => kind.is_demand_side(),
        }
    }

    /// Roles that hold administrative power over a region or the nation.
    pub fn is_admin(self) -> bool {
        matches!(self, Role::NationalAdmin | Role::ProvincialAdmin)
    }

    /// Roles a member of the public may register for.
    pub fn self_registrable(self) -> bool {
        matches!(self, Role::Holder | Role::Enterprise)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(*r));
        }
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn every_role_fits_some_kind() {
        for r in Role::ALL {
            assert!(OrgKind::ALL.iter().any(|k| r.fits(*k)), "{r}");
        }
        assert!(!Role::NationalAdmin.fits(OrgKind::University));
        assert!(!Role::Enterprise.fits(OrgKind::University));
        assert!(Role::Holder.fits(OrgKind::University));
    }
}
