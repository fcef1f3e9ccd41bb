//! Admin sign-in (`AdminInitiateAuth` / `AdminRespondToAuthChallenge`), driven by
//! `cognito-auth`'s sans-IO [`SignIn`] state machine: this module only moves requests and
//! responses between it and the signed wire client. No flow logic lives here.

use cognito_auth::{
    Answer, Flow, Question, Request, Response, SignIn, SignInConfig, SignedIn, Step,
};
use cognito_wire::op;
use ring::rand::SystemRandom;
use time::OffsetDateTime;

use crate::client::AdminClient;
use crate::error::AdminError;

/// Where an admin sign-in stands after a round of requests.
#[derive(Debug)]
#[non_exhaustive]
pub enum AdminSignInOutcome {
    /// Signed in.
    SignedIn(Box<SignedIn>),
    /// The state machine asks a question (MFA code, new password, ...): answer it with
    /// [`PendingSignIn::answer`].
    NeedsInput(Box<PendingSignIn>),
}

impl AdminSignInOutcome {
    /// The result when signed in.
    pub fn signed_in(self) -> Option<Box<SignedIn>> {
        match self {
            Self::SignedIn(s) => Some(s),
            Self::NeedsInput(_) => None,
        }
    }
}

/// A sign-in waiting for the caller's answer.
#[derive(Debug)]
pub struct PendingSignIn {
    client: AdminClient,
    machine: SignIn,
    question: Question,
    rejected: Option<AdminError>,
}

impl PendingSignIn {
    /// The question.
    pub fn question(&self) -> &Question {
        &self.question
    }

    /// Why Cognito refused the previous answer to this same question, when it is asked again
    /// (a wrong one-time code: Cognito keeps the challenge open for a few more tries). `None` for
    /// a question asked for the first time.
    pub fn rejected(&self) -> Option<&AdminError> {
        self.rejected.as_ref()
    }

    /// Takes the rejection out (see [`rejected`](Self::rejected)).
    pub fn take_rejected(&mut self) -> Option<AdminError> {
        self.rejected.take()
    }

    /// Answers the question and goes on until the next question or the end.
    pub async fn answer(mut self, answer: Answer) -> Result<AdminSignInOutcome, AdminError> {
        let step = self.machine.answer(answer, &SystemRandom::new())?;
        drive(self.client, self.machine, step).await
    }
}

impl AdminClient {
    /// Signs `username` in with `password` through `AdminInitiateAuth`, using `flow`
    /// ([`Flow::AdminUserPassword`] for `ADMIN_USER_PASSWORD_AUTH`, [`Flow::AdminUserSrp`] for
    /// SRP through the admin operations). The app client must allow the flow.
    pub async fn admin_sign_in(
        &self,
        client_id: impl Into<String>,
        username: impl Into<String>,
        password: impl Into<srp_core::Password>,
        flow: Flow,
    ) -> Result<AdminSignInOutcome, AdminError> {
        let config = SignInConfig::new(self.pool_id(), client_id, username)
            .password(password)
            .flow(flow);
        self.admin_sign_in_with(config).await
    }

    /// Admin sign-in with a full configuration (client secret, remembered device, client
    /// metadata). The flow must be an admin flow.
    pub async fn admin_sign_in_with(
        &self,
        config: SignInConfig,
    ) -> Result<AdminSignInOutcome, AdminError> {
        if !config.flow.is_admin() {
            return Err(cognito_auth::AuthError::Config(
                "admin sign-in needs Flow::AdminUserPassword or Flow::AdminUserSrp",
            )
            .into());
        }
        let mut machine = SignIn::new(config);
        let step = machine.start(&SystemRandom::new())?;
        drive(self.clone(), machine, step).await
    }

    /// Sends one request of the state machine through the signed wire client.
    async fn send_auth_request(&self, request: Request) -> Result<Response, AdminError> {
        Ok(match request {
            Request::AdminInitiateAuth(r) => {
                Response::AdminInitiateAuth(self.call::<op::AdminInitiateAuth>(&r).await?)
            }
            Request::AdminRespondToAuthChallenge(r) => Response::AdminRespondToAuthChallenge(
                self.call::<op::AdminRespondToAuthChallenge>(&r).await?,
            ),
            Request::AssociateSoftwareToken(r) => {
                Response::AssociateSoftwareToken(self.call::<op::AssociateSoftwareToken>(&r).await?)
            }
            Request::VerifySoftwareToken(r) => {
                Response::VerifySoftwareToken(self.call::<op::VerifySoftwareToken>(&r).await?)
            }
            Request::InitiateAuth(r) => {
                Response::InitiateAuth(self.call::<op::InitiateAuth>(&r).await?)
            }
            Request::RespondToAuthChallenge(r) => {
                Response::RespondToAuthChallenge(self.call::<op::RespondToAuthChallenge>(&r).await?)
            }
            other => {
                return Err(AdminError::UnsupportedRequest {
                    operation: other.operation(),
                });
            }
        })
    }
}

/// Runs the state machine until it asks something or finishes.
async fn drive(
    client: AdminClient,
    mut machine: SignIn,
    mut step: Step,
) -> Result<AdminSignInOutcome, AdminError> {
    loop {
        step = match step {
            Step::Send(request) => match client.send_auth_request(request).await {
                Ok(response) => {
                    let now = OffsetDateTime::from(client.now());
                    machine.handle_response(response, now, &SystemRandom::new())?
                }
                Err(e) if is_code_mismatch(&e) => match machine.reask() {
                    Some(question) => {
                        return Ok(AdminSignInOutcome::NeedsInput(Box::new(PendingSignIn {
                            client,
                            machine,
                            question,
                            rejected: Some(e),
                        })));
                    }
                    None => return Err(e),
                },
                Err(e) => return Err(e),
            },
            Step::NeedsInput(question) => {
                return Ok(AdminSignInOutcome::NeedsInput(Box::new(PendingSignIn {
                    client,
                    machine,
                    question,
                    rejected: None,
                })));
            }
            Step::Done(signed_in) => return Ok(AdminSignInOutcome::SignedIn(signed_in)),
            _ => return Err(AdminError::UnsupportedStep),
        };
    }
}

/// Cognito's answer to a wrong one-time code.
fn is_code_mismatch(e: &AdminError) -> bool {
    matches!(
        e.service_error(),
        Some(cognito_wire::ServiceErrorKind::CodeMismatchException(_))
    )
}
