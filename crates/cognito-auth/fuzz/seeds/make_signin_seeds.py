#!/usr/bin/env python3
"""Writes the seed corpus of the signin_sequences fuzz target: realistic Cognito response
sequences for each flow, in the target's layout (byte 0 selects the flow, bit 7 a remembered
device; then chunks separated by 0xff, each a kind byte (0 InitiateAuth, 1
RespondToAuthChallenge, 2 AdminInitiateAuth, 3 AdminRespondToAuthChallenge, 4
AssociateSoftwareToken, 5 VerifySoftwareToken, 6-7 an answer) and a JSON body, or for an answer
a byte picking its kind (0 Code, 1 TotpSetupCode, 2 NewPassword, 3 SetUpTotp, 4 SetUpEmail,
5 Choose, 6 FirstFactor by text length mod 5, 7 Custom, 8 WebAuthnCredential) and its text).
SRP values come from crates/srp-core/tests/data/srp-vectors.json, so the claims are really computed."""
import json, os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "signin_sequences")
VECTORS = os.path.join(HERE, "..", "..", "..", "srp-core", "tests", "data", "srp-vectors.json")

cases = json.load(open(VECTORS))["cases"]
pv = next(c for c in cases if c["kind"] == "password_verifier")
dv = next((c for c in cases if c["kind"] == "device_password_verifier"), pv)
SESSION = "AYABeFuzzSessionAYABeFuzzSession"
TOKENS = {"AccessToken": "a.b.c", "IdToken": "a.b.c", "RefreshToken": "r", "ExpiresIn": 3600,
          "TokenType": "Bearer"}


def challenge(name, params=None, session=SESSION):
    out = {"ChallengeName": name, "ChallengeParameters": params or {}}
    if session:
        out["Session"] = session
    return out


VERIFIER = challenge("PASSWORD_VERIFIER", {
    "SALT": pv["SALT"], "SRP_B": pv["SRP_B"], "SECRET_BLOCK": pv["SECRET_BLOCK"],
    "USERNAME": "user", "USER_ID_FOR_SRP": pv["USER_ID_FOR_SRP"]}, session=None)
DEVICE_SRP = challenge("DEVICE_SRP_AUTH", {"USERNAME": "user"})
DEVICE_VERIFIER = challenge("DEVICE_PASSWORD_VERIFIER", {
    "SALT": dv["SALT"], "SRP_B": dv["SRP_B"], "SECRET_BLOCK": dv["SECRET_BLOCK"],
    "USERNAME": "user", "DEVICE_KEY": "us-east-1_dev"})
DONE = {"AuthenticationResult": TOKENS}
DONE_NEW_DEVICE = {"AuthenticationResult": dict(TOKENS, NewDeviceMetadata={
    "DeviceKey": "us-east-1_new", "DeviceGroupKey": "-grp2"})}


def resp(kind, body):
    return bytes([kind]) + json.dumps(body).encode()


CODE, TOTP_SETUP_CODE, NEW_PASSWORD, SET_UP_TOTP, SET_UP_EMAIL, CHOOSE, FIRST_FACTOR, CUSTOM = range(8)


def answer(kind, text=""):
    return bytes([6, kind]) + text.encode()


SEEDS = {
    "srp_done": (0, [resp(0, VERIFIER), resp(1, DONE)]),
    "srp_totp": (0, [resp(0, VERIFIER), resp(1, challenge("SOFTWARE_TOKEN_MFA", {"USERNAME": "user"})),
                     answer(CODE, "123456"), resp(1, DONE_NEW_DEVICE)]),
    "srp_sms": (0, [resp(0, VERIFIER), resp(1, challenge("SMS_MFA", {
        "CODE_DELIVERY_DELIVERY_MEDIUM": "SMS", "CODE_DELIVERY_DESTINATION": "+*******0100"})),
        answer(CODE, "123456"), resp(1, DONE)]),
    "srp_select_mfa": (0, [resp(0, VERIFIER), resp(1, challenge("SELECT_MFA_TYPE", {
        "MFAS_CAN_CHOOSE": "[\"SMS_MFA\",\"SOFTWARE_TOKEN_MFA\"]"})), answer(CHOOSE, "SOFTWARE_TOKEN_MFA"),
        resp(1, challenge("SOFTWARE_TOKEN_MFA")), answer(CODE, "123456"), resp(1, DONE)]),
    "srp_mfa_setup": (0, [resp(0, VERIFIER), resp(1, challenge("MFA_SETUP", {
        "MFAS_CAN_SETUP": "[\"SOFTWARE_TOKEN_MFA\"]"})), answer(SET_UP_TOTP),
        resp(4, {"SecretCode": "JBSWY3DPEHPK3PXP", "Session": SESSION}), answer(TOTP_SETUP_CODE, "123456"),
        resp(5, {"Status": "SUCCESS", "Session": SESSION}), resp(1, DONE)]),
    "srp_new_password": (0, [resp(0, VERIFIER), resp(1, challenge("NEW_PASSWORD_REQUIRED", {
        "userAttributes": "{\"email\":\"u@example.com\"}", "requiredAttributes": "[\"userAttributes.name\"]"})),
        answer(NEW_PASSWORD, "New-Passw0rd!"), resp(1, DONE)]),
    "device_srp": (0x82, [resp(0, VERIFIER), resp(1, DEVICE_SRP), resp(1, DEVICE_VERIFIER), resp(1, DONE)]),
    "password_email_otp": (1, [resp(0, challenge("EMAIL_OTP", {
        "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": "u***@e***"})),
        answer(CODE, "12345678"), resp(1, DONE)]),
    "custom_srp": (2, [resp(0, VERIFIER), resp(1, challenge("CUSTOM_CHALLENGE", {"question": "2+2?"})),
                       answer(CUSTOM, "4"), resp(1, DONE)]),
    "user_auth_select": (3, [resp(0, dict(challenge("SELECT_CHALLENGE"),
                                          AvailableChallenges=["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"])),
                             answer(FIRST_FACTOR, "x"), resp(1, VERIFIER), resp(1, DONE)]),
    "email_mfa_setup": (0, [resp(0, VERIFIER), resp(1, challenge("MFA_SETUP", {
        "MFAS_CAN_SETUP": "[\"SOFTWARE_TOKEN_MFA\",\"EMAIL_OTP\"]"})), answer(SET_UP_EMAIL, "u@example.com"),
        resp(1, challenge("EMAIL_OTP")), answer(CODE, "12345678"), resp(1, DONE)]),
    "admin_srp": (4, [resp(2, VERIFIER), resp(3, challenge("SOFTWARE_TOKEN_MFA")), answer(CODE, "123456"),
                      resp(3, DONE)]),
    "admin_srp_device": (0x81, [resp(2, VERIFIER), resp(3, DEVICE_SRP), resp(3, DEVICE_VERIFIER),
                                resp(3, DONE_NEW_DEVICE)]),
}

os.makedirs(OUT, exist_ok=True)
for name, (selector, chunks) in SEEDS.items():
    data = bytes([selector]) + b"\xff".join(chunks)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
print(f"{len(SEEDS)} seeds in {OUT}")
