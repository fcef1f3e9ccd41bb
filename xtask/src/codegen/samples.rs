//! Sample JSON values per shape, used by the round-trip tests of `cognito-wire`.
//!
//! A "full" sample sets every member; a "minimal" one only the required members. Strings of
//! sensitive shapes (or inside sensitive structures) start with `SECRET-`, so a test can check
//! that `Debug` output never contains that marker.

use serde_json::{Map, Value, json};

use super::model::{Kind, Model};

/// The marker that starts every sensitive sample string.
pub const SECRET: &str = "SECRET-";

/// A sample value of `target`.
pub fn sample(model: &Model, target: &str, full: bool, sensitive: bool) -> Result<Value, String> {
    let shape = model.shape(target)?;
    let sensitive = sensitive || shape.sensitive;
    Ok(match &shape.kind {
        Kind::Structure { members } => {
            let mut obj = Map::new();
            for m in members {
                if full || m.required {
                    obj.insert(m.name.clone(), sample(model, &m.target, full, sensitive)?);
                }
            }
            Value::Object(obj)
        }
        Kind::Document => json!({"doc": [1, "two", true, null, {"nested": 2.5}]}),
        Kind::Str {
            values: Some(values),
        } => Value::String(
            values
                .first()
                .cloned()
                .ok_or_else(|| format!("{target}: empty enum"))?,
        ),
        Kind::Str { values: None } => {
            let prefix = if sensitive { SECRET } else { "" };
            Value::String(format!("{prefix}{target}-sample"))
        }
        Kind::Integer => json!(7),
        Kind::Long => json!(1_234_567_890_123_i64),
        Kind::Boolean => json!(true),
        Kind::Double => json!(1.5),
        Kind::Timestamp => json!(1_700_000_000),
        // base64("sample-blob")
        Kind::Blob => json!("c2FtcGxlLWJsb2I="),
        Kind::List { member } => Value::Array(vec![sample(model, member, full, sensitive)?]),
        Kind::Map { value, .. } => {
            let mut obj = Map::new();
            obj.insert("key1".to_string(), sample(model, value, full, sensitive)?);
            Value::Object(obj)
        }
    })
}

/// The fixture file: `{"full": {shape: value}, "minimal": {...}}` for every operation input and
/// output and every exception.
pub fn fixture(model: &Model) -> Result<String, String> {
    let mut names: Vec<&str> = Vec::new();
    for op in model.ops.values() {
        names.push(&op.input);
        if let Some(o) = &op.output {
            names.push(o);
        }
    }
    names.extend(model.exceptions().map(|e| e.name.as_str()));
    names.sort_unstable();
    names.dedup();
    let mut full = Map::new();
    let mut minimal = Map::new();
    for n in names {
        full.insert(n.to_string(), sample(model, n, true, false)?);
        minimal.insert(n.to_string(), sample(model, n, false, false)?);
    }
    let mut root = json!({
        "@generated": "by cargo xtask codegen — do not edit",
        "full": full,
        "minimal": minimal,
    });
    // Members in name order, with or without serde_json's `preserve_order` (see model.rs).
    root.sort_all_objects();
    let mut text = serde_json::to_string_pretty(&root).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}
