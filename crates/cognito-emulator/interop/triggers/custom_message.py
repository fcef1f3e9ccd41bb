"""Custom message: a branded sign-up and forgot-password email."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (  # noqa: E402
    CustomMessageTriggerEvent,
)

from common import check_base  # noqa: E402


def lambda_handler(event, context):
    event = CustomMessageTriggerEvent(event)
    check_base(
        event,
        (
            "CustomMessage_SignUp",
            "CustomMessage_ResendCode",
            "CustomMessage_ForgotPassword",
            "CustomMessage_AdminCreateUser",
            "CustomMessage_UpdateUserAttribute",
            "CustomMessage_VerifyUserAttribute",
            "CustomMessage_Authentication",
        ),
    )
    code = event.request.code_parameter
    name = event.request.user_attributes.get("name", event.user_name)
    if event.trigger_source == "CustomMessage_SignUp":
        event.response.email_subject = "Welcome to Example"
        event.response.email_message = f"Hello {name}, your Example code is {code}."
    elif event.trigger_source == "CustomMessage_ForgotPassword":
        event.response.email_subject = "Reset your Example password"
        event.response.email_message = f"Reset code for {name}: {code}"
    return event.raw_event
