//! Gatehouse's API tests: the real application over real HTTP, on SQLite or (with
//! `GATEHOUSE_TEST_DATABASE_URL`) PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access_requests;
mod accounts;
mod admin;
mod api_tokens;
mod audit_log;
mod backend;
mod cli;
mod config;
mod conformance;
mod cors;
mod durability;
mod edge;
mod events;
mod extend;
mod http_basics;
mod lifecycle;
mod medusa;
mod rate_limits;
mod roles;
mod routes_config;
mod scim;
mod scim_admins;
mod scim_groups;
mod support;
mod tokens;
mod users;
mod v1_users;
mod webhooks;
