//! `gatehouse admin create | reset-password | list | requests list|approve|reject`: the same domain functions, and so the same
//! rules, as the admin API (an admin is created whole, with exactly one role, in one
//! transaction).

use super::domain_error;
use super::open::{self, Access};
use crate::config::Config;
use clap::Subcommand;
use gatehouse_domain::admins::AdminProfile;
use gatehouse_domain::ids::AccessRequestId;
use gatehouse_domain::model::{AccessRequestStatus, Admin, AdminListQuery};
use gatehouse_domain::query::Window;
use gatehouse_domain::{Caller, Domain, DomainError, Rule};
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
    /// Requests for admin access: list, approve, reject.
    Requests {
        #[command(subcommand)]
        command: RequestsCommand,
    },
}

pub(crate) async fn run(config: &Config, command: AdminCommand) -> anyhow::Result<()> {
    let reads =
        matches!(command, AdminCommand::List | AdminCommand::Requests { command: RequestsCommand::List { .. } });
    let access = if reads { Access::Read } else { Access::Write };
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
        AdminCommand::Requests { command } => run_requests(&domain, command, &mut out).await?,
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

/// `gatehouse admin requests …`: requests for admin access, decided by the operator.
#[derive(Debug, Subcommand)]
pub(crate) enum RequestsCommand {
    /// List confirmed requests, newest first (tab-separated: id, email, name, status, created,
    /// message).
    List {
        /// Only this status: pending, approved, rejected or expired.
        #[arg(long)]
        status: Option<String>,
    },
    /// Approve a pending request: the admin is created active with the requested password.
    Approve {
        /// The request's id.
        id: i64,
        /// A role code (strapi-editor) or short name (editor); repeat for several. Default:
        /// admin.access_requests.default_role (author).
        #[arg(long = "role")]
        roles: Vec<String>,
    },
    /// Reject a pending request (the requester is mailed; the email is free again).
    Reject {
        /// The request's id.
        id: i64,
        /// Why (sent to the requester).
        #[arg(long)]
        reason: Option<String>,
    },
}

async fn run_requests(domain: &Domain, command: RequestsCommand, out: &mut impl Write) -> anyhow::Result<()> {
    let caller = Caller::system();
    match command {
        RequestsCommand::List { status } => {
            let status = match status.as_deref() {
                None => None,
                Some(name) => Some(AccessRequestStatus::from_name(name).ok_or_else(|| {
                    anyhow::anyhow!("--status {name:?}: one of pending, approved, rejected, expired")
                })?),
            };
            let window = Window::page_of_at_most(1, 100_000, 100_000).unwrap_or_default();
            let (requests, _) = domain.list_access_requests(&caller, status, window).await.map_err(domain_error)?;
            // The header and the empty note go to standard error: standard output holds rows only.
            eprintln!("id\temail\tname\tstatus\tcreated\tmessage");
            if requests.is_empty() {
                eprintln!("no access requests");
            }
            let now = domain.clock().now();
            for request in requests {
                let message = request.message.as_deref().unwrap_or("").replace(['\t', '\n', '\r'], " ");
                writeln!(
                    out,
                    "{}\t{}\t{} {}\t{}\t{}\t{message}",
                    request.id,
                    request.email,
                    request.firstname,
                    request.lastname.as_deref().unwrap_or(""),
                    request.status(now).as_str(),
                    request.created_at.to_rfc3339(),
                )?;
            }
        }
        RequestsCommand::Approve { id, roles } => {
            let roles = if roles.is_empty() {
                None
            } else {
                let mut ids = Vec::with_capacity(roles.len());
                for code in &roles {
                    ids.push(domain.role_id_by_code(code).await.map_err(domain_error)?.0);
                }
                Some(ids)
            };
            let admin =
                domain.approve_access_request(&caller, AccessRequestId(id), roles).await.map_err(request_error)?;
            writeln!(
                out,
                "approved request {id}: created admin {} <{}> ({})",
                admin.id,
                admin.email,
                role_codes(&admin)
            )?;
        }
        RequestsCommand::Reject { id, reason } => {
            let request =
                domain.reject_access_request(&caller, AccessRequestId(id), reason).await.map_err(request_error)?;
            writeln!(out, "rejected request {id} <{}>", request.email)?;
        }
    }
    Ok(())
}

fn request_error(error: DomainError) -> anyhow::Error {
    match error {
        DomainError::Conflict(_) => anyhow::anyhow!("an admin with this email exists already"),
        DomainError::NotFound(_) => anyhow::anyhow!("no confirmed access request with this id"),
        DomainError::Rule(Rule::AccessRequestNotPending) => {
            anyhow::anyhow!("the access request is no longer pending (decided or expired)")
        }
        other => domain_error(other),
    }
}
