//! Pure types and rules of the platform: no I/O, no async.
//!
//! - [`credit_code`]: the 统一社会信用代码 (GB 32100-2015) with its check digit.
//! - [`role`]: roles and organisation kinds (SPEC §1).
//! - [`policy`]: the one permission policy, `can(actor, action, resource)`.
//! - [`text`]: validation of user input, with stable error codes and Chinese messages.
//! - [`vocab`]: controlled vocabularies, loaded from the CSV files in `data/`.
//! - [`password`]: argon2id hashing and the password rules.

#[macro_use]
mod macros;

pub mod achievement;
pub mod attachment;
pub mod credit_code;
pub mod demand;
pub mod digest;
pub mod evaluation;
pub mod interest;
pub mod password;
pub mod patent;
pub mod policy;
pub mod role;
pub mod text;
pub mod vocab;

pub use credit_code::CreditCode;
pub use policy::{Action, Actor, Resource, can};
pub use role::{AccountStatus, OrgKind, Role};
pub use text::{FieldError, Invalid};
