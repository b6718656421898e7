//! SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2): a small recursive-descent
//! parser into [`Expr`], then either the domain's one query model ([`user_filter`]: the
//! filter runs in the database like every other surface's) or, for the handful of roles and
//! for the value filters inside PATCH paths, an evaluation over a resource's JSON
//! ([`matches`]).
//!
//! Precedence is `not` over `and` over `or`; parentheses group; attribute names and operators
//! are case-insensitive; string values are JSON strings.

use crate::http::scim::{ScimError, ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
use gatehouse_domain::query::{FieldRef, Filter, Operand, Operator, UserField};
use gatehouse_domain::time::Timestamp;
use gatehouse_domain::values::fold;
use serde_json::Value;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    /// `eq`
    Eq,
    /// `ne`
    Ne,
    /// `co`
    Co,
    /// `sw`
    Sw,
    /// `ew`
    Ew,
    /// `gt`
    Gt,
    /// `ge`
    Ge,
    /// `lt`
    Lt,
    /// `le`
    Le,
}

impl CompareOp {
    fn parse(word: &str) -> Option<CompareOp> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "co" => CompareOp::Co,
            "sw" => CompareOp::Sw,
            "ew" => CompareOp::Ew,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            _ => return None,
        })
    }
}

/// An attribute path: an optional schema URN, an attribute and an optional sub-attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttrPath {
    /// The schema URN it was qualified with, if any.
    pub uri: Option<String>,
    /// The attribute.
    pub attr: String,
    /// The sub-attribute.
    pub sub: Option<String>,
}

impl AttrPath {
    /// Reads `[urn:…:]attr[.sub]`.
    pub fn parse(word: &str) -> Result<AttrPath, String> {
        let (uri, rest) = split_urn(word);
        let (attr, sub) = match rest.split_once('.') {
            Some((attr, sub)) => (attr, Some(sub)),
            None => (rest, None),
        };
        let valid = |name: &str| {
            name.chars().next().is_some_and(|first| first.is_ascii_alphabetic() || first == '$')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
        };
        // A bare extension URN names the extension's whole object.
        let whole_extension =
            attr.is_empty() && sub.is_none() && uri.is_some_and(|uri| uri.eq_ignore_ascii_case(ENTERPRISE_SCHEMA));
        if !whole_extension && (!valid(attr) || sub.is_some_and(|sub| !valid(sub))) {
            return Err(format!("{word:?} is not an attribute path"));
        }
        Ok(AttrPath { uri: uri.map(str::to_owned), attr: attr.to_owned(), sub: sub.map(str::to_owned) })
    }

    /// Whether the path is qualified with the enterprise extension.
    pub fn is_enterprise(&self) -> bool {
        self.uri.as_deref().is_some_and(|uri| uri.eq_ignore_ascii_case(ENTERPRISE_SCHEMA))
    }

    /// The path in dotted form without its URN, lower-cased (`emails.value`).
    pub fn dotted(&self) -> String {
        match &self.sub {
            Some(sub) => format!("{}.{}", self.attr, sub).to_ascii_lowercase(),
            None => self.attr.to_ascii_lowercase(),
        }
    }
}

/// `urn:…:User:userName` → (`urn:…:User`, `userName`); an extension URN alone → (URN, "").
fn split_urn(word: &str) -> (Option<&str>, &str) {
    if !word.get(..4).is_some_and(|head| head.eq_ignore_ascii_case("urn:")) {
        return (None, word);
    }
    for schema in [ENTERPRISE_SCHEMA, USER_SCHEMA, GROUP_SCHEMA] {
        if word.len() >= schema.len() && word[..schema.len()].eq_ignore_ascii_case(schema) {
            let rest = &word[schema.len()..];
            return (Some(&word[..schema.len()]), rest.strip_prefix(':').unwrap_or(rest));
        }
    }
    match word.rsplit_once(':') {
        Some((uri, attr)) => (Some(uri), attr),
        None => (None, word),
    }
}

/// A parsed filter.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// Both hold.
    And(Box<Expr>, Box<Expr>),
    /// Either holds.
    Or(Box<Expr>, Box<Expr>),
    /// The child does not hold.
    Not(Box<Expr>),
    /// `attr pr`
    Present(AttrPath),
    /// `attr op value`
    Compare(AttrPath, CompareOp, Value),
    /// `attr[filter]`: some value of the multi-valued `attr` matches `filter`.
    ValuePath(AttrPath, Box<Expr>),
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Word(String),
    Literal(Value),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut at = 0;
    while at < chars.len() {
        let c = chars[at];
        match c {
            ' ' | '\t' | '\n' | '\r' => at += 1,
            '(' => {
                tokens.push(Token::Open);
                at += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                at += 1;
            }
            '[' => {
                tokens.push(Token::OpenBracket);
                at += 1;
            }
            ']' => {
                tokens.push(Token::CloseBracket);
                at += 1;
            }
            '"' => {
                let start = at;
                at += 1;
                let mut escaped = false;
                while at < chars.len() && (escaped || chars[at] != '"') {
                    escaped = !escaped && chars[at] == '\\';
                    at += 1;
                }
                if at >= chars.len() {
                    return Err("a string is not closed".to_owned());
                }
                at += 1;
                let raw: String = chars[start..at].iter().collect();
                let value: String = serde_json::from_str(&raw).map_err(|_| format!("{raw} is not a valid string"))?;
                tokens.push(Token::Literal(Value::String(value)));
            }
            _ => {
                let start = at;
                while at < chars.len() && !matches!(chars[at], ' ' | '\t' | '\n' | '\r' | '(' | ')' | '[' | ']' | '"') {
                    at += 1;
                }
                tokens.push(Token::Word(chars[start..at].iter().collect()));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(found)) if found.eq_ignore_ascii_case(word))
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.at += 1;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.at += 1;
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.keyword("not") {
            self.at += 1;
            if self.peek() != Some(&Token::Open) {
                return Err("not must be followed by a parenthesised filter".to_owned());
            }
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err("a parenthesis is not closed".to_owned()),
                }
            }
            Some(Token::Word(word)) => self.attribute_expression(&word),
            Some(other) => Err(format!("unexpected {}", describe(&other))),
            None => Err("the filter ends too early".to_owned()),
        }
    }

    fn attribute_expression(&mut self, word: &str) -> Result<Expr, String> {
        let path = AttrPath::parse(word)?;
        if self.peek() == Some(&Token::OpenBracket) {
            self.at += 1;
            let inner = self.or()?;
            if self.next() != Some(Token::CloseBracket) {
                return Err("a [ is not closed".to_owned());
            }
            return Ok(Expr::ValuePath(path, Box::new(inner)));
        }
        let operator = match self.next() {
            Some(Token::Word(operator)) => operator,
            _ => return Err(format!("an operator must follow {word}")),
        };
        if operator.eq_ignore_ascii_case("pr") {
            return Ok(Expr::Present(path));
        }
        let operator = CompareOp::parse(&operator).ok_or_else(|| format!("{operator} is not an operator"))?;
        let value = match self.next() {
            Some(Token::Literal(value)) => value,
            Some(Token::Word(word)) => match word.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                number => serde_json::from_str::<serde_json::Number>(number)
                    .map(Value::Number)
                    .map_err(|_| format!("{number} is not a value (strings are quoted)"))?,
            },
            _ => return Err("a comparison needs a value".to_owned()),
        };
        Ok(Expr::Compare(path, operator, value))
    }
}

fn describe(token: &Token) -> String {
    match token {
        Token::Word(word) => word.clone(),
        Token::Literal(value) => value.to_string(),
        Token::Open => "(".to_owned(),
        Token::Close => ")".to_owned(),
        Token::OpenBracket => "[".to_owned(),
        Token::CloseBracket => "]".to_owned(),
    }
}

/// Parses a filter; any problem is 400 `invalidFilter`.
pub fn parse(text: &str) -> Result<Expr, ScimError> {
    let invalid = |why: String| ScimError::invalid_filter(format!("invalid filter: {why}"));
    let tokens = tokenize(text).map_err(invalid)?;
    if tokens.is_empty() {
        return Err(invalid("the filter is empty".to_owned()));
    }
    let mut parser = Parser { tokens, at: 0 };
    let expr = parser.or().map_err(invalid)?;
    match parser.peek() {
        None => Ok(expr),
        Some(token) => Err(invalid(format!("unexpected {}", describe(token)))),
    }
}

/// A PATCH path: an attribute path, an optional value filter and a sub-attribute after it
/// (`emails[type eq "work"].value`).
#[derive(Clone, Debug, PartialEq)]
pub struct PatchPath {
    /// The attribute (its own sub-attribute when there is no filter: `name.givenName`).
    pub path: AttrPath,
    /// The value filter.
    pub filter: Option<Expr>,
    /// The sub-attribute after the filter.
    pub sub_after_filter: Option<String>,
}

/// Parses a PATCH path; any problem is 400 `invalidPath`.
pub fn parse_patch_path(text: &str) -> Result<PatchPath, ScimError> {
    let invalid = |why: String| ScimError::bad_request("invalidPath", format!("invalid path: {why}"));
    let text = text.trim();
    let Some(open) = text.find('[') else {
        return Ok(PatchPath { path: AttrPath::parse(text).map_err(invalid)?, filter: None, sub_after_filter: None });
    };
    let close = text.rfind(']').ok_or_else(|| invalid("a [ is not closed".to_owned()))?;
    if close < open {
        return Err(invalid("brackets are out of order".to_owned()));
    }
    let path = AttrPath::parse(&text[..open]).map_err(invalid)?;
    let filter = parse(&text[open + 1..close]).map_err(|_| invalid("the value filter is not a filter".to_owned()))?;
    let rest = &text[close + 1..];
    let sub_after_filter = match rest.strip_prefix('.') {
        Some(sub) if !sub.is_empty() => Some(sub.to_owned()),
        None if rest.is_empty() => None,
        _ => return Err(invalid(format!("unexpected {rest}"))),
    };
    Ok(PatchPath { path, filter: Some(filter), sub_after_filter })
}

// --- onto the domain's query model ------------------------------------------------------

/// The user field a SCIM attribute path stands for, with whether its text compares
/// case-insensitively (SCIM's `caseExact: false`).
fn user_field(path: &AttrPath) -> Option<(UserField, bool)> {
    if path.is_enterprise() {
        return None;
    }
    Some(match path.dotted().as_str() {
        "id" => (UserField::Id, false),
        "username" => (UserField::Username, true),
        "emails" | "emails.value" => (UserField::Email, true),
        "displayname" => (UserField::Name, false),
        "externalid" => (UserField::ExternalId, false),
        "active" => (UserField::Blocked, false),
        "meta.created" => (UserField::CreatedAt, false),
        "meta.lastmodified" => (UserField::UpdatedAt, false),
        _ => return None,
    })
}

fn unsupported(path: &AttrPath) -> ScimError {
    ScimError::invalid_filter(format!("the attribute {} cannot be filtered on", path.dotted()))
}

/// The domain filter a SCIM filter over Users stands for. Attributes without a column of
/// their own (name parts, the enterprise extension) cannot be filtered on: 400
/// `invalidFilter`, never a scan of every user.
pub fn user_filter(expr: &Expr) -> Result<Filter, ScimError> {
    Ok(match expr {
        Expr::And(left, right) => Filter::All(vec![user_filter(left)?, user_filter(right)?]),
        Expr::Or(left, right) => Filter::Any(vec![user_filter(left)?, user_filter(right)?]),
        Expr::Not(inner) => Filter::Not(Box::new(user_filter(inner)?)),
        Expr::Present(path) => {
            let (field, _) = user_field(path).ok_or_else(|| unsupported(path))?;
            match field {
                UserField::Name | UserField::ExternalId => compare(field, Operator::NotNull, Operand::Boolean(true)),
                _ => Filter::everything(),
            }
        }
        Expr::ValuePath(path, inner) => {
            // `emails[value eq "…"]`: the one sub-attribute with a column is the value.
            if path.dotted() != "emails" {
                return Err(unsupported(path));
            }
            user_filter(&qualify(inner, "emails")?)?
        }
        Expr::Compare(path, operator, value) => {
            let (field, insensitive) = user_field(path).ok_or_else(|| unsupported(path))?;
            comparison(field, insensitive, *operator, value)?
        }
    })
}

/// The filter inside `emails[…]` with each path made `emails.<sub>`.
fn qualify(expr: &Expr, attr: &str) -> Result<Expr, ScimError> {
    let path = |inner: &AttrPath| AttrPath { uri: None, attr: attr.to_owned(), sub: Some(inner.attr.clone()) };
    Ok(match expr {
        Expr::And(left, right) => Expr::And(Box::new(qualify(left, attr)?), Box::new(qualify(right, attr)?)),
        Expr::Or(left, right) => Expr::Or(Box::new(qualify(left, attr)?), Box::new(qualify(right, attr)?)),
        Expr::Not(inner) => Expr::Not(Box::new(qualify(inner, attr)?)),
        Expr::Present(inner) => Expr::Present(path(inner)),
        Expr::Compare(inner, operator, value) => Expr::Compare(path(inner), *operator, value.clone()),
        Expr::ValuePath(inner, _) => return Err(unsupported(inner)),
    })
}

fn compare(field: UserField, operator: Operator, operand: Operand) -> Filter {
    Filter::Compare { field: FieldRef::User(field), operator, operands: vec![operand] }
}

fn comparison(field: UserField, insensitive: bool, operator: CompareOp, value: &Value) -> Result<Filter, ScimError> {
    let mismatch = || ScimError::invalid_filter(format!("{value} cannot be compared with {}", field.name()));
    match field {
        UserField::Blocked => {
            let Value::Bool(active) = value else { return Err(mismatch()) };
            let blocked = Operand::Boolean(!active);
            match operator {
                CompareOp::Eq => Ok(compare(field, Operator::Eq, blocked)),
                CompareOp::Ne => Ok(compare(field, Operator::Ne, blocked)),
                _ => Err(ScimError::invalid_filter("active compares with eq and ne only")),
            }
        }
        UserField::Id => {
            // Ids are integers in strings: another string names no user.
            let id = match value {
                Value::String(text) => text.parse::<i64>().ok(),
                Value::Number(number) => number.as_i64(),
                _ => return Err(mismatch()),
            };
            let Some(id) = id else {
                return Ok(match operator {
                    CompareOp::Ne => Filter::everything(),
                    _ => Filter::Any(Vec::new()),
                });
            };
            let operator = match operator {
                CompareOp::Eq => Operator::Eq,
                CompareOp::Ne => Operator::Ne,
                CompareOp::Gt => Operator::Gt,
                CompareOp::Ge => Operator::Gte,
                CompareOp::Lt => Operator::Lt,
                CompareOp::Le => Operator::Lte,
                _ => return Err(ScimError::invalid_filter("id compares with eq, ne, gt, ge, lt and le only")),
            };
            Ok(compare(field, operator, Operand::Integer(id)))
        }
        UserField::CreatedAt | UserField::UpdatedAt => {
            let Value::String(text) = value else { return Err(mismatch()) };
            let at = Timestamp::parse(text).ok_or_else(mismatch)?;
            let operator = match operator {
                CompareOp::Eq => Operator::Eq,
                CompareOp::Ne => Operator::Ne,
                CompareOp::Gt => Operator::Gt,
                CompareOp::Ge => Operator::Gte,
                CompareOp::Lt => Operator::Lt,
                CompareOp::Le => Operator::Lte,
                _ => return Err(ScimError::invalid_filter("dates compare with eq, ne, gt, ge, lt and le only")),
            };
            Ok(compare(field, operator, Operand::Timestamp(at)))
        }
        _ => {
            let Value::String(text) = value else { return Err(mismatch()) };
            let folded = || Operand::Text(fold(text));
            let exact = || Operand::Text(text.clone());
            let (operator, operand) = match (operator, insensitive) {
                (CompareOp::Eq, true) => (Operator::Eqi, folded()),
                (CompareOp::Eq, false) => (Operator::Eq, exact()),
                (CompareOp::Ne, true) => (Operator::Nei, folded()),
                (CompareOp::Ne, false) => (Operator::Ne, exact()),
                (CompareOp::Co, true) => (Operator::Containsi, folded()),
                (CompareOp::Co, false) => (Operator::Contains, exact()),
                (CompareOp::Sw, true) => (Operator::StartsWithi, folded()),
                (CompareOp::Sw, false) => (Operator::StartsWith, exact()),
                (CompareOp::Ew, true) => (Operator::EndsWithi, folded()),
                (CompareOp::Ew, false) => (Operator::EndsWith, exact()),
                (CompareOp::Gt, _) => (Operator::Gt, exact()),
                (CompareOp::Ge, _) => (Operator::Gte, exact()),
                (CompareOp::Lt, _) => (Operator::Lt, exact()),
                (CompareOp::Le, _) => (Operator::Lte, exact()),
            };
            Ok(compare(field, operator, operand))
        }
    }
}

// --- over a resource's JSON -------------------------------------------------------------

/// The member of `object` called `name`, compared case-insensitively (SCIM attribute names
/// are case-insensitive).
pub fn member<'a>(object: &'a Value, name: &str) -> Option<&'a Value> {
    object.as_object()?.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value)
}

/// The values a path selects in `resource` (each item of a multi-valued attribute).
fn values_at<'a>(resource: &'a Value, path: &AttrPath) -> Vec<&'a Value> {
    let root = if path.is_enterprise() { member(resource, ENTERPRISE_SCHEMA) } else { Some(resource) };
    let Some(found) = root.and_then(|root| member(root, &path.attr)) else { return Vec::new() };
    let items: Vec<&Value> = match found {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    match &path.sub {
        Some(sub) => items.into_iter().filter_map(|item| member(item, sub)).collect(),
        None => items
            .into_iter()
            // A multi-valued complex attribute compares by its `value`.
            .map(|item| if item.is_object() { member(item, "value").unwrap_or(item) } else { item })
            .collect(),
    }
}

fn compare_values(found: &Value, operator: CompareOp, wanted: &Value, case_exact: bool) -> bool {
    match (found, wanted) {
        (Value::String(found), Value::String(wanted)) => {
            let (found, wanted) =
                if case_exact { (found.clone(), wanted.clone()) } else { (fold(found), fold(wanted)) };
            match operator {
                CompareOp::Eq => found == wanted,
                CompareOp::Ne => found != wanted,
                CompareOp::Co => found.contains(&wanted),
                CompareOp::Sw => found.starts_with(&wanted),
                CompareOp::Ew => found.ends_with(&wanted),
                CompareOp::Gt => found > wanted,
                CompareOp::Ge => found >= wanted,
                CompareOp::Lt => found < wanted,
                CompareOp::Le => found <= wanted,
            }
        }
        (Value::Number(found), Value::Number(wanted)) => {
            let (found, wanted) = (found.as_f64().unwrap_or(0.0), wanted.as_f64().unwrap_or(0.0));
            match operator {
                CompareOp::Eq => found == wanted,
                CompareOp::Ne => found != wanted,
                CompareOp::Gt => found > wanted,
                CompareOp::Ge => found >= wanted,
                CompareOp::Lt => found < wanted,
                CompareOp::Le => found <= wanted,
                _ => false,
            }
        }
        (found, wanted) => match operator {
            CompareOp::Eq => found == wanted,
            CompareOp::Ne => found != wanted,
            _ => false,
        },
    }
}

/// Whether `resource` (or a value of a multi-valued attribute, for a value filter) matches.
/// Ids and `value`s of references compare exactly; other text ignores case.
pub fn matches(expr: &Expr, resource: &Value) -> bool {
    match expr {
        Expr::And(left, right) => matches(left, resource) && matches(right, resource),
        Expr::Or(left, right) => matches(left, resource) || matches(right, resource),
        Expr::Not(inner) => !matches(inner, resource),
        Expr::Present(path) => {
            values_at(resource, path).iter().any(|value| !value.is_null() && *value != &Value::String(String::new()))
        }
        Expr::Compare(path, operator, wanted) => {
            let dotted = path.dotted();
            let case_exact = matches!(dotted.as_str(), "id" | "externalid" | "value" | "members.value" | "$ref");
            let found = values_at(resource, path);
            if *operator == CompareOp::Ne {
                return found.iter().all(|value| compare_values(value, CompareOp::Ne, wanted, case_exact));
            }
            found.iter().any(|value| compare_values(value, *operator, wanted, case_exact))
        }
        Expr::ValuePath(path, inner) => {
            let root = if path.is_enterprise() { member(resource, ENTERPRISE_SCHEMA) } else { Some(resource) };
            match root.and_then(|root| member(root, &path.attr)) {
                Some(Value::Array(items)) => items.iter().any(|item| matches(inner, item)),
                Some(item) => matches(inner, item),
                None => false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn precedence_is_not_then_and_then_or() {
        let expr = parse(r#"userName eq "a" or userName eq "b" and not (active eq false)"#).unwrap();
        let Expr::Or(_, right) = expr else { panic!("or at the top") };
        let Expr::And(_, negated) = *right else { panic!("and under or") };
        assert!(matches!(*negated, Expr::Not(_)));
    }

    #[test]
    fn complex_filters_and_urns_parse() {
        let expr = parse(r#"emails[type eq "work" and value co "@example.com"] or urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#).unwrap();
        let Expr::Or(left, right) = expr else { panic!("or") };
        assert!(matches!(*left, Expr::ValuePath(..)));
        let Expr::Compare(path, CompareOp::Sw, _) = *right else { panic!("sw") };
        assert_eq!(path.attr, "userName");
        let enterprise = parse(&format!("{ENTERPRISE_SCHEMA}:department eq \"R&D\"")).unwrap();
        let Expr::Compare(path, ..) = enterprise else { panic!("compare") };
        assert!(path.is_enterprise());
    }

    #[test]
    fn malformed_filters_are_refused() {
        for text in [
            "",
            "userName",
            "userName eq",
            "userName eq bob",
            "userName zz \"x\"",
            "(userName eq \"x\"",
            "not userName eq \"x\"",
            "userName eq \"x\" and",
            "emails[value eq \"x\"",
            "\"x\" eq userName",
            "userName eq \"unclosed",
        ] {
            let error = parse(text).unwrap_err();
            assert_eq!(error.scim_type(), Some("invalidFilter"), "{text}");
        }
    }

    #[test]
    fn user_filters_map_onto_the_domain_query_model() {
        let filter = user_filter(&parse(r#"userName eq "Alice" and not (emails.value co "x")"#).unwrap()).unwrap();
        let Filter::All(parts) = filter else { panic!("all") };
        assert_eq!(
            parts[0],
            Filter::Compare {
                field: FieldRef::User(UserField::Username),
                operator: Operator::Eqi,
                operands: vec![Operand::Text("alice".into())]
            }
        );
        assert!(matches!(parts[1], Filter::Not(_)));
        let active = user_filter(&parse("active eq false").unwrap()).unwrap();
        assert_eq!(active, compare(UserField::Blocked, Operator::Eq, Operand::Boolean(true)));
        assert!(user_filter(&parse(r#"name.givenName eq "x""#).unwrap()).is_err());
        assert!(user_filter(&parse(r#"emails[value eq "a@b.c"]"#).unwrap()).is_ok());
        assert!(user_filter(&parse(r#"emails[type eq "work"]"#).unwrap()).is_err());
    }

    #[test]
    fn value_filters_evaluate_over_json() {
        let user = json!({"emails": [{"type": "work", "value": "A@x.io"}, {"type": "home", "value": "b@y.io"}]});
        assert!(matches(&parse(r#"emails[type eq "work"]"#).unwrap(), &user));
        assert!(matches(&parse(r#"emails.value eq "a@x.io""#).unwrap(), &user));
        assert!(!matches(&parse(r#"emails[type eq "other"]"#).unwrap(), &user));
        let item = json!({"type": "work", "value": "a@x.io"});
        assert!(matches(&parse(r#"type eq "work""#).unwrap(), &item));
    }

    #[test]
    fn patch_paths_carry_a_filter_and_a_sub_attribute() {
        let path = parse_patch_path(r#"emails[type eq "work"].value"#).unwrap();
        assert_eq!(path.path.attr, "emails");
        assert_eq!(path.sub_after_filter.as_deref(), Some("value"));
        assert!(path.filter.is_some());
        let members = parse_patch_path(r#"members[value eq "12"]"#).unwrap();
        assert_eq!(members.sub_after_filter, None);
        let plain = parse_patch_path("name.givenName").unwrap();
        assert_eq!(plain.path.sub.as_deref(), Some("givenName"));
        assert!(parse_patch_path("emails[type eq").is_err());
    }
}
