//! Embedding Gatehouse: the [`Gatehouse::builder`] API an application uses to customize the
//! routes in code — the library half of route customization (`docs/customizing.md`; the
//! other half is `[routes."<handler>"]` in the configuration).
//!
//! An application registers, all in one [`Builder`]:
//! - **policies** ([`Builder::policy`]): a name and a check of the [`PolicyContext`] that
//!   allows or refuses with a message (a 403 in the surface's words). Configuration names them
//!   too (`[routes."user.update"] policies = ["my-policy"]`), and `config check` knows them;
//! - **routes** ([`Builder::route`]): method, path, handler name, action and the code that
//!   answers; the route appears in `routes list`, `GET /admin/routes` and the OpenAPI
//!   document, and its action can be granted to a role like a built-in one;
//! - **wrapped handlers** ([`Builder::wrap`]): code that runs before an existing handler (and
//!   may refuse) and after it (and may add fields to its JSON answer);
//! - **lifecycle hooks** ([`Builder::before_user`], [`Builder::after_user`]): before a user is
//!   created, updated or deleted (a rejection is a 400 and nothing is written) and after the
//!   change is committed.
//!
//! [`Builder::build`] gives the [`Extensions`], which [`crate::App::build_with`] and
//! [`crate::cli::Cli::run_with`] take.
//!
//! ```
//! use gatehouse::extend::{Answer, Gatehouse, NewRoute, Refusal, UserOp, Wrap};
//! use gatehouse::FieldError;
//! use serde_json::json;
//!
//! let extensions = Gatehouse::builder()
//!     .policy("office-hours", |context| {
//!         if context.arguments().iter().any(|argument| argument == "closed") {
//!             Err("The office is closed".to_owned())
//!         } else {
//!             Ok(())
//!         }
//!     })
//!     .route(NewRoute::get("/api/hello", "hello.say").policies(["is-authenticated"]), |call| async move {
//!         Ok(Answer::ok(json!({"hello": call.user_id()})))
//!     })
//!     .wrap("user.me", Wrap::new().after(|_request, answer| {
//!         answer.insert("greeting".to_owned(), json!("hi"));
//!     }))
//!     .before_user(UserOp::Create, |draft| match draft.email {
//!         Some(email) if email.ends_with("@example.org") => {
//!             Err(FieldError::new("email", "example.org addresses cannot register"))
//!         }
//!         _ => Ok(()),
//!     })
//!     .build();
//! assert!(extensions.problems().is_empty());
//! let refused = Refusal::forbidden("no");
//! assert_eq!(refused.to_string(), "refused by a route policy: no");
//! ```

use crate::http::routes::{RateLimitClass, Route};
use crate::http::surface;
use crate::http::AppState;
use axum::http::Method;
use gatehouse_domain::action::{Action, ActionRealm, ActionRegistry, ActionSpec};
use gatehouse_domain::caller::Principal;
use gatehouse_domain::hooks::UserHooks;
use gatehouse_domain::route_policy::{PolicyRegistry, PolicyRequest};
use gatehouse_domain::{Caller, Domain, DomainError, FieldError, FieldErrors};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;

pub use gatehouse_domain::hooks::{UserDraft, UserOp};
pub use gatehouse_domain::ids::UserId;
pub use gatehouse_domain::model::User;

/// The entry point of the embedding API.
pub struct Gatehouse;

impl Gatehouse {
    /// A builder with no customization.
    pub fn builder() -> Builder {
        Builder::default()
    }
}

/// Collects an application's customizations; [`Builder::build`] ends it.
#[derive(Default)]
pub struct Builder {
    extensions: Extensions,
}

/// What an application added: give it to [`crate::App::build_with`] or
/// [`crate::cli::Cli::run_with`]. Cloning is cheap.
#[derive(Clone, Default)]
pub struct Extensions {
    pub(crate) policies: PolicyRegistry,
    pub(crate) routes: Vec<Arc<AddedRoute>>,
    pub(crate) wraps: Vec<(String, Arc<Wrap>)>,
    pub(crate) hooks: UserHooks,
    pub(crate) disabled: Vec<String>,
    problems: Vec<String>,
}

impl fmt::Debug for Extensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Extensions")
            .field("policies", &self.policies)
            .field("routes", &self.routes.iter().map(|route| route.route.handler).collect::<Vec<_>>())
            .field("wraps", &self.wraps.iter().map(|(handler, _)| handler).collect::<Vec<_>>())
            .field("hooks", &self.hooks)
            .finish()
    }
}

impl Extensions {
    /// What the builder could not accept (a bad policy or handler name, an action registered
    /// twice); `serve` and `config check` refuse to start on any.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// The routes added.
    pub(crate) fn added_routes(&self) -> impl Iterator<Item = &'static Route> + '_ {
        self.routes.iter().map(|added| added.route)
    }

    /// The built-in actions and those of the added routes.
    pub(crate) fn actions(&self) -> Result<ActionRegistry, DomainError> {
        let mut registry = ActionRegistry::builtin();
        for added in &self.routes {
            if registry.get(added.route.action.as_str()).is_none() {
                registry.add(added.route.action)?;
            }
        }
        Ok(registry)
    }

    /// The wrap registered for `handler`, if any.
    pub(crate) fn wrap_of(&self, handler: &str) -> Option<Arc<Wrap>> {
        self.wraps.iter().find(|(name, _)| name.eq_ignore_ascii_case(handler)).map(|(_, wrap)| wrap.clone())
    }
}

/// A future a route's code returns.
type Answering = Pin<Box<dyn Future<Output = Result<Answer, Refusal>> + Send>>;
/// A route's code.
type HandleFn = dyn Fn(Call) -> Answering + Send + Sync;

/// A route an application added: its row and its code.
pub(crate) struct AddedRoute {
    pub(crate) route: &'static Route,
    pub(crate) description: String,
    pub(crate) handle: Arc<HandleFn>,
}

impl fmt::Debug for AddedRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AddedRoute").field("route", &self.route).finish_non_exhaustive()
    }
}

/// A route to add: `NewRoute::post("/api/users/:id/deactivate", "user.deactivate")`. Paths take
/// `:name` (Strapi's spelling) or `{name}` parameters.
#[derive(Clone, Debug)]
pub struct NewRoute {
    method: Method,
    path: String,
    handler: String,
    action: Option<String>,
    description: Option<String>,
    policies: Vec<String>,
}

impl NewRoute {
    fn new(method: Method, path: &str, handler: &str) -> Self {
        let path = path
            .split('/')
            .map(|segment| match segment.strip_prefix(':') {
                Some(name) => format!("{{{name}}}"),
                None => segment.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("/");
        Self { method, path, handler: handler.to_owned(), action: None, description: None, policies: Vec::new() }
    }

    /// A `GET` route.
    pub fn get(path: &str, handler: &str) -> Self {
        Self::new(Method::GET, path, handler)
    }

    /// A `POST` route.
    pub fn post(path: &str, handler: &str) -> Self {
        Self::new(Method::POST, path, handler)
    }

    /// A `PUT` route.
    pub fn put(path: &str, handler: &str) -> Self {
        Self::new(Method::PUT, path, handler)
    }

    /// A `DELETE` route.
    pub fn delete(path: &str, handler: &str) -> Self {
        Self::new(Method::DELETE, path, handler)
    }

    /// The permission the caller must hold (default: `plugin::users-permissions.<handler>`
    /// on the content API, `admin::<handler>` under `/admin`), granted to no role until an
    /// administrator grants it.
    pub fn action(mut self, name: &str) -> Self {
        self.action = Some(name.to_owned());
        self
    }

    /// One sentence for the OpenAPI document and the permission list.
    pub fn description(mut self, text: &str) -> Self {
        self.description = Some(text.to_owned());
        self
    }

    /// Policies the route always runs, in order, before any that configuration adds.
    pub fn policies<'a>(mut self, policies: impl IntoIterator<Item = &'a str>) -> Self {
        self.policies = policies.into_iter().map(str::to_owned).collect();
        self
    }
}

/// Text that lives as long as the process (extension rows are made once, at start-up).
fn forever(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// Mounts nothing: an added route is mounted from its code, not from this pointer.
fn unmounted(filter: axum::routing::MethodFilter) -> axum::routing::MethodRouter<AppState> {
    axum::routing::on(filter, crate::http::not_found)
}

impl Builder {
    /// Registers a policy: `check` sees the [`PolicyContext`] and refuses with `Err(message)`
    /// (a 403 carrying the message). Its name can then be listed in `[routes."<handler>"]
    /// policies` and in [`NewRoute::policies`], with arguments (`name(a, b)`).
    pub fn policy(
        mut self,
        name: &str,
        check: impl Fn(&PolicyContext<'_>) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        let registered = self
            .extensions
            .policies
            .register(name, move |request, arguments| check(&PolicyContext { request, arguments }));
        if let Err(error) = registered {
            self.extensions.problems.push(format!("policy {name:?}: {error}"));
        }
        self
    }

    /// Adds a route answered by `handle`. It runs behind the same guard as every route: rate
    /// limits, credentials, its action, then its policies.
    pub fn route<F, Fut>(mut self, route: NewRoute, handle: F) -> Self
    where
        F: Fn(Call) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Answer, Refusal>> + Send + 'static,
    {
        let surface = surface::surface_for_path(&route.path);
        let admin = std::ptr::eq(surface, &surface::STRAPI_ADMIN);
        let action_name = route.action.clone().unwrap_or_else(|| {
            if admin {
                format!("admin::{}", route.handler)
            } else {
                format!("plugin::users-permissions.{}", route.handler)
            }
        });
        let description =
            route.description.clone().unwrap_or_else(|| format!("{} (added by the application)", route.handler));
        let realm = if admin { ActionRealm::Admin } else { ActionRealm::Content };
        let action = ActionSpec::granted(forever(action_name), realm, forever(description.clone())).into_action();
        let policies: Vec<&'static str> = route.policies.iter().map(|policy| forever(policy.clone())).collect();
        let row = Route {
            name: forever(route.handler.replace(['.', '-'], "_")),
            handler: forever(route.handler.clone()),
            method: route.method.clone(),
            path: forever(route.path.clone()),
            action,
            surface,
            rate_limit: RateLimitClass::Standard,
            policies: Box::leak(policies.into_boxed_slice()),
            mount: unmounted,
            describe: crate::http::openapi::undescribed,
        };
        let handle: Arc<HandleFn> = Arc::new(move |call| Box::pin(handle(call)));
        self.extensions.routes.push(Arc::new(AddedRoute { route: Box::leak(Box::new(row)), description, handle }));
        self
    }

    /// Wraps the route with handler name `handler` (a built-in one such as `user.me`, or an
    /// added one).
    pub fn wrap(mut self, handler: &str, wrap: Wrap) -> Self {
        self.extensions.wraps.push((handler.to_owned(), Arc::new(wrap)));
        self
    }

    /// Removes the route with handler name `handler` (a built-in one such as `user.count`): it
    /// answers 404 exactly like a path that never existed, and configuration cannot bring it
    /// back. The same as `[routes."<handler>"] enabled = false`, in code.
    pub fn disable(mut self, handler: &str) -> Self {
        self.extensions.disabled.push(handler.to_owned());
        self
    }

    /// Runs `hook` before every user `op`; an `Err` rejects the change with that field error
    /// (a 400 in the surface's words): nothing is written and no event is emitted.
    pub fn before_user(
        mut self,
        op: UserOp,
        hook: impl Fn(&UserDraft<'_>) -> Result<(), FieldError> + Send + Sync + 'static,
    ) -> Self {
        self.extensions.hooks.before(op, hook);
        self
    }

    /// Runs `hook` after every committed user `op`.
    pub fn after_user(mut self, op: UserOp, hook: impl Fn(UserOp, &User) + Send + Sync + 'static) -> Self {
        self.extensions.hooks.after(op, hook);
        self
    }

    /// The customizations, ready for [`crate::App::build_with`].
    pub fn build(self) -> Extensions {
        self.extensions
    }
}

/// What a registered policy decides on.
pub struct PolicyContext<'a> {
    request: &'a PolicyRequest<'a>,
    arguments: &'a [String],
}

impl PolicyContext<'_> {
    /// The caller; `None` on a route open to everyone.
    pub fn caller(&self) -> Option<&Caller> {
        self.request.caller
    }

    /// The end user's or admin's own id; `None` for API tokens and the public role.
    pub fn user_id(&self) -> Option<i64> {
        self.request.caller.and_then(own_id)
    }

    /// The id the route's path names (`{id}`), when it parses.
    pub fn path_id(&self) -> Option<i64> {
        self.request.path_id
    }

    /// The client's address (after the trusted-proxy rule).
    pub fn client_ip(&self) -> Option<IpAddr> {
        self.request.client_ip
    }

    /// The policy's arguments as configured (`name(a, b)`).
    pub fn arguments(&self) -> &[String] {
        self.arguments
    }
}

fn own_id(caller: &Caller) -> Option<i64> {
    match caller.principal() {
        Principal::EndUser { user, .. } => Some(user.id.0),
        Principal::Admin { admin, .. } => Some(admin.id.0),
        _ => None,
    }
}

/// Why a route's code, or a wrap, refuses: a domain failure or one of the constructors'.
/// The route's surface renders it in its own words.
#[derive(Debug)]
pub struct Refusal(pub(crate) DomainError);

impl Refusal {
    /// 403 with `message`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self(DomainError::PolicyRefused(Cow::Owned(message.into())))
    }

    /// 400: `field` is invalid, for `message`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self(DomainError::Validation(FieldErrors(vec![FieldError::new(field, message)])))
    }

    /// 404 with `message`.
    pub fn not_found(message: &'static str) -> Self {
        Self(DomainError::NotFound(message))
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<DomainError> for Refusal {
    fn from(error: DomainError) -> Self {
        Self(error)
    }
}

/// A JSON answer with its status.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Value,
}

impl Answer {
    /// 200 with `body`.
    pub fn ok(body: Value) -> Self {
        Self { status: 200, body }
    }

    /// 201 with `body`.
    pub fn created(body: Value) -> Self {
        Self { status: 201, body }
    }

    /// `status` (2xx or 3xx; anything else is answered as 200) with `body`.
    pub fn with_status(status: u16, body: Value) -> Self {
        Self { status: if (200..400).contains(&status) { status } else { 200 }, body }
    }
}

/// One request to an added route, as its code sees it.
pub struct Call {
    pub(crate) state: AppState,
    pub(crate) caller: Option<Caller>,
    pub(crate) action: Action,
    pub(crate) params: Vec<(String, String)>,
    pub(crate) path_id: Option<i64>,
    pub(crate) body: Option<Value>,
}

impl Call {
    /// The domain: every use case (`block_user`, `find_user`, …).
    pub fn domain(&self) -> &Domain {
        &self.state.domain
    }

    /// The caller (resolved by the route's surface); `None` only on routes open to everyone.
    pub fn caller(&self) -> Option<&Caller> {
        self.caller.as_ref()
    }

    /// The caller as a use case takes it: [`Call::caller`], or a refusal (401) when none.
    pub fn require_caller(&self) -> Result<&Caller, Refusal> {
        self.caller.as_ref().ok_or(Refusal(DomainError::Unauthorized))
    }

    /// The end user's or admin's own id.
    pub fn user_id(&self) -> Option<i64> {
        self.caller.as_ref().and_then(own_id)
    }

    /// The route's action (what the caller was authorized for).
    pub fn action(&self) -> Action {
        self.action
    }

    /// A path parameter, as sent (`id` of `/api/users/{id}/deactivate`).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(known, _)| known == name).map(|(_, value)| value.as_str())
    }

    /// The id the path names (`{id}`) in the surface's id format, when it parses.
    pub fn path_id(&self) -> Option<i64> {
        self.path_id
    }

    /// The JSON body, when one was sent.
    pub fn body(&self) -> Option<&Value> {
        self.body.as_ref()
    }
}

/// What a wrap sees of the request.
pub struct RequestView {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) caller: Option<Caller>,
    pub(crate) path_id: Option<i64>,
    pub(crate) client_ip: Option<IpAddr>,
}

impl RequestView {
    /// The method (`GET`).
    pub fn method(&self) -> &str {
        self.method.as_str()
    }

    /// The path, as requested.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The caller; `None` on routes open to everyone.
    pub fn caller(&self) -> Option<&Caller> {
        self.caller.as_ref()
    }

    /// The end user's or admin's own id.
    pub fn user_id(&self) -> Option<i64> {
        self.caller.as_ref().and_then(own_id)
    }

    /// The id the path names (`{id}`), when it parses.
    pub fn path_id(&self) -> Option<i64> {
        self.path_id
    }

    /// The client's address (after the trusted-proxy rule).
    pub fn client_ip(&self) -> Option<IpAddr> {
        self.client_ip
    }
}

/// Code run around an existing handler (Strapi's controller override that calls the
/// original): `before` after the route's checks (a refusal answers instead of the handler,
/// so nothing is written), `after` on a successful JSON object answer (it may add or change
/// fields).
#[derive(Default)]
pub struct Wrap {
    pub(crate) before: Option<Box<BeforeFn>>,
    pub(crate) after: Option<Box<AfterFn>>,
}

impl fmt::Debug for Wrap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wrap").field("before", &self.before.is_some()).field("after", &self.after.is_some()).finish()
    }
}

type BeforeFn = dyn Fn(&RequestView) -> Result<(), Refusal> + Send + Sync;
type AfterFn = dyn Fn(&RequestView, &mut Map<String, Value>) + Send + Sync;

impl Wrap {
    /// A wrap that does nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `before` ahead of the handler; `Err` answers with the refusal.
    pub fn before(mut self, before: impl Fn(&RequestView) -> Result<(), Refusal> + Send + Sync + 'static) -> Self {
        self.before = Some(Box::new(before));
        self
    }

    /// Runs `after` on the handler's successful JSON object answer.
    pub fn after(mut self, after: impl Fn(&RequestView, &mut Map<String, Value>) + Send + Sync + 'static) -> Self {
        self.after = Some(Box::new(after));
        self
    }
}
