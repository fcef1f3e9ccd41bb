//! Lambda triggers: a pool's `LambdaConfig` names functions by ARN; the emulator maps each ARN
//! (or every ARN of a pool) to a local handler ([`TriggerHandler`]: an HTTP endpoint speaking
//! Lambda's `Invoke` API, or a command) and invokes it with the event Cognito would send.
//!
//! Invariants:
//! - an invocation never runs while the request holds SQLite's write lock when the call site
//!   puts it before the request's first write (every call site does, but `CustomMessage`, which
//!   runs where a message is sent);
//! - a request that runs again after a conflict ([`crate::txn::transact`]) does not invoke a
//!   handler twice for the same event: the answers of its earlier attempts are kept for the
//!   request ([`Scope`]) and reused when the same function gets the same event;
//! - a handler's answer is parsed into typed values; anything else is
//!   `InvalidLambdaResponseException`, never a panic; a failure answers the request with an
//!   error and rolls it back (nothing of it remains).

mod events;
mod flows;
mod invoke;

use events::custom_message;
pub(crate) use events::{CustomAuth, pre_token_generation_m2m};
pub(crate) use flows::*;

use crate::error::ApiError;
use crate::state::Pool;
use serde_json::{Map, Value, json};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::RwLock;
use std::time::Duration;

/// Where a trigger's function runs locally.
///
/// ```
/// use cognito_emulator::TriggerHandler;
/// let http = TriggerHandler::parse("http://127.0.0.1:9001").unwrap();
/// assert_eq!(http, TriggerHandler::http("http://127.0.0.1:9001"));
/// let cmd = TriggerHandler::parse("python3 handler.py").unwrap();
/// assert_eq!(cmd, TriggerHandler::command("python3", ["handler.py"]));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum TriggerHandler {
    /// An endpoint speaking Lambda's `Invoke` API: the event is `POST`ed to
    /// `{url}/2015-03-31/functions/{function name}/invocations` (or to `url` itself when it
    /// ends in `/invocations`), as to the AWS Lambda runtime interface emulator; a function
    /// error is an answer with `X-Amz-Function-Error` and `{"errorMessage": ...}`.
    Http {
        /// `http://host:port` of the runner.
        url: String,
    },
    /// A local command: the event JSON on its stdin, the answer JSON on its stdout; exiting
    /// with a failure is a function error whose message is the `errorMessage` of what it
    /// printed on stdout (else the last line of stderr).
    Command {
        /// The program.
        program: String,
        /// Its arguments.
        #[serde(default)]
        args: Vec<String>,
    },
}

impl TriggerHandler {
    /// An HTTP endpoint speaking Lambda's `Invoke` API.
    pub fn http(url: impl Into<String>) -> Self {
        TriggerHandler::Http { url: url.into() }
    }

    /// A local command.
    pub fn command<I, S>(program: impl Into<String>, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        TriggerHandler::Command {
            program: program.into(),
            args: args.into_iter().map(Into::into).collect(),
        }
    }

    /// `http://...` is an endpoint; anything else a command line split on whitespace (the
    /// form of `--trigger KEY=HANDLER` and of the seed file's strings). `None` when empty.
    pub fn parse(spec: &str) -> Option<Self> {
        let spec = spec.trim();
        if spec.starts_with("http://") || spec.starts_with("https://") {
            return Some(TriggerHandler::http(spec));
        }
        let mut words = spec.split_whitespace();
        let program = words.next()?;
        Some(TriggerHandler::command(program, words))
    }
}

/// The handlers by key: an ARN, a pool id (every ARN of that pool) or `*` (every ARN).
#[derive(Debug, Default)]
pub(crate) struct Registry(RwLock<BTreeMap<String, TriggerHandler>>);

impl Registry {
    pub fn new(initial: BTreeMap<String, TriggerHandler>) -> Self {
        Registry(RwLock::new(initial))
    }

    pub fn set(&self, key: String, handler: Option<TriggerHandler>) {
        if let Ok(mut m) = self.0.write() {
            match handler {
                Some(h) => m.insert(key, h),
                None => m.remove(&key),
            };
        }
    }

    /// The handler of `arn` in `pool`: by ARN, else by pool id, else `*`.
    fn find(&self, pool_id: &str, arn: &str) -> Option<TriggerHandler> {
        let m = self.0.read().ok()?;
        m.get(arn)
            .or_else(|| m.get(pool_id))
            .or_else(|| m.get("*"))
            .cloned()
    }
}

/// One request's trigger context, kept across the attempts of [`crate::txn::transact`]: the
/// answers already given (reused when the same function gets the same event again) and the
/// metadata the request brought for its triggers.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    answers: RefCell<Vec<(String, String, Value)>>,
    /// The app client of the request (the events' `callerContext.clientId`).
    pub client_id: RefCell<Option<String>>,
    /// The token generation source of a challenge answer (new password, device).
    token_source: RefCell<Option<&'static str>>,
    /// The custom message source of the request's messages when the kind of message does not
    /// say it (`CustomMessage_ResendCode`, `CustomMessage_UpdateUserAttribute`).
    message_source: RefCell<Option<&'static str>>,
    client_metadata: RefCell<Option<BTreeMap<String, String>>>,
    validation_data: RefCell<Option<BTreeMap<String, String>>>,
}

impl Scope {
    /// The request's app client and `ClientMetadata` (passed to triggers as `clientMetadata`).
    pub fn request(&self, client_id: &str, m: Option<&BTreeMap<String, String>>) {
        *self.client_id.borrow_mut() = Some(client_id.to_owned());
        *self.client_metadata.borrow_mut() = m.filter(|m| !m.is_empty()).cloned();
    }

    /// A request that sends messages whose custom message source its kind does not tell
    /// (`ResendConfirmationCode`, `UpdateUserAttributes`), with its app client (from the access
    /// token for the latter) and `ClientMetadata`.
    pub fn messages(
        &self,
        source: &'static str,
        client_id: Option<&str>,
        m: Option<&BTreeMap<String, String>>,
    ) {
        *self.client_id.borrow_mut() = client_id.map(str::to_owned);
        *self.client_metadata.borrow_mut() = m.filter(|m| !m.is_empty()).cloned();
        *self.message_source.borrow_mut() = Some(source);
    }

    /// The request's `ClientMetadata` only (admin operations: no app client).
    pub fn request_metadata(&self, m: Option<&BTreeMap<String, String>>) {
        *self.client_metadata.borrow_mut() = m.filter(|m| !m.is_empty()).cloned();
    }

    /// Validation data (`SignUp`'s `ValidationData`, `InitiateAuth`'s `ClientMetadata`).
    pub fn set_validation_data(&self, m: Option<BTreeMap<String, String>>) {
        *self.validation_data.borrow_mut() = m.filter(|m| !m.is_empty());
    }

    fn client_metadata(&self) -> Option<BTreeMap<String, String>> {
        self.client_metadata.borrow().clone()
    }

    fn validation_data(&self) -> Option<BTreeMap<String, String>> {
        self.validation_data.borrow().clone()
    }
}

/// The triggers of a user pool (`LambdaConfig`'s members).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Trigger {
    PreSignUp,
    PostConfirmation,
    PreAuthentication,
    PostAuthentication,
    DefineAuthChallenge,
    CreateAuthChallenge,
    VerifyAuthChallengeResponse,
    PreTokenGeneration,
    CustomMessage,
    UserMigration,
}

impl Trigger {
    const ALL: [Trigger; 10] = [
        Trigger::PreSignUp,
        Trigger::PostConfirmation,
        Trigger::PreAuthentication,
        Trigger::PostAuthentication,
        Trigger::DefineAuthChallenge,
        Trigger::CreateAuthChallenge,
        Trigger::VerifyAuthChallengeResponse,
        Trigger::PreTokenGeneration,
        Trigger::CustomMessage,
        Trigger::UserMigration,
    ];

    /// The `LambdaConfig` member (and the name in Cognito's error messages).
    pub fn name(self) -> &'static str {
        match self {
            Trigger::PreSignUp => "PreSignUp",
            Trigger::PostConfirmation => "PostConfirmation",
            Trigger::PreAuthentication => "PreAuthentication",
            Trigger::PostAuthentication => "PostAuthentication",
            Trigger::DefineAuthChallenge => "DefineAuthChallenge",
            Trigger::CreateAuthChallenge => "CreateAuthChallenge",
            Trigger::VerifyAuthChallengeResponse => "VerifyAuthChallengeResponse",
            Trigger::PreTokenGeneration => "PreTokenGeneration",
            Trigger::CustomMessage => "CustomMessage",
            Trigger::UserMigration => "UserMigration",
        }
    }
}

/// The version of the pre token generation event a pool asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenVersion {
    V1,
    V2,
    V3,
}

/// The ARN configured for `trigger`: the spec's `lambda_config`, else the `LambdaConfig` given
/// to `CreateUserPool` / `UpdateUserPool` (for pre token generation, its
/// `PreTokenGenerationConfig` first).
pub(crate) fn arn_of(pool: &Pool, trigger: Trigger) -> Option<String> {
    if let Some(a) = pool.spec.lambda_config.get(trigger.name()) {
        return Some(a.clone()).filter(|a| !a.is_empty());
    }
    let lc = pool.extra.get("LambdaConfig")?;
    if trigger == Trigger::PreTokenGeneration
        && let Some(a) = lc
            .get("PreTokenGenerationConfig")
            .and_then(|c| c.get("LambdaArn"))
            .and_then(Value::as_str)
    {
        return Some(a.to_owned());
    }
    lc.get(trigger.name())
        .and_then(Value::as_str)
        .map(str::to_owned)
        .filter(|a| !a.is_empty())
}

/// Which pre token generation event a pool sends.
pub(crate) fn token_version(pool: &Pool) -> TokenVersion {
    let v = pool.spec.pre_token_generation_version.clone().or_else(|| {
        let lc = pool.extra.get("LambdaConfig")?;
        let c = lc.get("PreTokenGenerationConfig")?;
        c.get("LambdaVersion")?.as_str().map(str::to_owned)
    });
    match v.as_deref() {
        Some("V2_0") => TokenVersion::V2,
        Some("V3_0") => TokenVersion::V3,
        _ => TokenVersion::V1,
    }
}

/// The function name of an ARN (`arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`),
/// else the whole string.
fn function_name(arn: &str) -> String {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", _, _, "function", name, ..] => (*name).to_owned(),
        _ => arn.rsplit('/').next().unwrap_or(arn).to_owned(),
    }
}

/// `UserLambdaValidationException`: the function failed (Cognito's message shape).
fn failed(trigger: Trigger, message: &str) -> ApiError {
    let code = if trigger == Trigger::UserMigration {
        "UserNotFoundException"
    } else {
        "UserLambdaValidationException"
    };
    ApiError::new(
        code,
        format!("{} failed with error {message}.", trigger.name()),
    )
}

/// `UnexpectedLambdaException`: the function could not be invoked or did not answer in time.
fn unexpected(trigger: Trigger, why: &str) -> ApiError {
    ApiError::new(
        "UnexpectedLambdaException",
        format!("{} invocation failed due to error {why}.", trigger.name()),
    )
}

/// `InvalidLambdaResponseException`: the function answered something Cognito cannot read.
pub(crate) fn unrecognizable() -> ApiError {
    ApiError::new(
        "InvalidLambdaResponseException",
        "Unrecognizable lambda output",
    )
}

/// What every event carries; `request` and `response` are the trigger's own.
pub(crate) struct Base<'a> {
    pub pool: &'a Pool,
    pub trigger: Trigger,
    pub source: &'a str,
    pub username: &'a str,
    pub client_id: Option<&'a str>,
    pub version: &'a str,
}

/// Invokes the pool's function for `base.trigger`, if one is configured: the whole answer
/// (the event as the function returned it), or `None` when the pool has no such trigger.
pub(crate) fn call(
    ctx: &crate::txn::Ctx,
    base: Base<'_>,
    request: Map<String, Value>,
    response: Value,
) -> Result<Option<Value>, ApiError> {
    let Some(arn) = arn_of(base.pool, base.trigger) else {
        return Ok(None);
    };
    let event = json!({
        "version": base.version,
        "triggerSource": base.source,
        "region": base.pool.region(),
        "userPoolId": base.pool.id,
        "userName": base.username,
        "callerContext": {
            "awsSdkVersion": "aws-sdk-unknown-unknown",
            "clientId": base.client_id.unwrap_or("CLIENT_ID_NOT_APPLICABLE"),
        },
        "request": Value::Object(request),
        "response": response,
    });
    let text = serde_json::to_string(&event).map_err(crate::error::internal)?;
    let scope = ctx.triggers();
    if let Some((_, _, answer)) = scope
        .answers
        .borrow()
        .iter()
        .find(|(a, e, _)| *a == arn && *e == text)
    {
        return Ok(Some(answer.clone()));
    }
    let trigger = base.trigger;
    let Some(handler) = ctx.trigger_handlers.find(&base.pool.id, &arn) else {
        tracing::warn!(trigger = trigger.name(), %arn, "no local handler for this function");
        return Err(unexpected(trigger, "ResourceNotFoundException"));
    };
    let limit = ctx.config.trigger_timeout;
    let started = std::time::Instant::now();
    let answer = invoke::run(&handler, &function_name(&arn), text.as_bytes(), limit);
    tracing::debug!(trigger = trigger.name(), source = base.source, elapsed = ?started.elapsed(), ok = answer.is_ok(), "trigger invoked");
    let bytes = match answer {
        Ok(b) => b,
        Err(invoke::InvokeError::Function(m)) => return Err(failed(trigger, &m)),
        Err(invoke::InvokeError::Timeout) => {
            return Err(unexpected(
                trigger,
                "Socket timeout while invoking Lambda function",
            ));
        }
        Err(invoke::InvokeError::Service(kind)) => return Err(unexpected(trigger, &kind)),
    };
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| unrecognizable())?;
    if !value.is_object() {
        return Err(unrecognizable());
    }
    // Lambda's error document answered as a result (a runner that does not set
    // `X-Amz-Function-Error`, a command that exits 0 after printing it): a function error.
    if let Some(m) = value.get("errorMessage").and_then(Value::as_str)
        && value.get("response").is_none()
        && value.get("triggerSource").is_none()
    {
        return Err(failed(trigger, m));
    }
    scope.answers.borrow_mut().push((arn, text, value.clone()));
    Ok(Some(value))
}

/// The `response` object of an answer (absent or `null`: empty).
pub(crate) fn response_of(answer: &Value) -> Result<Map<String, Value>, ApiError> {
    match answer.get("response") {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => Err(unrecognizable()),
    }
}

/// An optional boolean of a response (`null`: absent).
pub(crate) fn opt_bool(m: &Map<String, Value>, key: &str) -> Result<Option<bool>, ApiError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(unrecognizable()),
    }
}

/// An optional string of a response.
pub(crate) fn opt_str(m: &Map<String, Value>, key: &str) -> Result<Option<String>, ApiError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(unrecognizable()),
    }
}

/// An optional map of strings of a response.
pub(crate) fn opt_string_map(
    m: &Map<String, Value>,
    key: &str,
) -> Result<Option<BTreeMap<String, String>>, ApiError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => o
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                _ => Err(unrecognizable()),
            })
            .collect::<Result<_, _>>()
            .map(Some),
        Some(_) => Err(unrecognizable()),
    }
}

/// An optional list of strings of a response.
pub(crate) fn opt_string_list(
    m: &Map<String, Value>,
    key: &str,
) -> Result<Option<Vec<String>>, ApiError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(unrecognizable))
            .collect::<Result<_, _>>()
            .map(Some),
        Some(_) => Err(unrecognizable()),
    }
}

/// A map of strings as a JSON object.
pub(crate) fn object(m: &BTreeMap<String, String>) -> Value {
    Value::Object(
        m.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// The default time limit of an invocation (Cognito waits 5 seconds).
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// The custom message function's text for a message about to be sent (`None`: the default
/// text).
pub(crate) fn message_for(
    ctx: &crate::txn::Ctx,
    st: &crate::txn::State,
    pool_id: &str,
    username: &str,
    medium: crate::spec::Medium,
    kind: crate::spec::OutboxKind,
    code: &str,
) -> Result<Option<String>, ApiError> {
    use crate::spec::OutboxKind as K;
    let pool = st.pool(pool_id)?;
    if arn_of(pool, Trigger::CustomMessage).is_none() {
        return Ok(None);
    }
    let Some(user) = st.get_user(pool_id, username) else {
        return Ok(None);
    };
    let chosen = *ctx.triggers().message_source.borrow();
    let source = match kind {
        K::SignUp | K::Verify if chosen.is_some() => chosen.unwrap_or_default(),
        K::SignUp => "CustomMessage_SignUp",
        K::ForgotPassword => "CustomMessage_ForgotPassword",
        K::Mfa | K::Otp => "CustomMessage_Authentication",
        K::Verify => "CustomMessage_VerifyUserAttribute",
        K::Invite => "CustomMessage_AdminCreateUser",
    };
    custom_message(
        ctx,
        pool,
        source,
        &user,
        medium == crate::spec::Medium::Email,
        code,
    )
}

/// A pool's triggers as the standalone emulator prints them at start: the trigger, the ARN and
/// where it runs.
pub(crate) fn summary(registry: &Registry, pool: &Pool) -> Vec<String> {
    Trigger::ALL
        .iter()
        .filter_map(|t| {
            let arn = arn_of(pool, *t)?;
            let runs = match &registry.find(&pool.id, &arn) {
                Some(TriggerHandler::Http { url }) => {
                    invoke::invocation_url(url, &function_name(&arn))
                }
                Some(TriggerHandler::Command { program, args }) => {
                    let mut line = program.clone();
                    for a in args {
                        line.push(' ');
                        line.push_str(a);
                    }
                    line
                }
                None => "no handler (fails: give --trigger)".to_owned(),
            };
            Some(format!("{} {arn} -> {runs}", t.name()))
        })
        .collect()
}

/// `DescribeUserPool`'s `LambdaConfig`: what `CreateUserPool` / `UpdateUserPool` gave, with the
/// triggers of the pool's spec over it.
pub(crate) fn describe(pool: &Pool, lc: &mut Option<cognito_wire::LambdaConfigType>) {
    if pool.spec.lambda_config.is_empty() && pool.spec.pre_token_generation_version.is_none() {
        return;
    }
    let mut v = serde_json::to_value(lc.take().unwrap_or_default()).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        for (k, arn) in &pool.spec.lambda_config {
            o.insert(k.clone(), Value::String(arn.clone()));
        }
        if let Some(arn) = pool
            .spec
            .lambda_config
            .get(Trigger::PreTokenGeneration.name())
        {
            let version = pool
                .spec
                .pre_token_generation_version
                .clone()
                .unwrap_or_else(|| "V1_0".to_owned());
            o.insert(
                "PreTokenGenerationConfig".into(),
                json!({"LambdaArn": arn, "LambdaVersion": version}),
            );
        }
    }
    *lc = serde_json::from_value(v).ok();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handlers_parse_from_the_command_line_form() {
        assert_eq!(
            TriggerHandler::parse(" http://127.0.0.1:9000 "),
            Some(TriggerHandler::http("http://127.0.0.1:9000"))
        );
        assert_eq!(
            TriggerHandler::parse("python3  run_handler.py h.py"),
            Some(TriggerHandler::command(
                "python3",
                ["run_handler.py", "h.py"]
            ))
        );
        assert_eq!(TriggerHandler::parse("  "), None);
        let seeded: TriggerHandler =
            serde_json::from_value(json!({"program": "node", "args": ["h.mjs"]}))
                .unwrap_or_else(|_| TriggerHandler::http(""));
        assert_eq!(seeded, TriggerHandler::command("node", ["h.mjs"]));
    }

    #[test]
    fn function_names_and_invocation_urls() {
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up:live"),
            "pre-sign-up"
        );
        assert_eq!(function_name("plain"), "plain");
        assert_eq!(
            invoke::invocation_url("http://127.0.0.1:9000/", "f"),
            "http://127.0.0.1:9000/2015-03-31/functions/f/invocations"
        );
        assert_eq!(
            invoke::invocation_url("http://h:1/2015-03-31/functions/function/invocations", "f"),
            "http://h:1/2015-03-31/functions/function/invocations"
        );
    }

    #[test]
    fn bad_answers_are_typed_errors() {
        assert!(response_of(&json!({"response": 3})).is_err());
        assert!(response_of(&json!({})).is_ok_and(|m| m.is_empty()));
        let m = json!({"a": "yes", "b": [1], "c": {"k": 2}});
        let m = m.as_object().cloned().unwrap_or_default();
        assert!(opt_bool(&m, "a").is_err());
        assert!(opt_string_list(&m, "b").is_err());
        assert!(opt_string_map(&m, "c").is_err());
        assert_eq!(opt_str(&m, "missing").ok(), Some(None));
    }
}
