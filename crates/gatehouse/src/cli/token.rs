//! `gatehouse token create | list | regenerate | delete`: API tokens through the same domain
//! functions as the admin API. A secret is printed once, alone on standard output.

use super::domain_error;
use super::open::{self, Access};
use crate::config::Config;
use anyhow::Context;
use clap::Subcommand;
use gatehouse_domain::api_tokens::ApiTokenInput;
use gatehouse_domain::ids::ApiTokenId;
use gatehouse_domain::model::{ApiToken, ApiTokenKind};
use gatehouse_domain::Caller;
use std::io::Write;

const DAY_MS: i64 = 86_400_000;

/// `--lifespan-days`: 7, 30, 90 or unlimited (the lifespans the API allows).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Lifespan(Option<i64>);

fn parse_lifespan(text: &str) -> Result<Lifespan, String> {
    match text.trim() {
        "7" => Ok(Lifespan(Some(7))),
        "30" => Ok(Lifespan(Some(30))),
        "90" => Ok(Lifespan(Some(90))),
        "unlimited" => Ok(Lifespan(None)),
        other => Err(format!("{other:?} is not an allowed lifespan: use 7, 30 or 90 (days), or unlimited")),
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// Create a token and print its secret (shown this once).
    Create {
        /// Unique name.
        #[arg(long)]
        name: String,
        /// What it may do.
        #[arg(long = "type", value_name = "TYPE", value_parser = ["read-only", "full-access", "custom", "scim"])]
        kind: String,
        /// For custom tokens: comma-separated actions (e.g. plugin::users-permissions.user.find).
        #[arg(long, value_delimiter = ',')]
        actions: Vec<String>,
        /// 7, 30 or 90 days, or unlimited [default: unlimited].
        #[arg(long, value_name = "DAYS", value_parser = parse_lifespan)]
        lifespan_days: Option<Lifespan>,
        /// Free text.
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List tokens (never their secrets).
    List,
    /// Give a token a new secret and print it; the old secret stops working.
    Regenerate {
        /// Token id.
        id: i64,
    },
    /// Delete a token.
    Delete {
        /// Token id.
        id: i64,
    },
}

pub(crate) async fn run(config: &Config, command: TokenCommand) -> anyhow::Result<()> {
    let access = if matches!(command, TokenCommand::List) { Access::Read } else { Access::Write };
    let domain = open::domain(config, access).await?;
    let caller = Caller::system();
    let mut out = std::io::stdout().lock();
    match command {
        TokenCommand::Create { name, kind, actions, lifespan_days, description } => {
            let kind =
                ApiTokenKind::from_name(&kind).context("--type must be read-only, full-access, custom or scim")?;
            let actions: Vec<String> = actions.iter().map(|name| name.trim().to_owned()).collect();
            if kind == ApiTokenKind::Custom && actions.is_empty() {
                anyhow::bail!("a custom token needs --actions");
            }
            let lifespan_ms = lifespan_days.and_then(|Lifespan(days)| days).map(|days| days * DAY_MS);
            let input = ApiTokenInput { name, description, kind, lifespan_ms, actions };
            let issued = domain.create_api_token(&caller, input).await.map_err(domain_error)?;
            eprintln!("{}", describe_token(&issued.token));
            writeln!(out, "{}", issued.secret.expose())?;
        }
        TokenCommand::List => {
            let tokens = domain.list_api_tokens(&caller).await.map_err(domain_error)?;
            // The header and the empty note go to standard error: standard output holds rows only.
            eprintln!("id\tname\ttype\texpiry\tlast use\tactions");
            if tokens.is_empty() {
                eprintln!("no API tokens");
            }
            for token in tokens {
                writeln!(out, "{}", describe_token(&token))?;
            }
        }
        TokenCommand::Regenerate { id } => {
            let issued = domain.regenerate_api_token(&caller, ApiTokenId(id)).await.map_err(domain_error)?;
            eprintln!("{}", describe_token(&issued.token));
            writeln!(out, "{}", issued.secret.expose())?;
        }
        TokenCommand::Delete { id } => {
            let token = domain.delete_api_token(&caller, ApiTokenId(id)).await.map_err(domain_error)?;
            writeln!(out, "deleted {}", describe_token(&token))?;
        }
    }
    Ok(())
}

fn describe_token(token: &ApiToken) -> String {
    let expires =
        token.expires_at.map_or_else(|| "never expires".to_owned(), |at| format!("expires {}", at.to_rfc3339()));
    let used =
        token.last_used_at.map_or_else(|| "never used".to_owned(), |at| format!("last used {}", at.to_rfc3339()));
    let actions = if token.actions.is_empty() { String::new() } else { format!(" [{}]", token.actions.join(", ")) };
    format!("{}\t{}\t{}\t{expires}\t{used}{actions}", token.id, token.name, token.kind.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifespans_are_the_ones_the_api_allows() {
        assert_eq!(parse_lifespan("30"), Ok(Lifespan(Some(30))));
        assert_eq!(parse_lifespan("unlimited"), Ok(Lifespan(None)));
        let refused = parse_lifespan("5").unwrap_err();
        assert!(refused.contains("7, 30 or 90"), "{refused}");
        for days in [7, 30, 90] {
            assert!(gatehouse_domain::api_tokens::LIFESPANS_MS.contains(&(days * DAY_MS)));
        }
    }
}
