//! The sign-in state machine: sans-IO, one value per sign-in attempt.
//!
//! [`SignIn`] takes a server response and the current time and returns the next [`Step`]: a
//! [`Request`] to send, a [`Question`] for the caller, or the finished [`SignedIn`]. It never does
//! IO, never reads the clock and never reaches for a global RNG: time and randomness are
//! arguments. After an error, every later call returns that error.

mod config;
mod question;
mod request;

pub use config::{DeviceCredentials, FirstFactor, Flow, SignInConfig};
pub use question::{Answer, CodeKind, Question};
pub use request::{Request, Response};

use crate::{AuthError, TokenSet};
use cognito_wire::challenge::{Challenge, ParsedChallenge};
use cognito_wire::vocab::{ChallengeParams as _, Key, Params};
use cognito_wire::{
    AdminInitiateAuthRequest, AdminRespondToAuthChallengeRequest, AssociateSoftwareTokenRequest,
    AuthFlowType, ChallengeNameType, InitiateAuthRequest, RespondToAuthChallengeRequest,
    SensitiveString, ServiceErrorKind, VerifySoftwareTokenRequest, VerifySoftwareTokenResponseType,
};
use request::AuthReply;
use srp_core::RandomSource;
use srp_core::{ClientEphemeral, VerifierChallenge};
use time::OffsetDateTime;

/// What to do next.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // a step is moved once and consumed at once; boxing buys nothing
#[non_exhaustive]
pub enum Step {
    /// Send this request and feed its response to [`SignIn::handle_response`].
    Send(Request),
    /// Ask the caller; feed the answer to [`SignIn::answer`].
    NeedsInput(Question),
    /// Signed in.
    Done(Box<SignedIn>),
}

/// A device Cognito asks the client to confirm (`NewDeviceMetadata`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct NewDevice {
    /// `DeviceKey`.
    pub device_key: String,
    /// `DeviceGroupKey`.
    pub device_group_key: String,
}

/// The result of a sign-in.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SignedIn {
    /// The tokens.
    pub tokens: TokenSet,
    /// The user's name as Cognito knows it (the access token's `username`, else the challenge's
    /// `USERNAME`): the name for `SECRET_HASH` in refreshes.
    pub username: String,
    /// A new device to confirm, when device tracking is on and no device was used.
    pub new_device: Option<NewDevice>,
    /// The remembered device that was used (it skipped MFA), if any.
    pub device_used: Option<DeviceCredentials>,
}

/// What the machine is waiting for.
#[derive(Debug)]
enum State {
    New,
    AwaitResponse(&'static str),
    AwaitAnswer(Question),
    Done,
    Failed(AuthError),
}

/// One sign-in attempt.
///
/// ```
/// use cognito_auth::{SignIn, SignInConfig, Step, Request};
/// let rng = ring::rand::SystemRandom::new();
/// let mut signin = SignIn::new(SignInConfig::new("us-east-1_AbC", "client", "alice").password("pw"));
/// let Step::Send(Request::InitiateAuth(req)) = signin.start(&rng)? else { unreachable!() };
/// let params = req.auth_parameters.unwrap();
/// assert_eq!(params["USERNAME"].expose(), "alice");
/// assert!(params.contains_key("SRP_A"));
/// # Ok::<(), cognito_auth::AuthError>(())
/// ```
#[derive(Debug)]
pub struct SignIn {
    config: SignInConfig,
    state: State,
    user_ephemeral: Option<ClientEphemeral>,
    device_ephemeral: Option<ClientEphemeral>,
    /// The name to put in `USERNAME` and `SECRET_HASH` of challenge responses.
    challenge_username: String,
    session: Option<SensitiveString>,
    device_used: bool,
    /// The question whose answer awaits its response (see [`SignIn::handle_error`]).
    answered: Option<Question>,
    /// Why the question now pending is asked again.
    rejection: Option<Rejection>,
    /// A remembered device Cognito no longer knows, dropped from this sign-in.
    forgotten_device: Option<DeviceCredentials>,
    /// The password before a new one was answered (restored when Cognito refuses the new one).
    previous_password: Option<srp_core::Password>,
    /// A response came back: the sign-in got past `InitiateAuth`, so the pool and the app
    /// client exist (see [`SignIn::handle_error`]). Not the challenge session: Cognito sends
    /// none with `PASSWORD_VERIFIER`.
    initiated: bool,
}

/// Why a question is asked again: Cognito refused the answer but lets the user retry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// A wrong one-time code (`CodeMismatchException`): Cognito keeps the challenge open for a
    /// few more tries, then the session expires.
    WrongCode,
    /// A TOTP code that was already used once (`ExpiredCodeException` on a TOTP challenge):
    /// wait for the authenticator's next code.
    CodeAlreadyUsed,
    /// The new password does not satisfy the pool's policy (`InvalidPasswordException`); the
    /// message says which rule.
    PasswordRefused {
        /// Cognito's message (the policy rule), for the user.
        message: String,
    },
    /// The first TOTP code while setting up MFA was wrong; the secret stays the same.
    WrongSetupCode,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::WrongCode => f.write_str("the code is wrong; enter it again"),
            Rejection::CodeAlreadyUsed => {
                f.write_str("this code was already used; wait for the authenticator's next code")
            }
            Rejection::PasswordRefused { message } => {
                write!(
                    f,
                    "the new password was refused ({message}); choose another"
                )
            }
            Rejection::WrongSetupCode => f.write_str(
                "the code does not match the new authenticator entry; enter the current code",
            ),
        }
    }
}

impl SignIn {
    /// A sign-in that has not started.
    pub fn new(config: SignInConfig) -> Self {
        let challenge_username = config.username.clone();
        SignIn {
            config,
            state: State::New,
            user_ephemeral: None,
            device_ephemeral: None,
            challenge_username,
            session: None,
            device_used: false,
            answered: None,
            rejection: None,
            forgotten_device: None,
            previous_password: None,
            initiated: false,
        }
    }

    /// The configuration (with any new password set during the sign-in).
    pub fn config(&self) -> &SignInConfig {
        &self.config
    }

    /// The first request: `InitiateAuth` (or `AdminInitiateAuth`) for the configured flow.
    pub fn start(&mut self, rng: &dyn RandomSource) -> Result<Step, AuthError> {
        match &self.state {
            State::New => {}
            State::Failed(e) => return Err(e.clone()),
            _ => {
                return self.fail(AuthError::WrongState {
                    call: "start",
                    state: self.state_label(),
                });
            }
        }
        let result = self.initiate(rng);
        self.settle(result)
    }

    /// Takes the response to the last request sent, received at `now`.
    pub fn handle_response(
        &mut self,
        response: Response,
        now: OffsetDateTime,
        rng: &dyn RandomSource,
    ) -> Result<Step, AuthError> {
        let expected = match &self.state {
            State::AwaitResponse(op) => *op,
            State::Failed(e) => return Err(e.clone()),
            _ => {
                return self.fail(AuthError::WrongState {
                    call: "handle_response",
                    state: self.state_label(),
                });
            }
        };
        if response.operation() != expected {
            return self.fail(AuthError::UnexpectedResponse {
                expected,
                got: response.operation(),
            });
        }
        self.answered = None;
        self.rejection = None;
        self.initiated = true;
        let result = self.on_response(response, now, rng);
        self.settle(result)
    }

    /// Takes a Cognito exception received instead of the response to the last request.
    ///
    /// The errors that let the user go on are inputs of the flow: a wrong code
    /// (`CodeMismatchException`), a TOTP code already used (`ExpiredCodeException` on a TOTP
    /// challenge), a new password the policy refuses (`InvalidPasswordException`) and a wrong
    /// first code while setting up TOTP ask the same question again ([`Step::NeedsInput`], with
    /// [`rejection`](Self::rejection) saying why; the challenge session stays the same, as
    /// Cognito keeps it open). A remembered device Cognito no longer knows
    /// (`ResourceNotFoundException` once the sign-in is under way, the app client being known)
    /// restarts the sign-in without it ([`Step::Send`]; [`take_forgotten_device`](Self::take_forgotten_device)
    /// names it so the caller can drop it from its store), once. Any other error ends the
    /// sign-in: `None`, and the machine is finished.
    ///
    /// ```
    /// use cognito_auth::{SignIn, SignInConfig};
    /// use cognito_wire::ServiceErrorKind;
    /// let rng = ring::rand::SystemRandom::new();
    /// let mut signin = SignIn::new(SignInConfig::new("us-east-1_AbC", "client", "alice").password("pw"));
    /// signin.start(&rng)?;
    /// // A wrong password is no question to ask again: the sign-in ends.
    /// let refused = ServiceErrorKind::from_parts("NotAuthorizedException", None, None);
    /// assert!(signin.handle_error(&refused, &rng).is_none());
    /// assert!(signin.is_finished());
    /// # Ok::<(), cognito_auth::AuthError>(())
    /// ```
    pub fn handle_error(
        &mut self,
        error: &ServiceErrorKind,
        rng: &dyn RandomSource,
    ) -> Option<Step> {
        if !matches!(self.state, State::AwaitResponse(_)) {
            return None;
        }
        let answered = self.answered.take();
        let rejection = match (&answered, error) {
            (Some(Question::Code { .. }), ServiceErrorKind::CodeMismatchException(_)) => {
                Some(Rejection::WrongCode)
            }
            (
                Some(Question::Code {
                    kind: CodeKind::SoftwareTokenMfa,
                    ..
                }),
                ServiceErrorKind::ExpiredCodeException(_),
            ) => Some(Rejection::CodeAlreadyUsed),
            (Some(Question::NewPassword { .. }), ServiceErrorKind::InvalidPasswordException(e)) => {
                Some(Rejection::PasswordRefused {
                    message: e
                        .message
                        .clone()
                        .unwrap_or_else(|| "it does not meet the password policy".to_owned()),
                })
            }
            (
                Some(Question::TotpSecret { .. }),
                ServiceErrorKind::CodeMismatchException(_)
                | ServiceErrorKind::EnableSoftwareTokenMFAException(_),
            ) => Some(Rejection::WrongSetupCode),
            _ => None,
        };
        if let (Some(rejection), Some(question)) = (rejection, answered) {
            self.rejection = Some(rejection);
            if let Question::NewPassword { .. } = question {
                // The refused password is not the user's password.
                self.config.password = self
                    .previous_password
                    .take()
                    .or(self.config.password.take());
            }
            self.state = State::AwaitAnswer(question.clone());
            return Some(Step::NeedsInput(question));
        }
        if matches!(error, ServiceErrorKind::ResourceNotFoundException(_))
            && self.initiated
            && self.forgotten_device.is_none()
            && let Some(device) = self.config.device.take()
        {
            // The app client is known (the sign-in got this far): the device is what is gone.
            self.forgotten_device = Some(device);
            let restart = SignIn::new(self.config.clone());
            let forgotten = self.forgotten_device.take();
            *self = restart;
            self.forgotten_device = forgotten;
            let result = self.initiate(rng);
            return self.settle(result).ok();
        }
        self.state = State::Done;
        None
    }

    /// Why the pending question is asked again, if it is (see [`handle_error`](Self::handle_error)).
    pub fn rejection(&self) -> Option<&Rejection> {
        self.rejection.as_ref()
    }

    /// The remembered device dropped because Cognito no longer knows it (see
    /// [`handle_error`](Self::handle_error)); the caller removes it from its store.
    pub fn take_forgotten_device(&mut self) -> Option<DeviceCredentials> {
        self.forgotten_device.take()
    }

    /// Takes the caller's answer to the pending question.
    pub fn answer(&mut self, answer: Answer, rng: &dyn RandomSource) -> Result<Step, AuthError> {
        let question = match std::mem::replace(&mut self.state, State::New) {
            State::AwaitAnswer(q) => q,
            State::Failed(e) => {
                self.state = State::Failed(e.clone());
                return Err(e);
            }
            other => {
                self.state = other;
                return self.fail(AuthError::WrongState {
                    call: "answer",
                    state: self.state_label(),
                });
            }
        };
        self.rejection = None;
        let result = self.on_answer(&question, answer, rng);
        self.answered = Some(question);
        self.settle(result)
    }

    /// Whether the sign-in finished or failed.
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Done | State::Failed(_))
    }

    fn state_label(&self) -> &'static str {
        match self.state {
            State::New => "not started",
            State::AwaitResponse(_) => "awaiting a response",
            State::AwaitAnswer(_) => "awaiting an answer",
            State::Done => "finished",
            State::Failed(_) => "failed",
        }
    }

    fn fail<T>(&mut self, error: AuthError) -> Result<T, AuthError> {
        self.state = State::Failed(error.clone());
        Err(error)
    }

    /// Records the state a step leads to.
    fn settle(&mut self, result: Result<Step, AuthError>) -> Result<Step, AuthError> {
        match result {
            Ok(step) => {
                self.state = match &step {
                    Step::Send(req) => State::AwaitResponse(req.operation()),
                    Step::NeedsInput(q) => State::AwaitAnswer(q.clone()),
                    Step::Done(_) => State::Done,
                };
                Ok(step)
            }
            Err(e) => self.fail(e),
        }
    }

    fn password(&self) -> Result<&srp_core::Password, AuthError> {
        self.config
            .password
            .as_ref()
            .ok_or(AuthError::PasswordRequired)
    }

    fn secret_hash(&self, username: &str) -> Option<SensitiveString> {
        self.config.client_secret.as_ref().map(|secret| {
            SensitiveString::from(
                srp_core::secret_hash(username, &self.config.client_id, secret.expose()).expose(),
            )
        })
    }

    fn fresh_srp_a(&mut self, rng: &dyn RandomSource) -> Result<String, AuthError> {
        let eph = ClientEphemeral::generate(rng)?;
        let a = eph.public().to_hex();
        self.user_ephemeral = Some(eph);
        Ok(a)
    }

    fn initiate(&mut self, rng: &dyn RandomSource) -> Result<Step, AuthError> {
        let username = self.config.username.clone();
        if username.is_empty() {
            return Err(AuthError::Config("the username is empty"));
        }
        let mut params = Params::new();
        params.put(Key::Username, &username);
        if let Some(hash) = self.secret_hash(&username) {
            params.put_secret(Key::SecretHash, hash);
        }
        let flow = self.config.flow.clone();
        let auth_flow = match &flow {
            Flow::UserSrp | Flow::AdminUserSrp => {
                self.password()?;
                let a = self.fresh_srp_a(rng)?;
                params.put(Key::SrpA, &a);
                AuthFlowType::UserSrpAuth
            }
            Flow::UserPassword | Flow::AdminUserPassword => {
                let pw = self.password()?.expose().to_owned();
                params.put_secret(Key::Password, pw.into());
                if flow.is_admin() {
                    AuthFlowType::AdminUserPasswordAuth
                } else {
                    AuthFlowType::UserPasswordAuth
                }
            }
            Flow::Custom { srp } => {
                if *srp {
                    self.password()?;
                    let a = self.fresh_srp_a(rng)?;
                    params.put(Key::SrpA, &a);
                    params.put(Key::ChallengeName, Key::SrpA.as_str());
                }
                AuthFlowType::CustomAuth
            }
            Flow::UserAuth { preferred } => {
                if let Some(first) = preferred {
                    params.put(Key::PreferredChallenge, first.as_str());
                    match first {
                        FirstFactor::Password => {
                            let pw = self.password()?.expose().to_owned();
                            params.put_secret(Key::Password, pw.into());
                        }
                        FirstFactor::PasswordSrp => {
                            self.password()?;
                            let a = self.fresh_srp_a(rng)?;
                            params.put(Key::SrpA, &a);
                        }
                        _ => {}
                    }
                }
                AuthFlowType::UserAuth
            }
        };
        // Every flow names the remembered device up front (InitiateAuth's AuthParameters take
        // DEVICE_KEY "to bypass multi-factor authentication with a remembered device").
        if let Some(device) = &self.config.device {
            params.put(Key::DeviceKey, &device.device_key);
        }
        let client_id = SensitiveString::from(self.config.client_id.as_str());
        let request = if flow.is_admin() {
            let mut req = AdminInitiateAuthRequest::builder()
                .auth_flow(auth_flow)
                .client_id(client_id)
                .user_pool_id(self.config.pool_id.clone())
                .build()?;
            req.auth_parameters = Some(params.into_map());
            req.client_metadata = self.config.client_metadata.clone();
            Request::AdminInitiateAuth(req)
        } else {
            let mut req = InitiateAuthRequest::builder()
                .auth_flow(auth_flow)
                .client_id(client_id)
                .build()?;
            req.auth_parameters = Some(params.into_map());
            req.client_metadata = self.config.client_metadata.clone();
            Request::InitiateAuth(req)
        };
        Ok(Step::Send(request))
    }

    fn on_response(
        &mut self,
        response: Response,
        now: OffsetDateTime,
        rng: &dyn RandomSource,
    ) -> Result<Step, AuthError> {
        match response {
            Response::AssociateSoftwareToken(r) => {
                self.session = r.session.or(self.session.take());
                let secret = r.secret_code.ok_or(AuthError::MissingToken("SecretCode"))?;
                Ok(Step::NeedsInput(Question::TotpSecret { secret }))
            }
            Response::VerifySoftwareToken(r) => {
                if r.status != Some(VerifySoftwareTokenResponseType::Success) {
                    return Err(AuthError::SoftwareTokenNotVerified);
                }
                self.session = r.session.or(self.session.take());
                let params = self.challenge_params();
                Ok(Step::Send(
                    self.respond(ChallengeNameType::MfaSetup, params)?,
                ))
            }
            other => {
                let operation = other.operation();
                match other.auth_reply() {
                    Some(Ok(AuthReply::Tokens(result))) => self.finish(&result, now),
                    Some(Ok(AuthReply::Challenge(challenge))) => {
                        self.on_challenge(*challenge, now, rng)
                    }
                    Some(Ok(AuthReply::Nothing)) | None => {
                        Err(AuthError::EmptyResponse { operation })
                    }
                    Some(Err(e)) => Err(e.into()),
                }
            }
        }
    }

    fn finish(
        &mut self,
        result: &cognito_wire::AuthenticationResultType,
        now: OffsetDateTime,
    ) -> Result<Step, AuthError> {
        let tokens = TokenSet::from_result(result, now)?;
        let username = tokens
            .username()
            .unwrap_or_else(|| self.challenge_username.clone());
        let new_device = result.new_device_metadata.as_ref().and_then(|m| {
            Some(NewDevice {
                device_key: m.device_key.clone()?,
                device_group_key: m.device_group_key.clone()?,
            })
        });
        let device_used = if self.device_used {
            self.config.device.clone()
        } else {
            None
        };
        Ok(Step::Done(Box::new(SignedIn {
            tokens,
            username,
            new_device,
            device_used,
        })))
    }

    fn on_challenge(
        &mut self,
        parsed: ParsedChallenge,
        now: OffsetDateTime,
        rng: &dyn RandomSource,
    ) -> Result<Step, AuthError> {
        self.session = parsed.session.clone();
        if let Some(name) = parsed.raw.param(Key::Username)
            && !name.is_empty()
        {
            self.challenge_username = name.to_owned();
        }
        match parsed.challenge {
            Challenge::PasswordVerifier(p) => {
                let eph = self
                    .user_ephemeral
                    .take()
                    .ok_or(AuthError::UnexpectedChallenge {
                        expected: "no PASSWORD_VERIFIER before SRP_A was sent",
                        got: ChallengeNameType::PasswordVerifier,
                    })?;
                let challenge = VerifierChallenge::parse(&p.salt, &p.srp_b, &p.secret_block)?;
                let timestamp = srp_core::format_timestamp(now)?;
                let claim = eph.password_claim(
                    &self.config.pool_id,
                    &p.user_id_for_srp,
                    self.password()?,
                    &challenge,
                    &timestamp,
                )?;
                self.challenge_username = p.user_id_for_srp.clone();
                let mut params = self.challenge_params();
                params.put(Key::PasswordClaimSecretBlock, &claim.secret_block);
                params.put(Key::PasswordClaimSignature, &claim.signature);
                params.put(Key::Timestamp, &claim.timestamp);
                Ok(Step::Send(
                    self.respond(ChallengeNameType::PasswordVerifier, params)?,
                ))
            }
            Challenge::DeviceSrpAuth(_) => {
                let device = self
                    .config
                    .device
                    .clone()
                    .ok_or(AuthError::UnexpectedChallenge {
                        expected: "no DEVICE_SRP_AUTH without a remembered device",
                        got: ChallengeNameType::DeviceSrpAuth,
                    })?;
                let eph = ClientEphemeral::generate(rng)?;
                let mut params = self.challenge_params();
                params.put(Key::DeviceKey, &device.device_key);
                params.put(Key::SrpA, &eph.public().to_hex());
                self.device_ephemeral = Some(eph);
                Ok(Step::Send(
                    self.respond(ChallengeNameType::DeviceSrpAuth, params)?,
                ))
            }
            Challenge::DevicePasswordVerifier(p) => {
                let (Some(device), Some(eph)) =
                    (self.config.device.clone(), self.device_ephemeral.take())
                else {
                    return Err(AuthError::UnexpectedChallenge {
                        expected: "DEVICE_PASSWORD_VERIFIER only after DEVICE_SRP_AUTH",
                        got: ChallengeNameType::DevicePasswordVerifier,
                    });
                };
                let challenge = VerifierChallenge::parse(&p.salt, &p.srp_b, &p.secret_block)?;
                let timestamp = srp_core::format_timestamp(now)?;
                let claim = eph.device_claim(
                    &device.device_group_key,
                    &device.device_key,
                    &device.device_password,
                    &challenge,
                    &timestamp,
                )?;
                let mut params = self.challenge_params();
                params.put(Key::PasswordClaimSecretBlock, &claim.secret_block);
                params.put(Key::PasswordClaimSignature, &claim.signature);
                params.put(Key::Timestamp, &claim.timestamp);
                self.device_used = true;
                Ok(Step::Send(self.respond(
                    ChallengeNameType::DevicePasswordVerifier,
                    params,
                )?))
            }
            Challenge::NewPasswordRequired(p) => Ok(Step::NeedsInput(Question::NewPassword {
                user_attributes: p.user_attributes,
                required_attributes: p.required_attributes,
            })),
            Challenge::SmsMfa(p) => Ok(code_question(CodeKind::SmsMfa, Some(p))),
            Challenge::EmailOtp(p) => Ok(code_question(CodeKind::EmailOtp, Some(p))),
            Challenge::SmsOtp(p) => Ok(code_question(CodeKind::SmsOtp, Some(p))),
            Challenge::SoftwareTokenMfa(_) => Ok(code_question(CodeKind::SoftwareTokenMfa, None)),
            Challenge::MfaSetup(p) => Ok(Step::NeedsInput(Question::SetUpMfa {
                options: p.mfas_can_setup,
            })),
            Challenge::SelectMfaType(p) => Ok(Step::NeedsInput(Question::ChooseMfa {
                options: p.mfas_can_choose,
            })),
            Challenge::SelectChallenge(p) => Ok(Step::NeedsInput(Question::ChooseFirstFactor {
                options: p.available_challenges,
            })),
            Challenge::CustomChallenge(p) => Ok(Step::NeedsInput(Question::Custom {
                parameters: p.parameters,
            })),
            Challenge::WebAuthn(p) => Ok(Step::NeedsInput(Question::WebAuthn {
                credential_request_options: p.credential_request_options,
            })),
            other => Err(AuthError::UnexpectedChallenge {
                expected: "a challenge this client handles",
                got: other.name(),
            }),
        }
    }

    fn on_answer(
        &mut self,
        question: &Question,
        answer: Answer,
        rng: &dyn RandomSource,
    ) -> Result<Step, AuthError> {
        let mismatch = AuthError::UnexpectedAnswer {
            question: question.label(),
            got: answer.label(),
        };
        match (question, answer) {
            (Question::Code { kind, .. }, Answer::Code(code)) => {
                let mut params = self.challenge_params();
                params.put_secret(kind.response_key(), code);
                Ok(Step::Send(self.respond(kind.challenge(), params)?))
            }
            (Question::TotpSecret { .. }, Answer::Code(code)) => self.verify_totp(code, None),
            (
                Question::TotpSecret { .. },
                Answer::TotpSetupCode {
                    code,
                    friendly_device_name,
                },
            ) => self.verify_totp(code, friendly_device_name),
            (
                Question::NewPassword { .. },
                Answer::NewPassword {
                    password,
                    attributes,
                },
            ) => {
                let mut params = self.challenge_params();
                params.put_secret(Key::NewPassword, password.expose().into());
                for (name, value) in attributes {
                    params.put_user_attribute(&name, &value);
                }
                self.previous_password = self.config.password.replace(password);
                Ok(Step::Send(
                    self.respond(ChallengeNameType::NewPasswordRequired, params)?,
                ))
            }
            (Question::SetUpMfa { .. }, Answer::SetUpTotp) => {
                let req = AssociateSoftwareTokenRequest::builder()
                    .set_session(self.session.clone())
                    .build();
                Ok(Step::Send(Request::AssociateSoftwareToken(req)))
            }
            (Question::SetUpMfa { .. }, Answer::SetUpEmail(address)) => {
                let mut params = self.challenge_params();
                params.put(Key::Email, &address);
                Ok(Step::Send(
                    self.respond(ChallengeNameType::MfaSetup, params)?,
                ))
            }
            (Question::ChooseMfa { .. }, Answer::Choose(choice)) => {
                let mut params = self.challenge_params();
                params.put(Key::Answer, choice.as_str());
                Ok(Step::Send(
                    self.respond(ChallengeNameType::SelectMfaType, params)?,
                ))
            }
            (Question::ChooseFirstFactor { .. }, Answer::FirstFactor(first)) => {
                let mut params = self.challenge_params();
                params.put(Key::Answer, first.as_str());
                match first {
                    FirstFactor::Password => {
                        let pw = self.password()?.expose().to_owned();
                        params.put_secret(Key::Password, pw.into());
                    }
                    FirstFactor::PasswordSrp => {
                        self.password()?;
                        let a = self.fresh_srp_a(rng)?;
                        params.put(Key::SrpA, &a);
                    }
                    _ => {}
                }
                Ok(Step::Send(
                    self.respond(ChallengeNameType::SelectChallenge, params)?,
                ))
            }
            (Question::Custom { .. }, Answer::Custom(text)) => {
                let mut params = self.challenge_params();
                params.put_secret(Key::Answer, text);
                Ok(Step::Send(
                    self.respond(ChallengeNameType::CustomChallenge, params)?,
                ))
            }
            (Question::WebAuthn { .. }, Answer::WebAuthnCredential(credential)) => {
                let mut params = self.challenge_params();
                params.put(Key::Credential, &credential.to_string());
                Ok(Step::Send(
                    self.respond(ChallengeNameType::WebAuthn, params)?,
                ))
            }
            _ => Err(mismatch),
        }
    }

    fn verify_totp(
        &mut self,
        code: SensitiveString,
        friendly_device_name: Option<String>,
    ) -> Result<Step, AuthError> {
        let mut req = VerifySoftwareTokenRequest::builder()
            .user_code(code)
            .build()?;
        req.session = self.session.clone();
        req.friendly_device_name = friendly_device_name;
        Ok(Step::Send(Request::VerifySoftwareToken(req)))
    }

    /// `USERNAME`, `SECRET_HASH` (for that name) and `DEVICE_KEY` (when a device is used): the
    /// parameters every challenge response carries.
    fn challenge_params(&self) -> Params {
        let mut params = Params::new();
        params.put(Key::Username, &self.challenge_username);
        if let Some(hash) = self.secret_hash(&self.challenge_username) {
            params.put_secret(Key::SecretHash, hash);
        }
        if let Some(device) = &self.config.device {
            params.put(Key::DeviceKey, &device.device_key);
        }
        params
    }

    fn respond(&self, name: ChallengeNameType, params: Params) -> Result<Request, AuthError> {
        let client_id = SensitiveString::from(self.config.client_id.as_str());
        if self.config.flow.is_admin() {
            let mut req = AdminRespondToAuthChallengeRequest::builder()
                .challenge_name(name)
                .client_id(client_id)
                .user_pool_id(self.config.pool_id.clone())
                .build()?;
            req.challenge_responses = Some(params.into_map());
            req.session = self.session.clone();
            req.client_metadata = self.config.client_metadata.clone();
            Ok(Request::AdminRespondToAuthChallenge(req))
        } else {
            let mut req = RespondToAuthChallengeRequest::builder()
                .challenge_name(name)
                .client_id(client_id)
                .build()?;
            req.challenge_responses = Some(params.into_map());
            req.session = self.session.clone();
            req.client_metadata = self.config.client_metadata.clone();
            Ok(Request::RespondToAuthChallenge(req))
        }
    }
}

fn code_question(
    kind: CodeKind,
    delivery: Option<cognito_wire::challenge::CodeDeliveryParams>,
) -> Step {
    let (destination, medium) = match delivery {
        Some(d) => (Some(d.destination), Some(d.delivery_medium)),
        None => (None, None),
    };
    Step::NeedsInput(Question::Code {
        kind,
        destination,
        medium,
    })
}
