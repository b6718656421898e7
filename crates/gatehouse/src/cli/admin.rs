//! `gatehouse admin create | reset-password | list`: the same domain functions, and so the same
//! rules, as the admin API (an admin is created whole, with exactly one role, in one
//! transaction).

use super::domain_error;
use super::open::{self, Access};
use crate::config::Config;
use clap::Subcommand;
use gatehouse_domain::admins::AdminProfile;
use gatehouse_domain::model::{Admin, AdminListQuery};
use gatehouse_domain::query::Window;
use gatehouse_domain::{Caller, DomainError};
use std::io::Write;

#[derive(Debug, Subcommand)]
pub(crate) enum AdminCommand {
    /// Create an active admin, whole, in one transaction (the way to get the first admin
    /// without the API). The first admin created also claims the installation, like
    /// POST /admin/register-admin.
    Create {
        /// Email (login).
        #[arg(long)]
        email: String,
        /// Password: 8+ characters (at most 1024 bytes) with a lower-case letter, an upper-case
        /// letter and a digit.
        #[arg(long, env = "GATEHOUSE_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
        /// First name (required, not blank).
        #[arg(long)]
        firstname: String,
        /// Last name.
        #[arg(long)]
        lastname: Option<String>,
        /// The admin's one role: a role code (strapi-super-admin) or short name (super-admin,
        /// editor, author). Like Strapi's admin:create-user, the default is Super Admin,
        /// whether or not other admins exist.
        #[arg(long, default_value = "super-admin")]
        role: String,
    },
    /// Set an admin's password and end its sessions.
    ResetPassword {
        /// The admin's email.
        #[arg(long)]
        email: String,
        /// The new password (same rules as for create).
        #[arg(long, env = "GATEHOUSE_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// List admins (soft-deleted ones too, marked).
    List,
}

pub(crate) async fn run(config: &Config, command: AdminCommand) -> anyhow::Result<()> {
    let access = if matches!(command, AdminCommand::List) { Access::Read } else { Access::Write };
    let domain = open::domain(config, access).await?;
    let mut out = std::io::stdout().lock();
    match command {
        AdminCommand::Create { email, password, firstname, lastname, role } => {
            let profile = AdminProfile { firstname, lastname, password: password.into() };
            let admin = domain.create_admin_by_cli(&email, profile, &role).await.map_err(admin_error)?;
            writeln!(out, "created admin {} <{}> ({})", admin.id, admin.email, role_codes(&admin))?;
        }
        AdminCommand::ResetPassword { email, password } => {
            let admin = domain.reset_admin_password_by_cli(&email, &password).await.map_err(admin_error)?;
            writeln!(out, "password set for admin {} <{}>; its sessions are ended", admin.id, admin.email)?;
        }
        AdminCommand::List => {
            let query = AdminListQuery {
                window: Window::page_of_at_most(1, 100_000, 100_000).unwrap_or_default(),
                with_deleted: true,
                ..AdminListQuery::default()
            };
            let (admins, _) = domain.list_admins(&Caller::system(), &query).await.map_err(domain_error)?;
            // The header and the empty note go to standard error: standard output holds rows only.
            eprintln!("id\temail\tname\tstate\troles");
            if admins.is_empty() {
                eprintln!("no admins (create the first with `gatehouse admin create`)");
            }
            for admin in admins {
                let state = match (admin.deleted_at, admin.blocked, admin.is_active) {
                    (Some(_), _, _) => "deleted",
                    (None, true, _) => "blocked",
                    (None, false, false) => "pending",
                    (None, false, true) => "active",
                };
                writeln!(
                    out,
                    "{}\t{}\t{} {}\t{state}\t{}",
                    admin.id,
                    admin.email,
                    admin.firstname,
                    admin.lastname.as_deref().unwrap_or(""),
                    role_codes(&admin)
                )?;
            }
        }
    }
    Ok(())
}

fn role_codes(admin: &Admin) -> String {
    admin.roles.iter().map(|role| role.code.as_str()).collect::<Vec<_>>().join(",")
}

fn admin_error(error: DomainError) -> anyhow::Error {
    match error {
        DomainError::Conflict(_) => anyhow::anyhow!("an admin with this email exists already"),
        DomainError::NotFound(_) => anyhow::anyhow!("no admin with this email"),
        other => domain_error(other),
    }
}
