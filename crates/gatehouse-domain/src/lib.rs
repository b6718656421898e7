//! Gatehouse's domain: the rules of accounts, users, roles, sessions and events.
//!
//! Module map:
//! - [`values`], [`ids`], [`time`]: parsed value types, realm-specific id newtypes, timestamps and the clock.
//! - [`error`]: [`DomainError`], the one error type every surface maps to its own wire format.
//! - [`action`], [`caller`]: the actions routes declare and the resolved caller that may hold them.
//! - [`model`]: users, roles and sessions as the domain sees them.
//! - [`query`]: the one users query model (filters, sort, window) and its field registry.
//! - [`events`], [`payloads`]: domain events, written to the outbox in the same transaction as
//!   their change, and the public view of each subject they carry.
//! - [`ports`]: the [`ports::Store`] trait the storage crate implements.
//! - [`crypto`]: argon2id on a bounded pool, JWTs, random tokens.
//! - [`service`], [`accounts`], [`sessions`], [`permissions`], [`users`], [`roles`],
//!   [`api_tokens`], [`lifecycle`], [`refresh`], [`admins`], [`access_requests`], [`webhooks`],
//!   [`groups`] (groups of end users mapped to roles): the use cases.
//! - [`route_policy`]: the built-in policies an operator attaches to a route by configuration.
//! - [`audit`]: the audit log, written beside the events, and the request context it records.
//!
//! This crate must not depend on HTTP, SQL or network crates (axum, hyper, sqlx, sea-query,
//! reqwest, lettre); CI checks `cargo tree` for them.

pub mod access_requests;
pub mod accounts;
pub mod action;
pub mod admin_provisioning;
pub mod admins;
pub mod api_tokens;
pub mod audit;
pub mod caller;
pub mod crypto;
pub mod error;
pub mod events;
pub mod groups;
pub mod hooks;
pub mod ids;
pub mod lifecycle;
pub mod model;
pub mod outbox;
pub mod payloads;
pub mod permissions;
pub mod ports;
pub mod query;
pub mod refresh;
pub mod roles;
pub mod route_policy;
pub mod secret;
pub mod service;
pub mod sessions;
pub mod settings;
pub mod time;
pub mod users;
pub mod values;
pub mod webhooks;

pub use caller::{Caller, RequestContext};
pub use error::{DomainError, FieldError, FieldErrors, QueryPart, Rule};
pub use secret::Secret;
pub use service::Domain;
pub use settings::DomainSettings;
