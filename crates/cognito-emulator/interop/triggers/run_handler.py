"""Runs a Lambda handler as a local command, the way the emulator invokes one.

    python run_handler.py HANDLER_FILE [FUNCTION] [EVENT_LOG]

The event comes on stdin; the handler's return value goes to stdout as JSON. An exception is
reported as Lambda reports it ({"errorMessage", "errorType"} on stdout) with exit status 1.
When EVENT_LOG is given, each event received is appended to it as one JSON line.
"""

import importlib.util
import json
import sys
import uuid


class Context:
    """The bits of Lambda's context object handlers commonly read."""

    function_name = "local-trigger"
    function_version = "$LATEST"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:local-trigger"

    def __init__(self):
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self):
        return 5000


def main():
    path = sys.argv[1]
    function = sys.argv[2] if len(sys.argv) > 2 else "lambda_handler"
    log = sys.argv[3] if len(sys.argv) > 3 else None
    event = json.load(sys.stdin)
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(json.dumps(event) + "\n")
    spec = importlib.util.spec_from_file_location("handler", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        result = getattr(module, function)(event, Context())
    except Exception as e:  # what Lambda reports as a function error
        json.dump({"errorMessage": str(e), "errorType": type(e).__name__}, sys.stdout)
        sys.exit(1)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
