"""A real OpenID Connect provider for the tests, built on Authlib's authorization server.

It runs as a small WSGI app in a thread on 127.0.0.1 (a free port) and speaks the protocol
for real: discovery, JWKS, an authorization endpoint that signs in `provider.user` without
asking (the person whose claims a test sets), and a token endpoint that checks the client
secret and the PKCE verifier and signs the ID token with an RS256 key made at start.

Two clients are registered: the web app (`CLIENT_ID`, confidential) and a mobile app
(`MOBILE_CLIENT_ID`, public, PKCE only) whose ID tokens `/api/v1/auth/oidc` exchanges.

A test can make the provider misbehave the way a broken or hostile one would:
`provider.misbehave = "expired" | "foreign_key" | "wrong_nonce"`.
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import parse_qsl, urlencode, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import requests
from authlib.common.security import generate_token
from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Request
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "time-tracker-web"
CLIENT_SECRET = "web-client-secret-8f3a9c71d2e4b605"
MOBILE_CLIENT_ID = "time-tracker-mobile"
KEY_ID = "provider-key-1"
MOBILE_REDIRECT_URI = "http://127.0.0.1/mobile-callback"


@cache
def _signing_keys() -> tuple[RSAKey, RSAKey]:
    """Made once per test run: RSA key generation is the slow part of starting a provider."""
    parameters = {"kid": KEY_ID, "use": "sig", "alg": "RS256"}
    return RSAKey.generate_key(2048, parameters=parameters), RSAKey.generate_key(2048, parameters=parameters)


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    auth_method: str

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope):
        return scope

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return bool(self.client_secret) and secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method == self.auth_method

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    claims: dict
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return None


class _Request(OAuth2Request):
    def __init__(self, method: str, uri: str, headers: dict, data: dict):
        super().__init__(method, uri, headers=headers)
        self.payload = BasicOAuth2Payload(data)
        self._data = data

    @property
    def args(self):
        return self._data if self.method == "GET" else {}

    @property
    def form(self):
        return self._data if self.method == "POST" else {}


class _CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def save_authorization_code(self, code, request):
        provider, data = self.server.provider, request.payload.data
        nonce = "not-the-nonce-you-sent" if provider.misbehave == "wrong_nonce" else data.get("nonce")
        provider.codes[code] = AuthorizationCode(
            code=code,
            client_id=request.client.client_id,
            redirect_uri=data.get("redirect_uri"),
            scope=data.get("scope"),
            claims=dict(provider.user),
            nonce=nonce,
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
        )

    def query_authorization_code(self, code, client):
        found = self.server.provider.codes.get(code)
        return found if found is not None and found.client_id == client.client_id else None

    def delete_authorization_code(self, authorization_code):
        self.server.provider.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code):
        return authorization_code.claims


class _OpenIDCode(OpenIDCode):
    def __init__(self, provider: "OpenIDProvider"):
        super().__init__(require_nonce=True)
        self.provider = provider

    def exists_nonce(self, nonce, request):
        return any(code.nonce == nonce for code in self.provider.codes.values())

    def resolve_client_private_key(self, client):
        return self.provider.foreign_key if self.provider.misbehave == "foreign_key" else self.provider.key

    def get_client_claims(self, client):
        return self.provider.time_claims(client.client_id)

    def get_encode_header(self, client):
        return {"alg": "RS256", "kid": self.provider.key.kid}

    def generate_user_info(self, user, scope):
        return UserInfo(user)


class _Server(AuthorizationServer):
    def __init__(self, provider: "OpenIDProvider"):
        super().__init__(scopes_supported=["openid", "email", "profile", "groups"])
        self.provider = provider
        self.register_token_generator("default", BearerTokenGenerator(lambda **_: generate_token(40)))
        self.register_grant(_CodeGrant, [CodeChallenge(required=True), _OpenIDCode(provider)])

    def query_client(self, client_id):
        return self.provider.clients.get(client_id)

    def save_token(self, token, request):
        return None

    def create_oauth2_request(self, request):
        return request

    def handle_response(self, status, body, headers):
        return status, body, headers

    def send_signal(self, name, *args, **kwargs):
        return None


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # request lines carry codes and states: not in the test logs
        return None


class OpenIDProvider:
    """The provider; `start()` it, point the settings at `issuer`, `stop()` it."""

    def __init__(self):
        # Same key id, another key: what a forger who copied the header would sign with.
        self.key, self.foreign_key = _signing_keys()
        self.codes: dict[str, AuthorizationCode] = {}
        self.user: dict = {}
        self.misbehave: str | None = None
        self.authorize_requests: list[dict] = []
        self.paths: list[str] = []  # every path asked for, in order
        self.issued: list[str] = []  # every ID and access token handed out, to look for in logs
        self.server = _Server(self)
        self._httpd: WSGIServer | None = None

    # --- life cycle -------------------------------------------------------------------------

    def start(self, redirect_uri: str) -> "OpenIDProvider":
        self._httpd = make_server("127.0.0.1", 0, self.wsgi, handler_class=_QuietHandler)
        self.issuer = f"http://127.0.0.1:{self._httpd.server_port}"
        self.clients = {
            CLIENT_ID: Client(CLIENT_ID, CLIENT_SECRET, [redirect_uri], "client_secret_basic"),
            MOBILE_CLIENT_ID: Client(MOBILE_CLIENT_ID, "", [MOBILE_REDIRECT_URI], "none"),
        }
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # --- what tests use ----------------------------------------------------------------------

    def time_claims(self, audience: str) -> dict:
        now = int(time.time())
        if self.misbehave == "expired":
            return {"iss": self.issuer, "aud": [audience], "iat": now - 7200, "exp": now - 3600}
        return {"iss": self.issuer, "aud": [audience], "iat": now, "exp": now + 300}

    def mint_id_token(self, *, audience: str = MOBILE_CLIENT_ID, key=None, **claims) -> str:
        """An ID token for `self.user` signed outside any flow (for forged or odd tokens)."""
        payload = {**self.time_claims(audience), **self.user, **claims}
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, payload, key or self.key)

    def rotate_key(self) -> None:
        """Sign with a new key under a new key id from now on (and publish only that one)."""
        self.key = RSAKey.generate_key(2048, parameters={"kid": "provider-key-2", "use": "sig", "alg": "RS256"})

    def mobile_sign_in(self) -> str:
        """What a mobile app does: the code flow with PKCE as a public client, then the ID
        token from the token endpoint."""
        verifier = generate_token(64)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        query = {
            "response_type": "code",
            "client_id": MOBILE_CLIENT_ID,
            "redirect_uri": MOBILE_REDIRECT_URI,
            "scope": "openid email profile",
            "state": generate_token(16),
            "nonce": generate_token(16),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        redirect = requests.get(f"{self.issuer}/authorize", params=query, allow_redirects=False, timeout=5)
        code = dict(parse_qsl(urlsplit(redirect.headers["Location"]).query))["code"]
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": MOBILE_REDIRECT_URI,
            "client_id": MOBILE_CLIENT_ID,
            "code_verifier": verifier,
        }
        return requests.post(f"{self.issuer}/token", data=form, timeout=5).json()["id_token"]

    # --- the HTTP side ------------------------------------------------------------------------

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "scopes_supported": ["openid", "email", "profile", "groups"],
        }

    def _authorize(self, request: _Request):
        self.authorize_requests.append(dict(request.payload.data))
        if not request.payload.data.get("code_challenge"):
            return 400, {"error": "invalid_request", "error_description": "PKCE is required"}, []
        grant = self.server.get_consent_grant(request, end_user=self.user)
        return self.server.create_authorization_response(request, grant_user=self.user, grant=grant)

    def _token(self, request: _Request):
        status, body, headers = self.server.create_token_response(request)
        self.issued += [body[name] for name in ("id_token", "access_token") if name in body]
        return status, body, headers

    def wsgi(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        self.paths.append(path)
        if method == "POST":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)).decode()
            data = dict(parse_qsl(body))
        else:
            data = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        headers = {
            name[5:].replace("_", "-").title(): value for name, value in environ.items() if name.startswith("HTTP_")
        }
        headers["Content-Type"] = environ.get("CONTENT_TYPE", "")
        uri = f"{self.issuer}{path}?{urlencode(data)}"
        routes = {
            ("GET", "/.well-known/openid-configuration"): lambda _: (200, self.discovery(), []),
            ("GET", "/jwks"): lambda _: (200, {"keys": [self.key.as_dict(private=False)]}, []),
            ("GET", "/authorize"): self._authorize,
            ("POST", "/token"): self._token,
        }
        handler = routes.get((method, path))
        status, body, extra = handler(_Request(method, uri, headers, data)) if handler else (404, {}, [])
        payload = body if isinstance(body, str) else json.dumps(body)
        response_headers = [("Content-Type", "application/json"), *[(k, v) for k, v in extra if k != "Content-Type"]]
        start_response(f"{status} {'OK' if status < 400 else 'Error'}", response_headers)
        return [payload.encode()]
