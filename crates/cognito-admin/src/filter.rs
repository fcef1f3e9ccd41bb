//! [`Filter`]: the `Filter` expression of `ListUsers`, built instead of hand-quoted.
//!
//! Cognito accepts one condition, `AttributeName = "value"` (exact match) or
//! `AttributeName ^= "value"` (prefix match), on one of the [`SEARCHABLE_ATTRIBUTES`]. Inside
//! the quotes, `"` and `\` are escaped with a backslash.

use std::fmt;

/// The attributes `ListUsers` can filter on.
pub const SEARCHABLE_ATTRIBUTES: &[&str] = &[
    "username",
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "cognito:user_status",
    "status",
    "sub",
];

/// How the value is matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MatchKind {
    /// `=`: the attribute equals the value.
    Exact,
    /// `^=`: the attribute starts with the value.
    Prefix,
}

impl MatchKind {
    /// The operator as Cognito writes it.
    pub fn operator(self) -> &'static str {
        match self {
            MatchKind::Exact => "=",
            MatchKind::Prefix => "^=",
        }
    }
}

/// One `ListUsers` filter condition. `Display` renders the expression.
///
/// ```
/// use cognito_admin::Filter;
/// assert_eq!(Filter::eq("email", "a@b").to_string(), r#"email = "a@b""#);
/// assert_eq!(Filter::starts_with("name", "Jo").to_string(), r#"name ^= "Jo""#);
/// assert_eq!(Filter::eq("name", r#"say "hi" \o/"#).to_string(), r#"name = "say \"hi\" \\o/""#);
/// assert!(Filter::eq("email", "x").is_searchable());
/// assert!(!Filter::eq("custom:team", "x").is_searchable());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Filter {
    attribute: String,
    kind: MatchKind,
    value: String,
}

impl Filter {
    /// `attribute = "value"`.
    pub fn eq(attribute: impl Into<String>, value: impl Into<String>) -> Self {
        Self::new(attribute, MatchKind::Exact, value)
    }

    /// `attribute ^= "value"`.
    pub fn starts_with(attribute: impl Into<String>, value: impl Into<String>) -> Self {
        Self::new(attribute, MatchKind::Prefix, value)
    }

    /// A condition of any kind.
    pub fn new(attribute: impl Into<String>, kind: MatchKind, value: impl Into<String>) -> Self {
        Filter {
            attribute: attribute.into(),
            kind,
            value: value.into(),
        }
    }

    /// `username = "value"`.
    pub fn username(value: impl Into<String>) -> Self {
        Self::eq("username", value)
    }

    /// `email = "value"`.
    pub fn email(value: impl Into<String>) -> Self {
        Self::eq("email", value)
    }

    /// `cognito:user_status = "value"` (`UNCONFIRMED`, `CONFIRMED`, `FORCE_CHANGE_PASSWORD`...).
    pub fn user_status(value: impl Into<String>) -> Self {
        Self::eq("cognito:user_status", value)
    }

    /// `status = "Enabled"` or `status = "Disabled"`.
    pub fn enabled(enabled: bool) -> Self {
        Self::eq("status", if enabled { "Enabled" } else { "Disabled" })
    }

    /// The attribute name.
    pub fn attribute(&self) -> &str {
        &self.attribute
    }

    /// The match kind.
    pub fn kind(&self) -> MatchKind {
        self.kind
    }

    /// The (unescaped) value.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Whether Cognito can filter on this attribute (see [`SEARCHABLE_ATTRIBUTES`]); a filter on
    /// another attribute is refused by the service with `InvalidParameterException`.
    pub fn is_searchable(&self) -> bool {
        SEARCHABLE_ATTRIBUTES.contains(&self.attribute.as_str())
    }
}

/// Quotes `value` for a filter expression: `"` and `\` get a backslash, the whole is wrapped in
/// double quotes.
///
/// ```
/// assert_eq!(cognito_admin::filter::quote(r#"a"b\c"#), r#""a\"b\\c""#);
/// ```
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.attribute,
            self.kind.operator(),
            quote(&self.value)
        )
    }
}

impl From<Filter> for String {
    fn from(f: Filter) -> String {
        f.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_escapes() {
        assert_eq!(Filter::email("a@b").to_string(), r#"email = "a@b""#);
        assert_eq!(Filter::username("x").to_string(), r#"username = "x""#);
        assert_eq!(
            Filter::user_status("CONFIRMED").to_string(),
            r#"cognito:user_status = "CONFIRMED""#
        );
        assert_eq!(Filter::enabled(false).to_string(), r#"status = "Disabled""#);
        assert_eq!(quote(""), r#""""#);
        assert_eq!(quote(r"\"), r#""\\""#);
        assert_eq!(quote("é\"ü"), "\"é\\\"ü\"");
        let f = Filter::starts_with("family_name", "O'Brien");
        assert_eq!(f.kind(), MatchKind::Prefix);
        assert_eq!(f.value(), "O'Brien");
        assert_eq!(String::from(f), r#"family_name ^= "O'Brien""#);
    }
}
