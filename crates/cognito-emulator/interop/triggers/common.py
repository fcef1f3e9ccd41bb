"""Checks every handler makes of the fields Cognito puts in each event (read through
Powertools' classes: a missing field raises, and the invocation fails)."""


def check_base(event, trigger_sources):
    assert event.version in ("1", "2", "3"), event.version
    assert event.trigger_source in trigger_sources, event.trigger_source
    assert event.region == event.user_pool_id.split("_")[0], (event.region, event.user_pool_id)
    assert event.user_name, "userName is empty"
    assert event.caller_context.aws_sdk_version
    assert event.caller_context.client_id
