"""Drives pycognito 2024.5.1 and boto3 (botocore's SigV4) against a running emulator.

Usage: python pycognito_interop.py http://127.0.0.1:PORT
Run by tests/emulator/interop.rs in a venv built from interop/requirements.txt.
Exits non-zero on the first failed check. Known pycognito device bugs must be rejected the way
Cognito rejects them.
"""
import base64
import hashlib
import hmac
import struct
import sys
import time

import boto3
import botocore.exceptions
import requests
from pycognito import Cognito
from pycognito.aws_srp import AWSSRP, generate_hash_device
from pycognito.exceptions import (
    ForceChangePasswordException,
    SMSMFAChallengeException,
    SoftwareTokenMFAChallengeException,
    TokenVerificationException,
)

URL = sys.argv[1].rstrip("/")
KW = {"endpoint_url": URL, "aws_access_key_id": "test", "aws_secret_access_key": "test"}
admin = boto3.client("cognito-idp", region_name="us-east-1", **KW)


def check(cond, what):
    if not cond:
        print(f"FAIL: {what}")
        sys.exit(1)
    print(f"ok: {what}")


def error_of(fn):
    """Runs fn; returns (error code, message) of a botocore ClientError, (None, None) on success."""
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"].get("Message", "")
    return None, None


def raises(fn, exc):
    """Runs fn; returns the exception of type exc it raised (None when it did not)."""
    try:
        fn()
    except exc as e:
        return e
    return None


def totp(secret_b32, step):
    """RFC 6238 (SHA-1, 6 digits, 30 s), as an authenticator app computes it."""
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    return f"{(struct.unpack('>I', mac[off:off + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def latest_code(pool, username):
    msgs = requests.get(f"{URL}/_emulator/outbox", params={"pool_id": pool, "username": username},
                        timeout=15).json()
    return msgs[-1]["code"] if msgs else None


def make_pool(name, devices=False, mfa="OFF"):
    kwargs = {"PoolName": name, "AutoVerifiedAttributes": ["email"], "MfaConfiguration": mfa}
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
    return pool, client["ClientId"], client["ClientSecret"]


def make_user(pool, name, password=None, phone=None):
    attrs = [{"Name": "email", "Value": f"{name}@example.com"}, {"Name": "email_verified", "Value": "true"}]
    if phone:
        attrs += [{"Name": "phone_number", "Value": phone}, {"Name": "phone_number_verified", "Value": "true"}]
    admin.admin_create_user(UserPoolId=pool, Username=name, TemporaryPassword="Temp0rary!",
                            MessageAction="SUPPRESS", UserAttributes=attrs)
    if password:
        admin.admin_set_user_password(UserPoolId=pool, Username=name, Password=password, Permanent=True)


def cognito(pool, cid, secret, username, **kw):
    return Cognito(pool, cid, user_pool_region="us-east-1", username=username, client_secret=secret,
                   boto3_client_kwargs=dict(KW), **kw)


# --- SigV4 from botocore ---
bad = boto3.client("cognito-idp", region_name="us-east-1", endpoint_url=URL,
                   aws_access_key_id="test", aws_secret_access_key="wrong")
code, _ = error_of(lambda: bad.list_user_pools(MaxResults=10))
check(code == "InvalidSignatureException", "wrong secret key rejected (InvalidSignatureException)")
check(admin.list_user_pools(MaxResults=10)["UserPools"] == [], "ListUserPools signed by boto3 with test/test")

# --- plain pool, client with a secret: SRP, JWKS verification, refresh, attributes ---
pool, cid, secret = make_pool("interop")
make_user(pool, "alice", "Passw0rd!")
u = cognito(pool, cid, secret, "alice")
u.authenticate(password="Passw0rd!")
check(u.access_claims["username"] == "alice",
      "SRP sign-in with SECRET_HASH, tokens verified against the emulator's JWKS")
check(u.id_claims["email"] == "alice@example.com", "id token claims")
check(u.id_claims["iss"] == f"{URL}/{pool}", "issuer is the emulator URL + pool id")
v = cognito(pool, cid, secret, "alice", id_token=u.id_token, access_token=u.access_token)
v.verify_tokens()
check(v.access_claims["sub"] == u.access_claims["sub"], "verify_tokens on externally given tokens")
head, body, sig = u.access_token.split(".")
forged = Cognito(pool, cid, user_pool_region="us-east-1", username="alice", id_token=u.id_token,
                 access_token=f"{head}.{body}.{sig[:-6]}AAAAAA", boto3_client_kwargs=dict(KW))
check(raises(forged.verify_tokens, TokenVerificationException) is not None,
      "verify_tokens rejects a forged signature")
user = u.get_user()
check(user.email == "alice@example.com", "GetUser")
old_access = u.access_token
u.renew_access_token()
check(u.access_claims["token_use"] == "access" and u.access_token != old_access,
      "REFRESH_TOKEN_AUTH with SECRET_HASH")
wrong = cognito(pool, cid, secret, "alice")
code, msg = error_of(lambda: wrong.authenticate(password="nope"))
check(code == "NotAuthorizedException" and msg == "Incorrect username or password.", "wrong password rejected")
nohash = cognito(pool, cid, None, "alice")
code, msg = error_of(lambda: nohash.authenticate(password="Passw0rd!"))
check(code == "NotAuthorizedException" and "SECRET_HASH" in msg, "missing SECRET_HASH rejected")
badhash = cognito(pool, cid, "not-the-secret", "alice")
code, msg = error_of(lambda: badhash.authenticate(password="Passw0rd!"))
check(code == "NotAuthorizedException" and "secret hash" in msg, "wrong client secret rejected")
u.update_profile({"name": "Alice"}, attr_map=None)
check(u.get_user().name == "Alice", "UpdateUserAttributes")

# --- NEW_PASSWORD_REQUIRED ---
make_user(pool, "nina")
n = cognito(pool, cid, secret, "nina")
check(raises(lambda: n.authenticate(password="Temp0rary!"), ForceChangePasswordException) is not None,
      "temporary password: NEW_PASSWORD_REQUIRED (ForceChangePasswordException)")
n.new_password_challenge("Temp0rary!", "N3wPassw0rd!")
check(n.access_claims["username"] == "nina", "new_password_challenge answers NEW_PASSWORD_REQUIRED")
n2 = cognito(pool, cid, secret, "nina")
n2.authenticate(password="N3wPassw0rd!")
check(admin.admin_get_user(UserPoolId=pool, Username="nina")["UserStatus"] == "CONFIRMED",
      "new password works, user CONFIRMED")

# --- admin calls (boto3 SigV4) through pycognito, groups ---
admin.create_group(UserPoolId=pool, GroupName="admins", Description="Admins", Precedence=1)
admin.create_group(UserPoolId=pool, GroupName="readers", Precedence=5)
u.admin_add_user_to_group("alice", "admins")
u.admin_add_user_to_group("alice", "readers")
check(sorted(u.admin_list_groups_for_user("alice")) == ["admins", "readers"],
      "AdminAddUserToGroup / AdminListGroupsForUser")
g = u.get_group("admins")
check(g.group_name == "admins" and g.description == "Admins" and g.precedence == 1, "GetGroup")
check(sorted(x.group_name for x in u.get_groups()) == ["admins", "readers"], "ListGroups")
u.authenticate(password="Passw0rd!")
check(u.access_claims.get("cognito:groups") == ["admins", "readers"], "cognito:groups claim, by precedence")
u.admin_remove_user_from_group("alice", "readers")
members = admin.list_users_in_group(UserPoolId=pool, GroupName="readers")["Users"]
check(members == [], "AdminRemoveUserFromGroup / ListUsersInGroup")
au = cognito(pool, cid, secret, "alice").admin_get_user()
check(au.email == "alice@example.com" and au.user_status == "CONFIRMED", "AdminGetUser")
names = sorted(x.username for x in u.get_users())
check(names == ["alice", "nina"], "ListUsers")
u.admin_disable_user("nina")
code, msg = error_of(lambda: cognito(pool, cid, secret, "nina").authenticate(password="N3wPassw0rd!"))
check(code == "NotAuthorizedException" and msg == "User is disabled.", "AdminDisableUser: sign-in refused")
u.admin_enable_user("nina")

# --- MFA pool: TOTP set-up and SOFTWARE_TOKEN_MFA, SMS_MFA with the code from the outbox ---
pool, cid, secret = make_pool("mfa", mfa="OPTIONAL")
make_user(pool, "bob", "Passw0rd!")
b = cognito(pool, cid, secret, "bob")
b.authenticate(password="Passw0rd!")
check(b.access_claims["username"] == "bob", "OPTIONAL MFA, no method yet: tokens")
totp_secret = b.associate_software_token()
step = int(time.time()) // 30
check(b.verify_software_token(totp(totp_secret, step), "phone"), "AssociateSoftwareToken + VerifySoftwareToken")
b.set_user_mfa_preference(False, True, "SOFTWARE_TOKEN")
b = cognito(pool, cid, secret, "bob")
e = raises(lambda: b.authenticate(password="Passw0rd!"), SoftwareTokenMFAChallengeException)
check(e is not None, "sign-in asks SOFTWARE_TOKEN_MFA")
good = totp(totp_secret, step + 1)
code, _ = error_of(lambda: b.respond_to_software_token_mfa_challenge("000000" if good != "000000" else "111111"))
check(code == "CodeMismatchException", "wrong TOTP code rejected")
b.respond_to_software_token_mfa_challenge(good)
check(b.access_claims["username"] == "bob", "SOFTWARE_TOKEN_MFA answered (code of the next step)")

make_user(pool, "carol", "Passw0rd!", phone="+15555550100")
admin.admin_set_user_mfa_preference(UserPoolId=pool, Username="carol",
                                    SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
c = cognito(pool, cid, secret, "carol")
e = raises(lambda: c.authenticate(password="Passw0rd!"), SMSMFAChallengeException)
check(e is not None, "sign-in asks SMS_MFA")
check(e.get_tokens()["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"].endswith("0100"),
      "SMS_MFA challenge names the masked destination")
sms = latest_code(pool, "carol")
check(sms is not None and len(sms) == 6, "SMS code in the outbox (GET /_emulator/outbox)")
c.respond_to_sms_mfa_challenge(sms)
check(c.access_claims["username"] == "carol", "SMS_MFA answered with the outbox code")

# --- device tracking: pycognito's known bugs are rejected like Cognito rejects them ---
pool, cid, secret = make_pool("devices", devices=True)
make_user(pool, "alice", "Passw0rd!")
srp = AWSSRP(username="alice", password="Passw0rd!", pool_id=pool, client_id=cid,
             client=boto3.client("cognito-idp", region_name="us-east-1", **KW), client_secret=secret)
tokens = srp.authenticate_user()
meta = tokens["AuthenticationResult"]["NewDeviceMetadata"]
device_password, config = generate_hash_device(meta["DeviceGroupKey"], meta["DeviceKey"])
r = admin.confirm_device(AccessToken=tokens["AuthenticationResult"]["AccessToken"], DeviceKey=meta["DeviceKey"],
                         DeviceSecretVerifierConfig=config, DeviceName="interop")
check(r["UserConfirmationNecessary"] is False, "ConfirmDevice with pycognito's verifier")

u = cognito(pool, cid, secret, "alice", refresh_token=tokens["AuthenticationResult"]["RefreshToken"])
code, msg = error_of(u.renew_access_token)
check(code == "NotAuthorizedException" and msg == "Invalid Refresh Token",
      "pycognito bug: refresh without DEVICE_KEY rejected")


def device_srp(**kw):
    return AWSSRP(username="alice", password="Passw0rd!", pool_id=pool, client_id=cid,
                  client=boto3.client("cognito-idp", region_name="us-east-1", **KW), client_secret=secret,
                  device_key=meta["DeviceKey"], device_group_key=meta["DeviceGroupKey"],
                  device_password=device_password, **kw)


dev = device_srp()
code, msg = error_of(dev.authenticate_user)
check(code == "InvalidParameterException" and "Session" in msg,
      "pycognito bug: DEVICE_SRP_AUTH without Session rejected")

# The same flow with the Session passed on, but (pycognito's other bug) no SECRET_HASH.
dev = device_srp()
params = dev.get_auth_params()
first = admin.initiate_auth(AuthFlow="USER_SRP_AUTH", AuthParameters=params, ClientId=cid)
step2 = admin.respond_to_auth_challenge(ClientId=cid, ChallengeName="PASSWORD_VERIFIER",
                                        ChallengeResponses=dev.process_challenge(first["ChallengeParameters"], params))
check(step2["ChallengeName"] == "DEVICE_SRP_AUTH", "known device: DEVICE_SRP_AUTH challenge")
srp_a = params["SRP_A"]
code, msg = error_of(lambda: admin.respond_to_auth_challenge(
    ClientId=cid, ChallengeName="DEVICE_SRP_AUTH", Session=step2["Session"],
    ChallengeResponses={"USERNAME": "alice", "DEVICE_KEY": meta["DeviceKey"], "SRP_A": srp_a}))
check(code == "NotAuthorizedException" and "SECRET_HASH" in msg,
      "pycognito bug: DEVICE_SRP_AUTH without SECRET_HASH rejected")

# And the corrected flow (Session and SECRET_HASH on every step) signs in with the device.
dev = device_srp()
params = dev.get_auth_params()
first = admin.initiate_auth(AuthFlow="USER_SRP_AUTH", AuthParameters=params, ClientId=cid)
step2 = admin.respond_to_auth_challenge(ClientId=cid, ChallengeName="PASSWORD_VERIFIER",
                                        ChallengeResponses=dev.process_challenge(first["ChallengeParameters"], params))
step3 = admin.respond_to_auth_challenge(
    ClientId=cid, ChallengeName="DEVICE_SRP_AUTH", Session=step2["Session"],
    ChallengeResponses={"USERNAME": "alice", "DEVICE_KEY": meta["DeviceKey"], "SRP_A": params["SRP_A"],
                        "SECRET_HASH": dev.get_secret_hash("alice", cid, secret)})
done = admin.respond_to_auth_challenge(ClientId=cid, ChallengeName="DEVICE_PASSWORD_VERIFIER",
                                       Session=step3["Session"],
                                       ChallengeResponses=dev.process_device_challenge(step3["ChallengeParameters"]))
access = done["AuthenticationResult"]["AccessToken"]
u = cognito(pool, cid, secret, "alice", access_token=access, id_token=done["AuthenticationResult"]["IdToken"])
u.verify_tokens()
check(u.access_claims.get("device_key") == meta["DeviceKey"],
      "DEVICE_PASSWORD_VERIFIER with pycognito's device proof: tokens carry device_key")
r = admin.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=cid, AuthParameters={
    "REFRESH_TOKEN": tokens["AuthenticationResult"]["RefreshToken"], "DEVICE_KEY": meta["DeviceKey"],
    "SECRET_HASH": dev.get_secret_hash("alice", cid, secret)})
check("AccessToken" in r["AuthenticationResult"], "refresh with DEVICE_KEY accepted")
print("all pycognito interop checks passed")
