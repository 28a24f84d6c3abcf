//! In-process tests of the web layer: the router called directly, a test app with
//! the demo accounts (one per role), a cookie-keeping client. Modules mirror the
//! route areas.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod admin;
mod api;
mod attachments;
mod auth;
mod demands;
mod follow;
mod hostile;
mod import;
mod interests;
mod library;
mod matrix;
mod review;
mod search;
mod shell;
mod support;
