//! The document the index holds: an achievement or a technology demand.

use serde::{Deserialize, Serialize};

/// What a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A technology achievement (科技成果).
    #[default]
    Achievement,
    /// A technology demand (技术需求).
    Demand,
}

impl Kind {
    /// Stable code stored in the index.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Achievement => "achievement",
            Kind::Demand => "demand",
        }
    }

    /// The kind for a stored code (unknown codes read as achievements).
    pub fn from_code(code: &str) -> Kind {
        match code {
            "demand" => Kind::Demand,
            _ => Kind::Achievement,
        }
    }
}

/// One document to index. Codes (`field`, `region`, `status`, …) are the
/// project's reference codes, stored verbatim for filters and facets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchDoc {
    /// Stable id (the store's UUID); upserts replace by id.
    pub id: String,
    pub kind: Kind,
    pub title: String,
    pub keywords: Vec<String>,
    pub summary: String,
    pub applications: String,
    pub holder_org: String,
    /// Protected text (technical detail): matched only in the protected and admin scopes.
    pub technical: String,
    /// Field code of the strategic emerging industries, e.g. "7".
    pub field: String,
    /// Sub-field code, e.g. "7.2".
    pub subfield: String,
    /// Two-digit programme unit code, e.g. "44".
    pub region: String,
    /// Technology readiness level 1..=9, 0 when unknown.
    pub trl: u8,
    pub cooperation_modes: Vec<String>,
    pub ip_types: Vec<String>,
    /// Lifecycle code: "published", "submitted", "draft", …
    pub status: String,
    /// Whether the public may see the document.
    pub published: bool,
    /// Unix time (one unit for both; ztc passes milliseconds).
    pub created_at: i64,
    /// Unix time, as `created_at`; also what [`crate::Index::stamps`] returns, so a
    /// follower can tell an up-to-date document.
    pub updated_at: i64,
}
