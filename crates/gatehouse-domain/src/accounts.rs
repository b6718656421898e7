//! Account use cases of the end-user realm: register, log in, read oneself.

use crate::admins::PENDING_END_USER;
use crate::audit::{emit, Origin};
use crate::caller::{Caller, RequestContext};
use crate::crypto::token::{new_document_id, random_hex, sha256_hex};
use crate::error::{DomainError, FieldError, FieldErrors, Rule};
use crate::events::{Actor, EventType};
use crate::ids::SessionId;
use crate::model::{NewSession, NewUser, Role, User, UserWithRole};
use crate::payloads;
use crate::ports::ConflictKey;
use crate::secret::Secret;
use crate::service::Domain;
use crate::users::{password_message, username_message};
use crate::values::{fold, identifier_key, Email, Password, Username};
use serde_json::json;
use std::sync::Arc;

/// A self-registration, as typed by the person (already checked for required fields and types).
#[derive(Clone, Debug)]
pub struct Registration {
    /// Requested username.
    pub username: String,
    /// Email address.
    pub email: String,
    /// Password in clear (hashed before storage, never logged).
    pub password: Secret,
}

/// A login attempt.
#[derive(Clone, Debug)]
pub struct LoginAttempt {
    /// Email or username, matched case-insensitively.
    pub identifier: String,
    /// Password in clear.
    pub password: Secret,
    /// The client's device id (Strapi 5), kept on the session.
    pub device_id: Option<String>,
}

/// What a successful login or registration hands back.
#[derive(Clone, Debug)]
pub struct Authenticated {
    /// The user.
    pub user: User,
    /// The access JWT; `None` when registration waits for email confirmation.
    pub jwt: Option<Secret>,
    /// The refresh token (refresh mode only), shown once.
    pub refresh_token: Option<Secret>,
}

/// The tokens of a newly opened session.
#[derive(Clone, Debug)]
pub(crate) struct SessionTokens {
    pub(crate) jwt: String,
    pub(crate) refresh_token: Option<String>,
}

impl Domain {
    /// The body keys registration refuses outright (never allowed, whatever the config says).
    pub const NEVER_REGISTRABLE: [&'static str; 5] = ["role", "confirmed", "blocked", "provider", "id"];

    /// Which of `keys` registration does not accept: anything but username, email, password
    /// and the configured extra fields (never `role`, `confirmed`, `blocked`, `provider`, `id`).
    pub fn unregistrable_keys<'a>(&self, keys: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        keys.into_iter()
            .filter(|key| {
                let allowed = matches!(*key, "username" | "email" | "password")
                    || (self.settings.register_allowed_fields.iter().any(|field| field == key)
                        && !Self::NEVER_REGISTRABLE.contains(key));
                !allowed
            })
            .map(str::to_owned)
            .collect()
    }

    /// Creates an account (role `authenticated`) and, unless email confirmation is required,
    /// logs it in. Events: `user.created`, then `user.logged_in` when a session was opened.
    pub async fn register(&self, caller: &Caller, input: Registration) -> Result<Authenticated, DomainError> {
        if !self.settings.allow_register {
            return Err(DomainError::Rule(Rule::RegistrationDisabled));
        }
        let (email, username, password) = self.validate_registration(&input)?;
        self.check_new_identity(&email, &username).await?;
        let password_hash = self.hasher.hash(&password).await?;
        let new_user = self.new_local_user(&email, &username, password_hash, None).await?;
        let now = new_user.now;
        let mut tx = self.store.begin().await?;
        let user = tx.insert_user(&new_user).await?;
        let origin = caller.origin().as_actor(Actor::EndUser(user.id), Some(user.email.clone()));
        emit(tx.as_mut(), &origin, EventType::UserCreated, now, payloads::user(&user)).await?;
        let answer = if self.settings.email_confirmation {
            self.queue_confirmation_mail(tx.as_mut(), &user).await?;
            Authenticated { user, jwt: None, refresh_token: None }
        } else {
            let tokens = self.open_session(tx.as_mut(), &origin, &user, None).await?;
            Authenticated { user, jwt: Some(tokens.jwt.into()), refresh_token: tokens.refresh_token.map(Secret::from) }
        };
        tx.commit().await?;
        self.hooks.run_after(crate::hooks::UserOp::Create, &answer.user);
        Ok(answer)
    }

    /// Registers a customer's identity (email and password) before the account exists and
    /// answers its registration token (random, stored only as its SHA-256; 24 h) that
    /// [`Domain::create_registered_customer`] turns into the end user. The password rules are
    /// the end users'; the answer is the same whether or not the email is taken.
    pub async fn register_customer_identity(&self, email: &str, password: &str) -> Result<Secret, DomainError> {
        if !self.settings.allow_register {
            return Err(DomainError::Rule(Rule::RegistrationDisabled));
        }
        let mut errors = FieldErrors::default();
        let parsed = Email::parse(email);
        if parsed.is_none() {
            errors.push(FieldError::new("email", "email must be a valid email").with_value(json!(email)));
        }
        let password = Password::parse(password, self.settings.password_min_length)
            .map_err(|problem| errors.push(FieldError::new("password", password_message(problem))))
            .ok();
        let (Some(email), Some(password)) = (parsed, password) else {
            return Err(DomainError::Validation(errors));
        };
        let hash = self.hasher.hash(&password).await?;
        self.store_pending_identity(email.as_str(), hash, PENDING_END_USER).await
    }

    /// Creates the end user a registration token registered (role `authenticated`, the email as
    /// username, the registered password), whole, in one transaction; it then logs in as any
    /// end user. `email`, when given, must be the registered one. A bad registration token or
    /// another email is [`DomainError::Unauthorized`]; a taken email is a conflict.
    /// Events: `user.created`.
    pub async fn create_registered_customer(
        &self,
        context: &RequestContext,
        registration: &str,
        email: Option<&str>,
        name: Option<String>,
    ) -> Result<User, DomainError> {
        if !self.settings.allow_register {
            return Err(DomainError::Rule(Rule::RegistrationDisabled));
        }
        let identity = self.pending_identity(registration, PENDING_END_USER).await?;
        if email.is_some_and(|email| fold(email.trim()) != fold(&identity.email)) {
            return Err(DomainError::Unauthorized);
        }
        let email = Email::parse(&identity.email).ok_or(DomainError::Unauthorized)?;
        let username = Username::parse_for(email.as_str(), email.as_str()).map_err(|problem| {
            let mut errors = FieldErrors::default();
            errors.push(FieldError::new("email", username_message(problem)));
            DomainError::Validation(errors)
        })?;
        self.check_new_identity(&email, &username).await?;
        let new_user = self.new_local_user(&email, &username, identity.password_hash, name).await?;
        let now = new_user.now;
        let mut tx = self.store.begin().await?;
        // The identity is used once: taken in the transaction that makes the account.
        tx.take_pending_identity(PENDING_END_USER, &sha256_hex(registration), now)
            .await?
            .ok_or(DomainError::Unauthorized)?;
        let user = tx.insert_user(&new_user).await?;
        let origin = Origin::new(Actor::EndUser(user.id), Some(user.email.clone()), Arc::new(context.clone()));
        emit(tx.as_mut(), &origin, EventType::UserCreated, now, payloads::user(&user)).await?;
        if self.settings.email_confirmation {
            self.queue_confirmation_mail(tx.as_mut(), &user).await?;
        }
        tx.commit().await?;
        self.hooks.run_after(crate::hooks::UserOp::Create, &user);
        Ok(user)
    }

    /// Runs the before-create hooks for a new account and refuses an email or username that is
    /// taken (the two ways an end user signs up share this).
    async fn check_new_identity(&self, email: &Email, username: &Username) -> Result<(), DomainError> {
        self.hooks.run_before(&crate::hooks::UserDraft {
            op: crate::hooks::UserOp::Create,
            id: None,
            email: Some(email.as_str()),
            username: Some(username.as_str()),
        })?;
        if self.store.user_identity_taken(&email.folded(), &username.folded()).await? {
            return Err(DomainError::Conflict(ConflictKey::Email));
        }
        Ok(())
    }

    /// A signed-up end user as it is inserted: local, role `authenticated`, confirmed unless
    /// email confirmation is required, dated now.
    async fn new_local_user(
        &self,
        email: &Email,
        username: &Username,
        password_hash: Secret,
        name: Option<String>,
    ) -> Result<NewUser, DomainError> {
        let role = self
            .store
            .find_role_by_type(Role::AUTHENTICATED)
            .await?
            .ok_or_else(|| DomainError::Internal("the authenticated role is missing".into()))?;
        Ok(NewUser {
            document_id: new_document_id(),
            username: username.as_str().to_owned(),
            username_folded: username.folded(),
            email: email.as_str().to_owned(),
            email_folded: email.folded(),
            provider: "local".to_owned(),
            password_hash: Some(password_hash),
            confirmed: !self.settings.email_confirmation,
            blocked: false,
            role_id: role.id,
            name,
            settings: None,
            external_id: None,
            profile: None,
            now: self.clock.now(),
        })
    }

    /// Checks a username, email and password against the account rules (Strapi's messages, in
    /// Strapi's order: email, username, password).
    pub(crate) fn validate_registration(
        &self,
        input: &Registration,
    ) -> Result<(Email, Username, Password), DomainError> {
        let mut errors = FieldErrors::default();
        let email = Email::parse(&input.email);
        if email.is_none() {
            errors.push(FieldError::new("email", "email must be a valid email").with_value(json!(input.email)));
        }
        let username = Username::parse_for(&input.username, &input.email)
            .map_err(|problem| {
                errors.push(FieldError::new("username", username_message(problem)).with_value(json!(input.username)))
            })
            .ok();
        let password = Password::parse(input.password.expose(), self.settings.password_min_length)
            .map_err(|problem| errors.push(FieldError::new("password", password_message(problem))))
            .ok();
        match (email, username, password) {
            (Some(email), Some(username), Some(password)) => Ok((email, username, password)),
            _ => Err(DomainError::Validation(errors)),
        }
    }

    /// Logs in by email or username (both case-insensitive). Unknown identifier and wrong
    /// password give the same error after the same work; blocked and unconfirmed accounts are
    /// told so only once the password checked out.
    pub async fn login(&self, caller: &Caller, attempt: LoginAttempt) -> Result<Authenticated, DomainError> {
        let anonymous = caller.origin().as_actor(Actor::Anonymous, None);
        // The identifier is normalised as at registration; one that could name no account
        // (invisible characters) still costs a dummy verification, like an unknown one.
        let folded = identifier_key(&attempt.identifier).unwrap_or_default();
        // A username never contains '@' and an email always does, so one lookup suffices.
        let found = if folded.is_empty() {
            None
        } else if folded.contains('@') {
            self.store.find_credentials_by_email(&folded).await?
        } else {
            self.store.find_credentials_by_username(&folded).await?
        };
        let verified = match &found {
            Some(credentials) => match &credentials.password_hash {
                Some(hash) => self.hasher.verify(attempt.password.expose(), hash.expose()).await?,
                None => self.hasher.verify_dummy(attempt.password.expose()).await?,
            },
            None => self.hasher.verify_dummy(attempt.password.expose()).await?,
        };
        let now = self.clock.now();
        let credentials = match found {
            Some(credentials) if verified => credentials,
            other => {
                let mut tx = self.store.begin().await?;
                let data = json!({
                    "identifierHash": sha256_hex(&folded),
                    "userId": other.map(|credentials| credentials.user.id.0),
                    "reason": "invalid_credentials",
                });
                emit(tx.as_mut(), &anonymous, EventType::UserLoginFailed, now, data).await?;
                tx.commit().await?;
                return Err(DomainError::Rule(Rule::InvalidCredentials));
            }
        };
        let user = credentials.user;
        let refused = if user.blocked {
            Some(("blocked", Rule::AccountBlocked))
        } else if self.settings.email_confirmation && !user.confirmed {
            Some(("unconfirmed", Rule::EmailNotConfirmed))
        } else {
            None
        };
        if let Some((reason, rule)) = refused {
            // The password was right, but the account may not log in: still a failed login.
            let mut tx = self.store.begin().await?;
            let data = json!({"identifierHash": sha256_hex(&folded), "userId": user.id.0, "reason": reason});
            emit(tx.as_mut(), &anonymous, EventType::UserLoginFailed, now, data).await?;
            tx.commit().await?;
            return Err(DomainError::Rule(rule));
        }
        let rehash = match &credentials.password_hash {
            Some(hash) if self.hasher.settings().is_weaker_than_configured(hash.expose()) => {
                let password = Password::parse(attempt.password.expose(), 0)
                    .map_err(|_| DomainError::Rule(Rule::InvalidCredentials))?;
                Some(self.hasher.hash(&password).await?)
            }
            _ => None,
        };

        let mut tx = self.store.begin().await?;
        if let Some(hash) = &rehash {
            tx.set_user_password_hash(user.id, hash.expose(), now).await?;
        }
        tx.set_user_last_login(user.id, now).await?;
        let origin = anonymous.as_actor(Actor::EndUser(user.id), Some(user.email.clone()));
        let tokens = self.open_session(tx.as_mut(), &origin, &user, attempt.device_id).await?;
        tx.commit().await?;
        Ok(Authenticated {
            user: User { last_login_at: Some(now), ..user },
            jwt: Some(tokens.jwt.into()),
            refresh_token: tokens.refresh_token.map(Secret::from),
        })
    }

    /// How long a new session lives: the JWT's lifetime in legacy mode, the refresh token's in
    /// refresh mode (where each refresh slides it).
    pub(crate) fn session_ttl(&self) -> std::time::Duration {
        match self.settings.jwt_mode {
            crate::settings::JwtMode::Legacy => self.settings.jwt_ttl,
            crate::settings::JwtMode::Refresh => self.settings.refresh_ttl,
        }
    }

    /// Opens a session for `user` inside the caller's transaction, with its `user.logged_in`
    /// event (caused from `origin`, whose actor is the user), and issues its tokens.
    pub(crate) async fn open_session(
        &self,
        tx: &mut dyn crate::ports::StoreTx,
        origin: &Origin,
        user: &User,
        device_id: Option<String>,
    ) -> Result<SessionTokens, DomainError> {
        let now = self.clock.now();
        let session = NewSession {
            id: SessionId(random_hex(16)),
            user_id: user.id,
            device_id: device_id.clone(),
            created_at: now,
            expires_at: now.plus(self.session_ttl()),
        };
        tx.insert_session(&session).await?;
        let data = json!({"user": payloads::user(user), "sessionId": session.id.0, "deviceId": device_id});
        emit(tx, origin, EventType::UserLoggedIn, now, data).await?;
        self.issue_session_tokens(tx, user, session.id, false).await
    }

    /// A fresh access JWT for `session`, and in refresh mode a new refresh token stored for it;
    /// with `retire_previous`, the session's earlier refresh tokens count as rotated into it.
    pub(crate) async fn issue_session_tokens(
        &self,
        tx: &mut dyn crate::ports::StoreTx,
        user: &User,
        session: SessionId,
        retire_previous: bool,
    ) -> Result<SessionTokens, DomainError> {
        let now = self.clock.now();
        let jwt = self.api_jwt.issue(self.claim_style(), user.id.0, &session, now, self.settings.jwt_ttl)?;
        let refresh_token = match self.settings.jwt_mode {
            crate::settings::JwtMode::Legacy => None,
            crate::settings::JwtMode::Refresh => {
                let token = random_hex(32);
                let digest = sha256_hex(&token);
                if retire_previous {
                    tx.retire_refresh_tokens(&session, &digest, now).await?;
                }
                tx.insert_refresh_token(&digest, &session, now, now.plus(self.settings.refresh_ttl)).await?;
                Some(token)
            }
        };
        Ok(SessionTokens { jwt, refresh_token })
    }

    /// The calling end user (`/api/users/me`), with its role when asked; API tokens and
    /// anonymous callers have no "me".
    pub async fn me(&self, caller: &Caller, with_role: bool) -> Result<UserWithRole, DomainError> {
        let (user, _) = caller.end_user()?;
        let role = if with_role { Some(self.role_of(user).await?) } else { None };
        Ok(UserWithRole { user: User::clone(user), role })
    }

    /// The role of `user`, for `populate=role`.
    pub(crate) async fn role_of(&self, user: &User) -> Result<Role, DomainError> {
        self.store.find_role(user.role_id).await?.ok_or(DomainError::NotFound("Role not found"))
    }
}
