"""Pre token generation: V2 adds an array claim and a scope to the access token, a claim to the
id token, suppresses `email` from the id token and overrides the groups; V1 adds a claim."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (  # noqa: E402
    PreTokenGenerationTriggerEvent,
    PreTokenGenerationV2TriggerEvent,
)

from common import check_base  # noqa: E402

SOURCES = (
    "TokenGeneration_Authentication",
    "TokenGeneration_RefreshTokens",
    "TokenGeneration_NewPasswordChallenge",
    "TokenGeneration_AuthenticateDevice",
    "TokenGeneration_HostedAuth",
)


def v2(event, context):
    event = PreTokenGenerationV2TriggerEvent(event)
    check_base(event, SOURCES)
    assert event.version == "2"
    assert "aws.cognito.signin.user.admin" in event.request.scopes, event.request.scopes
    groups = event.request.group_configuration.groups_to_override
    details = event.response.claims_scope_override_details
    details.access_token_generation = {
        "claimsToAddOrOverride": {"tenants": ["t1", "t2"], "plan": "gold"},
        "scopesToAdd": ["reports/read"],
    }
    details.id_token_generation = {
        "claimsToAddOrOverride": {"department": "research"},
        "claimsToSuppress": ["email"],
    }
    details.group_configuration = {"groupsToOverride": groups + ["from-trigger"]}
    return event.raw_event


def v1(event, context):
    event = PreTokenGenerationTriggerEvent(event)
    check_base(event, SOURCES)
    assert event.version == "1"
    details = event.response.claims_override_details
    details.claims_to_add_or_override = {"department": "research"}
    details.claims_to_suppress = ["email"]
    return event.raw_event
