"""Drives pycognito 2024.5.1 and boto3 (botocore's SigV4) against a running emulator, flow by flow.

Usage: python pycognito_interop.py http://127.0.0.1:PORT [flow ...]
Run by `cargo xtask interop` and by tests/emulator/interop.rs, in a venv built from
interop/requirements.txt. Every flow provisions its own pool with boto3 and prints
`RESULT {"flow": ..., "status": "pass" | "fail" | "unsupported" | "peer-bug", "detail": ...}`;
the script exits non-zero when a flow fails. "peer-bug": pycognito's own implementation is wrong
(the detail says how), the emulator rejects it the way Cognito does, and the corrected flow built
from pycognito's primitives passes.
"""
import base64
import hashlib
import hmac
import json
import struct
import sys
import time
import traceback

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
ONLY = set(sys.argv[2:])
KW = {"endpoint_url": URL, "aws_access_key_id": "test", "aws_secret_access_key": "test"}
admin = boto3.client("cognito-idp", region_name="us-east-1", **KW)
PW = "Passw0rd!"


class CheckFailed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise CheckFailed(what)
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


def make_pool(name, devices=False, mfa="OFF", secret=True, **extra):
    kwargs = {"PoolName": name, "AutoVerifiedAttributes": ["email"], "MfaConfiguration": mfa, **extra}
    if devices:
        kwargs["DeviceConfiguration"] = {
            "ChallengeRequiredOnNewDevice": False,
            "DeviceOnlyRememberedOnUserPrompt": False,
        }
    pool = admin.create_user_pool(**kwargs)["UserPool"]["Id"]
    client = admin.create_user_pool_client(
        UserPoolId=pool,
        ClientName="py",
        GenerateSecret=secret,
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH",
                           "ALLOW_ADMIN_USER_PASSWORD_AUTH"],
    )["UserPoolClient"]
    return pool, client["ClientId"], client.get("ClientSecret")


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


def signed_in(pool, cid, secret, name, password=PW):
    u = cognito(pool, cid, secret, name)
    u.authenticate(password=password)
    return u


FLOWS = {}


def flow(name, unsupported=None):
    def register(fn):
        FLOWS[name] = (fn, unsupported)
        return fn
    return register


@flow("srp")
def srp():
    pool, cid, _ = make_pool("srp", secret=False)
    make_user(pool, "alice", PW)
    u = signed_in(pool, cid, None, "alice")
    check(u.access_claims["username"] == "alice", "SRP sign-in (public client), tokens verified")
    code, msg = error_of(lambda: cognito(pool, cid, None, "alice").authenticate(password="nope"))
    check(code == "NotAuthorizedException" and msg == "Incorrect username or password.", "wrong password rejected")


flow("password", "pycognito has no USER_PASSWORD_AUTH sign-in (admin_authenticate uses "
                 "ADMIN_USER_PASSWORD_AUTH; see admin operations)")(None)


@flow("secret_hash")
def secret_hash():
    pool, cid, secret = make_pool("secret")
    make_user(pool, "alice", PW)
    u = signed_in(pool, cid, secret, "alice")
    check(u.access_claims["username"] == "alice", "SRP sign-in with SECRET_HASH")
    code, msg = error_of(lambda: cognito(pool, cid, None, "alice").authenticate(password=PW))
    check(code == "NotAuthorizedException" and "SECRET_HASH" in msg, "missing SECRET_HASH rejected")
    code, msg = error_of(lambda: cognito(pool, cid, "not-the-secret", "alice").authenticate(password=PW))
    check(code == "NotAuthorizedException" and "secret hash" in msg, "wrong client secret rejected")


@flow("refresh")
def refresh():
    pool, cid, secret = make_pool("refresh")
    make_user(pool, "alice", PW)
    u = signed_in(pool, cid, secret, "alice")
    old_access = u.access_token
    u.renew_access_token()
    check(u.access_claims["token_use"] == "access" and u.access_token != old_access,
          "renew_access_token (REFRESH_TOKEN_AUTH with SECRET_HASH)")
    v = cognito(pool, cid, secret, "alice", refresh_token=u.refresh_token, access_token=u.access_token,
                id_token=u.id_token)
    v.renew_access_token()
    check(v.access_claims["username"] == "alice", "refresh from a stored refresh token")


@flow("new_password")
def new_password():
    pool, cid, secret = make_pool("newpw")
    make_user(pool, "nina")
    n = cognito(pool, cid, secret, "nina")
    check(raises(lambda: n.authenticate(password="Temp0rary!"), ForceChangePasswordException) is not None,
          "temporary password: NEW_PASSWORD_REQUIRED (ForceChangePasswordException)")
    n.new_password_challenge("Temp0rary!", "N3wPassw0rd!")
    check(n.access_claims["username"] == "nina", "new_password_challenge answers NEW_PASSWORD_REQUIRED")
    signed_in(pool, cid, secret, "nina", "N3wPassw0rd!")
    check(admin.admin_get_user(UserPoolId=pool, Username="nina")["UserStatus"] == "CONFIRMED",
          "new password works, user CONFIRMED")


@flow("totp")
def totp_flow():
    pool, cid, secret = make_pool("totp", mfa="OPTIONAL")
    make_user(pool, "bob", PW)
    b = signed_in(pool, cid, secret, "bob")
    check(b.access_claims["username"] == "bob", "OPTIONAL MFA, no method yet: tokens")
    totp_secret = b.associate_software_token()
    step = int(time.time()) // 30
    check(b.verify_software_token(totp(totp_secret, step), "phone"), "AssociateSoftwareToken + VerifySoftwareToken")
    b.set_user_mfa_preference(False, True, "SOFTWARE_TOKEN")
    b = cognito(pool, cid, secret, "bob")
    check(raises(lambda: b.authenticate(password=PW), SoftwareTokenMFAChallengeException) is not None,
          "sign-in asks SOFTWARE_TOKEN_MFA")
    good = totp(totp_secret, step + 1)
    code, _ = error_of(lambda: b.respond_to_software_token_mfa_challenge("000000" if good != "000000" else "111111"))
    check(code == "CodeMismatchException", "wrong TOTP code rejected")
    b.respond_to_software_token_mfa_challenge(good)
    check(b.access_claims["username"] == "bob", "SOFTWARE_TOKEN_MFA answered (code of the next step)")


@flow("sms_mfa")
def sms_mfa():
    pool, cid, secret = make_pool("sms", mfa="OPTIONAL")
    make_user(pool, "carol", PW, phone="+15555550100")
    admin.admin_set_user_mfa_preference(UserPoolId=pool, Username="carol",
                                        SMSMfaSettings={"Enabled": True, "PreferredMfa": True})
    c = cognito(pool, cid, secret, "carol")
    e = raises(lambda: c.authenticate(password=PW), SMSMFAChallengeException)
    check(e is not None, "sign-in asks SMS_MFA")
    check(e.get_tokens()["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"].endswith("0100"),
          "SMS_MFA challenge names the masked destination")
    sms = latest_code(pool, "carol")
    check(sms is not None and len(sms) == 6, "SMS code in the outbox (GET /_emulator/outbox)")
    c.respond_to_sms_mfa_challenge(sms)
    check(c.access_claims["username"] == "carol", "SMS_MFA answered with the outbox code")


flow("email_mfa", "pycognito handles no EMAIL_OTP challenge (AWSSRP.authenticate_user raises "
                  "NotImplementedError for it)")(None)


@flow("device")
def device():
    pool, cid, secret = make_pool("devices", devices=True)
    make_user(pool, "alice", PW)
    srp = AWSSRP(username="alice", password=PW, pool_id=pool, client_id=cid,
                 client=boto3.client("cognito-idp", region_name="us-east-1", **KW), client_secret=secret)
    tokens = srp.authenticate_user()
    meta = tokens["AuthenticationResult"]["NewDeviceMetadata"]
    # pycognito's AWSSRP.confirm_device posts to the hard-coded AWS endpoint, not the configured
    # one: not called (no traffic leaves 127.0.0.1). ConfirmDevice through boto3 instead, with the
    # verifier from pycognito's generate_hash_device.
    device_password, config = generate_hash_device(meta["DeviceGroupKey"], meta["DeviceKey"])
    r = admin.confirm_device(AccessToken=tokens["AuthenticationResult"]["AccessToken"], DeviceKey=meta["DeviceKey"],
                             DeviceSecretVerifierConfig=config, DeviceName="interop")
    check(r["UserConfirmationNecessary"] is False, "ConfirmDevice with pycognito's verifier")

    u = cognito(pool, cid, secret, "alice", refresh_token=tokens["AuthenticationResult"]["RefreshToken"])
    code, msg = error_of(u.renew_access_token)
    check(code == "NotAuthorizedException" and msg == "Invalid Refresh Token",
          "pycognito bug: refresh without DEVICE_KEY rejected")

    def device_srp():
        return AWSSRP(username="alice", password=PW, pool_id=pool, client_id=cid,
                      client=boto3.client("cognito-idp", region_name="us-east-1", **KW), client_secret=secret,
                      device_key=meta["DeviceKey"], device_group_key=meta["DeviceGroupKey"],
                      device_password=device_password)

    code, msg = error_of(device_srp().authenticate_user)
    check(code == "InvalidParameterException" and "Session" in msg,
          "pycognito bug: DEVICE_SRP_AUTH without Session rejected")

    # The same flow with the Session passed on, but (pycognito's other bug) no SECRET_HASH.
    dev = device_srp()
    params = dev.get_auth_params()
    first = admin.initiate_auth(AuthFlow="USER_SRP_AUTH", AuthParameters=params, ClientId=cid)
    step2 = admin.respond_to_auth_challenge(ClientId=cid, ChallengeName="PASSWORD_VERIFIER",
                                            ChallengeResponses=dev.process_challenge(first["ChallengeParameters"],
                                                                                     params))
    check(step2["ChallengeName"] == "DEVICE_SRP_AUTH", "known device: DEVICE_SRP_AUTH challenge")
    code, msg = error_of(lambda: admin.respond_to_auth_challenge(
        ClientId=cid, ChallengeName="DEVICE_SRP_AUTH", Session=step2["Session"],
        ChallengeResponses={"USERNAME": "alice", "DEVICE_KEY": meta["DeviceKey"], "SRP_A": params["SRP_A"]}))
    check(code == "NotAuthorizedException" and "SECRET_HASH" in msg,
          "pycognito bug: DEVICE_SRP_AUTH without SECRET_HASH rejected")

    # The corrected flow (Session and SECRET_HASH on every step) signs in with the device.
    dev = device_srp()
    params = dev.get_auth_params()
    first = admin.initiate_auth(AuthFlow="USER_SRP_AUTH", AuthParameters=params, ClientId=cid)
    step2 = admin.respond_to_auth_challenge(ClientId=cid, ChallengeName="PASSWORD_VERIFIER",
                                            ChallengeResponses=dev.process_challenge(first["ChallengeParameters"],
                                                                                     params))
    step3 = admin.respond_to_auth_challenge(
        ClientId=cid, ChallengeName="DEVICE_SRP_AUTH", Session=step2["Session"],
        ChallengeResponses={"USERNAME": "alice", "DEVICE_KEY": meta["DeviceKey"], "SRP_A": params["SRP_A"],
                            "SECRET_HASH": dev.get_secret_hash("alice", cid, secret)})
    done = admin.respond_to_auth_challenge(ClientId=cid, ChallengeName="DEVICE_PASSWORD_VERIFIER",
                                           Session=step3["Session"],
                                           ChallengeResponses=dev.process_device_challenge(
                                               step3["ChallengeParameters"]))
    access = done["AuthenticationResult"]["AccessToken"]
    u = cognito(pool, cid, secret, "alice", access_token=access, id_token=done["AuthenticationResult"]["IdToken"])
    u.verify_tokens()
    check(u.access_claims.get("device_key") == meta["DeviceKey"],
          "DEVICE_PASSWORD_VERIFIER with pycognito's device proof: tokens carry device_key")
    r = admin.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=cid, AuthParameters={
        "REFRESH_TOKEN": tokens["AuthenticationResult"]["RefreshToken"], "DEVICE_KEY": meta["DeviceKey"],
        "SECRET_HASH": dev.get_secret_hash("alice", cid, secret)})
    check("AccessToken" in r["AuthenticationResult"], "refresh with DEVICE_KEY accepted")
    return ("pycognito's AWSSRP.authenticate_user answers DEVICE_SRP_AUTH without Session and "
            "without SECRET_HASH, renew_access_token sends no DEVICE_KEY, and confirm_device / "
            "update_device_status post to the hard-coded AWS endpoint; the emulator rejects the "
            "first three as Cognito does, and the flow passes with pycognito's device proof "
            "(generate_hash_device, process_device_challenge) plus Session, SECRET_HASH and DEVICE_KEY")


flow("custom_auth", "pycognito has no CUSTOM_AUTH sign-in")(None)
flow("user_auth", "pycognito has no USER_AUTH (choice-based) sign-in")(None)


@flow("sign_up")
def sign_up():
    pool, cid, secret = make_pool("signup")
    # register's SECRET_HASH uses the constructor's username, not register's argument: give both.
    u = cognito(pool, cid, secret, "lee")
    u.set_base_attributes(email="lee@example.com")
    r = u.register("lee", PW)
    check(r["UserConfirmed"] is False, "register (SignUp with SECRET_HASH): not confirmed yet")
    code, _ = error_of(lambda: cognito(pool, cid, secret, "lee").authenticate(password=PW))
    check(code == "UserNotConfirmedException", "sign-in before confirmation refused")
    u.confirm_sign_up(latest_code(pool, "lee"), username="lee")
    signed_in(pool, cid, secret, "lee")
    check(admin.admin_get_user(UserPoolId=pool, Username="lee")["UserStatus"] == "CONFIRMED",
          "confirm_sign_up with the outbox code, then sign-in")


@flow("forgot_password")
def forgot_password():
    pool, cid, secret = make_pool("forgot")
    make_user(pool, "max", PW)
    u = cognito(pool, cid, secret, "max")
    u.initiate_forgot_password()
    u.confirm_forgot_password(latest_code(pool, "max"), "Res3tPassw0rd!")
    signed_in(pool, cid, secret, "max", "Res3tPassw0rd!")
    code, _ = error_of(lambda: cognito(pool, cid, secret, "max").authenticate(password=PW))
    check(code == "NotAuthorizedException", "initiate/confirm_forgot_password: new password works, old refused")


@flow("change_password")
def change_password():
    pool, cid, secret = make_pool("change")
    make_user(pool, "ned", PW)
    u = signed_in(pool, cid, secret, "ned")
    u.change_password(PW, "Chang3dPassw0rd!")
    signed_in(pool, cid, secret, "ned", "Chang3dPassw0rd!")
    code, _ = error_of(lambda: cognito(pool, cid, secret, "ned").authenticate(password=PW))
    check(code == "NotAuthorizedException", "change_password: new password works, old refused")


@flow("attributes")
def attributes():
    pool, cid, secret = make_pool("attrs")
    make_user(pool, "ola", PW)
    u = signed_in(pool, cid, secret, "ola")
    u.update_profile({"name": "Ola", "email": "ola@example.org"}, attr_map=None)
    me = u.get_user()
    check(me.name == "Ola" and me.email_verified is False, "update_profile; a changed email is unverified")
    u.validate_verification(latest_code(pool, "ola"), "email")
    u.send_verification("email")
    check(u.get_user().email_verified is True, "validate_verification (VerifyUserAttribute)")


@flow("global_sign_out")
def global_sign_out():
    pool, cid, secret = make_pool("gso")
    make_user(pool, "pia", PW)
    u = signed_in(pool, cid, secret, "pia")
    access, refresh_token = u.access_token, u.refresh_token
    u.logout()
    v = cognito(pool, cid, secret, "pia", refresh_token=refresh_token)
    code, _ = error_of(v.renew_access_token)
    check(code == "NotAuthorizedException", "logout (GlobalSignOut): the refresh token is refused")
    code, _ = error_of(lambda: admin.get_user(AccessToken=access))
    check(code == "NotAuthorizedException", "and the access token too")


@flow("revoke")
def revoke():
    pool, cid, secret = make_pool("revoke")
    make_user(pool, "quin", PW)
    u = signed_in(pool, cid, secret, "quin")
    # pycognito has no revoke method: boto3's RevokeToken, on pycognito's client.
    u.client.revoke_token(Token=u.refresh_token, ClientId=cid, ClientSecret=secret)
    code, _ = error_of(u.renew_access_token)
    check(code == "NotAuthorizedException", "RevokeToken (boto3): the refresh token is refused")
    return "pycognito has no revoke method: boto3's revoke_token on pycognito's client"


@flow("verify_jwt")
def verify_jwt():
    pool, cid, secret = make_pool("jwt")
    make_user(pool, "alice", PW)
    u = signed_in(pool, cid, secret, "alice")
    check(u.id_claims["iss"] == f"{URL}/{pool}", "issuer is the emulator URL + pool id")
    v = cognito(pool, cid, secret, "alice", id_token=u.id_token, access_token=u.access_token)
    v.verify_tokens()
    check(v.access_claims["sub"] == u.access_claims["sub"], "verify_tokens against the emulator's JWKS")
    head, body, sig = u.access_token.split(".")
    forged = Cognito(pool, cid, user_pool_region="us-east-1", username="alice", id_token=u.id_token,
                     access_token=f"{head}.{body}.{sig[:-6]}AAAAAA", boto3_client_kwargs=dict(KW))
    check(raises(forged.verify_tokens, TokenVerificationException) is not None,
          "verify_tokens rejects a forged signature")
    swapped = Cognito(pool, cid, user_pool_region="us-east-1", username="alice", id_token=u.access_token,
                      access_token=u.access_token, boto3_client_kwargs=dict(KW))
    check(raises(swapped.verify_tokens, TokenVerificationException) is not None,
          "verify_tokens rejects an access token as id token")


@flow("admin")
def admin_ops():
    bad = boto3.client("cognito-idp", region_name="us-east-1", endpoint_url=URL,
                       aws_access_key_id="test", aws_secret_access_key="wrong")
    code, _ = error_of(lambda: bad.list_user_pools(MaxResults=10))
    check(code == "InvalidSignatureException", "wrong secret key rejected (InvalidSignatureException)")
    pool, cid, secret = make_pool("admin")
    check(any(p["Id"] == pool for p in admin.list_user_pools(MaxResults=60)["UserPools"]),
          "ListUserPools signed by boto3 with test/test")
    make_user(pool, "alice", PW)
    make_user(pool, "nina", PW)
    u = signed_in(pool, cid, secret, "alice")
    admin.create_group(UserPoolId=pool, GroupName="admins", Description="Admins", Precedence=1)
    admin.create_group(UserPoolId=pool, GroupName="readers", Precedence=5)
    u.admin_add_user_to_group("alice", "admins")
    u.admin_add_user_to_group("alice", "readers")
    check(sorted(u.admin_list_groups_for_user("alice")) == ["admins", "readers"],
          "AdminAddUserToGroup / AdminListGroupsForUser")
    g = u.get_group("admins")
    check(g.group_name == "admins" and g.description == "Admins" and g.precedence == 1, "GetGroup")
    check(sorted(x.group_name for x in u.get_groups()) == ["admins", "readers"], "ListGroups")
    u.authenticate(password=PW)
    check(u.access_claims.get("cognito:groups") == ["admins", "readers"], "cognito:groups claim, by precedence")
    u.admin_remove_user_from_group("alice", "readers")
    check(admin.list_users_in_group(UserPoolId=pool, GroupName="readers")["Users"] == [],
          "AdminRemoveUserFromGroup / ListUsersInGroup")
    au = cognito(pool, cid, secret, "alice").admin_get_user()
    check(au.email == "alice@example.com" and au.user_status == "CONFIRMED", "AdminGetUser")
    check(sorted(x.username for x in u.get_users()) == ["alice", "nina"], "ListUsers")
    u.admin_disable_user("nina")
    code, msg = error_of(lambda: cognito(pool, cid, secret, "nina").authenticate(password=PW))
    check(code == "NotAuthorizedException" and msg == "User is disabled.", "AdminDisableUser: sign-in refused")
    u.admin_enable_user("nina")
    a = cognito(pool, cid, secret, "nina")
    a.admin_authenticate(PW)
    check(a.access_claims["username"] == "nina", "admin_authenticate (ADMIN_USER_PASSWORD_AUTH)")
    cognito(pool, cid, secret, "nina").admin_delete_user()
    code, _ = error_of(lambda: admin.admin_get_user(UserPoolId=pool, Username="nina"))
    check(code == "UserNotFoundException", "AdminDeleteUser")


def result(name, status, detail=""):
    print("RESULT " + json.dumps({"flow": name, "status": status, "detail": detail}), flush=True)


failed = 0
for name, (fn, unsupported) in FLOWS.items():
    if ONLY and name not in ONLY:
        continue
    if fn is None:
        result(name, "unsupported", unsupported)
        continue
    print(f"--- {name}", flush=True)
    try:
        note = fn()
    except CheckFailed as e:
        failed += 1
        result(name, "fail", f"check failed: {e}")
    except Exception as e:  # noqa: BLE001 - any error fails this flow, not the run
        failed += 1
        traceback.print_exc()
        result(name, "fail", f"{type(e).__name__}: {e}")
    else:
        if name == "device":
            result(name, "peer-bug", note)
        else:
            result(name, "pass")
if failed:
    print(f"FAIL: {failed} pycognito flow(s) failed")
    sys.exit(1)
print("all pycognito interop checks passed")
