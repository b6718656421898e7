//! Renders the domain's [`UserQuery`] into SQL with sea-query, the same model for SQLite and
//! PostgreSQL. Values always travel as bound parameters; nothing from the request is pasted
//! into SQL text but the page size of a first page, a validated integer (see [`UsersSelect`]).
//!
//! Case-insensitive operators compare the folded copies (`username_folded`, `email_folded`),
//! computed in Rust, so both backends agree on non-ASCII text; an exact match on username or
//! email also goes through the folded column's unique index before checking the exact text.
//!
//! Builds statements only; runs nothing. Imports nothing from its parent `users`, which runs
//! these statements and passes its column list in.

use crate::like;
use crate::roles::COLUMNS as ROLE_COLUMNS;
use gatehouse_domain::query::{FieldRef, Filter, Operand, Operator, RoleField, UserField, UserQuery, Window};
use sea_query::{Alias, Condition, Expr, ExprTrait, Func, Iden, LikeExpr, Order, Query, SelectStatement, SimpleExpr};
use sea_query_binder::{SqlxBinder, SqlxValues};
use sea_query_postgres::{PostgresBinder, PostgresValues};
use sea_query_rusqlite::{RusqliteBinder, RusqliteValues};

/// The `users` table, for statements built with sea-query.
#[derive(Iden, Clone, Copy)]
pub(crate) enum Users {
    Table,
    Id,
    DocumentId,
    Username,
    UsernameFolded,
    Email,
    EmailFolded,
    Provider,
    PasswordHash,
    Confirmed,
    Blocked,
    RoleId,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
    DisplayName,
    Settings,
    ExternalId,
    Profile,
}

/// The `roles` table.
#[derive(Iden, Clone, Copy)]
pub(crate) enum Roles {
    Table,
    Id,
    DocumentId,
    Name,
    Description,
    Type,
}

fn user_column(field: UserField) -> Users {
    match field {
        UserField::Id => Users::Id,
        UserField::DocumentId => Users::DocumentId,
        UserField::Username => Users::Username,
        UserField::Email => Users::Email,
        UserField::Provider => Users::Provider,
        UserField::Confirmed => Users::Confirmed,
        UserField::Blocked => Users::Blocked,
        UserField::CreatedAt => Users::CreatedAt,
        UserField::UpdatedAt => Users::UpdatedAt,
        UserField::PublishedAt => Users::PublishedAt,
        UserField::Name => Users::DisplayName,
        UserField::ExternalId => Users::ExternalId,
    }
}

fn role_column(field: RoleField) -> Roles {
    match field {
        RoleField::Id => Roles::Id,
        RoleField::DocumentId => Roles::DocumentId,
        RoleField::Name => Roles::Name,
        RoleField::Type => Roles::Type,
        RoleField::Description => Roles::Description,
    }
}

fn value(operand: &Operand) -> sea_query::Value {
    match operand {
        Operand::Integer(number) => (*number).into(),
        Operand::Text(text) => text.clone().into(),
        Operand::Boolean(flag) => (*flag).into(),
        Operand::Timestamp(at) => at.as_millis().into(),
    }
}

fn text_of(operand: &Operand) -> &str {
    match operand {
        Operand::Text(text) => text,
        _ => "",
    }
}

/// A pattern from `crate::like`, with the escape character it uses.
fn escaped(pattern: String) -> LikeExpr {
    LikeExpr::new(pattern).escape('\\')
}

/// The column an operator compares: the folded copy for case-insensitive operators on username
/// and email, `LOWER(column)` for other text fields (operands are folded already).
fn compared(field: FieldRef, operator: Operator) -> SimpleExpr {
    let insensitive = operator.is_case_insensitive();
    match field {
        FieldRef::User(UserField::Username) if insensitive => Expr::col((Users::Table, Users::UsernameFolded)).into(),
        FieldRef::User(UserField::Email) if insensitive => Expr::col((Users::Table, Users::EmailFolded)).into(),
        FieldRef::User(user) if insensitive => Func::lower(Expr::col((Users::Table, user_column(user)))).into(),
        FieldRef::User(user) => Expr::col((Users::Table, user_column(user))).into(),
        FieldRef::Role(role) if insensitive => Func::lower(Expr::col((Roles::Table, role_column(role)))).into(),
        FieldRef::Role(role) => Expr::col((Roles::Table, role_column(role))).into(),
    }
}

fn never() -> SimpleExpr {
    Expr::value(1).eq(0)
}

fn comparison(field: FieldRef, operator: Operator, operands: &[Operand]) -> SimpleExpr {
    let column = || compared(field, operator);
    let first = operands.first();
    let one = || first.map(value).unwrap_or(sea_query::Value::Int(None));
    let text = || first.map(text_of).unwrap_or_default();
    match operator {
        Operator::Eq => match (field, first) {
            // Through the unique index on the folded copy, then the exact text.
            (FieldRef::User(UserField::Username), Some(Operand::Text(exact))) => {
                Expr::col((Users::Table, Users::UsernameFolded))
                    .eq(gatehouse_domain::values::fold(exact))
                    .and(Expr::col((Users::Table, Users::Username)).eq(exact.clone()))
            }
            (FieldRef::User(UserField::Email), Some(Operand::Text(exact))) => {
                Expr::col((Users::Table, Users::EmailFolded))
                    .eq(gatehouse_domain::values::fold(exact))
                    .and(Expr::col((Users::Table, Users::Email)).eq(exact.clone()))
            }
            _ => column().eq(one()),
        },
        Operator::Eqi => column().eq(one()),
        Operator::Ne | Operator::Nei => column().ne(one()),
        Operator::Lt => column().lt(one()),
        Operator::Lte => column().lte(one()),
        Operator::Gt => column().gt(one()),
        Operator::Gte => column().gte(one()),
        Operator::In if operands.is_empty() => never(),
        Operator::In => column().is_in(operands.iter().map(value)),
        Operator::NotIn if operands.is_empty() => never().not(),
        Operator::NotIn => column().is_not_in(operands.iter().map(value)),
        Operator::Contains | Operator::Containsi => column().like(escaped(like::contains(text()))),
        Operator::NotContains | Operator::NotContainsi => column().not_like(escaped(like::contains(text()))),
        Operator::StartsWith | Operator::StartsWithi => column().like(escaped(like::starts_with(text()))),
        Operator::EndsWith | Operator::EndsWithi => column().like(escaped(like::ends_with(text()))),
        Operator::Between => match operands {
            [low, high] => column().between(value(low), value(high)),
            _ => never(),
        },
        Operator::Null | Operator::NotNull => {
            let wants_null = matches!(first, Some(Operand::Boolean(true))) == (operator == Operator::Null);
            if wants_null {
                column().is_null()
            } else {
                column().is_not_null()
            }
        }
    }
}

fn condition(filter: &Filter) -> Condition {
    match filter {
        Filter::All(children) => children.iter().fold(Condition::all(), |all, child| all.add(condition(child))),
        Filter::Any(children) if children.is_empty() => Condition::all().add(never()),
        Filter::Any(children) => children.iter().fold(Condition::any(), |any, child| any.add(condition(child))),
        Filter::Not(child) => condition(child).not(),
        Filter::Compare { field, operator, operands } => Condition::all().add(comparison(*field, *operator, operands)),
    }
}

fn join_roles(select: &mut SelectStatement) {
    select.left_join(Roles::Table, Expr::col((Roles::Table, Roles::Id)).equals((Users::Table, Users::RoleId)));
}

fn order(select: &mut SelectStatement, query: &UserQuery) {
    let mut sorted_by_id = false;
    for key in &query.sort {
        sorted_by_id |= key.field == UserField::Id;
        let order = if key.descending { Order::Desc } else { Order::Asc };
        select.order_by((Users::Table, user_column(key.field)), order);
    }
    if !sorted_by_id {
        // The id breaks ties, so pages never overlap or skip.
        select.order_by((Users::Table, Users::Id), Order::Asc);
    }
}

/// A page of users (`user_columns`, i.e. `users::COLUMNS`, then `roles::role_columns!` when
/// roles are asked for), as a deferred join: the inner query finds the page's ids (filter,
/// sort, `LIMIT`/`OFFSET`) through the narrowest index that serves — on
/// PostgreSQL an index-only scan of the primary key, on SQLite `users_id_idx` (migration 0005) —
/// so a deep `OFFSET` skips index entries, not rows; the outer query fetches just those rows.
/// At 1,000,000 users this took PostgreSQL's page 1000 from 14.6× to 2.7× its first page.
/// `SELECT users… [, roles…] FROM users [LEFT JOIN roles] WHERE users.id IN
///  (SELECT users.id FROM users [LEFT JOIN roles] WHERE … ORDER BY … LIMIT … OFFSET …) ORDER BY …`
///
/// A shallow page (an offset under [`DEFERRED_JOIN_FROM`]) skips next to nothing, so it reads
/// its rows directly, one statement level less (a user has one role, so the join never adds
/// rows): `SELECT … FROM users [LEFT JOIN roles] WHERE … ORDER BY … LIMIT … OFFSET …`.
///
/// A first page writes its `LIMIT` into the text instead of binding it (see [`UsersSelect`]).
pub(crate) fn select_users(query: &UserQuery, user_columns: &'static str) -> UsersSelect {
    let window = &query.window;
    if window.offset() == 0 && window.limit() <= Window::MAX_LIMIT {
        return UsersSelect {
            statement: shallow_page(query, user_columns),
            first_page_limit: Some(window.sql_limit()),
        };
    }
    let statement = if window.offset() < DEFERRED_JOIN_FROM {
        let mut statement = shallow_page(query, user_columns);
        statement.limit(window.limit()).offset(window.offset());
        statement
    } else {
        deferred_join(query, user_columns)
    };
    UsersSelect { statement, first_page_limit: None }
}

/// A users select, with the `LIMIT` of a first page kept apart from the bound values.
///
/// PostgreSQL cannot know how many rows a bound `LIMIT` wants, so it prices a prepared
/// statement's generic plan for a tenth of the table, never picks it, and plans the statement
/// again at every execution: on a page of 25 that planning cost as much as the read itself. A
/// literal limit lets the generic plan be used, at the price of one cached statement per page
/// size; so only a page size of at most [`Window::MAX_LIMIT`] is written. Later pages keep both
/// values bound, so that walking through the pages does not fill the statement cache.
pub(crate) struct UsersSelect {
    statement: SelectStatement,
    first_page_limit: Option<i64>,
}

impl UsersSelect {
    fn build_with<V>(&self, build: impl FnOnce(&SelectStatement) -> (String, V)) -> (String, V) {
        let (mut sql, values) = build(&self.statement);
        if let Some(limit) = self.first_page_limit {
            sql.push_str(" LIMIT ");
            sql.push_str(&limit.to_string());
        }
        (sql, values)
    }

    /// The SQL text and the bound values, for any sea-query builder.
    #[cfg(test)]
    pub(crate) fn build<T: sea_query::QueryBuilder>(&self, builder: T) -> (String, sea_query::Values) {
        self.build_with(|statement| statement.build(builder))
    }
}

impl SqlxBinder for UsersSelect {
    fn build_sqlx<T: sea_query::QueryBuilder>(&self, builder: T) -> (String, SqlxValues) {
        self.build_with(|statement| statement.build_sqlx(builder))
    }

    fn build_any_sqlx(&self, builder: &dyn sea_query::QueryBuilder) -> (String, SqlxValues) {
        self.build_with(|statement| statement.build_any_sqlx(builder))
    }
}

impl RusqliteBinder for UsersSelect {
    fn build_rusqlite<T: sea_query::QueryBuilder>(&self, builder: T) -> (String, RusqliteValues) {
        self.build_with(|statement| statement.build_rusqlite(builder))
    }
}

impl PostgresBinder for UsersSelect {
    fn build_postgres<T: sea_query::QueryBuilder>(&self, builder: T) -> (String, PostgresValues) {
        self.build_with(|statement| statement.build_postgres(builder))
    }
}

/// Whether the page `query` asks for is short to read at any table size, by the plan its
/// statement gets: one row found through a unique index (id, document id, email, username), or a shallow page
/// of at most [`Window::MAX_LIMIT`] rows of the whole table in id order (the primary key's index,
/// a few rows past the offset). What a
/// pipelined connection may run without holding up the reads queued behind it.
pub(crate) fn is_short_read(query: &UserQuery) -> bool {
    let in_id_order = query.sort.iter().all(|key| key.field == UserField::Id);
    finds_one_by_unique_key(&query.filter)
        || (query.filter.is_everything()
            && in_id_order
            && query.window.offset() < DEFERRED_JOIN_FROM
            && query.window.limit() <= Window::MAX_LIMIT)
}

/// Whether `filter` holds for at most one user, found through a unique index.
fn finds_one_by_unique_key(filter: &Filter) -> bool {
    match filter {
        Filter::All(children) => children.iter().any(finds_one_by_unique_key),
        Filter::Compare { field: FieldRef::User(field), operator, operands } if operands.len() == 1 => {
            match (field, operator) {
                (UserField::Id, Operator::Eq) => true,
                (UserField::DocumentId, Operator::Eq) => matches!(operands.first(), Some(Operand::Text(_))),
                (UserField::Email | UserField::Username, Operator::Eq | Operator::Eqi) => {
                    matches!(operands.first(), Some(Operand::Text(_)))
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// A page read directly (see [`select_users`]), without its window.
fn shallow_page(query: &UserQuery, user_columns: &'static str) -> SelectStatement {
    let mut select = Query::select();
    select.from(Users::Table).expr(Expr::cust(user_columns));
    if query.with_role || query.filter.mentions_role() {
        join_roles(&mut select);
    }
    if query.with_role {
        select.expr(Expr::cust(ROLE_COLUMNS));
    }
    select.cond_where(condition(&query.filter));
    order(&mut select, query);
    select
}

/// A deep page, its ids found first (see [`select_users`]).
fn deferred_join(query: &UserQuery, user_columns: &'static str) -> SelectStatement {
    let mut page = Query::select();
    page.from(Users::Table).column((Users::Table, Users::Id));
    if query.filter.mentions_role() {
        join_roles(&mut page);
    }
    page.cond_where(condition(&query.filter));
    order(&mut page, query);
    page.limit(query.window.limit()).offset(query.window.offset());

    let mut select = Query::select();
    select.from(Users::Table).expr(Expr::cust(user_columns));
    if query.with_role {
        join_roles(&mut select);
        select.expr(Expr::cust(ROLE_COLUMNS));
    }
    select.and_where(Expr::col((Users::Table, Users::Id)).in_subquery(page));
    order(&mut select, query);
    select
}

/// The offset from which a page finds its ids first (see [`select_users`]).
const DEFERRED_JOIN_FROM: u64 = 1_000;

/// The one-row table holding the number of users, kept by triggers (migration 0012).
#[derive(Iden, Clone, Copy)]
enum UserCount {
    Table,
    Id,
    Total,
}

/// `SELECT COUNT(*) AS count FROM users [LEFT JOIN roles] WHERE …`, or, without a condition,
/// `SELECT total AS count FROM user_count WHERE id = 1`: the maintained total (migration 0012)
/// instead of a scan of the whole table.
pub(crate) fn count_users(filter: &Filter) -> SelectStatement {
    let mut select = Query::select();
    if filter.is_everything() {
        select
            .from(UserCount::Table)
            .expr_as(Expr::col(UserCount::Total), Alias::new("count"))
            .and_where(Expr::col(UserCount::Id).eq(1));
        return select;
    }
    select.from(Users::Table).expr_as(Expr::col((Users::Table, Users::Id)).count(), Alias::new("count"));
    if filter.mentions_role() {
        join_roles(&mut select);
    }
    select.cond_where(condition(filter));
    select
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::like::like_literal;
    use gatehouse_domain::query::SortKey;
    use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

    fn filter(field: FieldRef, operator: Operator, raw: &[&str]) -> Filter {
        let raw: Vec<String> = raw.iter().map(|text| (*text).to_owned()).collect();
        Filter::compare(field, operator, &raw, "test").unwrap()
    }

    #[test]
    fn values_are_bound_never_pasted() {
        let query = UserQuery {
            filter: filter(FieldRef::User(UserField::Username), Operator::Contains, &["x'; DROP TABLE users; --"]),
            ..UserQuery::default()
        };
        let (sql, _values) = select_users(&query, crate::users::COLUMNS).build(PostgresQueryBuilder);
        assert!(!sql.contains("DROP"), "{sql}");
        assert!(sql.contains("LIKE $1 ESCAPE"), "{sql}");
    }

    #[test]
    fn exact_username_goes_through_the_folded_index() {
        let query = UserQuery {
            filter: filter(FieldRef::User(UserField::Username), Operator::Eq, &["Alice"]),
            sort: vec![SortKey { field: UserField::CreatedAt, descending: true }],
            window: Window::starting_at(5_000, 25).unwrap(),
            ..UserQuery::default()
        };
        let (sql, values) = select_users(&query, crate::users::COLUMNS).build(SqliteQueryBuilder);
        assert!(sql.contains(r#""users"."username_folded" = ?"#), "{sql}");
        assert!(sql.contains(r#""users"."id" IN (SELECT "users"."id" FROM "users""#), "deferred join: {sql}");
        assert!(sql.contains(r#"ORDER BY "users"."created_at" DESC, "users"."id" ASC LIMIT ? OFFSET ?)"#), "{sql}");
        assert_eq!(values.0[0], sea_query::Value::String(Some(Box::new("alice".into()))));
    }

    #[test]
    fn a_shallow_page_reads_its_rows_directly() {
        let query = UserQuery {
            filter: filter(FieldRef::Role(RoleField::Type), Operator::Eq, &["authenticated"]),
            window: Window::starting_at(50, 25).unwrap(),
            with_role: true,
            ..UserQuery::default()
        };
        let (sql, _) = select_users(&query, crate::users::COLUMNS).build(SqliteQueryBuilder);
        assert!(!sql.contains(" IN (SELECT"), "no deferred join: {sql}");
        assert_eq!(sql.matches("LEFT JOIN").count(), 1, "roles joined once for the filter and the columns: {sql}");
        assert!(sql.ends_with(r#"ORDER BY "users"."id" ASC LIMIT ? OFFSET ?"#), "{sql}");
    }

    #[test]
    fn a_first_page_writes_its_limit_and_binds_the_rest() {
        let query = UserQuery {
            filter: filter(FieldRef::User(UserField::Email), Operator::Eq, &["a@example.com"]),
            window: Window::starting_at(0, 25).unwrap(),
            ..UserQuery::default()
        };
        let (sql, values) = select_users(&query, crate::users::COLUMNS).build(PostgresQueryBuilder);
        assert!(sql.ends_with(r#"ORDER BY "users"."id" ASC LIMIT 25"#), "{sql}");
        assert!(!sql.contains("OFFSET"), "{sql}");
        assert_eq!(values.0.len(), 2, "the folded and the exact email, nothing else: {sql}");

        let second = UserQuery { window: Window::starting_at(25, 25).unwrap(), ..query };
        let (sql, values) = select_users(&second, crate::users::COLUMNS).build(PostgresQueryBuilder);
        assert!(sql.ends_with("LIMIT $3 OFFSET $4"), "later pages share one statement: {sql}");
        assert_eq!(values.0.len(), 4);
    }

    #[test]
    fn only_unique_key_lookups_and_shallow_id_pages_are_short_reads() {
        let by_email = UserQuery {
            filter: filter(FieldRef::User(UserField::Email), Operator::Eq, &["a@example.com"]),
            ..UserQuery::default()
        };
        assert!(is_short_read(&by_email));
        let first_page = UserQuery::default();
        assert!(is_short_read(&first_page));
        let contains = UserQuery {
            filter: filter(FieldRef::User(UserField::Username), Operator::Contains, &["a"]),
            ..UserQuery::default()
        };
        assert!(!is_short_read(&contains), "a LIKE scans the table");
        let by_name = UserQuery {
            sort: vec![gatehouse_domain::query::SortKey { field: UserField::Username, descending: false }],
            ..UserQuery::default()
        };
        assert!(!is_short_read(&by_name), "sorting the whole table is not short");
        let deep = UserQuery { window: Window::starting_at(5_000, 25).unwrap(), ..UserQuery::default() };
        assert!(!is_short_read(&deep));
        let any = UserQuery {
            filter: Filter::Any(vec![by_email.filter.clone(), contains.filter.clone()]),
            ..UserQuery::default()
        };
        assert!(!is_short_read(&any), "an alternative with a scan is not short");
    }

    #[test]
    fn like_wildcards_in_values_are_escaped() {
        assert_eq!(like_literal(r"50%_off\"), r"50\%\_off\\");
    }

    #[test]
    fn role_filters_join_roles() {
        let query = UserQuery {
            filter: filter(FieldRef::Role(RoleField::Type), Operator::Eq, &["authenticated"]),
            ..UserQuery::default()
        };
        let (sql, _) = select_users(&query, crate::users::COLUMNS).build(SqliteQueryBuilder);
        assert!(sql.contains(r#"LEFT JOIN "roles""#), "{sql}");
        let (count, _) = count_users(&query.filter).build(SqliteQueryBuilder);
        assert!(count.contains(r#"LEFT JOIN "roles""#) && count.contains("COUNT"), "{count}");
    }
}
