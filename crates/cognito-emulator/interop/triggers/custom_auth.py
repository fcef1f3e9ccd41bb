"""A custom authentication: the password by SRP first (when the client starts with SRP_A), then
one question, three tries."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (  # noqa: E402
    CreateAuthChallengeTriggerEvent,
    DefineAuthChallengeTriggerEvent,
    VerifyAuthChallengeResponseTriggerEvent,
)

from common import check_base  # noqa: E402

ANSWER = "blue"


def define(event, context):
    event = DefineAuthChallengeTriggerEvent(event)
    check_base(event, ("DefineAuthChallenge_Authentication",))
    session = event.request.session
    if event.request.user_not_found:
        # No such user: ask the question anyway (nothing tells the caller), fail on the answer.
        if session:
            event.response.fail_authentication = True
        else:
            event.response.challenge_name = "CUSTOM_CHALLENGE"
        return event.raw_event
    if len(session) == 1 and session[0].challenge_name == "SRP_A":
        event.response.challenge_name = "PASSWORD_VERIFIER"
    elif session and session[-1].challenge_name == "CUSTOM_CHALLENGE" and session[-1].challenge_result:
        assert session[-1].challenge_metadata == "COLOR_QUESTION", session[-1].challenge_metadata
        event.response.issue_tokens = True
    elif len([s for s in session if s.challenge_name == "CUSTOM_CHALLENGE"]) >= 3:
        event.response.fail_authentication = True
    else:
        if session and session[0].challenge_name == "SRP_A":
            assert session[1].challenge_name == "PASSWORD_VERIFIER" and session[1].challenge_result
        event.response.challenge_name = "CUSTOM_CHALLENGE"
    return event.raw_event


def create(event, context):
    event = CreateAuthChallengeTriggerEvent(event)
    check_base(event, ("CreateAuthChallenge_Authentication",))
    assert event.request.challenge_name == "CUSTOM_CHALLENGE"
    tries = len([s for s in event.request.session if s.challenge_name == "CUSTOM_CHALLENGE"])
    event.response.public_challenge_parameters = {"question": "Favourite colour?", "try": str(tries + 1)}
    event.response.private_challenge_parameters = {"answer": ANSWER}
    event.response.challenge_metadata = "COLOR_QUESTION"
    return event.raw_event


def verify(event, context):
    event = VerifyAuthChallengeResponseTriggerEvent(event)
    check_base(event, ("VerifyAuthChallengeResponse_Authentication",))
    expected = event.request.private_challenge_parameters["answer"]
    event.response.answer_correct = event.request.challenge_answer == expected
    return event.raw_event
