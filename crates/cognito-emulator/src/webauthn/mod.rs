//! Passkeys (WebAuthn): the emulator as a relying party. Registration
//! (StartWebAuthnRegistration / CompleteWebAuthnRegistration), ListWebAuthnCredentials,
//! DeleteWebAuthnCredential, and the `WEB_AUTHN` first factor of `USER_AUTH` (request options
//! out, an assertion checked in). The pool's `WebAuthnConfiguration` (SetUserPoolMfaConfig)
//! names the relying party and whether user verification is required.
//!
//! Credentials live in the user's record (so they survive a restart); a registration's challenge
//! too, until it completes; a sign-in's challenge lives in its single-use session.

mod assertion;
mod attestation;
mod data;

use crate::error::{ApiError, invalid, not_found, user_not_found};
use crate::state::{Pool, User};
use crate::txn::{Ctx, State};
use cognito_wire::op;
use cognito_wire::{
    Operation, UserVerificationType, WebAuthnConfigurationType, WebAuthnCredentialDescription,
    WebAuthnFactorConfigurationType,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

type In<O> = <O as Operation>::Input;
type Out<O> = <O as Operation>::Output;

/// How long a registration's or a sign-in's options are good for (ms, as WebAuthn states it).
const TIMEOUT_MS: i64 = 180_000;
/// Cognito's limit of passkeys per user.
const MAX_PASSKEYS: usize = 20;
/// The pool's extra-settings key of its WebAuthn configuration.
const CONFIG_KEY: &str = "WebAuthnConfiguration";

/// A registered passkey. The public key and counter are all the relying party keeps.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredCredential {
    /// base64url.
    pub credential_id: String,
    /// The COSE public key, base64url.
    pub public_key: String,
    pub sign_count: u32,
    pub rp_id: String,
    #[serde(default)]
    pub transports: Vec<String>,
    #[serde(default)]
    pub attachment: Option<String>,
    pub friendly_name: String,
    pub created: i64,
}

/// A registration StartWebAuthnRegistration began.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PendingRegistration {
    /// base64url.
    pub challenge: String,
    pub client_id: String,
    pub rp_id: String,
    pub uv_required: bool,
    pub expires: i64,
}

/// Cognito's WebAuthn errors.
pub(crate) mod errors {
    use crate::error::ApiError;

    pub(crate) fn challenge_not_found() -> ApiError {
        ApiError::new(
            "WebAuthnChallengeNotFoundException",
            "The WebAuthn challenge was not found or has expired.",
        )
    }
    pub(crate) fn origin_not_allowed() -> ApiError {
        ApiError::new(
            "WebAuthnOriginNotAllowedException",
            "The passkey credential's origin is not allowed for the relying party.",
        )
    }
    pub(crate) fn relying_party_mismatch() -> ApiError {
        ApiError::new(
            "WebAuthnRelyingPartyMismatchException",
            "The passkey credential is for another relying party.",
        )
    }
    pub(crate) fn not_supported() -> ApiError {
        ApiError::new(
            "WebAuthnCredentialNotSupportedException",
            "The passkey credential is not supported.",
        )
    }
    pub(crate) fn user_verification_required() -> ApiError {
        ApiError::new(
            "WebAuthnCredentialNotSupportedException",
            "The user pool requires user verification and the passkey did not verify the user.",
        )
    }
    pub(crate) fn not_enabled() -> ApiError {
        ApiError::new(
            "WebAuthnNotEnabledException",
            "Passkeys are not enabled for this user pool.",
        )
    }
    pub(crate) fn configuration_missing() -> ApiError {
        ApiError::new(
            "WebAuthnConfigurationMissingException",
            "The user pool has no relying party id and no domain.",
        )
    }
    pub(crate) fn client_mismatch() -> ApiError {
        ApiError::new(
            "WebAuthnClientMismatchException",
            "The access token is for another app client than StartWebAuthnRegistration's.",
        )
    }
    /// A sign-in assertion that does not hold.
    pub(crate) fn failed(msg: &str) -> ApiError {
        crate::error::not_authorized(msg)
    }
    pub(crate) fn unknown_credential() -> ApiError {
        crate::error::not_authorized("The passkey credential is not registered for the user.")
    }
}

/// The pool's stored `WebAuthnConfiguration`, as GetUserPoolMfaConfig returns it.
pub(crate) fn configuration(pool: &Pool) -> Option<WebAuthnConfigurationType> {
    pool.extra
        .get(CONFIG_KEY)
        .and_then(|v| serde_json::from_value(v.clone()).ok())
}

/// Stores SetUserPoolMfaConfig's `WebAuthnConfiguration` (absent: the current one is kept).
pub(crate) fn set_configuration(
    pool: &mut Pool,
    c: Option<&WebAuthnConfigurationType>,
) -> Result<(), ApiError> {
    let Some(c) = c else { return Ok(()) };
    if let Some(rp) = &c.relying_party_id
        && (rp.is_empty() || rp.len() > 127 || rp.contains('/') || rp.contains(':'))
    {
        return Err(invalid("RelyingPartyId must be a domain name"));
    }
    if !pool.extra.is_object() {
        pool.extra = serde_json::Value::Object(serde_json::Map::new());
    }
    let v = serde_json::to_value(c).map_err(crate::error::internal)?;
    if let Some(o) = pool.extra.as_object_mut() {
        o.insert(CONFIG_KEY.to_owned(), v);
    }
    Ok(())
}

/// The relying party of a pool, as registration and sign-in use it.
struct RelyingParty {
    id: String,
    uv_required: bool,
    multi_factor: bool,
}

/// The pool's relying party: its configured id, else its domain; passkeys must be an allowed
/// first factor when the pool lists them.
fn relying_party(pool: &Pool) -> Result<RelyingParty, ApiError> {
    if let Some(allowed) = crate::coverage::allowed_first_factors(pool)
        && !allowed
            .iter()
            .any(|f| f == cognito_wire::AuthFactorType::WebAuthn.as_str())
    {
        return Err(errors::not_enabled());
    }
    let config = configuration(pool).unwrap_or_default();
    let id = match config.relying_party_id.clone() {
        Some(id) => id,
        None => {
            let (prefix, custom) = crate::oauth_config::pool_domains(pool);
            match (custom, prefix) {
                (Some(custom), _) => custom,
                (None, Some(prefix)) => {
                    format!("{prefix}.auth.{}.amazoncognito.com", pool.region())
                }
                (None, None) => return Err(errors::configuration_missing()),
            }
        }
    };
    let multi_factor = config.factor_configuration
        == Some(WebAuthnFactorConfigurationType::MultiFactorWithUserVerification);
    Ok(RelyingParty {
        id,
        uv_required: multi_factor
            || config.user_verification == Some(UserVerificationType::Required),
        multi_factor,
    })
}

fn uv_word(required: bool) -> &'static str {
    if required { "required" } else { "preferred" }
}

/// The user handle of a user's passkeys: their `sub` (base64url).
fn user_handle(u: &User) -> String {
    data::b64url(u.sub.as_bytes())
}

fn descriptors(u: &User) -> Vec<serde_json::Value> {
    u.passkeys
        .iter()
        .map(|c| json!({"type": "public-key", "id": c.credential_id, "transports": c.transports}))
        .collect()
}

pub(crate) fn start_web_authn_registration(
    inner: &Ctx,
    r: In<op::StartWebAuthnRegistration>,
) -> Result<Out<op::StartWebAuthnRegistration>, ApiError> {
    let mut st = inner.lock();
    let c = crate::ops::caller(inner, &mut st, &r.access_token)?;
    let rp = relying_party(st.pool(&c.pool_id)?)?;
    let client_id = c
        .claims
        .get("client_id")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    let mut user = st
        .user_exact_mut(&c.pool_id, &c.username)?
        .ok_or_else(user_not_found)?;
    if user.passkeys.len() >= MAX_PASSKEYS {
        return Err(ApiError::new(
            "LimitExceededException",
            "The user has the maximum number of passkeys.",
        ));
    }
    let challenge = data::b64url(&inner.rng.bytes(32));
    let display = user
        .attr("email")
        .or_else(|| user.attr("preferred_username"))
        .unwrap_or(&user.username)
        .to_owned();
    let options = json!({
        "challenge": challenge,
        "rp": {"id": rp.id, "name": rp.id},
        "user": {"id": user_handle(&user), "name": user.username, "displayName": display},
        "pubKeyCredParams": [
            {"type": "public-key", "alg": data::Alg::Es256.cose()},
            {"type": "public-key", "alg": data::Alg::Rs256.cose()},
        ],
        "timeout": TIMEOUT_MS,
        "excludeCredentials": descriptors(&user),
        "authenticatorSelection": {
            "residentKey": "required",
            "requireResidentKey": true,
            "userVerification": uv_word(rp.uv_required),
        },
    });
    user.passkey_registration = Some(PendingRegistration {
        challenge,
        client_id,
        rp_id: rp.id,
        uv_required: rp.uv_required,
        expires: inner.now().saturating_add(TIMEOUT_MS / 1000),
    });
    Ok(Out::<op::StartWebAuthnRegistration>::builder()
        .credential_creation_options(options)
        .build()?)
}

pub(crate) fn complete_web_authn_registration(
    inner: &Ctx,
    r: In<op::CompleteWebAuthnRegistration>,
) -> Result<Out<op::CompleteWebAuthnRegistration>, ApiError> {
    let mut st = inner.lock();
    let c = crate::ops::caller(inner, &mut st, &r.access_token)?;
    let rp = relying_party(st.pool(&c.pool_id)?)?;
    let now = inner.now();
    let mut user = st
        .user_exact_mut(&c.pool_id, &c.username)?
        .ok_or_else(user_not_found)?;
    // Single use: taken now, put back by the rollback of a request that fails.
    let pending = user
        .passkey_registration
        .take()
        .filter(|p| p.expires > now && p.rp_id == rp.id)
        .ok_or_else(errors::challenge_not_found)?;
    let client_id = c.claims.get("client_id").and_then(|v| v.as_str());
    if client_id != Some(pending.client_id.as_str()) {
        return Err(errors::client_mismatch());
    }
    let reg = attestation::verify(
        &r.credential,
        &pending.challenge,
        &pending.rp_id,
        pending.uv_required,
    )?;
    let id = data::b64url(&reg.credential_id);
    if user.passkeys.iter().any(|p| p.credential_id == id) {
        return Err(invalid("The passkey credential is already registered."));
    }
    let strings = |v: Option<&serde_json::Value>| -> Vec<String> {
        v.and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let transports = strings(
        r.credential
            .get("response")
            .and_then(|resp| resp.get("transports")),
    );
    let attachment = r
        .credential
        .get("authenticatorAttachment")
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    user.passkeys.push(StoredCredential {
        credential_id: id,
        public_key: data::b64url(&reg.public_key),
        sign_count: reg.sign_count,
        rp_id: pending.rp_id,
        transports,
        attachment,
        friendly_name: "Passkey".to_owned(),
        created: now,
    });
    Ok(Default::default())
}

pub(crate) fn list_web_authn_credentials(
    inner: &Ctx,
    r: In<op::ListWebAuthnCredentials>,
) -> Result<Out<op::ListWebAuthnCredentials>, ApiError> {
    let mut st = inner.lock();
    let c = crate::ops::caller(inner, &mut st, &r.access_token)?;
    let user = st
        .get_user(&c.pool_id, &c.username)
        .ok_or_else(user_not_found)?;
    let max = match r.max_results {
        // The model allows 0: read as "the default page".
        None | Some(0) => MAX_PASSKEYS,
        Some(n @ 1..=20) => usize::try_from(n).unwrap_or(MAX_PASSKEYS),
        Some(_) => return Err(invalid("MaxResults must be between 0 and 20")),
    };
    let start = match &r.next_token {
        None => 0,
        Some(t) => data::from_b64url(t)
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.parse::<usize>().ok())
            .filter(|&n| n < user.passkeys.len())
            .ok_or_else(|| invalid("Invalid NextToken"))?,
    };
    let page = user
        .passkeys
        .iter()
        .skip(start)
        .take(max)
        .map(|p| {
            WebAuthnCredentialDescription::builder()
                .credential_id(p.credential_id.clone())
                .friendly_credential_name(p.friendly_name.clone())
                .relying_party_id(p.rp_id.clone())
                .set_authenticator_attachment(p.attachment.clone())
                .authenticator_transports(p.transports.clone())
                .created_at(cognito_wire::EpochSeconds::from_secs(p.created))
                .build()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let end = start.saturating_add(max);
    let next = (end < user.passkeys.len()).then(|| data::b64url(end.to_string().as_bytes()));
    Ok(Out::<op::ListWebAuthnCredentials>::builder()
        .credentials(page)
        .set_next_token(next)
        .build()?)
}

pub(crate) fn delete_web_authn_credential(
    inner: &Ctx,
    r: In<op::DeleteWebAuthnCredential>,
) -> Result<Out<op::DeleteWebAuthnCredential>, ApiError> {
    let mut st = inner.lock();
    let c = crate::ops::caller(inner, &mut st, &r.access_token)?;
    let mut user = st
        .user_exact_mut(&c.pool_id, &c.username)?
        .ok_or_else(user_not_found)?;
    let before = user.passkeys.len();
    user.passkeys.retain(|p| p.credential_id != r.credential_id);
    if user.passkeys.len() == before {
        return Err(not_found("Credential not found."));
    }
    Ok(Default::default())
}

/// Whether the pool signs in with passkeys at all: it has a relying party (the managed login
/// shows its passkey path then).
pub(crate) fn enabled(pool: &Pool) -> bool {
    relying_party(pool).is_ok()
}

/// Whether `USER_AUTH` offers `WEB_AUTHN` to this user: they have a passkey and the pool a
/// relying party; without MFA required, unless passkeys count as MFA in this pool.
pub(crate) fn offered(pool: &Pool, u: &User, passwordless: bool) -> bool {
    !u.passkeys.is_empty() && relying_party(pool).is_ok_and(|rp| passwordless || rp.multi_factor)
}

/// A `WEB_AUTHN` challenge: its challenge (for the session) and its
/// `CREDENTIAL_REQUEST_OPTIONS` (JSON text).
pub(crate) fn begin_sign_in(
    inner: &Ctx,
    pool: &Pool,
    u: &User,
) -> Result<(String, String), ApiError> {
    let rp = relying_party(pool)?;
    let challenge = data::b64url(&inner.rng.bytes(32));
    let options = json!({
        "challenge": challenge,
        "rpId": rp.id,
        "timeout": TIMEOUT_MS,
        "allowCredentials": descriptors(u),
        "userVerification": uv_word(rp.uv_required),
    });
    Ok((challenge, options.to_string()))
}

/// Checks the `CREDENTIAL` answer of a `WEB_AUTHN` session and moves the credential's counter.
pub(crate) fn finish_sign_in(
    st: &State,
    pool_id: &str,
    username: &str,
    challenge: Option<&str>,
    credential: &str,
) -> Result<(), ApiError> {
    let challenge = challenge.ok_or_else(errors::challenge_not_found)?;
    let rp = relying_party(st.pool(pool_id)?)?;
    let credential: serde_json::Value = serde_json::from_str(credential)
        .map_err(|_| invalid("CREDENTIAL is not a JSON PublicKeyCredential"))?;
    let mut user = st
        .user_exact_mut(pool_id, username)?
        .ok_or_else(user_not_found)?;
    let handle = user_handle(&user);
    let ok = assertion::verify(
        &credential,
        challenge,
        &rp.id,
        rp.uv_required,
        &handle,
        &user.passkeys,
    )?;
    if let Some(c) = user.passkeys.get_mut(ok.index) {
        c.sign_count = ok.sign_count;
    }
    Ok(())
}
