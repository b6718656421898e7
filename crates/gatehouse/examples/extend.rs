//! Gatehouse embedded in an application, with the customizations Strapi users write in
//! `src/extensions/users-permissions/strapi-server.js` (`docs/customizing.md` shows both side
//! by side):
//!
//! 1. a new route, `POST /api/users/:id/deactivate` (handler `user.deactivate`, action
//!    `plugin::users-permissions.user.deactivate`), behind the built-in `is-own-user` policy:
//!    it blocks the caller's account and ends their sessions;
//! 2. the `me` handler wrapped: its answer gains a `timestamp` field;
//! 3. `user.count` removed: `GET /api/users/count` answers 404 like a path that never existed;
//!
//! and a lifecycle hook: addresses at `example.org` cannot become users (400, nothing written).
//!
//! Every `gatehouse` command works as usual and sees the customized route table:
//!
//!     cargo run --example extend -- routes list
//!     cargo run --example extend -- serve
//!
//! The new action is granted to no role at first: grant it as any other, in the admin panel or
//! with `PUT /api/users-permissions/roles/:id`.

use clap::Parser;
use gatehouse::extend::{Answer, Extensions, Gatehouse, NewRoute, Refusal, UserId, UserOp, Wrap};
use gatehouse::FieldError;
use serde_json::json;
use std::process::ExitCode;

/// The application's customizations (the test of this example builds its server from them).
pub fn customize() -> Extensions {
    Gatehouse::builder()
        // 1. Strapi: `routes.push({method: 'POST', path: '/users/:id/deactivate', handler:
        //    'user.deactivate', config: {policies: ['global::is-own-user']}})`.
        .route(
            NewRoute::post("/api/users/:id/deactivate", "user.deactivate")
                .description("Deactivate one's own account: block it and end its sessions")
                .policies(["is-own-user"]),
            |call| async move {
                let caller = call.require_caller()?;
                let id = call.path_id().ok_or(Refusal::not_found("User not found"))?;
                // The domain's use case: blocks the user and revokes their sessions, with the
                // events of an update, in one transaction.
                let deactivated = call.domain().block_user(caller, call.action(), UserId(id)).await?;
                Ok(Answer::ok(json!({
                    "message": format!("User {} has been deactivated", deactivated.user.username)
                })))
            },
        )
        // 2. Strapi: `const originalMe = plugin.controllers.user.me; plugin.controllers.user.me
        //    = async (ctx) => { await originalMe(ctx); ctx.body.timestamp = new Date()… }`.
        .wrap(
            "user.me",
            Wrap::new().after(|_request, answer| {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |elapsed| elapsed.as_millis());
                answer.insert("timestamp".to_owned(), json!(now));
            }),
        )
        // 3. Strapi: `routes.filter((route) => route.handler !== 'user.count')`.
        .disable("user.count")
        // A lifecycle hook (Strapi: `beforeCreate` of the user model).
        .before_user(UserOp::Create, |draft| match draft.email {
            Some(email) if email.to_ascii_lowercase().ends_with("@example.org") => {
                Err(FieldError::new("email", "example.org addresses cannot be used"))
            }
            _ => Ok(()),
        })
        .after_user(UserOp::Delete, |_, user| {
            tracing::info!(user.id = user.id.0, "a user was deleted");
        })
        .build()
}

#[tokio::main]
async fn main() -> ExitCode {
    gatehouse::cli::Cli::parse().run_with(customize()).await
}
