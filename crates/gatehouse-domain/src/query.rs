//! One query model for listing users, whatever the surface: Strapi's bracket filters, the
//! `/api/v1` parameters and SCIM filters all parse into [`UserQuery`]. The field registry here
//! says which fields are public, filterable and sortable; private fields (password, tokens)
//! are refused at parse time exactly like unknown ones, so they can never be filtered, sorted,
//! selected or populated on. The store renders the model with a query builder for either
//! backend.

use crate::error::DomainError;
use crate::model::AccountState;
use crate::time::Timestamp;
use crate::values::fold;

/// The value type of a field, deciding how operands parse and which operators apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// 64-bit integer.
    Integer,
    /// Text.
    Text,
    /// `true` / `false`.
    Boolean,
    /// RFC 3339 date-time or `YYYY-MM-DD`.
    Timestamp,
}

/// A public user field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UserField {
    /// `id`
    Id,
    /// `document_id`
    DocumentId,
    /// `username`
    Username,
    /// `email`
    Email,
    /// `provider`
    Provider,
    /// `confirmed`
    Confirmed,
    /// `blocked`
    Blocked,
    /// `created_at`
    CreatedAt,
    /// `updated_at`
    UpdatedAt,
    /// `published_at`
    PublishedAt,
    /// `name` (the display name)
    Name,
    /// `external_id` (the id an identity provider gave the user)
    ExternalId,
}

impl UserField {
    /// Every public user field.
    pub const ALL: [UserField; 12] = [
        UserField::Id,
        UserField::DocumentId,
        UserField::Username,
        UserField::Email,
        UserField::Provider,
        UserField::Confirmed,
        UserField::Blocked,
        UserField::CreatedAt,
        UserField::UpdatedAt,
        UserField::PublishedAt,
        UserField::Name,
        UserField::ExternalId,
    ];

    /// Gatehouse's name for the field; each surface maps its own wire names onto it.
    pub const fn name(self) -> &'static str {
        match self {
            UserField::Id => "id",
            UserField::DocumentId => "document_id",
            UserField::Username => "username",
            UserField::Email => "email",
            UserField::Provider => "provider",
            UserField::Confirmed => "confirmed",
            UserField::Blocked => "blocked",
            UserField::CreatedAt => "created_at",
            UserField::UpdatedAt => "updated_at",
            UserField::PublishedAt => "published_at",
            UserField::Name => "name",
            UserField::ExternalId => "external_id",
        }
    }

    /// The public field called `name`; private and unknown names are `None` alike.
    pub fn from_name(name: &str) -> Option<UserField> {
        UserField::ALL.into_iter().find(|field| field.name() == name)
    }

    /// The value type.
    pub const fn field_type(self) -> FieldType {
        match self {
            UserField::Id => FieldType::Integer,
            UserField::DocumentId
            | UserField::Username
            | UserField::Email
            | UserField::Provider
            | UserField::Name
            | UserField::ExternalId => FieldType::Text,
            UserField::Confirmed | UserField::Blocked => FieldType::Boolean,
            UserField::CreatedAt | UserField::UpdatedAt | UserField::PublishedAt => FieldType::Timestamp,
        }
    }
}

/// A public field of the user's role (`filters[role][name]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RoleField {
    /// `role.id`
    Id,
    /// `role.document_id`
    DocumentId,
    /// `role.name`
    Name,
    /// `role.type`
    Type,
    /// `role.description`
    Description,
}

impl RoleField {
    /// The public role field Gatehouse calls `name`.
    pub fn from_name(name: &str) -> Option<RoleField> {
        Some(match name {
            "id" => RoleField::Id,
            "document_id" => RoleField::DocumentId,
            "name" => RoleField::Name,
            "type" => RoleField::Type,
            "description" => RoleField::Description,
            _ => return None,
        })
    }

    /// The value type.
    pub const fn field_type(self) -> FieldType {
        match self {
            RoleField::Id => FieldType::Integer,
            _ => FieldType::Text,
        }
    }
}

/// A filterable field: the user's own or its role's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldRef {
    /// A user field.
    User(UserField),
    /// A field of the user's role.
    Role(RoleField),
}

impl FieldRef {
    /// The value type.
    pub const fn field_type(self) -> FieldType {
        match self {
            FieldRef::User(field) => field.field_type(),
            FieldRef::Role(field) => field.field_type(),
        }
    }
}

/// A comparison operator (Strapi's names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `$eq`
    Eq,
    /// `$eqi` (case-insensitive)
    Eqi,
    /// `$ne`
    Ne,
    /// `$nei`
    Nei,
    /// `$lt`
    Lt,
    /// `$lte`
    Lte,
    /// `$gt`
    Gt,
    /// `$gte`
    Gte,
    /// `$in`
    In,
    /// `$notIn`
    NotIn,
    /// `$contains`
    Contains,
    /// `$notContains`
    NotContains,
    /// `$containsi`
    Containsi,
    /// `$notContainsi`
    NotContainsi,
    /// `$null` (`true`: is null; `false`: is not null)
    Null,
    /// `$notNull`
    NotNull,
    /// `$between` (two operands)
    Between,
    /// `$startsWith`
    StartsWith,
    /// `$startsWithi`
    StartsWithi,
    /// `$endsWith`
    EndsWith,
    /// `$endsWithi`
    EndsWithi,
}

impl Operator {
    /// The operator called `name` (`$eq`, …).
    pub fn from_name(name: &str) -> Option<Operator> {
        Some(match name {
            "$eq" => Operator::Eq,
            "$eqi" => Operator::Eqi,
            "$ne" => Operator::Ne,
            "$nei" => Operator::Nei,
            "$lt" => Operator::Lt,
            "$lte" => Operator::Lte,
            "$gt" => Operator::Gt,
            "$gte" => Operator::Gte,
            "$in" => Operator::In,
            "$notIn" => Operator::NotIn,
            "$contains" => Operator::Contains,
            "$notContains" => Operator::NotContains,
            "$containsi" => Operator::Containsi,
            "$notContainsi" => Operator::NotContainsi,
            "$null" => Operator::Null,
            "$notNull" => Operator::NotNull,
            "$between" => Operator::Between,
            "$startsWith" => Operator::StartsWith,
            "$startsWithi" => Operator::StartsWithi,
            "$endsWith" => Operator::EndsWith,
            "$endsWithi" => Operator::EndsWithi,
            _ => return None,
        })
    }

    /// Whether the operator compares text patterns (only valid on text fields).
    pub const fn is_textual(self) -> bool {
        matches!(
            self,
            Operator::Eqi
                | Operator::Nei
                | Operator::Contains
                | Operator::NotContains
                | Operator::Containsi
                | Operator::NotContainsi
                | Operator::StartsWith
                | Operator::StartsWithi
                | Operator::EndsWith
                | Operator::EndsWithi
        )
    }

    /// Whether the operator ignores case (compares folded text).
    pub const fn is_case_insensitive(self) -> bool {
        matches!(
            self,
            Operator::Eqi
                | Operator::Nei
                | Operator::Containsi
                | Operator::NotContainsi
                | Operator::StartsWithi
                | Operator::EndsWithi
        )
    }
}

/// A typed operand.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// An integer.
    Integer(i64),
    /// Text (already folded for case-insensitive operators).
    Text(String),
    /// A boolean.
    Boolean(bool),
    /// A point in time.
    Timestamp(Timestamp),
}

impl Operand {
    /// Parses `raw` as a value of `field_type`; `None` when it is not one.
    pub fn parse(field_type: FieldType, raw: &str) -> Option<Operand> {
        match field_type {
            FieldType::Integer => raw.trim().parse().ok().map(Operand::Integer),
            FieldType::Text => Some(Operand::Text(raw.to_owned())),
            FieldType::Boolean => match raw {
                "true" | "1" | "t" => Some(Operand::Boolean(true)),
                "false" | "0" | "f" => Some(Operand::Boolean(false)),
                _ => None,
            },
            FieldType::Timestamp => {
                Timestamp::parse(raw).or_else(|| raw.parse().ok().map(Timestamp::from_millis)).map(Operand::Timestamp)
            }
        }
    }
}

/// A filter tree.
#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    /// Every child holds (an empty list holds for every row).
    All(Vec<Filter>),
    /// At least one child holds (an empty list holds for no row).
    Any(Vec<Filter>),
    /// The child does not hold.
    Not(Box<Filter>),
    /// One comparison.
    Compare {
        /// The field.
        field: FieldRef,
        /// The operator.
        operator: Operator,
        /// Its operands (one, two for `$between`, any number for `$in`/`$notIn`; `$null` and
        /// `$notNull` carry one boolean).
        operands: Vec<Operand>,
    },
}

impl Filter {
    /// The filter that holds for every row.
    pub fn everything() -> Filter {
        Filter::All(Vec::new())
    }

    /// Whether this is [`Filter::everything`]: no condition at all (a store may then answer a
    /// count without counting).
    pub fn is_everything(&self) -> bool {
        matches!(self, Filter::All(children) if children.is_empty())
    }

    /// The users whose account is in `state` (see [`AccountState`]).
    pub fn in_state(state: AccountState) -> Filter {
        let flag = |field: UserField, value: bool| Filter::Compare {
            field: FieldRef::User(field),
            operator: Operator::Eq,
            operands: vec![Operand::Boolean(value)],
        };
        match state {
            AccountState::Unconfirmed => {
                Filter::All(vec![flag(UserField::Confirmed, false), flag(UserField::Blocked, false)])
            }
            AccountState::Active => {
                Filter::All(vec![flag(UserField::Confirmed, true), flag(UserField::Blocked, false)])
            }
            AccountState::Blocked => flag(UserField::Blocked, true),
        }
    }

    /// Whether any comparison refers to the role (the store then joins roles).
    pub fn mentions_role(&self) -> bool {
        match self {
            Filter::All(children) | Filter::Any(children) => children.iter().any(Filter::mentions_role),
            Filter::Not(child) => child.mentions_role(),
            Filter::Compare { field, .. } => matches!(field, FieldRef::Role(_)),
        }
    }

    /// Builds one comparison from wire text, checking that the operator suits the field and
    /// that each operand parses; case-insensitive operands are folded here.
    pub fn compare(field: FieldRef, operator: Operator, raw: &[String], path: &str) -> Result<Filter, DomainError> {
        let field_type = field.field_type();
        let invalid = || DomainError::InvalidValue { path: path.to_owned() };
        if operator.is_textual() && field_type != FieldType::Text {
            return Err(invalid());
        }
        let operands = match operator {
            Operator::Null | Operator::NotNull => {
                let [one] = raw else { return Err(invalid()) };
                vec![Operand::parse(FieldType::Boolean, one).ok_or_else(invalid)?]
            }
            Operator::In | Operator::NotIn => {
                raw.iter().map(|item| Operand::parse(field_type, item).ok_or_else(invalid)).collect::<Result<_, _>>()?
            }
            Operator::Between => {
                let [low, high] = raw else { return Err(invalid()) };
                vec![
                    Operand::parse(field_type, low).ok_or_else(invalid)?,
                    Operand::parse(field_type, high).ok_or_else(invalid)?,
                ]
            }
            _ => {
                let [one] = raw else { return Err(invalid()) };
                let text = if operator.is_case_insensitive() { fold(one) } else { one.clone() };
                vec![Operand::parse(field_type, &text).ok_or_else(invalid)?]
            }
        };
        Ok(Filter::Compare { field, operator, operands })
    }
}

/// One sort key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SortKey {
    /// The field.
    pub field: UserField,
    /// Descending when true.
    pub descending: bool,
}

/// Which rows of the ordered result to return: a bounded type, so no request can ask for a
/// slice the databases cannot express. Both numbers always fit in an `i64` (what SQL `LIMIT`
/// and `OFFSET` take); a page whose first row lies beyond that is not a window at all.
///
/// ```
/// use gatehouse_domain::query::Window;
///
/// let third = Window::page(3, 10).unwrap();
/// assert_eq!((third.offset(), third.limit()), (20, 10));
/// // Page sizes are clamped to the largest page.
/// assert_eq!(Window::page(1, 1000).unwrap().limit(), Window::MAX_LIMIT);
/// // A page whose first row is past `i64::MAX` cannot be asked for.
/// assert_eq!(Window::page(92_233_720_368_547_760, 100), None);
/// assert_eq!(Window::page(u64::MAX, 1), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    offset: u64,
    limit: u64,
}

impl Window {
    /// Page size when none is asked for.
    pub const DEFAULT_LIMIT: u64 = 25;
    /// The largest page; larger requests are clamped to it.
    pub const MAX_LIMIT: u64 = 100;
    /// The largest number of rows a window may skip (SQL's `OFFSET` is a signed 64-bit number).
    pub const MAX_OFFSET: u64 = i64::MAX as u64;
    /// The largest page number a request may ask for. A fixed bound rather than "whatever
    /// still fits under [`Window::MAX_OFFSET`]" so that every surface can state it in its
    /// schema, whatever the page size.
    pub const MAX_PAGE: u64 = 1_000_000_000;

    /// Page `page` (from 1; 0 counts as 1) of `page_size` rows, the size clamped to
    /// 1..=[`Window::MAX_LIMIT`]; `None` beyond [`Window::MAX_PAGE`].
    pub fn page(page: u64, page_size: u64) -> Option<Window> {
        if page > Self::MAX_PAGE {
            return None;
        }
        Self::page_of_at_most(page, page_size, Self::MAX_LIMIT)
    }

    /// Like [`Window::page`] with another largest page size (trusted callers such as the
    /// command line, never a request); still bounded by [`Window::MAX_OFFSET`].
    pub fn page_of_at_most(page: u64, page_size: u64, max_limit: u64) -> Option<Window> {
        let limit = page_size.clamp(1, max_limit.clamp(1, Self::MAX_OFFSET));
        let offset = page.saturating_sub(1).checked_mul(limit)?;
        (offset <= Self::MAX_OFFSET).then_some(Window { offset, limit })
    }

    /// `limit` rows from `start`, the limit clamped to `max_limit` (trusted callers and surfaces
    /// whose protocol sets a larger page, such as SCIM's 1000); `None` when `start` is beyond
    /// [`Window::MAX_OFFSET`].
    pub fn starting_at_most(start: u64, limit: u64, max_limit: u64) -> Option<Window> {
        (start <= Self::MAX_OFFSET).then_some(Window { offset: start, limit: limit.min(max_limit) })
    }

    /// `limit` rows from `start`, the limit clamped to [`Window::MAX_LIMIT`]; `None` when
    /// `start` is beyond [`Window::MAX_OFFSET`].
    pub fn starting_at(start: u64, limit: u64) -> Option<Window> {
        (start <= Self::MAX_OFFSET).then_some(Window { offset: start, limit: limit.min(Self::MAX_LIMIT) })
    }

    /// Rows skipped (at most [`Window::MAX_OFFSET`]).
    pub const fn offset(self) -> u64 {
        self.offset
    }

    /// Rows returned at most (at most [`Window::MAX_OFFSET`]).
    pub const fn limit(self) -> u64 {
        self.limit
    }

    /// [`Window::offset`] as SQL takes it; never saturates, by the type's bound.
    pub fn sql_offset(self) -> i64 {
        i64::try_from(self.offset).unwrap_or(i64::MAX)
    }

    /// [`Window::limit`] as SQL takes it; never saturates, by the type's bound.
    pub fn sql_limit(self) -> i64 {
        i64::try_from(self.limit).unwrap_or(i64::MAX)
    }
}

impl Default for Window {
    fn default() -> Self {
        Window { offset: 0, limit: Self::DEFAULT_LIMIT }
    }
}

/// A complete users query.
#[derive(Clone, Debug, PartialEq)]
pub struct UserQuery {
    /// Which users.
    pub filter: Filter,
    /// In which order (the id breaks ties, so pages are stable).
    pub sort: Vec<SortKey>,
    /// Which slice.
    pub window: Window,
    /// Whether to load each user's role.
    pub with_role: bool,
    /// Which fields to show (`None`: all; `id` and `document_id` are always shown).
    pub fields: Option<Vec<UserField>>,
}

impl Default for UserQuery {
    fn default() -> Self {
        Self {
            filter: Filter::everything(),
            sort: Vec::new(),
            window: Window::default(),
            with_role: false,
            fields: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_unknown_fields_are_not_in_the_registry() {
        for name in ["password", "resetPasswordToken", "confirmationToken", "passwordHash", "password_hash", "nosuch"] {
            assert_eq!(UserField::from_name(name), None, "{name}");
        }
        assert_eq!(UserField::from_name("email"), Some(UserField::Email));
    }

    #[test]
    fn operands_must_fit_their_field() {
        let email = FieldRef::User(UserField::Email);
        let id = FieldRef::User(UserField::Id);
        assert!(Filter::compare(id, Operator::Eq, &["abc".into()], "id").is_err());
        assert!(Filter::compare(id, Operator::Containsi, &["1".into()], "id").is_err());
        assert!(Filter::compare(id, Operator::Between, &["1".into()], "id").is_err());
        assert!(
            Filter::compare(FieldRef::User(UserField::Blocked), Operator::Eq, &["maybe".into()], "blocked").is_err()
        );
        assert!(
            Filter::compare(FieldRef::User(UserField::CreatedAt), Operator::Gt, &["yesterday".into()], "x").is_err()
        );
        let folded = Filter::compare(email, Operator::Eqi, &["ÉLODIE@X.FR".into()], "email").unwrap();
        assert_eq!(
            folded,
            Filter::Compare {
                field: email,
                operator: Operator::Eqi,
                operands: vec![Operand::Text("élodie@x.fr".into())]
            }
        );
    }

    #[test]
    fn windows_clamp_to_the_maximum_page() {
        assert_eq!(Window::page(3, 10), Some(Window { offset: 20, limit: 10 }));
        assert_eq!(Window::page(1, 1000), Some(Window { offset: 0, limit: 100 }));
        assert_eq!(Window::starting_at(5, 1000), Some(Window { offset: 5, limit: 100 }));
    }

    #[test]
    fn windows_never_skip_more_than_sql_can_express() {
        assert_eq!(Window::page(92_233_720_368_547_760, 100), None);
        assert_eq!(Window::page(u64::MAX, u64::MAX), None);
        assert_eq!(Window::starting_at(u64::MAX, 10), None);
        let last = Window::starting_at(Window::MAX_OFFSET, 10).unwrap();
        assert_eq!((last.sql_offset(), last.sql_limit()), (i64::MAX, 10));
        // Requests stop at the largest page; trusted callers reach the offset bound itself.
        assert_eq!(Window::page(Window::MAX_PAGE + 1, 1), None);
        assert_eq!(Window::page(Window::MAX_PAGE, 100).unwrap().offset(), (Window::MAX_PAGE - 1) * 100);
        let deepest = Window::page_of_at_most(i64::MAX as u64, 1, 1).unwrap();
        assert_eq!(deepest.offset(), Window::MAX_OFFSET - 1);
        assert_eq!(Window::page_of_at_most(1, u64::MAX, u64::MAX).unwrap().sql_limit(), i64::MAX);
    }
}
