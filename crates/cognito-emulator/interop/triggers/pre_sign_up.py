"""Pre sign-up: auto-confirms (and verifies the email of) users of trusted.example, refuses
blocked.example."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (  # noqa: E402
    PreSignUpTriggerEvent,
)

from common import check_base  # noqa: E402


def lambda_handler(event, context):
    event = PreSignUpTriggerEvent(event)
    check_base(event, ("PreSignUp_SignUp", "PreSignUp_AdminCreateUser"))
    email = event.request.user_attributes.get("email", "")
    if email.endswith("@blocked.example"):
        raise ValueError("This email domain is not allowed")
    if email.endswith("@trusted.example"):
        event.response.auto_confirm_user = True
        event.response.auto_verify_email = True
    return event.raw_event
