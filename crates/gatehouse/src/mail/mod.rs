//! Outgoing mail: the [`Mailer`] port with two implementations — SMTP (lettre; plain,
//! STARTTLS or TLS, everything in `mail.smtp_url`) and the zero-configuration default that
//! writes each mail to the log — plus the sandboxed [`Templates`] and the background
//! [`sender`] that delivers the outbox.
//!
//! Use cases never send mail themselves: they queue it in the `mails` outbox in the same
//! transaction as the token it carries, so a mail is never lost and sending never holds a
//! database transaction open.

pub mod sender;
pub mod templates;

use async_trait::async_trait;
use gatehouse_domain::Secret;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

pub use templates::{RenderedMail, Templates};

/// How the SMTP connection is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain text (`smtp://`), for a local relay or a test sink.
    None,
    /// Upgrade with STARTTLS (`smtp://…?tls=starttls`).
    StartTls,
    /// TLS from the first byte (`smtps://`).
    Tls,
}

/// The parts of `mail.smtp_url`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpSettings {
    /// Server host.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Login, when the URL has one.
    pub username: Option<String>,
    /// Password, when the URL has one.
    pub password: Option<Secret>,
    /// Transport security.
    pub tls: TlsMode,
}

impl SmtpSettings {
    /// Reads `smtp://user:pass@host:port`, `smtp://…?tls=starttls` or `smtps://…`.
    pub fn parse(raw: &str) -> Result<SmtpSettings, String> {
        let url = url::Url::parse(raw).map_err(|error| format!("not a URL: {error}"))?;
        let tls_query = url.query_pairs().find(|(key, _)| key == "tls").map(|(_, value)| value.to_string());
        let tls = match (url.scheme(), tls_query.as_deref()) {
            ("smtps", None | Some("tls")) => TlsMode::Tls,
            ("smtp", None | Some("none")) => TlsMode::None,
            ("smtp", Some("starttls")) => TlsMode::StartTls,
            ("smtp", Some("tls")) => TlsMode::Tls,
            (scheme, tls) => {
                return Err(format!("unsupported scheme {scheme:?} with tls={tls:?} (use smtp:// or smtps://)"))
            }
        };
        let host = url.host_str().filter(|host| !host.is_empty()).ok_or("the URL names no host")?.to_owned();
        let default_port = match tls {
            TlsMode::None => 25,
            TlsMode::StartTls => 587,
            TlsMode::Tls => 465,
        };
        let decode = |text: &str| percent_decode(text);
        let username = (!url.username().is_empty()).then(|| decode(url.username()));
        let password = url.password().map(decode).map(Secret::from);
        Ok(SmtpSettings { host, port: url.port().unwrap_or(default_port), username, password, tls })
    }
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// Delivers rendered mails.
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends one mail; the error text is recorded for the retry.
    async fn send(&self, recipient: &str, mail: &RenderedMail) -> Result<(), String>;

    /// Whether a delivered mail's variables (the links it carried) are dropped from the outbox.
    /// True for real delivery; the log mailer keeps them so `gatehouse mail list` can show them.
    fn redacts_after_send(&self) -> bool;
}

/// Delivery over SMTP.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// A mailer for `settings`, sending as `from`.
    pub fn new(settings: &SmtpSettings, from: Mailbox) -> Result<SmtpMailer, String> {
        let builder = match settings.tls {
            TlsMode::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host),
            TlsMode::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)
                .map_err(|error| error.to_string())?,
            TlsMode::Tls => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host).map_err(|error| error.to_string())?
            }
        };
        let mut builder = builder.port(settings.port).timeout(Some(Duration::from_secs(10)));
        if let (Some(username), Some(password)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(username.clone(), password.expose().to_owned()));
        }
        Ok(SmtpMailer { transport: builder.build(), from })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, recipient: &str, mail: &RenderedMail) -> Result<(), String> {
        let to: Mailbox = recipient.parse().map_err(|error| format!("bad recipient: {error}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .multipart(MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone()))
            .map_err(|error| format!("cannot build the message: {error}"))?;
        self.transport.send(message).await.map(|_| ()).map_err(|error| error.to_string())
    }

    fn redacts_after_send(&self) -> bool {
        true
    }
}

/// The zero-configuration default: each mail goes to the log (and stays in the outbox).
pub struct LogMailer;

#[async_trait]
impl Mailer for LogMailer {
    async fn send(&self, recipient: &str, mail: &RenderedMail) -> Result<(), String> {
        tracing::info!(mail.to = recipient, mail.subject = %mail.subject, mail.text = %mail.text, "mail (no SMTP server configured)");
        Ok(())
    }

    fn redacts_after_send(&self) -> bool {
        false
    }
}

/// The mailer the configuration asks for.
pub fn mailer_for(config: &crate::config::MailConfig) -> anyhow::Result<std::sync::Arc<dyn Mailer>> {
    let Some(url) = &config.smtp_url else { return Ok(std::sync::Arc::new(LogMailer)) };
    let settings = SmtpSettings::parse(url).map_err(|error| anyhow::anyhow!("mail.smtp_url: {error}"))?;
    let from: Mailbox = config
        .from
        .as_deref()
        .unwrap_or("Gatehouse <no-reply@localhost>")
        .parse()
        .map_err(|error| anyhow::anyhow!("mail.from: {error}"))?;
    Ok(std::sync::Arc::new(
        SmtpMailer::new(&settings, from).map_err(|error| anyhow::anyhow!("mail.smtp_url: {error}"))?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_carry_host_port_credentials_and_tls() {
        let plain = SmtpSettings::parse("smtp://user:p%40ss@mail.example.com:2525").unwrap();
        assert_eq!(
            plain,
            SmtpSettings {
                host: "mail.example.com".into(),
                port: 2525,
                username: Some("user".into()),
                password: Some(Secret::from("p@ss")),
                tls: TlsMode::None
            }
        );
        assert_eq!(SmtpSettings::parse("smtp://mail.example.com?tls=starttls").unwrap().tls, TlsMode::StartTls);
        assert_eq!(SmtpSettings::parse("smtp://mail.example.com?tls=starttls").unwrap().port, 587);
        assert_eq!(SmtpSettings::parse("smtps://mail.example.com").unwrap().port, 465);
        assert!(SmtpSettings::parse("http://mail.example.com").is_err());
        assert!(SmtpSettings::parse("smtp://mail.example.com?tls=maybe").is_err());
    }
}
