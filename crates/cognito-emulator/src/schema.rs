//! The pool's attribute schema: custom attributes (`custom:<name>`) declared by `CreateUserPool`'s
//! `Schema` or `AddCustomAttributes`, checked where users are written, listed with the standard
//! attributes in `DescribeUserPool`'s `SchemaAttributes`.
//!
//! The custom attributes live in the pool's `extra` under `SchemaAttributes` (names with their
//! `custom:` prefix). A pool with that key (every pool made by `CreateUserPool`, and any pool
//! once `AddCustomAttributes` ran) accepts only declared custom attributes; a pool provisioned
//! through the embedded API or a seed without any accepts every `custom:` name, as before.

use crate::error::{ApiError, invalid};
use crate::state::Pool;
use crate::txn::Ctx;
use cognito_wire::*;
use std::collections::BTreeMap;

/// Custom attributes a pool may have.
pub(crate) const MAX_CUSTOM: usize = 50;

/// The standard attributes (name, type, mutable).
const STANDARD: &[(&str, &str, bool)] = &[
    ("sub", "String", false),
    ("name", "String", true),
    ("given_name", "String", true),
    ("family_name", "String", true),
    ("middle_name", "String", true),
    ("nickname", "String", true),
    ("preferred_username", "String", true),
    ("profile", "String", true),
    ("picture", "String", true),
    ("website", "String", true),
    ("email", "String", true),
    ("email_verified", "Boolean", true),
    ("gender", "String", true),
    ("birthdate", "String", true),
    ("zoneinfo", "String", true),
    ("locale", "String", true),
    ("phone_number", "String", true),
    ("phone_number_verified", "Boolean", true),
    ("address", "String", true),
    ("updated_at", "Number", true),
];

fn is_standard(name: &str) -> bool {
    STANDARD.iter().any(|(n, _, _)| *n == name)
}

/// Whether the pool checks custom attributes against its schema.
fn strict(pool: &Pool) -> bool {
    pool.extra.get("SchemaAttributes").is_some()
}

/// The declared custom attributes, by full name (`custom:x`).
pub(crate) fn custom_attributes(pool: &Pool) -> BTreeMap<String, SchemaAttributeType> {
    pool.extra
        .get("SchemaAttributes")
        .and_then(|v| serde_json::from_value::<Vec<SchemaAttributeType>>(v.clone()).ok())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|a| a.name.clone().map(|n| (n, a)))
        .collect()
}

/// `SchemaAttributes` as `DescribeUserPool` returns them: the standard attributes, then the
/// custom ones.
pub(crate) fn schema_attributes(pool: &Pool) -> Vec<SchemaAttributeType> {
    let string = |min: &str| {
        StringAttributeConstraintsType::builder()
            .min_length(min.to_owned())
            .max_length("2048".to_owned())
            .build()
    };
    let mut out: Vec<SchemaAttributeType> = STANDARD
        .iter()
        .map(|(name, ty, mutable)| {
            SchemaAttributeType::builder()
                .attribute_data_type(AttributeDataType::from(*ty))
                .developer_only_attribute(false)
                .mutable(*mutable)
                .name((*name).to_owned())
                .set_number_attribute_constraints((*ty == "Number").then(|| {
                    NumberAttributeConstraintsType::builder()
                        .min_value("0".to_owned())
                        .build()
                }))
                .set_required(Some(
                    *name == "sub" || pool.spec.required_attributes.iter().any(|r| r == name),
                ))
                .set_string_attribute_constraints(
                    (*ty == "String").then(|| string(if *name == "sub" { "1" } else { "0" })),
                )
                .build()
        })
        .collect();
    out.extend(custom_attributes(pool).into_values());
    out
}

/// Normalizes a declared attribute: the `custom:` prefix, a data type, `Mutable` and
/// `DeveloperOnlyAttribute` stated.
fn normalize(a: &SchemaAttributeType) -> Result<SchemaAttributeType, ApiError> {
    let name = a
        .name
        .as_deref()
        .ok_or_else(|| invalid("Custom attribute name is required."))?;
    if name.is_empty() || name.chars().count() > 20 {
        return Err(invalid(format!(
            "1 validation error detected: Value '{name}' at 'customAttributes.member.name' failed to satisfy constraint: Member must have length less than or equal to 20"
        )));
    }
    if a.required == Some(true) {
        return Err(invalid(
            "Required custom attributes are not supported currently.",
        ));
    }
    let ty = a
        .attribute_data_type
        .clone()
        .unwrap_or(AttributeDataType::String);
    if let AttributeDataType::Unknown(t) = &ty {
        return Err(invalid(format!("Invalid AttributeDataType input {t}")));
    }
    Ok({
        let mut v = a.clone();
        v.attribute_data_type = Some(ty);
        v.developer_only_attribute = Some(a.developer_only_attribute.unwrap_or(false));
        v.mutable = Some(a.mutable.unwrap_or(true));
        v.name = Some(format!("custom:{name}"));
        v.required = Some(false);
        v
    })
}

/// Adds custom attributes to the pool's schema (also marking it strict).
fn add(pool: &mut Pool, list: &[SchemaAttributeType]) -> Result<(), ApiError> {
    let mut all = custom_attributes(pool);
    for a in list {
        let a = normalize(a)?;
        let name = a.name.clone().unwrap_or_default();
        if all.contains_key(&name) {
            return Err(invalid(format!(
                "Existing attribute already has name {name}."
            )));
        }
        all.insert(name, a);
    }
    if all.len() > MAX_CUSTOM {
        return Err(invalid(format!(
            "A user pool can have at most {MAX_CUSTOM} custom attributes."
        )));
    }
    if !pool.extra.is_object() {
        pool.extra = serde_json::Value::Object(serde_json::Map::new());
    }
    let list: Vec<&SchemaAttributeType> = all.values().collect();
    let v = serde_json::to_value(list).map_err(crate::error::internal)?;
    if let Some(o) = pool.extra.as_object_mut() {
        o.insert("SchemaAttributes".to_owned(), v);
    }
    Ok(())
}

/// `CreateUserPool`'s `Schema`: standard attributes stay with the spec (`Required`), the others
/// become `custom:` attributes. The pool is strict from then on.
pub(crate) fn from_create(pool: &mut Pool, schema: &[SchemaAttributeType]) -> Result<(), ApiError> {
    let custom: Vec<SchemaAttributeType> = schema
        .iter()
        .filter(|a| a.name.as_deref().is_some_and(|n| !is_standard(n)))
        .map(|a| {
            let mut v = a.clone();
            v.name = a
                .name
                .as_deref()
                .map(|n| n.strip_prefix("custom:").unwrap_or(n).to_owned());
            v
        })
        .collect();
    add(pool, &custom)
}

/// What a write does to a user: creating one (`SignUp`, `AdminCreateUser`) or updating one.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Write {
    Create,
    Update,
}

/// Checks `custom:` attributes against a strict pool's schema: declared, mutable on update, of
/// the declared type and length.
pub(crate) fn check(
    pool: &Pool,
    attributes: &BTreeMap<String, String>,
    write: Write,
) -> Result<(), ApiError> {
    if !strict(pool) {
        return Ok(());
    }
    let declared = custom_attributes(pool);
    for (k, v) in attributes {
        if !k.starts_with("custom:") && !k.starts_with("dev:") {
            continue;
        }
        let Some(a) = declared.get(k) else {
            return Err(invalid(match write {
                Write::Create => format!(
                    "Attributes did not conform to the schema: Type for attribute {{{k}}} could not be determined"
                ),
                Write::Update => "Attribute does not exist in the schema.".to_owned(),
            }));
        };
        if write == Write::Update && a.mutable == Some(false) {
            return Err(invalid(format!(
                "Cannot modify the non-mutable attribute {k}"
            )));
        }
        let bad = |why: &str| {
            invalid(format!(
                "Attributes did not conform to the schema: {k}: {why}"
            ))
        };
        match a.attribute_data_type {
            Some(AttributeDataType::Number) => {
                let n: f64 = v.parse().map_err(|_| bad("Number must be a number"))?;
                let c = a.number_attribute_constraints.as_ref();
                if let Some(min) = c.and_then(|c| c.min_value.as_deref()?.parse::<f64>().ok())
                    && n < min
                {
                    return Err(bad(&format!("Number must be at least {min}")));
                }
                if let Some(max) = c.and_then(|c| c.max_value.as_deref()?.parse::<f64>().ok())
                    && n > max
                {
                    return Err(bad(&format!("Number must be at most {max}")));
                }
            }
            Some(AttributeDataType::Boolean) if v != "true" && v != "false" => {
                return Err(bad("Boolean must be true or false"));
            }
            _ => {
                let c = a.string_attribute_constraints.as_ref();
                let len = v.chars().count();
                if let Some(max) = c.and_then(|c| c.max_length.as_deref()?.parse::<usize>().ok())
                    && len > max
                {
                    return Err(bad(&format!(
                        "String must be no longer than {max} characters"
                    )));
                }
                if let Some(min) = c.and_then(|c| c.min_length.as_deref()?.parse::<usize>().ok())
                    && len < min
                {
                    return Err(bad(&format!("String must be at least {min} characters")));
                }
            }
        }
    }
    Ok(())
}

pub(crate) fn add_custom_attributes(
    inner: &Ctx,
    r: AddCustomAttributesRequest,
) -> Result<AddCustomAttributesResponse, ApiError> {
    if r.custom_attributes.is_empty() || r.custom_attributes.len() > 25 {
        return Err(invalid(
            "1 validation error detected: Value at 'customAttributes' failed to satisfy constraint: Member must have length between 1 and 25",
        ));
    }
    let mut st = inner.lock();
    let now = inner.now();
    let pool = st.pool_mut(&r.user_pool_id)?;
    add(pool, &r.custom_attributes)?;
    pool.modified = now;
    Ok(AddCustomAttributesResponse::default())
}
