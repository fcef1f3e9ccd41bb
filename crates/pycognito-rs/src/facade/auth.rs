//! Sign-in, challenges, refresh, token checks and sign-out.

use super::Cognito;
use crate::PycognitoError;
use cognito_auth::jwt::{CognitoJwtVerifier, TokenUse};
use cognito_auth::{Answer, CodeKind, Flow, Question, Session, SignInOutcome};
use cognito_wire::{ChallengeNameType, DeliveryMediumType, SensitiveString};
use srp_core::Password;
use std::collections::BTreeMap;

/// Where a sign-in stands: signed in, or what Cognito asks for next. Answer with the matching
/// responder of [`Cognito`]; the sign-in waits inside the `Cognito` value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AuthStep {
    /// Signed in: the tokens are in the `Cognito` value.
    Done,
    /// A one-time code: [`Cognito::respond_to_software_token_mfa_challenge`] (TOTP),
    /// [`Cognito::respond_to_sms_mfa_challenge`] (SMS) or
    /// [`Cognito::respond_to_email_otp_challenge`] (email).
    NeedsMfa {
        /// Which code.
        kind: CodeKind,
        /// Where it was sent (masked), for SMS and email.
        destination: Option<String>,
        /// How it was sent.
        medium: Option<DeliveryMediumType>,
    },
    /// A new password (first sign-in with a temporary password):
    /// [`Cognito::respond_to_new_password_challenge`].
    NeedsNewPassword {
        /// Attributes that must be given with the new password.
        required_attributes: Vec<String>,
        /// The user's current attributes.
        user_attributes: BTreeMap<String, String>,
    },
    /// MFA must be set up first: [`Cognito::respond_to_mfa_setup`].
    NeedsMfaSetup {
        /// What can be set up (`SOFTWARE_TOKEN_MFA`, `EMAIL_OTP`).
        options: Vec<ChallengeNameType>,
    },
    /// Add this TOTP secret to an authenticator app, then
    /// [`Cognito::respond_to_software_token_mfa_challenge`] with its first code.
    NeedsTotpSetup {
        /// The base32 secret.
        secret: SensitiveString,
    },
    /// Choose the MFA method: [`Cognito::select_mfa_type`].
    ChooseMfa {
        /// The choices.
        options: Vec<ChallengeNameType>,
    },
    /// Any other question (custom challenge, first factor choice, passkey): answer with
    /// [`Cognito::answer_challenge`].
    Other(Question),
}

impl AuthStep {
    fn from_question(q: &Question) -> Self {
        match q {
            Question::Code {
                kind,
                destination,
                medium,
            } => AuthStep::NeedsMfa {
                kind: *kind,
                destination: destination.clone(),
                medium: medium.clone(),
            },
            Question::NewPassword {
                user_attributes,
                required_attributes,
            } => AuthStep::NeedsNewPassword {
                required_attributes: required_attributes.clone(),
                user_attributes: user_attributes.clone(),
            },
            Question::SetUpMfa { options } => AuthStep::NeedsMfaSetup {
                options: options.clone(),
            },
            Question::TotpSecret { secret } => AuthStep::NeedsTotpSetup {
                secret: secret.clone(),
            },
            Question::ChooseMfa { options } => AuthStep::ChooseMfa {
                options: options.clone(),
            },
            other => AuthStep::Other(other.clone()),
        }
    }

    /// Whether the user is signed in.
    pub fn is_done(&self) -> bool {
        matches!(self, AuthStep::Done)
    }
}

fn question_name(q: &Question) -> String {
    match q {
        Question::Code { kind, .. } => format!("Code({kind:?})"),
        Question::NewPassword { .. } => "NewPassword".to_owned(),
        Question::SetUpMfa { .. } => "SetUpMfa".to_owned(),
        Question::TotpSecret { .. } => "TotpSecret".to_owned(),
        Question::ChooseMfa { .. } => "ChooseMfa".to_owned(),
        Question::ChooseFirstFactor { .. } => "ChooseFirstFactor".to_owned(),
        Question::Custom { .. } => "Custom".to_owned(),
        _ => "another challenge".to_owned(),
    }
}

impl Cognito {
    /// Signs the user in with SRP (`USER_SRP_AUTH`): the password never leaves this process.
    /// pycognito's `authenticate`; MFA and new-password challenges come back as an [`AuthStep`]
    /// instead of an exception.
    pub async fn authenticate(
        &mut self,
        password: impl Into<Password>,
    ) -> Result<AuthStep, PycognitoError> {
        let username = self.require_username()?.to_owned();
        let config = self.auth.config(&username).password(password);
        self.sign_in(config, false).await
    }

    /// Runs a sign-in through the one driver (the admin one for admin flows).
    async fn sign_in(
        &mut self,
        config: cognito_auth::SignInConfig,
        admin: bool,
    ) -> Result<AuthStep, PycognitoError> {
        self.pending = None;
        let driver = if admin { &self.admin_auth } else { &self.auth };
        let outcome = driver
            .sign_in_with(config)
            .await
            .map_err(PycognitoError::sign_in)?;
        self.outcome(outcome)
    }

    /// Signs the user in with `USER_PASSWORD_AUTH` (the password goes to Cognito over TLS; for
    /// user migration triggers).
    pub async fn authenticate_user_password(
        &mut self,
        password: impl Into<Password>,
    ) -> Result<AuthStep, PycognitoError> {
        let username = self.require_username()?.to_owned();
        let config = self
            .auth
            .config(&username)
            .password(password)
            .flow(Flow::UserPassword);
        self.sign_in(config, false).await
    }

    /// Signs the user in through `AdminInitiateAuth` (`ADMIN_USER_PASSWORD_AUTH`, pycognito's
    /// `admin_authenticate`): SigV4-signed, needs AWS credentials.
    pub async fn admin_authenticate(
        &mut self,
        password: impl Into<Password>,
    ) -> Result<AuthStep, PycognitoError> {
        let username = self.require_username()?.to_owned();
        let config = self
            .admin_auth
            .config(&username)
            .password(password)
            .flow(Flow::AdminUserPassword);
        self.sign_in(config, true).await
    }

    /// pycognito's `new_password_challenge`: signs in with the current (temporary) password and,
    /// when Cognito asks for a new one, sets `new_password`. Returns the step after that (MFA may
    /// follow).
    pub async fn new_password_challenge(
        &mut self,
        password: impl Into<Password>,
        new_password: impl Into<Password>,
    ) -> Result<AuthStep, PycognitoError> {
        match self.authenticate(password).await? {
            AuthStep::NeedsNewPassword { .. } => {
                self.respond_to_new_password_challenge(new_password, BTreeMap::new())
                    .await
            }
            other => Ok(other),
        }
    }

    /// The challenge waiting for an answer, if any.
    pub fn pending_challenge(&self) -> Option<AuthStep> {
        self.pending
            .as_ref()
            .map(|p| AuthStep::from_question(p.question()))
    }

    /// Answers a `SOFTWARE_TOKEN_MFA` challenge (or the first code while setting up TOTP).
    pub async fn respond_to_software_token_mfa_challenge(
        &mut self,
        code: &str,
    ) -> Result<AuthStep, PycognitoError> {
        self.expect(
            |q| {
                matches!(
                    q,
                    Question::Code {
                        kind: CodeKind::SoftwareTokenMfa,
                        ..
                    } | Question::TotpSecret { .. }
                )
            },
            challenge_name(ChallengeNameType::SoftwareTokenMfa),
        )?;
        self.answer_challenge(Answer::Code(SensitiveString::from(code)))
            .await
    }

    /// Answers an `SMS_MFA` challenge.
    pub async fn respond_to_sms_mfa_challenge(
        &mut self,
        code: &str,
    ) -> Result<AuthStep, PycognitoError> {
        self.expect_code(CodeKind::SmsMfa, challenge_name(ChallengeNameType::SmsMfa))?;
        self.answer_challenge(Answer::Code(SensitiveString::from(code)))
            .await
    }

    /// Answers an `EMAIL_OTP` challenge.
    pub async fn respond_to_email_otp_challenge(
        &mut self,
        code: &str,
    ) -> Result<AuthStep, PycognitoError> {
        self.expect_code(
            CodeKind::EmailOtp,
            challenge_name(ChallengeNameType::EmailOtp),
        )?;
        self.answer_challenge(Answer::Code(SensitiveString::from(code)))
            .await
    }

    /// Answers a `NEW_PASSWORD_REQUIRED` challenge with the new password and the required
    /// attributes.
    pub async fn respond_to_new_password_challenge(
        &mut self,
        new_password: impl Into<Password>,
        attributes: BTreeMap<String, String>,
    ) -> Result<AuthStep, PycognitoError> {
        self.expect(
            |q| matches!(q, Question::NewPassword { .. }),
            challenge_name(ChallengeNameType::NewPasswordRequired),
        )?;
        self.answer_challenge(Answer::NewPassword {
            password: new_password.into(),
            attributes,
        })
        .await
    }

    /// Answers `MFA_SETUP`: `None` sets up TOTP (the next step is [`AuthStep::NeedsTotpSetup`]),
    /// `Some(address)` sets up email OTP.
    pub async fn respond_to_mfa_setup(
        &mut self,
        email: Option<&str>,
    ) -> Result<AuthStep, PycognitoError> {
        self.expect(
            |q| matches!(q, Question::SetUpMfa { .. }),
            challenge_name(ChallengeNameType::MfaSetup),
        )?;
        let answer = match email {
            Some(address) => Answer::SetUpEmail(address.to_owned()),
            None => Answer::SetUpTotp,
        };
        self.answer_challenge(answer).await
    }

    /// Answers `SELECT_MFA_TYPE`.
    pub async fn select_mfa_type(
        &mut self,
        choice: ChallengeNameType,
    ) -> Result<AuthStep, PycognitoError> {
        self.expect(
            |q| matches!(q, Question::ChooseMfa { .. }),
            challenge_name(ChallengeNameType::SelectMfaType),
        )?;
        self.answer_challenge(Answer::Choose(choice)).await
    }

    /// Answers the waiting challenge with any [`Answer`].
    pub async fn answer_challenge(&mut self, answer: Answer) -> Result<AuthStep, PycognitoError> {
        let pending = self
            .pending
            .take()
            .ok_or(PycognitoError::NoPendingChallenge)?;
        let outcome = pending
            .answer(answer)
            .await
            .map_err(PycognitoError::sign_in)?;
        self.outcome(outcome)
    }

    fn expect_code(&self, kind: CodeKind, name: &'static str) -> Result<(), PycognitoError> {
        self.expect(
            |q| matches!(q, Question::Code { kind: k, .. } if *k == kind),
            name,
        )
    }

    fn expect(
        &self,
        fits: impl Fn(&Question) -> bool,
        answered: &'static str,
    ) -> Result<(), PycognitoError> {
        let pending = self
            .pending
            .as_ref()
            .ok_or(PycognitoError::NoPendingChallenge)?;
        if fits(pending.question()) {
            Ok(())
        } else {
            Err(PycognitoError::WrongChallenge {
                waiting: question_name(pending.question()),
                answered,
            })
        }
    }

    fn outcome(&mut self, outcome: SignInOutcome) -> Result<AuthStep, PycognitoError> {
        match outcome {
            SignInOutcome::SignedIn(session) => {
                self.signed_in(session);
                Ok(AuthStep::Done)
            }
            SignInOutcome::NeedsInput(p) => {
                // A refused answer Cognito lets the user retry (a wrong or used code, a refused
                // new password, a wrong set-up code): the same question stays pending, so the
                // same responder can be called again; the error says why.
                let rejection = p.rejection().cloned();
                let code = p
                    .rejected()
                    .and_then(|e| e.service_code())
                    .map(str::to_owned);
                let step = AuthStep::from_question(p.question());
                self.pending = Some(p);
                match rejection {
                    Some(rejection) => Err(PycognitoError::Rejected { rejection, code }),
                    None => Ok(step),
                }
            }
            _ => Err(PycognitoError::Config(
                "the sign-in returned an outcome this version does not know".to_owned(),
            )),
        }
    }

    pub(crate) fn signed_in(&mut self, session: Session) {
        self.pending = None;
        self.id_claims = None;
        self.access_claims = None;
        self.session = Some(session);
    }

    /// Whether the access token has expired (pycognito's `check_token`); with `renew`, tokens
    /// that expire within the session's refresh margin are refreshed first (by the session, as
    /// every other use of them would). Returns whether it had expired.
    pub async fn check_token(&mut self, renew: bool) -> Result<bool, PycognitoError> {
        let session = self.require_session()?.clone();
        let expired = session.expires_at() <= self.now();
        if renew {
            session
                .fresh_tokens()
                .await
                .map_err(PycognitoError::refresh)?;
            self.id_claims = None;
            self.access_claims = None;
        }
        Ok(expired)
    }

    /// Refreshes the id and access tokens with the refresh token now (pycognito's
    /// `renew_access_token`), through the session.
    pub async fn renew_access_token(&mut self) -> Result<(), PycognitoError> {
        self.require_session()?
            .refresh()
            .await
            .map_err(PycognitoError::refresh)?;
        self.id_claims = None;
        self.access_claims = None;
        Ok(())
    }

    /// Verifies the id and access tokens (RS256 signature against the pool's JWKS, issuer,
    /// audience / client id, `token_use`, expiry) and keeps their claims
    /// ([`id_claims`](Self::id_claims), [`access_claims`](Self::access_claims)).
    pub async fn verify_tokens(&mut self) -> Result<(), PycognitoError> {
        // The tokens as they are (pycognito's verify_tokens checks, it does not refresh).
        let tokens = self.require_session()?.tokens();
        let (id_token, access_token) = (tokens.id_token, tokens.access_token);
        if self.verifiers.is_none() {
            let build = |token_use| {
                let mut b = CognitoJwtVerifier::builder(self.user_pool_id.clone())
                    .client_id(self.client_id.clone())
                    .token_use(token_use);
                if self.issuer.is_some() || self.endpoint_url.is_some() {
                    b = b.issuer(self.user_pool_url());
                }
                b.build()
            };
            self.verifiers = Some((build(TokenUse::Id)?, build(TokenUse::Access)?));
        }
        let Some((id_verifier, access_verifier)) = &self.verifiers else {
            return Err(PycognitoError::Config("no verifier".to_owned()));
        };
        let now = self.now();
        let id = id_verifier.verify(id_token.expose(), now).await?;
        let access = access_verifier.verify(access_token.expose(), now).await?;
        self.id_claims = Some(id);
        self.access_claims = Some(access);
        Ok(())
    }

    /// Signs the user out of every device (`GlobalSignOut`) and forgets the tokens (pycognito's
    /// `logout`); the session store is cleared.
    pub async fn logout(&mut self) -> Result<(), PycognitoError> {
        self.require_session()?
            .sign_out()
            .await
            .map_err(PycognitoError::account)?;
        self.session = None;
        self.id_claims = None;
        self.access_claims = None;
        Ok(())
    }

    /// Revokes the refresh token (`RevokeToken`) and forgets the tokens; the session store is
    /// cleared.
    pub async fn revoke_token(&mut self) -> Result<(), PycognitoError> {
        match self.require_session()?.revoke().await {
            Err(cognito_auth::Error::NoRefreshToken) => return Err(PycognitoError::NoRefreshToken),
            other => other.map_err(PycognitoError::account)?,
        }
        self.session = None;
        Ok(())
    }
}

/// A challenge's wire name, for error messages.
fn challenge_name(challenge: ChallengeNameType) -> &'static str {
    ChallengeNameType::VALUES
        .iter()
        .copied()
        .find(|v| *v == challenge.as_str())
        .unwrap_or("a challenge")
}
