//! The requests a sign-in sends and the responses it takes, as plain values.

use cognito_wire::challenge::{ChallengeError, ParsedChallenge};
use cognito_wire::{
    AdminInitiateAuthRequest, AdminInitiateAuthResponse, AdminRespondToAuthChallengeRequest,
    AdminRespondToAuthChallengeResponse, AssociateSoftwareTokenRequest,
    AssociateSoftwareTokenResponse, AuthenticationResultType, InitiateAuthRequest,
    InitiateAuthResponse, RespondToAuthChallengeRequest, RespondToAuthChallengeResponse,
    VerifySoftwareTokenRequest, VerifySoftwareTokenResponse,
};

/// A request for the caller to send (with any transport) and whose response goes back into
/// [`SignIn::handle_response`](crate::SignIn::handle_response).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Request {
    /// `InitiateAuth` (unsigned).
    InitiateAuth(InitiateAuthRequest),
    /// `RespondToAuthChallenge` (unsigned).
    RespondToAuthChallenge(RespondToAuthChallengeRequest),
    /// `AdminInitiateAuth` (SigV4).
    AdminInitiateAuth(AdminInitiateAuthRequest),
    /// `AdminRespondToAuthChallenge` (SigV4).
    AdminRespondToAuthChallenge(AdminRespondToAuthChallengeRequest),
    /// `AssociateSoftwareToken` with the sign-in session (TOTP set-up during `MFA_SETUP`).
    AssociateSoftwareToken(AssociateSoftwareTokenRequest),
    /// `VerifySoftwareToken` with the sign-in session.
    VerifySoftwareToken(VerifySoftwareTokenRequest),
}

impl Request {
    /// The operation name (`"InitiateAuth"`, ...).
    pub fn operation(&self) -> &'static str {
        match self {
            Request::InitiateAuth(_) => "InitiateAuth",
            Request::RespondToAuthChallenge(_) => "RespondToAuthChallenge",
            Request::AdminInitiateAuth(_) => "AdminInitiateAuth",
            Request::AdminRespondToAuthChallenge(_) => "AdminRespondToAuthChallenge",
            Request::AssociateSoftwareToken(_) => "AssociateSoftwareToken",
            Request::VerifySoftwareToken(_) => "VerifySoftwareToken",
        }
    }
}

/// The response to a [`Request`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Response {
    /// `InitiateAuth`.
    InitiateAuth(InitiateAuthResponse),
    /// `RespondToAuthChallenge`.
    RespondToAuthChallenge(RespondToAuthChallengeResponse),
    /// `AdminInitiateAuth`.
    AdminInitiateAuth(AdminInitiateAuthResponse),
    /// `AdminRespondToAuthChallenge`.
    AdminRespondToAuthChallenge(AdminRespondToAuthChallengeResponse),
    /// `AssociateSoftwareToken`.
    AssociateSoftwareToken(AssociateSoftwareTokenResponse),
    /// `VerifySoftwareToken`.
    VerifySoftwareToken(VerifySoftwareTokenResponse),
}

impl Response {
    /// The operation name.
    pub fn operation(&self) -> &'static str {
        match self {
            Response::InitiateAuth(_) => "InitiateAuth",
            Response::RespondToAuthChallenge(_) => "RespondToAuthChallenge",
            Response::AdminInitiateAuth(_) => "AdminInitiateAuth",
            Response::AdminRespondToAuthChallenge(_) => "AdminRespondToAuthChallenge",
            Response::AssociateSoftwareToken(_) => "AssociateSoftwareToken",
            Response::VerifySoftwareToken(_) => "VerifySoftwareToken",
        }
    }

    /// The tokens or the next challenge, for the four auth operations.
    pub(crate) fn auth_reply(&self) -> Option<Result<AuthReply, ChallengeError>> {
        let (result, name, params, session, avail) = match self {
            Response::InitiateAuth(r) => (
                &r.authentication_result,
                &r.challenge_name,
                &r.challenge_parameters,
                &r.session,
                &r.available_challenges,
            ),
            Response::RespondToAuthChallenge(r) => (
                &r.authentication_result,
                &r.challenge_name,
                &r.challenge_parameters,
                &r.session,
                &r.available_challenges,
            ),
            Response::AdminInitiateAuth(r) => (
                &r.authentication_result,
                &r.challenge_name,
                &r.challenge_parameters,
                &r.session,
                &r.available_challenges,
            ),
            Response::AdminRespondToAuthChallenge(r) => (
                &r.authentication_result,
                &r.challenge_name,
                &r.challenge_parameters,
                &r.session,
                &r.available_challenges,
            ),
            _ => return None,
        };
        if let Some(result) = result {
            return Some(Ok(AuthReply::Tokens(result.clone())));
        }
        Some(
            ParsedChallenge::from_response_parts(
                name.as_ref(),
                params.as_ref(),
                session.as_ref(),
                avail.as_deref(),
            )
            .map(|c| c.map_or(AuthReply::Nothing, |c| AuthReply::Challenge(Box::new(c)))),
        )
    }
}

/// What an auth operation answered.
pub(crate) enum AuthReply {
    Tokens(AuthenticationResultType),
    Challenge(Box<ParsedChallenge>),
    Nothing,
}
