//! The subset of the botocore service model that the generator reads.

use std::collections::BTreeMap;

use serde_json::Value;

use super::docs;

/// One member of a structure.
#[derive(Debug, Clone)]
pub struct Member {
    /// Name as the model spells it (the JSON key).
    pub name: String,
    /// Target shape.
    pub target: String,
    /// Summarized documentation.
    pub doc: Option<String>,
    /// Listed in the structure's `required`.
    pub required: bool,
    /// Marked deprecated.
    pub deprecated: bool,
}

/// What kind of shape.
#[derive(Debug, Clone)]
pub enum Kind {
    Structure { members: Vec<Member> },
    Document,
    Str { values: Option<Vec<String>> },
    Integer,
    Long,
    Boolean,
    Double,
    Timestamp,
    Blob,
    List { member: String },
    Map { key: String, value: String },
}

/// One shape.
#[derive(Debug, Clone)]
pub struct Shape {
    pub name: String,
    pub kind: Kind,
    pub doc: Option<String>,
    pub sensitive: bool,
    pub exception: bool,
    pub fault: bool,
}

/// Operations the model leaves without `authtype: none` although Cognito's API reference says
/// they are not authorized with IAM: "For this operation, you can't use IAM credentials to
/// authorize requests" (`GetClientToken`: the app client's id and secret authorize it). They
/// are generated unsigned, like the other public operations.
const NOT_IAM_AUTHORIZED: &[&str] = &["GetClientToken"];

/// Operations the model leaves without `authtype: none` although Cognito's API reference says
/// the app client can authorize them without IAM: "you must have IAM credentials, or you must
/// present the requesting app client's `ClientId` and, if the client has a secret,
/// `ClientSecret`" (`GetDerivedToken`). They are generated unsigned so that a client without
/// AWS credentials can call them (the server authenticates the app client); a signing client
/// sends them unsigned too, with the client id and secret.
const CLIENT_AUTHENTICATED: &[&str] = &["GetDerivedToken"];

/// One operation.
#[derive(Debug, Clone)]
pub struct Op {
    pub name: String,
    pub input: String,
    pub output: Option<String>,
    pub errors: Vec<String>,
    pub doc: Option<String>,
    /// `authtype: none`: callable without SigV4.
    pub unsigned: bool,
    pub readonly: bool,
}

/// The parsed model.
#[derive(Debug, Clone)]
pub struct Model {
    pub target_prefix: String,
    pub shapes: BTreeMap<String, Shape>,
    pub ops: BTreeMap<String, Op>,
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn shape_ref(v: &Value, key: &str, ctx: &str) -> Result<String, String> {
    v.get(key)
        .and_then(|r| s(r, "shape"))
        .map(str::to_string)
        .ok_or_else(|| format!("{ctx}: missing {key}.shape"))
}

impl Model {
    /// Parses `service-2.json`.
    pub fn parse(text: &str) -> Result<Model, String> {
        let mut root: Value =
            serde_json::from_str(text).map_err(|e| format!("service model: {e}"))?;
        // Shapes, members and operations in name order, whatever serde_json's map is: a crate
        // in the workspace (passkey-types) turns on its `preserve_order`, which would keep the
        // file's order instead when the workspace is built together.
        root.sort_all_objects();
        let target_prefix = root
            .get("metadata")
            .and_then(|m| s(m, "targetPrefix"))
            .ok_or("metadata.targetPrefix missing")?
            .to_string();
        let mut shapes = BTreeMap::new();
        let raw_shapes = root
            .get("shapes")
            .and_then(Value::as_object)
            .ok_or("no shapes")?;
        for (name, v) in raw_shapes {
            let ty = s(v, "type").ok_or_else(|| format!("{name}: no type"))?;
            let kind = match ty {
                "structure" if v.get("document").and_then(Value::as_bool) == Some(true) => {
                    Kind::Document
                }
                "structure" => {
                    let required: Vec<&str> = v
                        .get("required")
                        .and_then(Value::as_array)
                        .map(|a| a.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    let mut members = Vec::new();
                    if let Some(ms) = v.get("members").and_then(Value::as_object) {
                        for (mname, mv) in ms {
                            members.push(Member {
                                name: mname.clone(),
                                target: s(mv, "shape")
                                    .ok_or_else(|| format!("{name}.{mname}: no shape"))?
                                    .to_string(),
                                doc: s(mv, "documentation").and_then(docs::summarize),
                                required: required.contains(&mname.as_str()),
                                deprecated: mv.get("deprecated").and_then(Value::as_bool)
                                    == Some(true),
                            });
                        }
                    }
                    Kind::Structure { members }
                }
                "string" => Kind::Str {
                    values: v.get("enum").and_then(Value::as_array).map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    }),
                },
                "integer" => Kind::Integer,
                "long" => Kind::Long,
                "boolean" => Kind::Boolean,
                "double" | "float" => Kind::Double,
                "timestamp" => Kind::Timestamp,
                "blob" => Kind::Blob,
                "list" => Kind::List {
                    member: shape_ref(v, "member", name)?,
                },
                "map" => Kind::Map {
                    key: shape_ref(v, "key", name)?,
                    value: shape_ref(v, "value", name)?,
                },
                other => return Err(format!("{name}: unsupported shape type {other}")),
            };
            shapes.insert(
                name.clone(),
                Shape {
                    name: name.clone(),
                    kind,
                    doc: s(v, "documentation").and_then(docs::summarize),
                    sensitive: v.get("sensitive").and_then(Value::as_bool) == Some(true),
                    exception: v.get("exception").and_then(Value::as_bool) == Some(true),
                    fault: v.get("fault").and_then(Value::as_bool) == Some(true),
                },
            );
        }
        let mut ops = BTreeMap::new();
        let raw_ops = root
            .get("operations")
            .and_then(Value::as_object)
            .ok_or("no operations")?;
        for (name, v) in raw_ops {
            let errors = v
                .get("errors")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|e| s(e, "shape"))
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            ops.insert(
                name.clone(),
                Op {
                    name: name.clone(),
                    input: shape_ref(v, "input", name)?,
                    output: v
                        .get("output")
                        .and_then(|o| s(o, "shape"))
                        .map(str::to_string),
                    errors,
                    doc: s(v, "documentation").and_then(docs::summarize),
                    unsigned: s(v, "authtype") == Some("none")
                        || NOT_IAM_AUTHORIZED.contains(&name.as_str())
                        || CLIENT_AUTHENTICATED.contains(&name.as_str()),
                    readonly: v.get("readonly").and_then(Value::as_bool) == Some(true),
                },
            );
        }
        let model = Model {
            target_prefix,
            shapes,
            ops,
        };
        model.check()?;
        Ok(model)
    }

    /// Looks up a shape.
    pub fn shape(&self, name: &str) -> Result<&Shape, String> {
        self.shapes
            .get(name)
            .ok_or_else(|| format!("unknown shape {name}"))
    }

    fn check(&self) -> Result<(), String> {
        for shape in self.shapes.values() {
            match &shape.kind {
                Kind::Structure { members } => {
                    for m in members {
                        self.shape(&m.target)?;
                    }
                }
                Kind::List { member } => {
                    self.shape(member)?;
                }
                Kind::Map { key, value } => {
                    self.shape(key)?;
                    self.shape(value)?;
                }
                _ => {}
            }
        }
        for op in self.ops.values() {
            self.shape(&op.input)?;
            if let Some(o) = &op.output {
                self.shape(o)?;
            }
            for e in &op.errors {
                self.shape(e)?;
            }
        }
        Ok(())
    }

    /// All exception shapes, sorted by name.
    pub fn exceptions(&self) -> impl Iterator<Item = &Shape> {
        self.shapes.values().filter(|s| s.exception)
    }

    /// A replayable operation: read-only by name or by the model's `readonly` trait, and not
    /// one of the `Get*` calls that issue tokens or send codes.
    pub fn replay_safe(op: &Op) -> bool {
        const NOT_READ_ONLY: &[&str] = &[
            "GetClientToken",
            "GetDerivedToken",
            "GetTokensFromRefreshToken",
            "GetUserAttributeVerificationCode",
        ];
        let by_name = ["Get", "List", "Describe", "AdminGet", "AdminList"]
            .iter()
            .any(|p| op.name.starts_with(p));
        (by_name || op.readonly) && !NOT_READ_ONLY.contains(&op.name.as_str())
    }
}
