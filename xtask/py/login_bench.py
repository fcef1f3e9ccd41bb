"""pycognito sign-ins against a local emulator, for `cargo xtask bench`.

Usage (the password is the first line of stdin):
  python login_bench.py once URL POOL_ID CLIENT_ID USERNAME
      one sign-in, as a user's script would do it; exits 0 when pycognito holds verified tokens.
  python login_bench.py loop URL POOL_ID CLIENT_ID USERNAME SECONDS
      one Cognito object (one boto3 client), one warm-up sign-in, then sign-ins for SECONDS;
      prints {"signins": n, "cpu_s": user+system CPU of this process, "wall_s": ...} as JSON.

Every sign-in is pycognito 2024.5.1's `Cognito.authenticate`: USER_SRP_AUTH + PASSWORD_VERIFIER
through boto3, then verification of the access and id tokens against the pool's JWKS (fetched
once from the emulator). The URL must be the emulator on 127.0.0.1: the JWKS is fetched from it.
"""

import json
import resource
import sys
import time

from pycognito import Cognito


def cognito(url, pool, client, username):
    return Cognito(
        pool,
        client,
        user_pool_region=pool.split("_", 1)[0],
        username=username,
        # The emulator's admin keys; user operations are not signed, but boto3 wants credentials.
        boto3_client_kwargs={
            "endpoint_url": url,
            "aws_access_key_id": "test",
            "aws_secret_access_key": "test",
        },
    )


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    mode, url, pool, client, username = sys.argv[1:6]
    if not url.startswith("http://127.0.0.1:"):
        sys.exit(f"refusing a non-local endpoint: {url}")
    password = sys.stdin.readline().rstrip("\n")
    u = cognito(url, pool, client, username)
    u.authenticate(password=password)
    assert u.access_claims["username"] == username, "pycognito did not sign in"
    if mode == "once":
        return
    seconds = float(sys.argv[6])
    n = 0
    c0, t0 = cpu(), time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        u.authenticate(password=password)
        n += 1
    wall, used = time.perf_counter() - t0, cpu() - c0
    assert u.access_claims["username"] == username, "pycognito did not sign in"
    json.dump({"signins": n, "cpu_s": used, "wall_s": wall}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
