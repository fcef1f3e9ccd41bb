"""Drives authlib's OAuth 2.0 / OIDC client (a client nobody here wrote) against a running emulator.

Usage: python authlib_interop.py CONFIG.json
Run by `cargo xtask interop`, in a venv built from authlib/requirements.txt. The xtask provisions
the pool (a domain, a resource server, a public code-flow client, a confidential machine-to-machine
client, a user) through the admin API and writes CONFIG.json:

  {"discovery": ".../<pool>/.well-known/openid-configuration", "issuer": ...,
   "code": {"client_id", "redirect_uri", "scope", "username", "password"},
   "m2m": {"client_id", "client_secret", "scope"}}

Flows (one `RESULT {"flow", "status", "detail"}` line each, exit status 1 when one fails):
- oauth_code_pkce: the authorization code flow with PKCE (S256), state and nonce, as a web app
  does it: authlib builds the authorize URL; a requests session plays the browser (GET the
  authorize URL, follow to the managed sign-in page, read its hidden inputs such as `_csrf`, POST
  username and password, take the `code` from the 302 Location); authlib's `fetch_token` redeems
  it with the code_verifier; the tokens are verified with authlib's JOSE against the pool's JWKS
  (signature, iss, aud / client_id, nonce, at_hash, token_use); the code cannot be used twice.
- client_credentials: machine-to-machine tokens with HTTP Basic and with client_secret_post
  client authentication, verified the same way (iss, client_id, scope, token_use); a tampered
  signature and a wrong secret are refused.
"""
import base64
import json
import sys
import time
import traceback
import warnings
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlparse

import requests

# authlib 1.x marks authlib.jose deprecated in favour of joserfc (its own successor, installed
# with it); it works unchanged until authlib 2.0, and it is the API a 1.x user has.
warnings.filterwarnings("ignore", message=".*authlib.jose module is deprecated.*")
from authlib.integrations.base_client.errors import OAuthError  # noqa: E402
from authlib.integrations.requests_client import OAuth2Session  # noqa: E402
from authlib.common.security import generate_token  # noqa: E402
from authlib.jose import JsonWebKey, jwt  # noqa: E402
from authlib.jose.errors import BadSignatureError, JoseError  # noqa: E402
from authlib.oidc.core import CodeIDToken  # noqa: E402

with open(sys.argv[1], encoding="utf-8") as f:
    CFG = json.load(f)
TIMEOUT = 15


class CheckFailed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise CheckFailed(what)
    print(f"ok: {what}")


def discovery(*keys):
    doc = requests.get(CFG["discovery"], timeout=TIMEOUT).json()
    for key in ("token_endpoint", "jwks_uri", "issuer") + keys:
        check(key in doc, f"discovery lists {key}")
    check(doc["issuer"] == CFG["issuer"], "discovery issuer is the pool's")
    return doc


def key_set(doc):
    return JsonWebKey.import_key_set(requests.get(doc["jwks_uri"], timeout=TIMEOUT).json())


def verify_access(token, keys, client_id, scopes):
    claims = jwt.decode(token, keys, claims_options={
        "iss": {"essential": True, "value": CFG["issuer"]},
        "client_id": {"essential": True, "value": client_id},
        "token_use": {"essential": True, "value": "access"},
        "exp": {"essential": True},
    })
    claims.validate(now=int(time.time()), leeway=5)
    granted = set(claims["scope"].split())
    check(set(scopes) <= granted, f"access token scopes {sorted(granted)} include {sorted(scopes)}")
    return claims


class Forms(HTMLParser):
    """Every <form> of a page: its action, method, id and inputs (name -> value)."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action"), "method": (a.get("method") or "get").lower(),
                               "id": a.get("id"), "inputs": {}})
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1]["inputs"][a["name"]] = a.get("value") or ""


def signin_form(page_url, html):
    parser = Forms()
    parser.feed(html)
    forms = [f for f in parser.forms if "password" in f["inputs"]]
    if not forms:
        raise CheckFailed(f"no sign-in form (with a password field) at {page_url}")
    form = next((f for f in forms if f["id"] == "signin"), forms[0])
    return urljoin(page_url, form["action"] or page_url), form["inputs"]


def code_flow():
    doc = discovery("authorization_endpoint")
    c = CFG["code"]
    check("S256" in doc.get("code_challenge_methods_supported", []), "discovery: PKCE S256")
    client = OAuth2Session(c["client_id"], redirect_uri=c["redirect_uri"], scope=c["scope"],
                           code_challenge_method="S256", token_endpoint_auth_method="none")
    verifier = generate_token(64)
    nonce = generate_token(24)
    url, state = client.create_authorization_url(doc["authorization_endpoint"],
                                                 code_verifier=verifier, nonce=nonce)
    # The browser: authorize -> the sign-in page (cookies kept, e.g. XSRF-TOKEN).
    browser = requests.Session()
    page = browser.get(url, timeout=TIMEOUT)
    check(page.status_code == 200, f"the authorize URL leads to the sign-in page ({page.status_code})")
    action, inputs = signin_form(page.url, page.text)
    check("_csrf" in inputs and inputs["_csrf"], "the sign-in form has a _csrf hidden input")
    inputs.update({"username": c["username"], "password": c["password"]})
    answer = browser.post(action, data=inputs, allow_redirects=False, timeout=TIMEOUT)
    check(answer.status_code == 302, f"signing in answers a redirect ({answer.status_code})")
    location = answer.headers["Location"]
    check(location.startswith(c["redirect_uri"] + "?"), "the redirect goes to the redirect_uri")
    query = parse_qs(urlparse(location).query)
    check(query.get("state") == [state], "the redirect carries the state")
    check("code" in query, "the redirect carries a code")

    token = client.fetch_token(doc["token_endpoint"], authorization_response=location,
                               code_verifier=verifier, state=state)
    check(token.get("token_type", "").lower() == "bearer", "token_type Bearer")
    check("refresh_token" in token, "a refresh token")
    keys = key_set(doc)
    ident = jwt.decode(token["id_token"], keys, claims_cls=CodeIDToken, claims_options={
        "iss": {"essential": True, "value": CFG["issuer"]},
        "token_use": {"essential": True, "value": "id"},
    }, claims_params={"nonce": nonce, "client_id": c["client_id"],
                      "access_token": token["access_token"]})
    ident.validate(now=int(time.time()), leeway=5)
    check(ident["cognito:username"] == c["username"], "id token: cognito:username")
    check("at_hash" in ident, "id token: at_hash (checked against the access token)")
    verify_access(token["access_token"], keys, c["client_id"], ["openid"])

    # A code is single use.
    again = OAuth2Session(c["client_id"], redirect_uri=c["redirect_uri"],
                          token_endpoint_auth_method="none")
    try:
        again.fetch_token(doc["token_endpoint"], authorization_response=location,
                          code_verifier=verifier)
        raise CheckFailed("a used code was accepted again")
    except OAuthError as e:
        check(e.error == "invalid_grant", f"a used code is refused with invalid_grant ({e.error})")


def client_credentials():
    doc = discovery()
    m = CFG["m2m"]
    keys = key_set(doc)
    for method in ("client_secret_basic", "client_secret_post"):
        client = OAuth2Session(m["client_id"], m["client_secret"], scope=m["scope"],
                               token_endpoint_auth_method=method)
        token = client.fetch_token(doc["token_endpoint"], grant_type="client_credentials")
        check("id_token" not in token and "refresh_token" not in token,
              f"{method}: an access token only")
        claims = verify_access(token["access_token"], keys, m["client_id"], m["scope"].split())
        check(claims["sub"] == m["client_id"], f"{method}: sub is the client id")

    head, payload, sig = token["access_token"].split(".")
    raw = bytearray(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
    raw[0] ^= 1
    forged = ".".join([head, payload, base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")])
    try:
        jwt.decode(forged, keys)
        raise CheckFailed("a tampered signature verified")
    except BadSignatureError:
        check(True, "a tampered signature is refused")

    wrong = OAuth2Session(m["client_id"], "not-the-secret", scope=m["scope"])
    try:
        wrong.fetch_token(doc["token_endpoint"], grant_type="client_credentials")
        raise CheckFailed("a wrong secret got a token")
    except OAuthError as e:
        check(e.error == "invalid_client", f"a wrong secret: invalid_client ({e.error})")


FLOWS = {"oauth_code_pkce": code_flow, "client_credentials": client_credentials}


def main():
    failed = False
    for flow, fn in FLOWS.items():
        if len(sys.argv) > 2 and flow not in sys.argv[2:]:
            continue
        try:
            fn()
            result = {"flow": flow, "status": "pass"}
        except (CheckFailed, OAuthError, JoseError, requests.RequestException, KeyError,
                ValueError) as e:
            traceback.print_exc()
            failed = True
            result = {"flow": flow, "status": "fail", "detail": f"{type(e).__name__}: {e}"}
        print("RESULT " + json.dumps(result), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
