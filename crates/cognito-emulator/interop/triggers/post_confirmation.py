"""Post confirmation: fails for users whose name starts with "fail" (the confirmation must then
be undone)."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (  # noqa: E402
    PostConfirmationTriggerEvent,
)

from common import check_base  # noqa: E402


def lambda_handler(event, context):
    event = PostConfirmationTriggerEvent(event)
    check_base(
        event,
        ("PostConfirmation_ConfirmSignUp", "PostConfirmation_ConfirmForgotPassword"),
    )
    attributes = event.request.user_attributes
    assert attributes["cognito:user_status"] == "CONFIRMED", attributes
    assert attributes["sub"]
    if event.user_name.startswith("fail"):
        raise RuntimeError("Could not create the profile")
    return event.raw_event
