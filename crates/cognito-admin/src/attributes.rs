//! Conversions between Cognito's attribute lists (`[{Name, Value}]`) and maps, with pycognito's
//! attribute-name mapping (`attr_map`) and `custom:` prefixing. Inputs are never modified:
//! pycognito's `dict_to_cognito` pops renamed keys out of the caller's dict; these functions
//! take references and build new values.

use std::borrow::Cow;
use std::collections::BTreeMap;

use cognito_wire::{AttributeType, SensitiveString};

/// The standard (OpenID Connect) attributes of a user pool, plus `sub` and `identities`. Any
/// other attribute is a custom one and lives under `custom:` (or `dev:`).
pub const STANDARD_ATTRIBUTES: &[&str] = &[
    "address",
    "birthdate",
    "email",
    "email_verified",
    "family_name",
    "gender",
    "given_name",
    "identities",
    "locale",
    "middle_name",
    "name",
    "nickname",
    "phone_number",
    "phone_number_verified",
    "picture",
    "preferred_username",
    "profile",
    "sub",
    "updated_at",
    "website",
    "zoneinfo",
];

/// The prefix of custom attributes.
pub const CUSTOM_PREFIX: &str = "custom:";

/// Whether `name` is a standard attribute.
pub fn is_standard(name: &str) -> bool {
    STANDARD_ATTRIBUTES.contains(&name)
}

/// The name Cognito knows an attribute by: standard names and names that already carry a prefix
/// (`custom:`, `dev:`, anything with a `:`) as they are, every other name under `custom:`.
///
/// ```
/// use cognito_admin::attributes::cognito_name;
/// assert_eq!(cognito_name("email"), "email");
/// assert_eq!(cognito_name("team"), "custom:team");
/// assert_eq!(cognito_name("custom:team"), "custom:team");
/// assert_eq!(cognito_name("dev:flag"), "dev:flag");
/// ```
pub fn cognito_name(name: &str) -> Cow<'_, str> {
    if is_standard(name) || name.contains(':') {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(format!("{CUSTOM_PREFIX}{name}"))
    }
}

/// Cognito's attribute list as a map, names unchanged (pycognito's `cognito_to_dict` without an
/// `attr_map`). An attribute without a value maps to `""`; a repeated name keeps its last value.
///
/// ```
/// use cognito_admin::{attributes_to_map, map_to_attributes};
/// use cognito_wire::AttributeType;
/// let email = AttributeType::builder().name("email").value("a@example.com").build()?;
/// let team = AttributeType::builder().name("custom:team").value("blue").build()?;
/// let map = attributes_to_map(&[email, team]);
/// assert_eq!(map["email"], "a@example.com");
/// assert_eq!(map["custom:team"], "blue");
/// # Ok::<(), cognito_wire::MissingField>(())
/// ```
pub fn attributes_to_map(attributes: &[AttributeType]) -> BTreeMap<String, String> {
    AttributeMap::default().to_map(attributes)
}

/// A map as Cognito's attribute list, non-standard names under `custom:` (sorted by name).
///
/// ```
/// use cognito_admin::map_to_attributes;
/// use std::collections::BTreeMap;
/// let map = BTreeMap::from([("email".to_string(), "a@b".to_string()), ("team".to_string(), "blue".to_string())]);
/// let attrs = map_to_attributes(&map);
/// let names: Vec<_> = attrs.iter().map(|a| a.name.as_str()).collect();
/// assert_eq!(names, ["custom:team", "email"]);
/// assert_eq!(map.len(), 2); // the input is untouched
/// ```
pub fn map_to_attributes(map: &BTreeMap<String, String>) -> Vec<AttributeType> {
    AttributeMap::default().to_attributes(map)
}

/// One attribute.
///
/// ```
/// let a = cognito_admin::attributes::attribute("email", "a@b");
/// assert_eq!(a.name, "email");
/// assert_eq!(a.value.unwrap().expose(), "a@b");
/// ```
#[allow(
    clippy::field_reassign_with_default,
    reason = "generated shapes are built with builders or Default, not struct literals (they become #[non_exhaustive])"
)]
pub fn attribute(name: impl Into<String>, value: impl Into<String>) -> AttributeType {
    let mut a = AttributeType::default();
    a.name = name.into();
    a.value = Some(SensitiveString::new(value.into()));
    a
}

/// Reads a boolean attribute the way pycognito does (`"true"` / `"false"`, as Cognito writes
/// `email_verified`); `None` when absent or not one of those.
///
/// ```
/// use std::collections::BTreeMap;
/// let map = BTreeMap::from([("email_verified".to_string(), "true".to_string())]);
/// assert_eq!(cognito_admin::attributes::bool_attribute(&map, "email_verified"), Some(true));
/// assert_eq!(cognito_admin::attributes::bool_attribute(&map, "phone_number_verified"), None);
/// ```
pub fn bool_attribute(map: &BTreeMap<String, String>, name: &str) -> Option<bool> {
    match map.get(name).map(String::as_str) {
        Some("true") => Some(true),
        Some("false") => Some(false),
        _ => None,
    }
}

/// pycognito's `attr_map`: Cognito attribute names mapped to the names an application uses
/// (`{"given_name": "first_name"}`), applied in both directions, plus the `custom:` handling.
///
/// - [`to_map`](Self::to_map) (Cognito -> application, pycognito's `cognito_to_dict`): a mapped
///   name is replaced; with [`strip_custom_prefix`](Self::strip_custom_prefix), `custom:x`
///   becomes `x` when `x` is not a standard name.
/// - [`to_attributes`](Self::to_attributes) (application -> Cognito, pycognito's
///   `dict_to_cognito`): a mapped application name goes back to its Cognito name (winning over
///   the same Cognito name given directly, as in pycognito), then [`cognito_name`] prefixes
///   non-standard names with `custom:`.
///
/// ```
/// use cognito_admin::AttributeMap;
/// use std::collections::BTreeMap;
/// let map = AttributeMap::new()
///     .map("given_name", "first_name")
///     .map("custom:team", "team")
///     .strip_custom_prefix(true);
/// let local = BTreeMap::from([
///     ("first_name".to_string(), "Ada".to_string()),
///     ("team".to_string(), "blue".to_string()),
///     ("level".to_string(), "3".to_string()),
/// ]);
/// let attrs = map.to_attributes(&local);
/// let pairs: Vec<_> = attrs.iter().map(|a| (a.name.as_str(), a.value.as_ref().unwrap().expose())).collect();
/// assert_eq!(pairs, [("custom:level", "3"), ("custom:team", "blue"), ("given_name", "Ada")]);
/// assert_eq!(map.to_map(&attrs), local); // and back
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttributeMap {
    cognito_to_local: BTreeMap<String, String>,
    local_to_cognito: BTreeMap<String, String>,
    strip_custom_prefix: bool,
}

impl AttributeMap {
    /// No renaming, `custom:` kept on the way out.
    pub fn new() -> Self {
        Self::default()
    }

    /// Shows Cognito attribute `cognito_name` as `local_name`.
    pub fn map(mut self, cognito_name: impl Into<String>, local_name: impl Into<String>) -> Self {
        let (c, l) = (cognito_name.into(), local_name.into());
        self.local_to_cognito.insert(l.clone(), c.clone());
        self.cognito_to_local.insert(c, l);
        self
    }

    /// Drops `custom:` from custom attribute names in [`to_map`](Self::to_map) (off by default,
    /// as in pycognito).
    pub fn strip_custom_prefix(mut self, on: bool) -> Self {
        self.strip_custom_prefix = on;
        self
    }

    /// The application's name for Cognito attribute `name`.
    pub fn local_name<'a>(&'a self, name: &'a str) -> &'a str {
        if let Some(local) = self.cognito_to_local.get(name) {
            return local;
        }
        if self.strip_custom_prefix
            && let Some(rest) = name.strip_prefix(CUSTOM_PREFIX)
            && !is_standard(rest)
            && !rest.contains(':')
        {
            return rest;
        }
        name
    }

    /// Cognito's name for application attribute `name`.
    pub fn cognito_name<'a>(&'a self, name: &'a str) -> Cow<'a, str> {
        match self.local_to_cognito.get(name) {
            Some(c) => cognito_name(c),
            None => cognito_name(name),
        }
    }

    /// Cognito's attribute list as an application map.
    pub fn to_map(&self, attributes: &[AttributeType]) -> BTreeMap<String, String> {
        attributes
            .iter()
            .map(|a| {
                let value = a.value.as_ref().map(|v| v.expose().to_owned());
                (
                    self.local_name(&a.name).to_owned(),
                    value.unwrap_or_default(),
                )
            })
            .collect()
    }

    /// An application map as Cognito's attribute list, sorted by Cognito name.
    pub fn to_attributes(&self, map: &BTreeMap<String, String>) -> Vec<AttributeType> {
        // Cognito name -> (came through the attr_map, value)
        let mut out: BTreeMap<String, (bool, &str)> = BTreeMap::new();
        for (name, value) in map {
            let renamed = self.local_to_cognito.contains_key(name);
            let cognito = self.cognito_name(name).into_owned();
            match out.get(&cognito) {
                Some((true, _)) if !renamed => {}
                _ => {
                    out.insert(cognito, (renamed, value.as_str()));
                }
            }
        }
        out.into_iter()
            .map(|(name, (_, value))| attribute(name, value))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, &str)]) -> Vec<AttributeType> {
        pairs.iter().map(|(n, v)| attribute(*n, *v)).collect()
    }

    fn pairs(attrs: &[AttributeType]) -> Vec<(String, String)> {
        attrs
            .iter()
            .map(|a| {
                (
                    a.name.clone(),
                    a.value.as_ref().unwrap().expose().to_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn plain_round_trip_prefixes_custom_names() {
        let map = BTreeMap::from([
            ("email".to_owned(), "a@b".to_owned()),
            ("email_verified".to_owned(), "true".to_owned()),
            ("custom:team".to_owned(), "blue".to_owned()),
            ("level".to_owned(), "3".to_owned()),
            ("dev:x".to_owned(), "y".to_owned()),
        ]);
        let before = map.clone();
        let list = map_to_attributes(&map);
        assert_eq!(map, before, "input untouched");
        assert_eq!(
            pairs(&list),
            [
                ("custom:level", "3"),
                ("custom:team", "blue"),
                ("dev:x", "y"),
                ("email", "a@b"),
                ("email_verified", "true"),
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
        let back = attributes_to_map(&list);
        assert_eq!(back["custom:level"], "3");
        assert_eq!(back["email"], "a@b");
        assert_eq!(bool_attribute(&back, "email_verified"), Some(true));
    }

    #[test]
    fn pycognito_attr_map_semantics() {
        // cognito_to_dict(attr_list, {"given_name": "first_name"})
        let m = AttributeMap::new().map("given_name", "first_name");
        let list = attrs(&[("given_name", "Ada"), ("email", "a@b")]);
        let local = m.to_map(&list);
        assert_eq!(local["first_name"], "Ada");
        assert!(!local.contains_key("given_name"));
        // dict_to_cognito: the mapped local name wins over the Cognito name given directly.
        let input = BTreeMap::from([
            ("given_name".to_owned(), "Direct".to_owned()),
            ("first_name".to_owned(), "Mapped".to_owned()),
        ]);
        let before = input.clone();
        let out = m.to_attributes(&input);
        assert_eq!(input, before, "input untouched");
        assert_eq!(
            pairs(&out),
            vec![("given_name".to_owned(), "Mapped".to_owned())]
        );
    }

    #[test]
    fn strip_prefix_only_for_non_standard_names() {
        let m = AttributeMap::new().strip_custom_prefix(true);
        let local = m.to_map(&attrs(&[("custom:email", "x"), ("custom:team", "t")]));
        assert_eq!(local["custom:email"], "x");
        assert_eq!(local["team"], "t");
        let back = m.to_attributes(&local);
        assert_eq!(
            pairs(&back),
            [("custom:email", "x"), ("custom:team", "t")]
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
    }

    #[test]
    fn missing_values_map_to_empty() {
        let list = vec![AttributeType::builder().name("email").build().unwrap()];
        assert_eq!(attributes_to_map(&list)["email"], "");
    }
}
