//! Admin invites: issued with an expiry and a mailed registration link, resent, revoked, and
//! accepted (with a password, or by an identity registered beforehand) to make the admin active.

use super::*;

/// An invite to create.
#[derive(Clone, Debug, Default)]
pub struct InviteInput {
    /// Email of the future admin.
    pub email: String,
    /// First name.
    pub firstname: Option<String>,
    /// Last name.
    pub lastname: Option<String>,
    /// Roles (when given, at least one existing role).
    pub roles: Option<Vec<i64>>,
    /// A JSON object kept with the invite (at most 16 KiB serialized).
    pub metadata: Option<serde_json::Value>,
}

/// An invite with its pending admin and, in the answer that creates or resends it, the token.
#[derive(Clone, Debug)]
pub struct IssuedInvite {
    /// The invite.
    pub invite: Invite,
    /// The invited admin.
    pub admin: Admin,
    /// The registration token (shown once).
    pub token: Secret,
}

impl Domain {
    /// Creates an invite: a pending admin and a single-use token expiring after
    /// `admin.invite_ttl`; the invite mail is queued. Events: `admin.created`, `invite.created`.
    pub async fn invite_admin(&self, caller: &Caller, input: InviteInput) -> Result<IssuedInvite, DomainError> {
        let email = email_of(&input.email)?;
        if let Some(metadata) = &input.metadata {
            let fits = metadata.is_object() && metadata.to_string().len() <= INVITE_METADATA_MAX_BYTES;
            if !fits {
                let mut errors = FieldErrors::default();
                errors.push(FieldError::new("metadata", "metadata must be a JSON object of at most 16 KiB"));
                return Err(DomainError::Validation(errors));
            }
        }
        let roles = match &input.roles {
            Some(ids) => self.resolve_admin_roles(ids).await?,
            None => Vec::new(),
        };
        let now = self.clock.now();
        let token = random_hex(20);
        let expires_at = now.plus(self.settings.invite_ttl);
        let origin = caller.origin();
        let mut tx = self.store.begin().await?;
        let admin_id = tx
            .insert_admin(&NewAdmin {
                document_id: new_document_id(),
                firstname: input.firstname.clone().unwrap_or_default().trim().to_owned(),
                lastname: input.lastname.clone(),
                email: email.as_str().to_owned(),
                email_folded: email.folded(),
                password_hash: None,
                is_active: false,
                now,
            })
            .await?;
        tx.set_admin_roles(admin_id, &roles).await?;
        let invite_id = tx.insert_invite(admin_id, &sha256_hex(&token), now, expires_at).await?;
        if input.metadata.is_some() {
            tx.set_invite_metadata(invite_id, input.metadata.as_ref()).await?;
        }
        self.queue_invite_mail(tx.as_mut(), &email, input.firstname.as_deref(), &token, expires_at).await?;
        emit(
            tx.as_mut(),
            &origin,
            EventType::AdminCreated,
            now,
            json!({"id": admin_id.0, "email": email.as_str(), "pending": true}),
        )
        .await?;
        emit(
            tx.as_mut(),
            &origin,
            EventType::InviteCreated,
            now,
            json!({"id": invite_id.0, "adminId": admin_id.0, "expiresAt": expires_at}),
        )
        .await?;
        tx.commit().await?;
        let (invite, admin) = self.store.find_invite(invite_id).await?.ok_or_else(not_found)?;
        Ok(IssuedInvite { invite, admin, token: token.into() })
    }

    async fn queue_invite_mail(
        &self,
        tx: &mut dyn StoreTx,
        email: &Email,
        firstname: Option<&str>,
        token: &str,
        expires_at: Timestamp,
    ) -> Result<(), DomainError> {
        let base = &self.settings.invite_url;
        let separator = if base.contains('?') { '&' } else { '?' };
        let variables = json!({
            "user": {"username": firstname.unwrap_or(email.as_str()), "email": email.as_str()},
            "url": format!("{base}{separator}registrationToken={token}"),
            "expires_at": expires_at,
        });
        let mail =
            NewMail { kind: MailKind::Invite, recipient: email.as_str().to_owned(), variables, now: self.clock.now() };
        tx.enqueue_mail(&mail).await?;
        Ok(())
    }

    /// Every invite with its status at now.
    pub async fn list_invites(&self, caller: &Caller) -> Result<Vec<(Invite, Admin)>, DomainError> {
        caller.authorize(Action::ADMIN_INVITES_READ)?;
        Ok(self.store.list_invites().await?)
    }

    /// A new token and expiry for an invite; the old token dies. Events: `invite.resent`.
    pub async fn resend_invite(&self, caller: &Caller, id: InviteId) -> Result<IssuedInvite, DomainError> {
        let (invite, admin) = self.store.find_invite(id).await?.ok_or(DomainError::NotFound("Invite not found"))?;
        if invite.accepted_at.is_some() {
            return Err(DomainError::Rule(Rule::InvalidRegistration));
        }
        let now = self.clock.now();
        let token = random_hex(20);
        let expires_at = now.plus(self.settings.invite_ttl);
        let mut tx = self.store.begin().await?;
        tx.reissue_invite(id, &sha256_hex(&token), now, expires_at).await?;
        self.queue_invite_mail(tx.as_mut(), &email_of(&admin.email)?, Some(&admin.firstname), &token, expires_at)
            .await?;
        emit(tx.as_mut(), &caller.origin(), EventType::InviteResent, now, json!({"id": id.0, "expiresAt": expires_at}))
            .await?;
        tx.commit().await?;
        let (invite, admin) = self.store.find_invite(id).await?.ok_or(DomainError::NotFound("Invite not found"))?;
        Ok(IssuedInvite { invite, admin, token: token.into() })
    }

    /// Revokes an invite: its token dies. Events: `invite.revoked`.
    pub async fn revoke_invite(&self, caller: &Caller, id: InviteId) -> Result<(Invite, Admin), DomainError> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if !tx.revoke_invite(id, now).await? {
            return Err(DomainError::NotFound("Invite not found"));
        }
        emit(tx.as_mut(), &caller.origin(), EventType::InviteRevoked, now, json!({"id": id.0})).await?;
        tx.commit().await?;
        self.store.find_invite(id).await?.ok_or(DomainError::NotFound("Invite not found"))
    }

    async fn usable_invite(&self, token: &str) -> Option<(Invite, Admin)> {
        let now = self.clock.now();
        match self.store.find_invite_by_token(&sha256_hex(token)).await {
            Ok(Some((invite, admin))) if invite.status(now) == "pending" && admin.deleted_at.is_none() => {
                Some((invite, admin))
            }
            _ => None,
        }
    }

    /// The invited admin's email and names, for a usable token.
    pub async fn registration_info(&self, token: &str) -> Result<Admin, DomainError> {
        self.usable_invite(token).await.map(|(_, admin)| admin).ok_or(DomainError::Rule(Rule::InvalidRegistration))
    }

    /// Accepts an invite: the admin becomes active with its password and is logged in. Unknown,
    /// used, revoked, resent-away and expired tokens all give the same error.
    /// Events: `invite.accepted`, `admin.updated`.
    pub async fn accept_invite(
        &self,
        context: &RequestContext,
        token: &str,
        profile: AdminProfile,
    ) -> Result<AdminLogin, DomainError> {
        let password = admin_password(profile.password.expose(), "password")?;
        let Some((_, invited)) = self.usable_invite(token).await else {
            return Err(DomainError::Rule(Rule::InvalidRegistration));
        };
        let hash = self.hasher.hash(&password).await?;
        let (tx, origin, id) = self.activate_invited(context, token, &invited, &profile, hash).await?;
        self.admin_in_tx_after_commit(tx, &origin, id, false).await
    }

    /// Registers an identity (email and password) that no admin has yet and answers its
    /// registration token (random; stored only as its SHA-256, with the password's argon2id
    /// hash); [`Domain::accept_invite_as`] turns it into the invited admin. The password rules
    /// are the admins'; an identity never used expires after 24 h and is swept.
    pub async fn register_admin_identity(&self, email: &str, password: &str) -> Result<Secret, DomainError> {
        let email = email_of(email)?;
        let password = admin_password(password, "password")?;
        let hash = self.hasher.hash(&password).await?;
        self.store_pending_identity(email.as_str(), hash, PENDING_ADMIN).await
    }

    /// Stores a registered identity of `realm` (sweeping the expired ones) and answers its
    /// token.
    pub(crate) async fn store_pending_identity(
        &self,
        email: &str,
        password_hash: Secret,
        realm: &'static str,
    ) -> Result<Secret, DomainError> {
        let token = random_hex(32);
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.sweep_pending_identities(now).await?;
        let identity = NewPendingIdentity {
            email: email.to_owned(),
            password_hash,
            realm,
            token_hash: sha256_hex(&token),
            created_at: now,
            expires_at: now.plus(REGISTRATION_TTL),
        };
        tx.insert_pending_identity(&identity).await?;
        tx.commit().await?;
        Ok(token.into())
    }

    /// The live registered identity of `realm` a registration token names, or
    /// [`DomainError::Unauthorized`].
    pub(crate) async fn pending_identity(
        &self,
        registration: &str,
        realm: &'static str,
    ) -> Result<PendingIdentity, DomainError> {
        let now = self.clock.now();
        self.store.find_pending_identity(realm, &sha256_hex(registration), now).await?.ok_or(DomainError::Unauthorized)
    }

    /// Accepts an invite with a registered identity (a registration token) instead of a
    /// password: the invited admin becomes active, whole, in one transaction, with the
    /// identity's password. The identity's email must be the invite's. A bad registration token
    /// is [`DomainError::Unauthorized`]; an unusable invite or another email is
    /// [`Rule::InvalidRegistration`]. Events: `invite.accepted`, `admin.updated`.
    pub async fn accept_invite_as(
        &self,
        context: &RequestContext,
        token: &str,
        registration: &str,
        firstname: Option<String>,
        lastname: Option<String>,
    ) -> Result<Admin, DomainError> {
        let identity = self.pending_identity(registration, PENDING_ADMIN).await?;
        let Some((_, invited)) = self.usable_invite(token).await else {
            return Err(DomainError::Rule(Rule::InvalidRegistration));
        };
        if fold(&identity.email) != fold(&invited.email) {
            return Err(DomainError::Rule(Rule::InvalidRegistration));
        }
        let profile = AdminProfile { firstname: firstname.unwrap_or_default(), lastname, password: Secret::from("") };
        let (mut tx, _, id) = self.activate_invited(context, token, &invited, &profile, identity.password_hash).await?;
        // The identity is used once: taken in the transaction that makes the admin.
        let now = self.clock.now();
        tx.take_pending_identity(PENDING_ADMIN, &sha256_hex(registration), now)
            .await?
            .ok_or(DomainError::Unauthorized)?;
        tx.commit().await?;
        self.load_admin(id).await
    }

    /// The email a registration token registered; a bad token is [`DomainError::Unauthorized`].
    pub async fn registered_email(&self, registration: &str) -> Result<String, DomainError> {
        Ok(self.pending_identity(registration, PENDING_ADMIN).await?.email)
    }

    /// The write of an invite's acceptance, left uncommitted: the invite is used, the admin
    /// active with `hash` and its names, and the events emitted.
    async fn activate_invited(
        &self,
        context: &RequestContext,
        token: &str,
        invited: &Admin,
        profile: &AdminProfile,
        hash: Secret,
    ) -> Result<(Box<dyn StoreTx>, Origin, AdminId), DomainError> {
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let invite =
            tx.accept_invite(&sha256_hex(token), now).await?.ok_or(DomainError::Rule(Rule::InvalidRegistration))?;
        let changes = AdminChanges {
            firstname: Some(profile.firstname.trim().to_owned()).filter(|name| !name.is_empty()),
            lastname: profile.lastname.clone(),
            password_hash: Some(hash),
            is_active: Some(true),
            ..AdminChanges::default()
        };
        tx.update_admin(invite.admin_id, &changes, now).await?;
        let origin = Origin::new(Actor::Admin(invite.admin_id), Some(invited.email.clone()), Arc::new(context.clone()));
        emit(
            tx.as_mut(),
            &origin,
            EventType::InviteAccepted,
            now,
            json!({"id": invite.id.0, "adminId": invite.admin_id.0}),
        )
        .await?;
        emit(
            tx.as_mut(),
            &origin,
            EventType::AdminUpdated,
            now,
            json!({"id": invite.admin_id.0, "changes": ["isActive", "password"]}),
        )
        .await?;
        Ok((tx, origin, invite.admin_id))
    }
}
