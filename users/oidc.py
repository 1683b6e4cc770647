"""The OpenID Connect relying party, on Authlib's client.

Authlib reads the provider's `/.well-known/openid-configuration` once per process (and the
JWKS it names, again only when a token names a key it does not know), sends the
authorization code request with state, nonce and PKCE (S256), and checks on the way back the
state, the code exchange and the ID token: signature against the JWKS, issuer, audience,
expiry, nonce. This module adds what the library leaves to us: the configuration from the
settings, the issuer of the discovery document, and one error per failure, none of which
carries a token or a secret.
"""

from functools import lru_cache

import requests
from authlib.integrations.django_client import OAuth, OAuthError
from authlib.integrations.django_client.apps import DjangoOAuth2App
from authlib.oidc.core import CodeIDToken
from django.conf import settings
from django.utils.translation import gettext
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from core.errors import DomainValidationError, ServiceUnavailable, Unauthenticated

# Clocks of the provider and this server may disagree by this many seconds.
CLOCK_SKEW_SECONDS = 30
RETRY_AFTER_SECONDS = 30


def oidc_ensure_enabled() -> None:
    if not settings.OIDC_ENABLED:
        raise DomainValidationError(
            gettext("Single sign-on is off here (OIDC_ISSUER is not set)."), code="sso_disabled"
        )


@lru_cache(maxsize=4)
def _client_for(issuer: str, client_id: str, client_secret: str, scopes: str) -> DjangoOAuth2App:
    return OAuth().register(
        name="oidc",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": scopes, "code_challenge_method": "S256", "default_timeout": settings.OIDC_TIMEOUT},
    )


def _client() -> DjangoOAuth2App:
    oidc_ensure_enabled()
    client = _client_for(
        settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET, settings.OIDC_SCOPES
    )
    try:
        issuer = client.load_server_metadata().get("issuer", "").rstrip("/")
    except (requests.RequestException, ValueError) as error:
        raise _unavailable() from error
    if issuer != settings.OIDC_ISSUER:  # OpenID Connect Discovery 1.0, §4.3
        raise ServiceUnavailable(
            "The single sign-on provider names another issuer than OIDC_ISSUER.",
            retry_after=RETRY_AFTER_SECONDS,
            code="sso_misconfigured",
        )
    return client


def _unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(
        "The single sign-on provider cannot be reached; try again in a moment.",
        retry_after=RETRY_AFTER_SECONDS,
        code="sso_unavailable",
    )


def sso_login_context(request) -> dict:
    """What the login page shows: the single sign-on button when it is configured, and the
    password form unless `OIDC_ONLY` hides it (`?local=1` shows it to break-glass admins,
    the only ones whose password is then accepted)."""
    return {
        "sso_enabled": settings.OIDC_ENABLED,
        "sso_name": settings.OIDC_PROVIDER_NAME,
        "sso_local": settings.OIDC_ONLY and request.GET.get("local") == "1",
        "password_form_shown": not settings.OIDC_ONLY or request.GET.get("local") == "1",
    }


def _claims_options(audiences: list[str]) -> dict:
    return {
        "iss": {"essential": True, "value": settings.OIDC_ISSUER},
        "aud": {"essential": True, "values": audiences},
        "sub": {"essential": True},
        "exp": {"essential": True},
        "iat": {"essential": True},
    }


def _invalid_id_token(error: JoseError) -> Unauthenticated:
    return Unauthenticated(f"The ID token was refused: {error.error}.", code="oidc_id_token_invalid")


def oidc_authorize_redirect(request, *, redirect_uri: str):
    """The redirect to the provider's sign-in, with a new state, nonce and PKCE verifier
    kept in this browser's session."""
    try:
        return _client().authorize_redirect(request, redirect_uri)
    except requests.RequestException as error:
        raise _unavailable() from error


def oidc_callback_claims(request) -> dict:
    """The verified claims of the sign-in the provider redirected back with: the state must
    be one this session started (used once), the code is exchanged with the session's PKCE
    verifier, and the ID token must carry the session's nonce."""
    client = _client()
    try:
        token = client.authorize_access_token(
            request, claims_options=_claims_options([settings.OIDC_CLIENT_ID]), leeway=CLOCK_SKEW_SECONDS
        )
    except JoseError as error:
        raise _invalid_id_token(error) from None
    except OAuthError as error:
        if error.error == "mismatching_state":
            raise Unauthenticated(
                "This sign-in was not started here or was already used; please start again.",
                code="oidc_state_invalid",
            ) from None
        raise Unauthenticated(
            gettext("The provider refused the sign-in: %(error)s.") % {"error": error.error}, code="oidc_refused"
        ) from None
    except requests.RequestException as error:
        raise _unavailable() from error
    if not token.get("userinfo"):
        raise Unauthenticated(gettext("The provider sent no ID token."), code="oidc_id_token_invalid")
    return dict(token["userinfo"])


def _verified_token(client: DjangoOAuth2App, raw: str):
    registry = JWSRegistry(algorithms=client.load_server_metadata().get("id_token_signing_alg_values_supported"))
    try:
        return jwt.decode(raw, KeySet.import_key_set(client.fetch_jwk_set()), registry=registry)
    except InvalidKeyIdError:  # the provider may have rotated its keys since we last looked
        return jwt.decode(raw, KeySet.import_key_set(client.fetch_jwk_set(force=True)), registry=registry)


def oidc_id_token_claims(raw: str) -> dict:
    """The claims of an ID token a client app got from the provider itself, once its
    signature, issuer, audience (`OIDC_AUDIENCES`) and expiry check out."""
    client = _client()
    try:
        token = _verified_token(client, raw)
        claims = CodeIDToken(token.claims, token.header, _claims_options(settings.OIDC_AUDIENCES))
        claims.validate(leeway=CLOCK_SKEW_SECONDS)
    except JoseError as error:
        raise _invalid_id_token(error) from None
    except (ValueError, TypeError):
        raise Unauthenticated(gettext("The ID token is not a JWT."), code="oidc_id_token_invalid") from None
    except requests.RequestException as error:
        raise _unavailable() from error
    return dict(claims)
