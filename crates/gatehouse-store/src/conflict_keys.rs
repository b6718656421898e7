//! Which unique key a refused write hit, as one table shared by both backends.
//!
//! PostgreSQL names the constraint (or unique index) it enforced; SQLite names only the
//! columns, which `sqlite` turns into the name PostgreSQL would give the same key
//! (`<table>_<columns>_key`, `<table>_pkey`). Every unique index in the migrations follows that
//! convention, so one name-to-key table serves both. Unknown names become
//! [`ConflictKey::Other`] with the same text on both backends.
//!
//! Imports nothing from the rest of this crate.

use gatehouse_domain::ports::ConflictKey;

/// The unique keys the domain tells apart, by constraint or unique index name.
const KEYS: &[(&str, ConflictKey)] = &[
    ("users_email_folded_key", ConflictKey::Email),
    ("users_username_folded_key", ConflictKey::Username),
    ("roles_type_key", ConflictKey::RoleType),
    ("api_tokens_name_folded_key", ConflictKey::ApiTokenName),
    ("admins_email_folded_key", ConflictKey::Email),
    ("admins_username_folded_key", ConflictKey::Username),
    ("admin_roles_code_key", ConflictKey::RoleType),
    ("user_groups_display_name_folded_key", ConflictKey::GroupName),
];

/// The key a unique violation of constraint `name` means.
pub(crate) fn conflict_key(name: &str) -> ConflictKey {
    KEYS.iter()
        .find(|(known, _)| *known == name)
        .map(|(_, key)| key.clone())
        .unwrap_or_else(|| ConflictKey::Other(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_key_is_an_index_of_both_migration_sets() {
        let sqlite = [
            include_str!("../migrations/sqlite/0001_foundation.sql"),
            include_str!("../migrations/sqlite/0002_users_permissions.sql"),
            include_str!("../migrations/sqlite/0004_admin_realm.sql"),
            include_str!("../migrations/sqlite/0015_admin_provisioned_profile.sql"),
            include_str!("../migrations/sqlite/0014_user_groups.sql"),
        ]
        .concat();
        let postgres = [
            include_str!("../migrations/postgres/0001_foundation.sql"),
            include_str!("../migrations/postgres/0002_users_permissions.sql"),
            include_str!("../migrations/postgres/0004_admin_realm.sql"),
            include_str!("../migrations/postgres/0015_admin_provisioned_profile.sql"),
            include_str!("../migrations/postgres/0014_user_groups.sql"),
        ]
        .concat();
        for (name, _) in KEYS {
            let index = format!("CREATE UNIQUE INDEX {name} ON");
            assert!(sqlite.contains(&index) && postgres.contains(&index), "{name} is not a unique index of both");
        }
    }

    #[test]
    fn unknown_names_are_kept() {
        assert_eq!(conflict_key("users_email_folded_key"), ConflictKey::Email);
        assert_eq!(conflict_key("admin_bootstrap_pkey"), ConflictKey::Other("admin_bootstrap_pkey".into()));
    }
}
