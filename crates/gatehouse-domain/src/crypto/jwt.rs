//! HS256 JWTs, one key per realm. Every token carries `exp` and `aud` (the realm), and the
//! audience is checked, so an end-user token can never pass as an admin token or the reverse.
//! Expiry is checked against the injected clock, not the system time.

use crate::error::DomainError;
use crate::ids::SessionId;
use crate::time::Timestamp;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::time::Duration;

/// The two realms; the value is the token's `aud`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Realm {
    /// End users (content API).
    Api,
    /// Admin users (admin API).
    Admin,
}

impl Realm {
    /// The `aud` claim.
    pub const fn audience(self) -> &'static str {
        match self {
            Realm::Api => "api",
            Realm::Admin => "admin",
        }
    }
}

/// Which claim layout access tokens use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimStyle {
    /// Strapi's legacy `{id, iat, exp}` plus `sid` and `aud`.
    Legacy,
    /// Strapi 5's `{userId: "<id>", sessionId, type: "access", iat, exp}` plus `aud`.
    Access,
}

/// A verified access token.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedToken {
    /// The user (or admin) id.
    pub subject: i64,
    /// The session the token belongs to.
    pub session: SessionId,
    /// Expiry.
    pub expires_at: Timestamp,
}

#[derive(Serialize)]
struct LegacyClaims<'a> {
    id: i64,
    sid: &'a str,
    iat: i64,
    exp: i64,
    aud: &'static str,
}

#[derive(Serialize)]
struct AccessClaims<'a> {
    #[serde(rename = "userId")]
    user_id: String,
    #[serde(rename = "sessionId")]
    session_id: &'a str,
    #[serde(rename = "type")]
    token_type: &'static str,
    iat: i64,
    exp: i64,
    aud: &'static str,
}

#[derive(Deserialize)]
struct AnyClaims {
    id: Option<i64>,
    sid: Option<String>,
    #[serde(rename = "userId")]
    user_id: Option<String>,
    #[serde(rename = "sessionId")]
    session_id: Option<String>,
    #[serde(rename = "type")]
    token_type: Option<String>,
    exp: i64,
}

/// Signs and verifies the access tokens of one realm.
#[derive(Clone)]
pub struct JwtKeys {
    realm: Realm,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtKeys {
    /// Keys for `realm` from its secret.
    pub fn new(realm: Realm, secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[realm.audience()]);
        validation.required_spec_claims = HashSet::from(["exp".to_owned(), "aud".to_owned()]);
        // Expiry is checked against the injected clock in `verify`.
        validation.validate_exp = false;
        Self {
            realm,
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// Issues an access token for `subject` in `session`, valid for `ttl` from `now`.
    pub fn issue(
        &self,
        style: ClaimStyle,
        subject: i64,
        session: &SessionId,
        now: Timestamp,
        ttl: Duration,
    ) -> Result<String, DomainError> {
        let iat = now.as_secs();
        let exp = now.plus(ttl).as_secs();
        let aud = self.realm.audience();
        let header = Header::new(Algorithm::HS256);
        let result = match style {
            ClaimStyle::Legacy => {
                encode(&header, &LegacyClaims { id: subject, sid: &session.0, iat, exp, aud }, &self.encoding)
            }
            ClaimStyle::Access => encode(
                &header,
                &AccessClaims {
                    user_id: subject.to_string(),
                    session_id: &session.0,
                    token_type: "access",
                    iat,
                    exp,
                    aud,
                },
                &self.encoding,
            ),
        };
        result.map_err(|error| DomainError::Internal(format!("jwt encode: {error}")))
    }

    /// Verifies signature, algorithm (HS256 only), audience, claim layout and expiry.
    /// Every failure is [`DomainError::Unauthorized`].
    pub fn verify(&self, token: &str, style: ClaimStyle, now: Timestamp) -> Result<VerifiedToken, DomainError> {
        let claims =
            decode::<AnyClaims>(token, &self.decoding, &self.validation).map_err(|_| DomainError::Unauthorized)?.claims;
        if claims.exp <= now.as_secs() {
            return Err(DomainError::Unauthorized);
        }
        let (subject, session) = match style {
            ClaimStyle::Legacy if claims.token_type.is_none() => (claims.id, claims.sid),
            ClaimStyle::Access if claims.token_type.as_deref() == Some("access") => {
                (claims.user_id.and_then(|id| id.parse().ok()), claims.session_id)
            }
            _ => (None, None),
        };
        match (subject, session) {
            (Some(subject), Some(session)) if !session.is_empty() => Ok(VerifiedToken {
                subject,
                session: SessionId(session),
                expires_at: Timestamp::from_millis(claims.exp.saturating_mul(1000)),
            }),
            _ => Err(DomainError::Unauthorized),
        }
    }
}

/// The claims of a password-reset token: the admin it resets and a fingerprint of the
/// password it replaces, so that it dies as soon as the password changes (single use without
/// state).
#[derive(Serialize, Deserialize)]
struct PasswordResetClaims {
    #[serde(rename = "type")]
    token_type: String,
    sub: i64,
    #[serde(rename = "pwf")]
    fingerprint: String,
    iat: i64,
    exp: i64,
    aud: String,
}

/// A verified password-reset token.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordResetGrant {
    /// The subject's id.
    pub subject: i64,
    /// The fingerprint of the password hash the token was issued against.
    pub fingerprint: String,
}

impl std::fmt::Debug for PasswordResetGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordResetGrant").field("subject", &self.subject).finish_non_exhaustive()
    }
}

impl JwtKeys {
    /// Issues a password-reset token for `subject`, bound to `fingerprint`, valid for `ttl`
    /// from `now`. Its `type` is `password_reset`: it verifies as nothing else.
    pub fn issue_password_reset(
        &self,
        subject: i64,
        fingerprint: &str,
        now: Timestamp,
        ttl: Duration,
    ) -> Result<String, DomainError> {
        let claims = PasswordResetClaims {
            token_type: "password_reset".to_owned(),
            sub: subject,
            fingerprint: fingerprint.to_owned(),
            iat: now.as_secs(),
            exp: now.plus(ttl).as_secs(),
            aud: self.realm.audience().to_owned(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|error| DomainError::Internal(format!("jwt encode: {error}")))
    }

    /// Verifies a password-reset token (signature, audience, type, expiry); every failure is
    /// [`DomainError::Unauthorized`].
    pub fn verify_password_reset(&self, token: &str, now: Timestamp) -> Result<PasswordResetGrant, DomainError> {
        let claims = decode::<PasswordResetClaims>(token, &self.decoding, &self.validation)
            .map_err(|_| DomainError::Unauthorized)?
            .claims;
        if claims.token_type != "password_reset" || claims.exp <= now.as_secs() {
            return Err(DomainError::Unauthorized);
        }
        Ok(PasswordResetGrant { subject: claims.sub, fingerprint: claims.fingerprint })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    fn keys(realm: Realm) -> JwtKeys {
        JwtKeys::new(realm, b"0123456789abcdef0123456789abcdef")
    }

    #[test]
    fn a_token_verifies_in_its_realm_and_style_only() {
        let now = Timestamp::from_millis(1_800_000_000_000);
        let session = SessionId("s1".into());
        let token = keys(Realm::Api).issue(ClaimStyle::Legacy, 7, &session, now, Duration::from_secs(60)).unwrap();
        let verified = keys(Realm::Api).verify(&token, ClaimStyle::Legacy, now).unwrap();
        assert_eq!((verified.subject, verified.session), (7, session));
        assert!(keys(Realm::Admin).verify(&token, ClaimStyle::Legacy, now).is_err());
        assert!(keys(Realm::Api).verify(&token, ClaimStyle::Access, now).is_err());
        assert!(keys(Realm::Api).verify(&token, ClaimStyle::Legacy, now.plus(Duration::from_secs(60))).is_err());
    }

    #[test]
    fn unsigned_and_foreign_tokens_are_refused() {
        let now = Timestamp::from_millis(1_800_000_000_000);
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let body = URL_SAFE_NO_PAD.encode(br#"{"id":1,"sid":"s","exp":9999999999,"aud":"api"}"#);
        assert!(keys(Realm::Api).verify(&format!("{header}.{body}."), ClaimStyle::Legacy, now).is_err());
        let other = JwtKeys::new(Realm::Api, b"another secret of enough length!");
        let token = other.issue(ClaimStyle::Legacy, 1, &SessionId("s".into()), now, Duration::from_secs(60)).unwrap();
        assert!(keys(Realm::Api).verify(&token, ClaimStyle::Legacy, now).is_err());
    }

    #[test]
    fn password_reset_and_access_tokens_never_pass_for_each_other() {
        let now = Timestamp::from_millis(1_800_000_000_000);
        let token = keys(Realm::Admin).issue_password_reset(7, "fingerprint", now, Duration::from_secs(60)).unwrap();
        let grant = keys(Realm::Admin).verify_password_reset(&token, now).unwrap();
        assert_eq!((grant.subject, grant.fingerprint.as_str()), (7, "fingerprint"));
        assert!(keys(Realm::Admin).verify(&token, ClaimStyle::Access, now).is_err());
        assert!(keys(Realm::Api).verify_password_reset(&token, now).is_err());
        assert!(keys(Realm::Admin).verify_password_reset(&token, now.plus(Duration::from_secs(60))).is_err());
        let access = keys(Realm::Admin)
            .issue(ClaimStyle::Access, 1, &SessionId("s".into()), now, Duration::from_secs(60))
            .unwrap();
        assert!(keys(Realm::Admin).verify_password_reset(&access, now).is_err());
    }
}
