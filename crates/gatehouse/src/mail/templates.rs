//! Mail templates, rendered with minijinja in a sandbox: no loader (so `include` and `import`
//! find nothing), no functions beyond the builtins, HTML auto-escaping for `.html`, and only
//! the documented variables in the context — `user.username`, `user.email`, `url`,
//! `expires_at`, `reason` (a rejected access request's) — so a template cannot read configuration, the environment or files.
//! Built-in defaults can be overridden per file from `mail.templates_dir`; every template is
//! rendered once with sample values when loaded, so a broken one stops the start-up instead of
//! a mail.

use anyhow::{bail, Context};
use gatehouse_domain::model::MailKind;
use minijinja::{Environment, UndefinedBehavior};
use serde_json::{json, Value};
use std::path::Path;

/// One mail, ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedMail {
    /// One line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body (auto-escaped).
    pub html: String,
}

const KINDS: [MailKind; 6] = MailKind::ALL;
const PARTS: [&str; 3] = ["subject", "txt", "html"];

fn builtin(kind: MailKind, part: &str) -> &'static str {
    match (kind, part) {
        (MailKind::EmailConfirmation, "subject") => include_str!("default_templates/email_confirmation.subject"),
        (MailKind::EmailConfirmation, "txt") => include_str!("default_templates/email_confirmation.txt"),
        (MailKind::EmailConfirmation, _) => include_str!("default_templates/email_confirmation.html"),
        (MailKind::ResetPassword, "subject") => include_str!("default_templates/reset_password.subject"),
        (MailKind::ResetPassword, "txt") => include_str!("default_templates/reset_password.txt"),
        (MailKind::ResetPassword, _) => include_str!("default_templates/reset_password.html"),
        (MailKind::Invite, "subject") => include_str!("default_templates/invite.subject"),
        (MailKind::Invite, "txt") => include_str!("default_templates/invite.txt"),
        (MailKind::Invite, _) => include_str!("default_templates/invite.html"),
        (MailKind::AccessRequestConfirmation, "subject") => {
            include_str!("default_templates/access_request_confirmation.subject")
        }
        (MailKind::AccessRequestConfirmation, "txt") => {
            include_str!("default_templates/access_request_confirmation.txt")
        }
        (MailKind::AccessRequestConfirmation, _) => include_str!("default_templates/access_request_confirmation.html"),
        (MailKind::AccessRequestApproved, "subject") => {
            include_str!("default_templates/access_request_approved.subject")
        }
        (MailKind::AccessRequestApproved, "txt") => include_str!("default_templates/access_request_approved.txt"),
        (MailKind::AccessRequestApproved, _) => include_str!("default_templates/access_request_approved.html"),
        (MailKind::AccessRequestRejected, "subject") => {
            include_str!("default_templates/access_request_rejected.subject")
        }
        (MailKind::AccessRequestRejected, "txt") => include_str!("default_templates/access_request_rejected.txt"),
        (MailKind::AccessRequestRejected, _) => include_str!("default_templates/access_request_rejected.html"),
    }
}

/// The loaded templates.
pub struct Templates {
    environment: Environment<'static>,
}

/// Keeps only the documented variables.
fn documented(variables: &Value) -> Value {
    json!({
        "user": {
            "username": variables["user"]["username"],
            "email": variables["user"]["email"],
        },
        "url": variables["url"],
        "expires_at": variables["expires_at"],
        "reason": variables["reason"],
    })
}

impl Templates {
    /// The built-in templates, with files from `dir` replacing those they name.
    pub fn load(dir: Option<&str>) -> anyhow::Result<Templates> {
        let mut environment = Environment::new();
        environment.set_undefined_behavior(UndefinedBehavior::Lenient);
        // Auto-escape by file name: HTML parts are escaped, subject and text are not.
        environment.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                minijinja::AutoEscape::Html
            } else {
                minijinja::AutoEscape::None
            }
        });
        for kind in KINDS {
            for part in PARTS {
                let name = format!("{}.{part}", kind.as_str());
                let source = match dir.map(|dir| Path::new(dir).join(&name)) {
                    Some(path) if path.exists() => {
                        std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?
                    }
                    _ => builtin(kind, part).to_owned(),
                };
                environment.add_template_owned(name.clone(), source).with_context(|| format!("template {name}"))?;
            }
        }
        let templates = Templates { environment };
        let sample = json!({
            "user": {"username": "sample", "email": "sample@example.com"},
            "url": "https://example.com/confirm?token=sample",
            "expires_at": "2030-01-01T00:00:00.000Z",
            "reason": "sample",
        });
        for kind in KINDS {
            templates.render(kind, &sample)?;
        }
        if let Some(dir) = dir {
            if !Path::new(dir).is_dir() {
                bail!("{dir} is not a folder");
            }
        }
        Ok(templates)
    }

    /// Renders one mail with the documented subset of `variables`.
    pub fn render(&self, kind: MailKind, variables: &Value) -> anyhow::Result<RenderedMail> {
        let context = documented(variables);
        let part = |part: &str| -> anyhow::Result<String> {
            let name = format!("{}.{part}", kind.as_str());
            let template = self.environment.get_template(&name).with_context(|| format!("template {name}"))?;
            template.render(&context).with_context(|| format!("template {name}"))
        };
        let subject =
            part("subject")?.lines().map(str::trim).filter(|line| !line.is_empty()).collect::<Vec<_>>().join(" ");
        Ok(RenderedMail { subject, text: part("txt")?, html: part("html")? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variables() -> Value {
        json!({"user": {"username": "<b>eve</b>", "email": "eve@example.com"}, "url": "https://x.test/r?code=abc&x=1",
               "expires_at": "2030-01-01T00:00:00.000Z", "secret": "do-not-show"})
    }

    #[test]
    fn built_in_templates_render_the_link_and_escape_html() {
        let templates = Templates::load(None).unwrap();
        let mail = templates.render(MailKind::ResetPassword, &variables()).unwrap();
        assert_eq!(mail.subject, "Reset your password");
        assert!(mail.text.contains("https://x.test/r?code=abc&x=1") && mail.text.contains("<b>eve</b>"));
        assert!(mail.html.contains("&lt;b&gt;eve") && !mail.html.contains("<b>eve"), "{}", mail.html);
        assert!(mail.html.contains("code=abc&amp;x=1"), "{}", mail.html);
    }

    #[test]
    fn a_template_cannot_reach_config_environment_files_or_undocumented_variables() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("reset_password.txt"),
            "[{{ config }}][{{ env }}][{{ secret }}][{{ self }}][{{ range }}][{{ debug() }}]{{ url }}",
        )
        .unwrap();
        let templates = Templates::load(Some(dir.path().to_str().unwrap())).unwrap();
        let mail = templates.render(MailKind::ResetPassword, &variables()).unwrap();
        assert!(!mail.text.contains("do-not-show"), "{}", mail.text);
        assert!(mail.text.starts_with("[][][]"), "{}", mail.text);
        assert!(mail.text.ends_with("https://x.test/r?code=abc&x=1"), "{}", mail.text);

        std::fs::write(dir.path().join("reset_password.txt"), "{% include '/etc/passwd' %}").unwrap();
        assert!(Templates::load(Some(dir.path().to_str().unwrap())).is_err(), "no loader: include fails at load");
        std::fs::write(dir.path().join("reset_password.txt"), "{% import 'Cargo.toml' as x %}").unwrap();
        assert!(Templates::load(Some(dir.path().to_str().unwrap())).is_err());
    }
}
