"""Handlers that go wrong in the ways the emulator must report as Cognito does."""

import time


def raises(event, context):
    raise Exception("Access denied by policy")


def sleeps(event, context):
    time.sleep(30)
    return event


def wrong_type(event, context):
    event["response"]["autoConfirmUser"] = "yes"
    return event


def not_json(event, context):
    return "this is not an event"
