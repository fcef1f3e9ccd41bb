//! Sign-in events: every sign-in that ends (tokens issued, or refused for a wrong password or
//! code) is recorded for its user (`AdminListUserAuthEvents`, `AdminUpdateAuthEventFeedback`).
//!
//! Recorded by the four sign-in operations (`InitiateAuth`, `AdminInitiateAuth`,
//! `RespondToAuthChallenge`, `AdminRespondToAuthChallenge`) around `crate::auth`, from what
//! they were asked and what they answered: no hook inside the sign-in logic.

use crate::auth::{Outcome, Params, p};
use crate::error::{ApiError, invalid, not_found, user_not_found};
use crate::txn::Ctx;
use base64::Engine;
use cognito_wire::vocab::Key;
use cognito_wire::*;
use serde::{Deserialize, Serialize};

const B64URL: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Events kept per user (the oldest are dropped).
pub(crate) const KEEP: usize = 100;

/// One recorded sign-in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AuthEvent {
    pub id: String,
    pub created: i64,
    /// `Pass` or `Fail`.
    pub response: EventResponseType,
    /// (`Password` / `Mfa`, `Success` / `Failure`).
    pub challenges: Vec<(ChallengeName, ChallengeResponse)>,
    pub ip: Option<String>,
    /// (`Valid` / `Invalid`, provider, date) once feedback was given.
    pub feedback: Option<(FeedbackValueType, String, i64)>,
}

/// Which sign-in step answered.
pub(crate) enum Step<'a> {
    /// `InitiateAuth` / `AdminInitiateAuth` with this flow.
    Initiate(&'a AuthFlowType),
    /// `RespondToAuthChallenge` / `AdminRespondToAuthChallenge` to this challenge.
    Respond(&'a ChallengeNameType),
}

fn is_mfa(challenge: &ChallengeNameType) -> bool {
    use ChallengeNameType as C;
    matches!(
        challenge,
        C::SmsMfa | C::SoftwareTokenMfa | C::EmailOtp | C::SmsOtp | C::MfaSetup
    )
}

/// Records the end of a sign-in: `Pass` when tokens were issued, `Fail` when a password, SRP
/// proof or code was refused; nothing while challenges are still going, for refreshes, or for
/// a name that designates no user.
pub(crate) fn record_sign_in(
    inner: &Ctx,
    pool_id: Option<&str>,
    client_id: &str,
    step: Step<'_>,
    params: &Params,
    ip: Option<&str>,
    result: &Result<Outcome, ApiError>,
) {
    let pass = match result {
        Ok(Outcome::Tokens(_) | Outcome::SignedIn { .. }) => true,
        Ok(Outcome::Challenge { .. }) => return,
        Err(e) if e.code == "NotAuthorizedException" || e.code == "CodeMismatchException" => false,
        Err(_) => return,
    };
    let challenge = match step {
        Step::Initiate(AuthFlowType::RefreshTokenAuth | AuthFlowType::RefreshToken) => return,
        Step::Initiate(_) => None,
        Step::Respond(c) => Some(c),
    };
    let Some(name) = p(params, Key::Username) else {
        return;
    };
    let st = inner.lock();
    let pool_id = match pool_id {
        Some(p) => p.to_owned(),
        None => match st.pool_of_client(client_id) {
            Ok(p) => p,
            Err(_) => return,
        },
    };
    let Some(sub) = st.pools.get(&pool_id).and_then(|pool| {
        crate::auth::sign_in_user(&st, pool, name)
            .and_then(|u| st.get_user(&pool_id, &u))
            .map(|u| u.sub.clone())
    }) else {
        return;
    };
    let outcome = |ok: bool| {
        if ok {
            ChallengeResponse::Success
        } else {
            ChallengeResponse::Failure
        }
    };
    let challenges = match challenge {
        Some(c) if is_mfa(c) => vec![
            (ChallengeName::Password, outcome(true)),
            (ChallengeName::Mfa, outcome(pass)),
        ],
        _ => vec![(ChallengeName::Password, outcome(pass))],
    };
    let event = AuthEvent {
        id: inner.rng.uuid(),
        created: inner.now(),
        response: if pass {
            EventResponseType::Pass
        } else {
            EventResponseType::Fail
        },
        challenges,
        ip: Some(ip.unwrap_or("127.0.0.1").to_owned()),
        feedback: None,
    };
    let Ok(mut list) = st.auth_events(&pool_id, &sub) else {
        return;
    };
    list.push(event);
    if list.len() > KEEP {
        let extra = list.len() - KEEP;
        list.drain(..extra);
    }
    // Recorded whatever the answer (a failed sign-in is an event). A failed write dooms the
    // request (rolled back, answered with an internal error).
    st.keep();
    let _ = st.put_auth_events(&pool_id, &sub, &list);
}

fn event_type(e: &AuthEvent) -> AuthEventType {
    AuthEventType::builder()
        .set_challenge_responses(Some(
            e.challenges
                .iter()
                .map(|(n, r)| {
                    ChallengeResponseType::builder()
                        .challenge_name(n.clone())
                        .challenge_response(r.clone())
                        .build()
                })
                .collect(),
        ))
        .creation_date(EpochSeconds::from_secs(e.created))
        .event_context_data(
            EventContextDataType::builder()
                .set_ip_address(e.ip.clone())
                .build(),
        )
        .set_event_feedback(e.feedback.as_ref().and_then(|(v, provider, at)| {
            EventFeedbackType::builder()
                .feedback_date(EpochSeconds::from_secs(*at))
                .feedback_value(v.clone())
                .provider(provider.clone())
                .build()
                .ok()
        }))
        .event_id(e.id.clone())
        .event_response(e.response.clone())
        .event_risk(
            EventRiskType::builder()
                .compromised_credentials_detected(false)
                .risk_decision(RiskDecisionType::NoRisk)
                .build(),
        )
        .event_type(EventType::SignIn)
        .build()
}

/// The `sub` of a user named in an admin request.
fn user_sub(inner: &Ctx, pool_id: &str, name: &str) -> Result<String, ApiError> {
    let st = inner.lock();
    st.pool(pool_id)?;
    Ok(st
        .find_user_record(pool_id, name)?
        .ok_or_else(user_not_found)?
        .sub)
}

pub(crate) fn admin_list_user_auth_events(
    inner: &Ctx,
    r: AdminListUserAuthEventsRequest,
) -> Result<AdminListUserAuthEventsResponse, ApiError> {
    let max = r.max_results.unwrap_or(60);
    if !(0..=60).contains(&max) {
        return Err(invalid(format!(
            "1 validation error detected: Value '{max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 60"
        )));
    }
    let max = usize::try_from(if max == 0 { 60 } else { max }).unwrap_or(60);
    let sub = user_sub(inner, &r.user_pool_id, r.username.expose())?;
    let start = match r.next_token.as_deref() {
        None | Some("") => 0,
        Some(t) => B64URL
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.parse::<usize>().ok())
            .ok_or_else(|| invalid("Invalid pagination token"))?,
    };
    let st = inner.lock();
    let all = st.auth_events(&r.user_pool_id, &sub)?;
    // Newest first.
    let events: Vec<AuthEventType> = all
        .iter()
        .rev()
        .skip(start)
        .take(max)
        .map(event_type)
        .collect();
    let total = all.len();
    let next = (start + events.len() < total).then(|| B64URL.encode((start + max).to_string()));
    Ok(AdminListUserAuthEventsResponse::builder()
        .auth_events(events)
        .set_next_token(next)
        .build())
}

pub(crate) fn admin_update_auth_event_feedback(
    inner: &Ctx,
    r: AdminUpdateAuthEventFeedbackRequest,
) -> Result<AdminUpdateAuthEventFeedbackResponse, ApiError> {
    let sub = user_sub(inner, &r.user_pool_id, r.username.expose())?;
    let value = match r.feedback_value {
        v @ (FeedbackValueType::Valid | FeedbackValueType::Invalid) => v,
        other => {
            let v = other.as_str();
            return Err(invalid(format!(
                "1 validation error detected: Value '{v}' at 'feedbackValue' failed to satisfy constraint: Member must satisfy enum value set: [Valid, Invalid]"
            )));
        }
    };
    let now = inner.now();
    let st = inner.lock();
    let mut events = st.auth_events(&r.user_pool_id, &sub)?;
    let event = events
        .iter_mut()
        .find(|e| e.id == r.event_id)
        .ok_or_else(|| not_found(format!("Auth event {} does not exist.", r.event_id)))?;
    event.feedback = Some((value, "Admin".to_owned(), now));
    st.put_auth_events(&r.user_pool_id, &sub, &events)?;
    Ok(AdminUpdateAuthEventFeedbackResponse::default())
}
