#!/usr/bin/env python3
"""Writes the seed corpus of the emulator_request fuzz target (text requests, see Harness::run)."""
import json, os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "emulator_request")
SEP = "\n=====\n"


def req(op, body, signed=False, extra=""):
    head = "POST /\nx-amz-target: AWSCognitoIdentityProviderService.%s\ncontent-type: application/x-amz-json-1.1\n" % op
    if signed:
        head += "x-fuzz-sign: 1\n"
    return head + extra + "\n" + json.dumps(body)


def pw(user, client="$CLIENT", extra=None):
    p = {"USERNAME": user, "PASSWORD": "Passw0rd!"}
    p.update(extra or {})
    return req("InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client, "AuthParameters": p})


def respond(name, responses, client="$CLIENT"):
    return req("RespondToAuthChallenge", {"ChallengeName": name, "ClientId": client, "Session": "$SESSION",
                                          "ChallengeResponses": responses})


POOL = "$POOL"
# The managed login of the pool's domain (Harness: domain fuzz-domain, callback below): the
# pages' forms carry `_csrf`, equal to the XSRF-TOKEN cookie.
AUTHZ = ("response_type=code&client_id=fuzzpublicclient&redirect_uri=http%3A%2F%2Flocalhost%3A8765%2Fcallback"
         "&state=s&nonce=n&scope=openid+email&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
         "&code_challenge_method=S256")
CSRF = "fuzzcsrftokenfuzzcsrftokenfuzzcsrftoken0123"
FORM = "content-type: application/x-www-form-urlencoded\n"


def page(path, body):
    return ("POST /_domain/fuzz-domain/%s?%s\ncookie: XSRF-TOKEN=%s\n%s\n_csrf=%s&%s"
            % (path, AUTHZ, CSRF, FORM, CSRF, body))


def domain_post(path, body, extra=""):
    return "POST /_domain/fuzz-domain/%s\n%s%s\n%s" % (path, extra, FORM, body)


seeds = {
    "password_auth": pw("alice"),
    "password_auth_secret": pw("alice", "$CCLIENT", {"SECRET_HASH": "$SECRET_HASH"}),
    "srp_start": req("InitiateAuth", {"AuthFlow": "USER_SRP_AUTH", "ClientId": "$CLIENT",
                                      "AuthParameters": {"USERNAME": "alice", "SRP_A": "ab" * 384}}),
    "srp_answer": req("InitiateAuth", {"AuthFlow": "USER_SRP_AUTH", "ClientId": "$CLIENT",
                                       "AuthParameters": {"USERNAME": "alice", "SRP_A": "ab" * 384}})
    + SEP + respond("PASSWORD_VERIFIER", {"USERNAME": "alice", "PASSWORD_CLAIM_SECRET_BLOCK": "$SESSION",
                                          "PASSWORD_CLAIM_SIGNATURE": "AAAA", "TIMESTAMP": "Sun Jun 15 15:06:40 UTC 2025"}),
    "totp_mfa": pw("bob") + SEP + respond("SOFTWARE_TOKEN_MFA", {"USERNAME": "bob", "SOFTWARE_TOKEN_MFA_CODE": "$TOTP"}),
    "sms_mfa": pw("dave") + SEP + respond("SMS_MFA", {"USERNAME": "dave", "SMS_MFA_CODE": "$CODE"}),
    "email_mfa": pw("erin") + SEP + respond("EMAIL_OTP", {"USERNAME": "erin", "EMAIL_OTP_CODE": "$CODE"}),
    "new_password": pw("carol") + SEP + respond("NEW_PASSWORD_REQUIRED", {"USERNAME": "carol", "NEW_PASSWORD": "N3w-Passw0rd!"}),
    "user_auth": req("InitiateAuth", {"AuthFlow": "USER_AUTH", "ClientId": "$CLIENT", "AuthParameters": {"USERNAME": "erin"}})
    + SEP + respond("SELECT_CHALLENGE", {"USERNAME": "erin", "ANSWER": "EMAIL_OTP"})
    + SEP + respond("EMAIL_OTP", {"USERNAME": "erin", "EMAIL_OTP_CODE": "$CODE"}),
    "custom_auth": req("InitiateAuth", {"AuthFlow": "CUSTOM_AUTH", "ClientId": "$CLIENT",
                                        "AuthParameters": {"USERNAME": "alice", "CHALLENGE_NAME": "SRP_A", "SRP_A": "02"}}),
    "refresh": req("InitiateAuth", {"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": "$CLIENT",
                                    "AuthParameters": {"REFRESH_TOKEN": "$REFRESH",
                                                      "DEVICE_KEY": "us-east-1_95098f67-c678-4e2d-aa33-d1a60ef0a2d4"}}),
    "tokens_from_refresh": req("GetTokensFromRefreshToken", {"RefreshToken": "$REFRESH", "ClientId": "$CLIENT"}),
    "get_user": req("GetUser", {"AccessToken": "$ACCESS"}),
    "update_attrs": req("UpdateUserAttributes", {"AccessToken": "$ACCESS", "UserAttributes": [
        {"Name": "email", "Value": "new@example.com"}, {"Name": "custom:x", "Value": "1"}]})
    + SEP + req("VerifyUserAttribute", {"AccessToken": "$ACCESS", "AttributeName": "email", "Code": "$CODE"}),
    "change_password": req("ChangePassword", {"AccessToken": "$ACCESS", "PreviousPassword": "Passw0rd!",
                                              "ProposedPassword": "An0ther-Passw0rd"}),
    "totp_setup": req("AssociateSoftwareToken", {"AccessToken": "$ACCESS"})
    + SEP + req("VerifySoftwareToken", {"AccessToken": "$ACCESS", "UserCode": "123456", "FriendlyDeviceName": "phone"}),
    "mfa_preference": req("SetUserMFAPreference", {"AccessToken": "$ACCESS",
                                                   "EmailMfaSettings": {"Enabled": True, "PreferredMfa": True}}),
    "devices": req("ConfirmDevice", {"AccessToken": "$ACCESS", "DeviceKey": "us-east-1_95098f67-c678-4e2d-aa33-d1a60ef0a2d4",
                                     "DeviceSecretVerifierConfig": {"PasswordVerifier": "AQID" * 128, "Salt": "AQIDBAUGBwgJCgsMDQ4PEA=="},
                                     "DeviceName": "d"})
    + SEP + req("ListDevices", {"AccessToken": "$ACCESS", "Limit": 10})
    + SEP + req("UpdateDeviceStatus", {"AccessToken": "$ACCESS", "DeviceKey": "us-east-1_95098f67-c678-4e2d-aa33-d1a60ef0a2d4",
                                       "DeviceRememberedStatus": "remembered"}),
    "global_sign_out": req("GlobalSignOut", {"AccessToken": "$ACCESS"}) + SEP + req("GetUser", {"AccessToken": "$ACCESS"}),
    "revoke": req("RevokeToken", {"Token": "$REFRESH", "ClientId": "$CLIENT"}),
    "sign_up": req("SignUp", {"ClientId": "$CLIENT", "Username": "frank", "Password": "Passw0rd!",
                              "UserAttributes": [{"Name": "email", "Value": "frank@example.com"}]})
    + SEP + req("ConfirmSignUp", {"ClientId": "$CLIENT", "Username": "frank", "ConfirmationCode": "$CODE"}),
    "forgot": req("ForgotPassword", {"ClientId": "$CLIENT", "Username": "alice"})
    + SEP + req("ConfirmForgotPassword", {"ClientId": "$CLIENT", "Username": "alice", "ConfirmationCode": "$CODE",
                                          "Password": "Passw0rd!2"}),
    "admin_create": req("AdminCreateUser", {"UserPoolId": POOL, "Username": "gina", "TemporaryPassword": "Passw0rd!",
                                            "UserAttributes": [{"Name": "email", "Value": "g@example.com"}],
                                            "MessageAction": "SUPPRESS"}, True)
    + SEP + req("AdminSetUserPassword", {"UserPoolId": POOL, "Username": "gina", "Password": "Passw0rd!", "Permanent": True}, True),
    "admin_auth": req("AdminInitiateAuth", {"UserPoolId": POOL, "ClientId": "$CLIENT", "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                                            "AuthParameters": {"USERNAME": "bob", "PASSWORD": "Passw0rd!"}}, True)
    + SEP + req("AdminRespondToAuthChallenge", {"UserPoolId": POOL, "ClientId": "$CLIENT", "ChallengeName": "SOFTWARE_TOKEN_MFA",
                                                "Session": "$SESSION", "ChallengeResponses": {"USERNAME": "bob",
                                                "SOFTWARE_TOKEN_MFA_CODE": "$TOTP"}}, True),
    "admin_get": req("AdminGetUser", {"UserPoolId": POOL, "Username": "alice"}, True),
    "list_users": req("ListUsers", {"UserPoolId": POOL, "Filter": "email ^= \"a\"", "Limit": 2}, True),
    "groups": req("CreateGroup", {"UserPoolId": POOL, "GroupName": "g", "Precedence": 1}, True)
    + SEP + req("AdminAddUserToGroup", {"UserPoolId": POOL, "Username": "bob", "GroupName": "g"}, True)
    + SEP + req("ListUsersInGroup", {"UserPoolId": POOL, "GroupName": "g"}, True),
    "pool_admin": req("CreateUserPool", {"PoolName": "p2", "MfaConfiguration": "OFF"}, True)
    + SEP + req("ListUserPools", {"MaxResults": 10}, True)
    + SEP + req("DescribeUserPool", {"UserPoolId": POOL}, True),
    "mfa_config": req("SetUserPoolMfaConfig", {"UserPoolId": POOL, "MfaConfiguration": "ON",
                                               "SoftwareTokenMfaConfiguration": {"Enabled": True}}, True)
    + SEP + req("GetUserPoolMfaConfig", {"UserPoolId": POOL}, True),
    "client_admin": req("CreateUserPoolClient", {"UserPoolId": POOL, "ClientName": "c2", "GenerateSecret": True}, True)
    + SEP + req("ListUserPoolClients", {"UserPoolId": POOL}, True),
    "idp": req("CreateIdentityProvider", {"UserPoolId": POOL, "ProviderName": "Google", "ProviderType": "Google",
                                          "ProviderDetails": {"client_id": "x"}}, True),
    "bad_sigv4": req("AdminGetUser", {"UserPoolId": POOL, "Username": "alice"}, False,
                     "authorization: AWS4-HMAC-SHA256 Credential=test/20250615/us-east-1/cognito-idp/aws4_request, "
                     "SignedHeaders=host;x-amz-date, Signature=00\nx-amz-date: 20250615T150640Z\nhost: 127.0.0.1\n"),
    "jwks": "GET /$POOL/.well-known/jwks.json\n\n",
    "openid": "GET /$POOL/.well-known/openid-configuration\n\n",
    "outbox": pw("dave") + SEP + "GET /_emulator/outbox?pool_id=$POOL&username=dave\n\n",
    "unknown_target": "POST /\nx-amz-target: AWSCognitoIdentityProviderService.Nope\n\n{}",
    "no_target": "PUT /x\n\n{}",
    "oauth_authorize": "GET /_domain/fuzz-domain/oauth2/authorize?%s\n\n" % AUTHZ
    + SEP + "GET /_domain/fuzz-domain/login?%s\n\n" % AUTHZ,
    "oauth_login": page("login", "username=bob&password=Passw0rd%21")
    + SEP + page("login", "username=bob&challenge=SOFTWARE_TOKEN_MFA&session=$SESSION&code=$TOTP"),
    "oauth_signup": page("signup", "username=zed&email=zed%40example.com&password=Passw0rd%21")
    + SEP + page("confirm", "username=zed&code=$CODE"),
    "oauth_token": domain_post("oauth2/token", "grant_type=authorization_code&client_id=fuzzpublicclient"
                               "&code=00000000-0000-4000-8000-000000000000"
                               "&redirect_uri=http%3A%2F%2Flocalhost%3A8765%2Fcallback"
                               "&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
    + SEP + domain_post("oauth2/token", "grant_type=refresh_token&client_id=fuzzpublicclient&refresh_token=$REFRESH")
    + SEP + domain_post("oauth2/token", "grant_type=client_credentials",
                        "authorization: Basic ZnV6emNvbmZpZGVudGlhbGNsaWVudDpmdXp6Y2xpZW50c2VjcmV0MDEyMzQ1Njc4OQ==\n"),
    "oauth_userinfo_revoke_logout": "GET /_domain/fuzz-domain/oauth2/userInfo\nauthorization: Bearer $ACCESS\n\n"
    + SEP + domain_post("oauth2/revoke", "token=$REFRESH&client_id=fuzzpublicclient")
    + SEP + "GET /_domain/fuzz-domain/logout?client_id=fuzzpublicclient"
            "&logout_uri=http%3A%2F%2Flocalhost%3A8765%2Fcallback\n\n",
}
os.makedirs(OUT, exist_ok=True)
for name, text in seeds.items():
    with open(os.path.join(OUT, name), "w") as f:
        f.write(text)
print(len(seeds), "seeds in", OUT)
