//! End-user management: list, count, read, create, update, delete. Blocking a user, changing
//! their password or deleting them ends every session they have, in the same transaction, so
//! their tokens are refused from the next request on.

use crate::action::Action;
use crate::audit::{emit, emit_provisioning, Origin};
use crate::caller::Caller;
use crate::crypto::token::new_document_id;
use crate::error::{DomainError, FieldError, FieldErrors};
use crate::events::EventType;
use crate::hooks::{UserDraft, UserOp};
use crate::ids::{RoleId, UserId};
use crate::model::{AccountState, NewUser, Role, User, UserChanges, UserWithRole};
use crate::payloads;
use crate::ports::StoreTx;
use crate::query::{Filter, UserQuery};
use crate::secret::Secret;
use crate::service::Domain;
use crate::values::{
    DisplayName, DisplayNameProblem, Email, Password, PasswordProblem, SettingsProblem, UserSettings, Username,
    UsernameProblem,
};
use serde_json::{json, Value};

/// How a request names a role: by integer id or by its stable public id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoleRef {
    /// `role: 3`
    Id(i64),
    /// `role: "rewz4nx6zegizw6z2gs5alad"`
    DocumentId(String),
    /// The role's unique machine name (`authenticated`, `editors`).
    Type(String),
}

/// A user created by someone holding `user.create`.
#[derive(Clone, Debug, Default)]
pub struct NewUserInput {
    /// Username; when absent, made from the email's local part, unique among users.
    pub username: Option<String>,
    /// Email.
    pub email: String,
    /// Password in clear.
    pub password: Secret,
    /// Role (default: `authenticated`).
    pub role: Option<RoleRef>,
    /// Initial confirmation state (default false).
    pub confirmed: Option<bool>,
    /// Initial blocked state (default false).
    pub blocked: Option<bool>,
    /// Initial account state; sets the flags it stands for (see [`AccountState::flags`]),
    /// unless `confirmed` or `blocked` is given too.
    pub state: Option<AccountState>,
    /// Display name.
    pub name: Option<String>,
    /// The user's own settings (a JSON object, see [`UserSettings`]).
    pub settings: Option<Value>,
    /// The id an identity provider gives the user, kept as given.
    pub external_id: Option<String>,
    /// Attributes an identity provider provisions that have no field of their own (a JSON
    /// object), kept as given.
    pub profile: Option<Value>,
}

/// A partial update; `None` leaves a field alone.
#[derive(Clone, Debug, Default)]
pub struct UserPatch {
    /// New username.
    pub username: Option<String>,
    /// New email.
    pub email: Option<String>,
    /// New password in clear.
    pub password: Option<Secret>,
    /// New role (replaces the single role).
    pub role: Option<RoleRef>,
    /// New confirmation state.
    pub confirmed: Option<bool>,
    /// New blocked state.
    pub blocked: Option<bool>,
    /// New account state; sets the flags it stands for (see [`AccountState::flags`]), unless
    /// `confirmed` or `blocked` is given too. Blocking ends the user's sessions.
    pub state: Option<AccountState>,
    /// New display name (`Some(None)` clears it).
    pub name: Option<Option<String>>,
    /// New settings, a JSON object (`Some(None)` clears them).
    pub settings: Option<Option<Value>>,
    /// New provisioning id (`Some(None)` clears it).
    pub external_id: Option<Option<String>>,
    /// New provisioned attributes, a JSON object (`Some(None)` clears them).
    pub profile: Option<Option<Value>>,
}

/// One page of users and how many match in all.
#[derive(Clone, Debug, PartialEq)]
pub struct UserPage {
    /// The users of the page.
    pub users: Vec<UserWithRole>,
    /// How many users match the filter, over every page.
    pub total: u64,
}

const NOT_FOUND: &str = "User not found";

pub(crate) fn username_message(problem: UsernameProblem) -> &'static str {
    match problem {
        UsernameProblem::TooShort => "username must be at least 3 characters",
        UsernameProblem::TooLong => "username must be at most 64 characters",
        UsernameProblem::BadCharacters => "username must not contain '@' or control characters",
    }
}

fn display_name_message(problem: DisplayNameProblem) -> String {
    match problem {
        DisplayNameProblem::Empty => "name must not be empty".to_owned(),
        DisplayNameProblem::TooLong => format!("name must be at most {} characters", DisplayName::MAX_CHARS),
        DisplayNameProblem::BadCharacters => "name must not contain control or format characters".to_owned(),
    }
}

fn settings_message(problem: SettingsProblem) -> String {
    match problem {
        SettingsProblem::NotAnObject => "settings must be a JSON object".to_owned(),
        SettingsProblem::TooLarge => format!("settings must be at most {} bytes of JSON", UserSettings::MAX_BYTES),
    }
}

/// Checks a display name, recording its problem in `errors`.
fn checked_name(raw: &str, errors: &mut FieldErrors) -> Option<String> {
    DisplayName::parse(raw)
        .map_err(|problem| errors.push(FieldError::new("name", display_name_message(problem)).with_value(json!(raw))))
        .ok()
        .map(DisplayName::into_string)
}

/// Checks settings, recording their problem in `errors` (the value is not echoed: it may be
/// large).
fn checked_settings(value: Value, errors: &mut FieldErrors) -> Option<UserSettings> {
    UserSettings::parse(value)
        .map_err(|problem| errors.push(FieldError::new("settings", settings_message(problem))))
        .ok()
}

/// The username a user created without one starts from: the email's local part, cut or
/// padded to the username's length rules, `user` when nothing usable is left.
fn username_base(email: &str) -> String {
    let local = email.rsplit_once('@').map_or(email, |(local, _)| local);
    let mut base: String = local.chars().filter(|character| !character.is_control()).take(56).collect();
    if Username::parse(&base).is_err() {
        base = match base.chars().count() {
            1..=2 => format!("{base}-user"),
            _ => "user".to_owned(),
        };
    }
    match Username::parse(&base) {
        Ok(username) => username.as_str().to_owned(),
        Err(_) => "user".to_owned(),
    }
}

pub(crate) fn password_message(problem: PasswordProblem) -> String {
    match problem {
        PasswordProblem::TooShort(min) => format!("password must be at least {min} characters"),
        PasswordProblem::TooLong => format!("Password must be less than {} bytes", Password::MAX_BYTES + 1),
    }
}

impl Domain {
    /// Users matching `query`.
    pub async fn list_users(&self, caller: &Caller, query: &UserQuery) -> Result<Vec<UserWithRole>, DomainError> {
        caller.authorize_in_realm(Action::USER_FIND)?;
        Ok(self.store.list_users(query).await?)
    }

    /// A page of users matching `query`, with how many match in all: listing holds the count
    /// (a caller allowed to list may know the total without holding the count action).
    pub async fn list_users_with_total(&self, caller: &Caller, query: &UserQuery) -> Result<UserPage, DomainError> {
        caller.authorize_in_realm(Action::USER_FIND)?;
        let users = self.store.list_users(query).await?;
        let total = self.store.count_users(&query.filter).await?;
        Ok(UserPage { users, total })
    }

    /// How many users match `filter`.
    pub async fn count_users(&self, caller: &Caller, filter: &Filter) -> Result<u64, DomainError> {
        caller.authorize_in_realm(Action::USER_COUNT)?;
        Ok(self.store.count_users(filter).await?)
    }

    /// One user, with its role when asked.
    pub async fn find_user(&self, caller: &Caller, id: UserId, with_role: bool) -> Result<UserWithRole, DomainError> {
        caller.authorize_in_realm(Action::USER_FIND_ONE)?;
        let user = self.store.find_user(id).await?.ok_or(DomainError::NotFound(NOT_FOUND))?;
        let role = if with_role { Some(self.role_of(&user).await?) } else { None };
        Ok(UserWithRole { user, role })
    }

    async fn resolve_role(&self, role: &RoleRef) -> Result<Role, DomainError> {
        let found = match role {
            RoleRef::Id(id) => self.store.find_role(RoleId(*id)).await?,
            RoleRef::DocumentId(document_id) => self.store.find_role_by_document_id(document_id).await?,
            RoleRef::Type(role_type) => self.store.find_role_by_type(role_type).await?,
        };
        found.ok_or_else(|| {
            DomainError::Validation(FieldErrors(vec![FieldError::new("role", "role must name an existing role")]))
        })
    }

    /// Creates an end user who cannot log in with a password yet (a customer an admin records):
    /// as [`Domain::create_user`], with a random password that is never shown, so that only a
    /// password reset (a mailed code) gives the user a password of their own. `input.password`
    /// is ignored.
    pub async fn create_user_without_password(
        &self,
        caller: &Caller,
        mut input: NewUserInput,
    ) -> Result<UserWithRole, DomainError> {
        input.password = Secret::from(crate::crypto::token::random_hex(32));
        self.create_user(caller, input).await
    }

    /// Creates a user (role `authenticated` unless given; username from the email's local part
    /// unless given, unique among users). Events: `user.created`.
    pub async fn create_user(&self, caller: &Caller, input: NewUserInput) -> Result<UserWithRole, DomainError> {
        caller.authorize_in_realm(Action::USER_CREATE)?;
        let derive_username = input.username.is_none();
        let registration = crate::accounts::Registration {
            username: input.username.clone().unwrap_or_else(|| username_base(&input.email)),
            email: input.email.clone(),
            password: input.password.clone(),
        };
        let mut errors = FieldErrors::default();
        let validated = match self.validate_registration(&registration) {
            Ok(validated) => Some(validated),
            Err(DomainError::Validation(found)) => {
                errors = found;
                None
            }
            Err(other) => return Err(other),
        };
        let name = input.name.as_deref().and_then(|raw| checked_name(raw, &mut errors));
        let settings = input.settings.clone().and_then(|value| checked_settings(value, &mut errors));
        errors.into_result()?;
        let Some((email, username, password)) = validated else {
            return Err(DomainError::Internal("validation passed without values".into()));
        };
        self.hooks.run_before(&UserDraft {
            op: UserOp::Create,
            id: None,
            email: Some(email.as_str()),
            username: input.username.as_ref().map(|_| username.as_str()),
        })?;
        let role = match &input.role {
            Some(role) => self.resolve_role(role).await?,
            None => self.authenticated_role().await?,
        };
        let password_hash = self.hasher.hash(&password).await?;
        let (state_confirmed, state_blocked) = input.state.map_or((None, None), AccountState::flags);
        let mut new_user = NewUser {
            document_id: new_document_id(),
            username: username.as_str().to_owned(),
            username_folded: username.folded(),
            email: email.as_str().to_owned(),
            email_folded: email.folded(),
            provider: "local".to_owned(),
            password_hash: Some(password_hash),
            confirmed: input.confirmed.or(state_confirmed).unwrap_or(false),
            blocked: input.blocked.or(state_blocked).unwrap_or(false),
            role_id: role.id,
            name,
            settings,
            external_id: input.external_id.clone(),
            profile: input.profile.clone(),
            now: self.clock.now(),
        };
        // A username made from the email may be taken, or taken meanwhile by a concurrent
        // create: the next candidate is tried, a bounded number of times.
        let mut attempts = 0;
        loop {
            if derive_username {
                let unique = self.unique_username(&username).await?;
                new_user.username_folded = unique.folded();
                new_user.username = unique.as_str().to_owned();
            }
            let mut tx = self.store.begin().await?;
            let user = match tx.insert_user(&new_user).await {
                Ok(user) => user,
                Err(crate::ports::StoreError::Conflict(crate::ports::ConflictKey::Username))
                    if derive_username && attempts < 3 =>
                {
                    attempts += 1;
                    continue;
                }
                Err(error) => return Err(error.into()),
            };
            let origin = caller.origin();
            emit(tx.as_mut(), &origin, EventType::UserCreated, new_user.now, payloads::user(&user)).await?;
            let data = payloads::provisioned("api", user.id.0, user.external_id.as_deref(), None);
            emit_provisioning(tx.as_mut(), &origin, EventType::ScimUserProvisioned, new_user.now, data).await?;
            tx.commit().await?;
            self.hooks.run_after(UserOp::Create, &user);
            return Ok(UserWithRole { user, role: Some(role) });
        }
    }

    /// `base`, or `base2`, `base3`, … (cut to fit the length rule), whichever no user holds
    /// yet; after twenty taken candidates, `base` with a random suffix.
    async fn unique_username(&self, base: &Username) -> Result<Username, DomainError> {
        for number in 1..=20u32 {
            let candidate = if number == 1 {
                base.as_str().to_owned()
            } else {
                let suffix = number.to_string();
                let kept: String = base.as_str().chars().take(64 - suffix.len()).collect();
                format!("{kept}{suffix}")
            };
            let Ok(candidate) = Username::parse(&candidate) else { continue };
            if self.store.find_credentials_by_username(&candidate.folded()).await?.is_none() {
                return Ok(candidate);
            }
        }
        let kept: String = base.as_str().chars().take(55).collect();
        Username::parse(&format!("{kept}-{}", crate::crypto::token::random_hex(4)))
            .map_err(|_| DomainError::Internal("a generated username broke the username rules".into()))
    }

    /// Changes a user. Events, in order: `user.updated` (with `changes`), then
    /// `user.blocked`/`user.unblocked`, `user.confirmed`, `user.role_changed`,
    /// `user.password_changed` as they apply, then `session.revoked` when blocking or a new
    /// password ended the user's sessions.
    pub async fn update_user(
        &self,
        caller: &Caller,
        id: UserId,
        patch: UserPatch,
    ) -> Result<UserWithRole, DomainError> {
        caller.authorize_in_realm(Action::USER_UPDATE)?;
        self.change_user(caller, id, patch).await
    }

    /// Changes the caller's own display name and settings, and nothing else: what a storefront's
    /// customer may change about itself. The rules and events of [`Domain::update_user`]
    /// (`user.updated` with its `changes`).
    pub async fn update_own_profile(
        &self,
        caller: &Caller,
        name: Option<Option<String>>,
        settings: Option<Option<Value>>,
    ) -> Result<UserWithRole, DomainError> {
        caller.authorize_in_realm(Action::USER_UPDATE_ME)?;
        let (user, _) = caller.end_user()?;
        let id = user.id;
        self.change_user(caller, id, UserPatch { name, settings, ..UserPatch::default() }).await
    }

    /// Blocks a user, ending their sessions (the events of [`Domain::update_user`]), for a
    /// caller holding `action`: the use case behind a route such as an embedding application's
    /// `POST /api/users/{id}/deactivate`.
    pub async fn block_user(&self, caller: &Caller, action: Action, id: UserId) -> Result<UserWithRole, DomainError> {
        caller.authorize_in_realm(action)?;
        self.change_user(caller, id, UserPatch { blocked: Some(true), ..UserPatch::default() }).await
    }

    /// The rules of [`Domain::update_user`], for use cases that hold another action (such as
    /// one that only blocks a user).
    pub(crate) async fn change_user(
        &self,
        caller: &Caller,
        id: UserId,
        patch: UserPatch,
    ) -> Result<UserWithRole, DomainError> {
        let before = self.store.find_user(id).await?.ok_or(DomainError::NotFound(NOT_FOUND))?;
        let mut errors = FieldErrors::default();
        let mut changes = UserChanges::default();
        if let Some(raw) = &patch.username {
            match Username::parse_for(raw, patch.email.as_deref().unwrap_or(&before.email)) {
                Ok(username) => changes.username = Some((username.as_str().to_owned(), username.folded())),
                Err(problem) => {
                    errors.push(FieldError::new("username", username_message(problem)).with_value(json!(raw)))
                }
            }
        }
        if let Some(raw) = &patch.email {
            match Email::parse(raw) {
                Some(email) => changes.email = Some((email.as_str().to_owned(), email.folded())),
                None => errors.push(FieldError::new("email", "email must be a valid email").with_value(json!(raw))),
            }
        }
        let password = match &patch.password {
            Some(raw) => match Password::parse(raw.expose(), self.settings.password_min_length) {
                Ok(password) => Some(password),
                Err(problem) => {
                    errors.push(FieldError::new("password", password_message(problem)));
                    None
                }
            },
            None => None,
        };
        if let Some(name) = &patch.name {
            changes.name = match name {
                Some(raw) => checked_name(raw, &mut errors).map(Some),
                None => Some(None),
            };
        }
        if let Some(settings) = &patch.settings {
            changes.settings = match settings {
                Some(value) => checked_settings(value.clone(), &mut errors).map(Some),
                None => Some(None),
            };
        }
        if let Some(profile) = &patch.profile {
            if profile.as_ref().is_some_and(|value| !value.is_object()) {
                errors.push(FieldError::new("profile", "profile must be a JSON object"));
            }
        }
        errors.into_result()?;
        changes.external_id = patch.external_id.clone();
        changes.profile = patch.profile.clone();
        self.hooks.run_before(&UserDraft {
            op: UserOp::Update,
            id: Some(id),
            email: patch.email.as_deref(),
            username: patch.username.as_deref(),
        })?;
        let new_role = match &patch.role {
            Some(role) => Some(self.resolve_role(role).await?),
            None => None,
        };
        if let Some(password) = &password {
            changes.password_hash = Some(self.hasher.hash(password).await?);
        }
        changes.role_id = new_role.as_ref().map(|role| role.id);
        let (state_confirmed, state_blocked) = patch.state.map_or((None, None), AccountState::flags);
        changes.blocked = patch.blocked.or(state_blocked);
        changes.confirmed = patch.confirmed.or(state_confirmed);
        let email_changed = changes.email.as_ref().is_some_and(|(email, _)| *email != before.email);
        if email_changed && self.settings.email_confirmation && changes.confirmed.is_none() {
            changes.confirmed = Some(false);
        }

        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let after = tx.update_user(id, &changes, now).await?.ok_or(DomainError::NotFound(NOT_FOUND))?;
        let mut changed: Vec<&str> = Vec::new();
        if after.username != before.username {
            changed.push("username");
        }
        if after.email != before.email {
            changed.push("email");
        }
        if changes.password_hash.is_some() {
            changed.push("password");
        }
        if after.role_id != before.role_id {
            changed.push("role");
        }
        if after.confirmed != before.confirmed {
            changed.push("confirmed");
        }
        if after.blocked != before.blocked {
            changed.push("blocked");
        }
        if after.name != before.name {
            changed.push("name");
        }
        if after.settings != before.settings {
            changed.push("settings");
        }
        if after.external_id != before.external_id {
            changed.push("external_id");
        }
        if after.profile != before.profile {
            changed.push("profile");
        }
        let origin = caller.origin();
        let mut data = payloads::user(&after);
        data["changes"] = json!(changed);
        emit(tx.as_mut(), &origin, EventType::UserUpdated, now, data).await?;
        let subject = payloads::user(&after);
        if after.blocked != before.blocked {
            let kind = if after.blocked { EventType::UserBlocked } else { EventType::UserUnblocked };
            emit(tx.as_mut(), &origin, kind, now, subject.clone()).await?;
        }
        if after.confirmed && !before.confirmed {
            emit(tx.as_mut(), &origin, EventType::UserConfirmed, now, subject.clone()).await?;
        }
        if after.role_id != before.role_id {
            let data = json!({"user": subject, "previousRole": before.role_id.0, "role": after.role_id.0});
            emit(tx.as_mut(), &origin, EventType::UserRoleChanged, now, data).await?;
        }
        if changes.password_hash.is_some() {
            emit(tx.as_mut(), &origin, EventType::UserPasswordChanged, now, subject.clone()).await?;
        }
        let revoke_reason = if after.blocked && !before.blocked {
            Some("blocked")
        } else if changes.password_hash.is_some() {
            Some("password_changed")
        } else {
            None
        };
        if let Some(reason) = revoke_reason {
            self.revoke_all_sessions_in(tx.as_mut(), id, reason, &origin).await?;
        }
        if after.blocked && !before.blocked {
            let data = payloads::provisioned("api", id.0, after.external_id.as_deref(), Some("deactivated"));
            emit_provisioning(tx.as_mut(), &origin, EventType::ScimUserDeprovisioned, now, data).await?;
        }
        tx.commit().await?;
        // The cached snapshot (role, blocked flag) is stale now, whatever changed.
        self.sessions.forget_user(id);
        self.hooks.run_after(UserOp::Update, &after);
        let role = match new_role {
            Some(role) => role,
            None => self.role_of(&after).await?,
        };
        Ok(UserWithRole { user: after, role: Some(role) })
    }

    /// Deletes a user with its sessions. Events: `session.revoked` (when it had live
    /// sessions), then `user.deleted`.
    pub async fn delete_user(&self, caller: &Caller, id: UserId) -> Result<User, DomainError> {
        caller.authorize_in_realm(Action::USER_DESTROY)?;
        self.hooks.run_before(&UserDraft { op: UserOp::Delete, id: Some(id), email: None, username: None })?;
        let now = self.clock.now();
        let origin = caller.origin();
        let mut tx = self.store.begin().await?;
        self.revoke_all_sessions_in(tx.as_mut(), id, "user_deleted", &origin).await?;
        let user = tx.delete_user(id).await?.ok_or(DomainError::NotFound(NOT_FOUND))?;
        emit(tx.as_mut(), &origin, EventType::UserDeleted, now, payloads::user(&user)).await?;
        let data = payloads::provisioned("api", id.0, user.external_id.as_deref(), Some("deleted"));
        emit_provisioning(tx.as_mut(), &origin, EventType::ScimUserDeprovisioned, now, data).await?;
        tx.commit().await?;
        self.sessions.forget_user(id);
        self.hooks.run_after(UserOp::Delete, &user);
        Ok(user)
    }

    /// Ends every live session of `user` inside a use case's transaction, with one
    /// `session.revoked` event when there were any.
    pub(crate) async fn revoke_all_sessions_in(
        &self,
        tx: &mut dyn StoreTx,
        user: UserId,
        reason: &str,
        origin: &Origin,
    ) -> Result<usize, DomainError> {
        let now = self.clock.now();
        let ended = tx.revoke_user_sessions(user, now, reason).await?;
        if !ended.is_empty() {
            let ids: Vec<&str> = ended.iter().map(|session| session.0.as_str()).collect();
            let data = json!({"subject": {"realm": "api", "id": user.0}, "sessions": ids, "reason": reason});
            emit(tx, origin, EventType::SessionRevoked, now, data).await?;
        }
        Ok(ended.len())
    }

    pub(crate) async fn authenticated_role(&self) -> Result<Role, DomainError> {
        self.store
            .find_role_by_type(Role::AUTHENTICATED)
            .await?
            .ok_or_else(|| DomainError::Internal("the authenticated role is missing".into()))
    }
}

impl Domain {
    /// Development data: `count` users named `seed<n>` / `seed<n>@example.com` (numbering after
    /// the users already there), all with `password`, hashed once. Bulk inserted without
    /// events; not for production data.
    pub async fn seed_users(&self, count: u64, password: &str) -> Result<u64, DomainError> {
        let password = Password::parse(password, 1).map_err(|_| DomainError::Validation(FieldErrors::default()))?;
        let hash = self.hasher.hash(&password).await?;
        let role = self.authenticated_role().await?;
        let start = self.store.count_users(&Filter::everything()).await?;
        let now = self.clock.now();
        let mut inserted = 0;
        let mut next = start;
        while inserted < count {
            let batch = (count - inserted).min(50_000);
            let users: Vec<NewUser> = (next..next + batch)
                .map(|n| {
                    let username = format!("seed{n:07}");
                    let email = format!("{username}@example.com");
                    NewUser {
                        document_id: new_document_id(),
                        username_folded: username.clone(),
                        email_folded: email.clone(),
                        username,
                        email,
                        provider: "local".to_owned(),
                        password_hash: Some(hash.clone()),
                        confirmed: true,
                        blocked: false,
                        role_id: role.id,
                        name: None,
                        settings: None,
                        external_id: None,
                        profile: None,
                        // Distinct, increasing creation times keep sorts meaningful.
                        now: crate::time::Timestamp::from_millis(
                            now.as_millis() - i64::try_from(count - inserted).unwrap_or(0),
                        ),
                    }
                })
                .collect();
            inserted += self.store.insert_users_bulk(&users).await?;
            next += batch;
        }
        Ok(inserted)
    }
}
