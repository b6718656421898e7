//! Strapi wire conformance: every recorded Strapi 5 transcript (`tests/strapi/transcripts`) is
//! replayed entry by entry against a fresh Gatehouse in the matching configuration, and each
//! answer is compared with Strapi's (status, JSON shape, error name and message).
//!
//! Where the limiter runs (the defaults phase), Strapi's `X-RateLimit-*` headers are compared
//! too. A difference fails the test unless [`allowed::ALLOWED`] lists it, word for word, with the
//! passage of `docs/api-conventions.md` that explains it; a listed difference that no longer
//! occurs fails too, so the list shrinks as Gatehouse converges.

mod allowed;
mod replay;

use crate::support::smtp::SmtpSink;
use crate::support::TestServer;
use allowed::{Allowed, ALLOWED};
use gatehouse::config::{Config, JwtModeConfig};
use replay::{Cast, JwtRef, Outcome, Replay};

/// The main phase, in recording order (one Strapi instance recorded them one after another).
const MAIN: &[&str] = &[
    "bootstrap.json",
    "register.json",
    "login.json",
    "me.json",
    "users_list.json",
    "users_crud.json",
    "blocked.json",
    "password_flows.json",
    "sessions_refresh.json",
    "roles.json",
    "admin.json",
    "jwt.json",
];
const LEGACY: &[&str] = &["legacy_mode.json", "jwt_legacy.json"];
const DEFAULTS: &[&str] = &["defaults_prod_http.json", "ratelimit.json"];

/// Whose credentials the recording used in each file.
struct Recording;

impl Cast for Recording {
    fn user(&self, file: &str) -> &'static str {
        match file {
            "blocked.json" => "carol",
            "password_flows.json" => "frank",
            "sessions_refresh.json" => "grace",
            "legacy_mode.json" | "jwt_legacy.json" => "leg393772",
            _ => "alice",
        }
    }

    fn jwt(&self, file: &str, entry: &str) -> JwtRef {
        match file {
            "blocked.json" if entry.starts_with("carol") => JwtRef::Registration("carol"),
            "blocked.json" if entry.starts_with("dave") => JwtRef::Latest("dave"),
            "password_flows.json" if entry.starts_with("erin") => JwtRef::Registration("erin"),
            "password_flows.json" if entry.starts_with("frank registration JWT") => JwtRef::Registration("frank"),
            "password_flows.json" => JwtRef::Entry("frank login (fresh session for change-password)"),
            "legacy_mode.json" if entry.starts_with("me with OLD JWT") => JwtRef::Entry("login"),
            _ => JwtRef::Latest(self.user(file)),
        }
    }
}

async fn replay_phase(
    phase: &str,
    files: &[&str],
    tweak: impl FnOnce(&mut Config) + 'static,
    prelude: bool,
    rate_limited: bool,
) {
    let sink = SmtpSink::start().await;
    let smtp = sink.url();
    let server = TestServer::builder()
        .with_config(move |config| {
            config.mail.smtp_url = Some(smtp);
            config.auth.reset_password_url = Some("https://app.example.com/reset".into());
            tweak(config);
        })
        .spawn()
        .await;
    if prelude {
        // The recording reused the main phase's database: its admin already existed.
        let answer = server
            .post(
                "/admin/register-admin",
                &serde_json::json!({"email": "admin@example.com", "password": "AdminPass123", "firstname": "Ada", "lastname": "Admin"}),
                None,
            )
            .await;
        assert_eq!(answer.status, reqwest::StatusCode::OK, "prelude: {}", answer.text);
    }
    let cast = Recording;
    let mut replay = Replay::new(&server, &sink, &cast);
    if rate_limited {
        replay = replay.comparing_rate_limit_headers();
    }
    let mut outcomes = Vec::new();
    for file in files {
        for entry in replay::load(file) {
            if entry.get("request").is_some() {
                outcomes.push(replay.run(file, &entry).await);
            } else {
                outcomes.extend(replay.claims(file, &entry));
            }
        }
    }
    judge(phase, files, &outcomes);
}

/// Fails on every unlisted difference and every listed one that no longer occurs.
fn judge(phase: &str, files: &[&str], outcomes: &[Outcome]) {
    let mut failures = Vec::new();
    let (mut identical, mut allowed) = (0, 0);
    for outcome in outcomes {
        let listed = ALLOWED.iter().find(|allowed| allowed.file == outcome.file && allowed.entry == outcome.entry);
        match (outcome.differences.is_empty(), listed) {
            (true, None) => identical += 1,
            (true, Some(_)) => failures.push(format!(
                "{} / {}: listed as a difference but now answers as Strapi; remove it from allowed.rs",
                outcome.file, outcome.entry
            )),
            (false, Some(listed)) if same(listed.gatehouse, &outcome.differences) => allowed += 1,
            (false, listed) => failures.push(format!(
                "{} / {}: {}\n  {}\n  as an allowlist entry:\n    Allowed {{ file: {:?}, entry: {:?}, gatehouse: &{:?}, section: \"\", says: \"\" }},",
                outcome.file,
                outcome.entry,
                if listed.is_some() { "differs otherwise than listed" } else { "differs from Strapi" },
                outcome.trace,
                outcome.file,
                outcome.entry,
                outcome.differences,
            )),
        }
    }
    for listed in ALLOWED.iter().filter(|allowed| files.contains(&allowed.file)) {
        if !outcomes.iter().any(|outcome| outcome.file == listed.file && outcome.entry == listed.entry) {
            failures.push(format!("{} / {}: listed but not in the transcripts", listed.file, listed.entry));
        }
    }
    println!(
        "strapi conformance, {phase} phase ({}): {} entries replayed, {identical} identical, {allowed} allowed differences",
        files.join(", "),
        outcomes.len()
    );
    assert!(failures.is_empty(), "{} conformance failures:\n\n{}", failures.len(), failures.join("\n\n"));
}

/// Whether the listed lines match the differences found; `*` in a listed line stands for any
/// text (a live id or documentId).
fn same(listed: &[&str], found: &[String]) -> bool {
    listed.len() == found.len() && listed.iter().zip(found).all(|(listed, found)| glob(listed, found))
}

fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else { return false };
    let parts: Vec<&str> = parts.collect();
    for (index, part) in parts.iter().enumerate() {
        if index == parts.len() - 1 {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

#[tokio::test]
async fn strapi_main_phase_conformance() {
    replay_phase(
        "main",
        MAIN,
        |config| {
            // Strapi 5's template: refresh mode with sessions.httpOnly (the refresh cookie).
            config.auth.jwt_mode = JwtModeConfig::Refresh;
            config.auth.refresh_cookie = true;
        },
        false,
        false,
    )
    .await;
}

#[tokio::test]
async fn strapi_legacy_phase_conformance() {
    replay_phase("legacy", LEGACY, |_| {}, true, false).await;
}

#[tokio::test]
async fn strapi_defaults_phase_conformance() {
    replay_phase(
        "defaults",
        DEFAULTS,
        |config| {
            // Gatehouse's own defaults, rate limits included (test servers turn them off).
            config.rate_limit.enabled = true;
        },
        false,
        true,
    )
    .await;
}

/// Every allowed difference names a passage that `docs/api-conventions.md` really contains,
/// in the section it names.
#[test]
fn every_allowed_difference_is_documented() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/api-conventions.md");
    let doc = std::fs::read_to_string(&path).expect("docs/api-conventions.md");
    let squash = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut sections: Vec<(String, String)> = Vec::new();
    for line in doc.lines() {
        if let Some(heading) = line.strip_prefix("## ").or_else(|| line.strip_prefix("### ")) {
            sections.push((heading.trim().to_owned(), String::new()));
        } else if let Some((_, text)) = sections.last_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    let mut missing = Vec::new();
    for Allowed { file, entry, section, says, gatehouse } in ALLOWED {
        assert!(!gatehouse.is_empty(), "{file} / {entry}: an allowed difference says what Gatehouse answers");
        let found = sections.iter().any(|(heading, text)| heading == section && squash(text).contains(&squash(says)));
        if !found {
            missing.push(format!("{file} / {entry}: section {section:?} does not say {says:?}"));
        }
    }
    assert!(missing.is_empty(), "undocumented allowed differences:\n{}", missing.join("\n"));
}
