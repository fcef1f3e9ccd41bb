"""User migration from a legacy directory: "legacy" with password "Legacy-Passw0rd" signs in and
moves; forgot password moves "legacy-reset" (who must then reset)."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (  # noqa: E402
    UserMigrationTriggerEvent,
)

from common import check_base  # noqa: E402

LEGACY = {
    "legacy": {"password": "Legacy-Passw0rd", "email": "legacy@example.com"},
    "legacy-reset": {"password": None, "email": "reset@example.com"},
}


def lambda_handler(event, context):
    event = UserMigrationTriggerEvent(event)
    check_base(event, ("UserMigration_Authentication", "UserMigration_ForgotPassword"))
    user = LEGACY.get(event.user_name)
    if user is None:
        raise Exception("Bad username")
    if event.trigger_source == "UserMigration_Authentication":
        if event.request.password != user["password"]:
            raise Exception("Bad password")
        event.response.final_user_status = "CONFIRMED"
    event.response.user_attributes = {
        "email": user["email"],
        "email_verified": "true",
        "custom:legacy_id": "L-42",
    }
    event.response.message_action = "SUPPRESS"
    return event.raw_event
