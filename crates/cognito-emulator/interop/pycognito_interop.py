"""Drives pycognito 2024.5.1 and boto3 (botocore's SigV4) against a running emulator.

Usage: python pycognito_interop.py http://127.0.0.1:PORT
Exits non-zero on the first failed check. Known pycognito device bugs must be rejected the way
Cognito rejects them.
"""
import sys

import boto3
import botocore.exceptions
from pycognito import Cognito
from pycognito.aws_srp import AWSSRP, generate_hash_device

URL = sys.argv[1].rstrip("/")
KW = {"endpoint_url": URL, "aws_access_key_id": "test", "aws_secret_access_key": "test"}
admin = boto3.client("cognito-idp", region_name="us-east-1", **KW)


def check(cond, what):
    if not cond:
        print(f"FAIL: {what}")
        sys.exit(1)
    print(f"ok: {what}")


def error_code(fn):
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"].get("Message", "")
    return None, None


def make_pool(name, devices):
    kwargs = {"PoolName": name, "AutoVerifiedAttributes": ["email"]}
    if devices:
        kwargs["DeviceConfiguration"] = {
            "ChallengeRequiredOnNewDevice": False,
            "DeviceOnlyRememberedOnUserPrompt": False,
        }
    pool = admin.create_user_pool(**kwargs)["UserPool"]["Id"]
    client = admin.create_user_pool_client(
        UserPoolId=pool,
        ClientName="py",
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"],
    )["UserPoolClient"]
    admin.admin_create_user(
        UserPoolId=pool,
        Username="alice",
        TemporaryPassword="Temp0rary!",
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": "alice@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
    )
    admin.admin_set_user_password(UserPoolId=pool, Username="alice", Password="Passw0rd!", Permanent=True)
    return pool, client["ClientId"], client["ClientSecret"]


# --- SigV4 from botocore ---
bad = boto3.client("cognito-idp", region_name="us-east-1", endpoint_url=URL,
                   aws_access_key_id="test", aws_secret_access_key="wrong")
code, _ = error_code(lambda: bad.list_user_pools(MaxResults=10))
check(code == "InvalidSignatureException", "wrong secret key rejected (InvalidSignatureException)")

# --- plain pool: SRP, token verification via JWKS, refresh, attributes ---
pool, cid, secret = make_pool("interop", devices=False)
u = Cognito(pool, cid, user_pool_region="us-east-1", username="alice", client_secret=secret,
            boto3_client_kwargs=dict(KW))
u.authenticate(password="Passw0rd!")
check(u.access_claims["username"] == "alice", "pycognito SRP sign-in, access token verified with the emulator's JWKS")
check(u.id_claims["email"] == "alice@example.com", "id token claims")
user = u.get_user()
check(user.email == "alice@example.com", "GetUser")
u.renew_access_token()
check(u.access_claims["token_use"] == "access", "REFRESH_TOKEN_AUTH with SECRET_HASH")
wrong = Cognito(pool, cid, user_pool_region="us-east-1", username="alice", client_secret=secret,
                boto3_client_kwargs=dict(KW))
code, msg = error_code(lambda: wrong.authenticate(password="nope"))
check(code == "NotAuthorizedException" and msg == "Incorrect username or password.", "wrong password rejected")
u.update_profile({"name": "Alice"}, attr_map=None)
check(u.get_user().name == "Alice", "UpdateUserAttributes")

# --- device tracking: pycognito's known bugs are rejected like Cognito rejects them ---
pool, cid, secret = make_pool("devices", devices=True)
srp = AWSSRP(username="alice", password="Passw0rd!", pool_id=pool, client_id=cid,
             client=boto3.client("cognito-idp", region_name="us-east-1", **KW), client_secret=secret)
tokens = srp.authenticate_user()
meta = tokens["AuthenticationResult"]["NewDeviceMetadata"]
device_password, config = generate_hash_device(meta["DeviceGroupKey"], meta["DeviceKey"])
r = admin.confirm_device(AccessToken=tokens["AuthenticationResult"]["AccessToken"], DeviceKey=meta["DeviceKey"],
                         DeviceSecretVerifierConfig=config, DeviceName="interop")
check(r["UserConfirmationNecessary"] is False, "ConfirmDevice with pycognito's verifier")

u = Cognito(pool, cid, user_pool_region="us-east-1", username="alice", client_secret=secret,
            refresh_token=tokens["AuthenticationResult"]["RefreshToken"], boto3_client_kwargs=dict(KW))
code, msg = error_code(u.renew_access_token)
check(code == "NotAuthorizedException" and msg == "Invalid Refresh Token",
      "pycognito bug: refresh without DEVICE_KEY rejected")

dev = AWSSRP(username="alice", password="Passw0rd!", pool_id=pool, client_id=cid,
             client=boto3.client("cognito-idp", region_name="us-east-1", **KW), client_secret=secret,
             device_key=meta["DeviceKey"], device_group_key=meta["DeviceGroupKey"], device_password=device_password)
code, msg = error_code(dev.authenticate_user)
check(code == "InvalidParameterException" and "Session" in msg,
      "pycognito bug: DEVICE_SRP_AUTH without Session (and SECRET_HASH) rejected")
print("all pycognito interop checks passed")
