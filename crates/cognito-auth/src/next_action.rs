//! What to do after an error: [`NextAction`], classified from Cognito's error code (never from
//! its message text) where the error arises.

use cognito_wire::{ErrorClass, ServiceErrorKind};

/// What the user or program should do after an error.
///
/// ```
/// use cognito_auth::NextAction;
/// assert_eq!(NextAction::for_service_code("UserNotConfirmedException"), NextAction::ConfirmSignUp);
/// assert_eq!(NextAction::for_service_code("TooManyRequestsException"), NextAction::RetryLater);
/// assert_eq!(NextAction::for_service_code("NotAuthorizedException"), NextAction::SignInAgain);
/// assert_eq!(NextAction::RetryLater.to_string(), "try again later");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NextAction {
    /// A passing condition (throttling, a limit, a server fault, the network): try again later,
    /// with back-off.
    RetryLater,
    /// The input was refused (a wrong code, a password the policy refuses, an invalid value, a
    /// name already taken): correct it and try again.
    FixInput,
    /// The code expired or can no longer be used: ask for a new one.
    RequestNewCode,
    /// The credentials or the session are not (or no longer) accepted: wrong username or
    /// password, an expired or revoked refresh token, an expired challenge session. Sign in
    /// (again).
    SignInAgain,
    /// The account is not confirmed: confirm the sign-up with the code that was sent (or ask
    /// for a new one).
    ConfirmSignUp,
    /// Cognito requires a password reset: start "forgot password".
    ResetPassword,
    /// The pool, app client, endpoint or local setup does not allow this (an unknown pool or
    /// client, a flow the client does not enable, a Lambda trigger failing, a store that cannot
    /// be written): fix the configuration.
    FixConfiguration,
    /// Nothing the user can do helps: an unexpected answer or a bug. Report it.
    Report,
}

impl NextAction {
    /// The action for a Cognito exception code (`"CodeMismatchException"`, ...).
    pub fn for_service_code(code: &str) -> NextAction {
        match code {
            "TooManyRequestsException"
            | "LimitExceededException"
            | "TooManyFailedAttemptsException"
            | "InternalErrorException"
            | "InternalServerException"
            | "ServiceQuotaExceededException"
            | "CodeDeliveryFailureException"
            | "ConcurrentModificationException" => NextAction::RetryLater,
            "CodeMismatchException"
            | "InvalidPasswordException"
            | "InvalidParameterException"
            | "UsernameExistsException"
            | "AliasExistsException"
            | "UserNotFoundException"
            | "EnableSoftwareTokenMFAException"
            | "PasswordHistoryPolicyViolationException"
            | "DuplicateProviderException"
            | "GroupExistsException" => NextAction::FixInput,
            "ExpiredCodeException" => NextAction::RequestNewCode,
            "NotAuthorizedException" | "RefreshTokenReuseException" => NextAction::SignInAgain,
            "UserNotConfirmedException" => NextAction::ConfirmSignUp,
            "PasswordResetRequiredException" => NextAction::ResetPassword,
            "ResourceNotFoundException"
            | "InvalidUserPoolConfigurationException"
            | "InvalidLambdaResponseException"
            | "UnexpectedLambdaException"
            | "UserLambdaValidationException"
            | "InvalidSmsRoleAccessPolicyException"
            | "InvalidSmsRoleTrustRelationshipException"
            | "InvalidEmailRoleAccessPolicyException"
            | "MFAMethodNotFoundException"
            | "SoftwareTokenMFANotFoundException"
            | "UnsupportedOperationException"
            | "UnsupportedTokenTypeException"
            | "UserPoolAddOnNotEnabledException"
            | "ForbiddenException"
            | "InvalidOAuthFlowException"
            | "ScopeDoesNotExistException"
            | "OperationNotEnabledException"
            | "CachedCIMDURLDoesNotExistException"
            | "UnauthorizedException"
            | "WebAuthnNotEnabledException"
            | "WebAuthnConfigurationMissingException"
            | "WebAuthnOriginNotAllowedException"
            | "WebAuthnRelyingPartyMismatchException"
            | "WebAuthnClientMismatchException"
            // AWS's answers to a bad signature or credentials (admin operations).
            | "AccessDeniedException"
            | "InvalidSignatureException"
            | "UnrecognizedClientException"
            | "MissingAuthenticationTokenException"
            | "IncompleteSignature"
            | "ExpiredTokenException" => NextAction::FixConfiguration,
            _ => NextAction::Report,
        }
    }

    /// The action for an error of the wire layer: throttling and transient failures (network,
    /// timeouts, 5xx) say [`RetryLater`](NextAction::RetryLater); a Cognito exception is
    /// classified by its code.
    pub fn for_wire_error(error: &cognito_wire::Error) -> NextAction {
        if let Some(kind) = error.service_error() {
            let action = NextAction::for_service_code(kind.code());
            if action != NextAction::Report {
                return action;
            }
        }
        match error.class() {
            ErrorClass::Throttling | ErrorClass::Transient => NextAction::RetryLater,
            ErrorClass::Client => match error {
                cognito_wire::Error::Construction { .. } => NextAction::FixConfiguration,
                _ => NextAction::Report,
            },
            _ => NextAction::Report,
        }
    }

    /// The action for a Cognito exception.
    pub fn for_service_error(kind: &ServiceErrorKind) -> NextAction {
        NextAction::for_service_code(kind.code())
    }

    /// A short imperative phrase for messages ("try again later", ...).
    pub fn describe(self) -> &'static str {
        match self {
            NextAction::RetryLater => "try again later",
            NextAction::FixInput => "correct the input and try again",
            NextAction::RequestNewCode => "ask for a new code",
            NextAction::SignInAgain => "sign in again",
            NextAction::ConfirmSignUp => "confirm the sign-up with the code that was sent",
            NextAction::ResetPassword => "reset the password (forgot password)",
            NextAction::FixConfiguration => {
                "check the configuration (pool, app client, endpoint, local files)"
            }
            NextAction::Report => "this is unexpected: please report it",
        }
    }
}

impl std::fmt::Display for NextAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_modeled_exception_that_changes_what_to_do_is_classified() {
        // Every code the model knows gets an action; the ones left to Report are listed here so
        // a new exception is a visible decision.
        let report_only = [
            "DeviceKeyExistsException",
            "FeatureUnavailableInTierException",
            "ManagedLoginBrandingExistsException",
            "PreconditionNotMetException",
            "TermsExistsException",
            "TierChangeNotAllowedException",
            "UnsupportedIdentityProviderException",
            "UnsupportedUserStateException",
            "UserImportInProgressException",
            "UserPoolTaggingException",
            "WebAuthnChallengeNotFoundException",
            "WebAuthnCredentialNotSupportedException",
            "InvalidEmailRoleAccessPolicyException",
        ];
        for code in ServiceErrorKind::CODES {
            let action = NextAction::for_service_code(code);
            if action == NextAction::Report {
                assert!(
                    report_only.contains(code),
                    "{code} has no next action: classify it in next_action.rs or list it here"
                );
            }
        }
    }
}
