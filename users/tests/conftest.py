import pytest

from users.tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, MOBILE_CLIENT_ID, OpenIDProvider

CALLBACK = "http://testserver/accounts/oidc/callback/"


@pytest.fixture
def idp(settings, team_a):
    """A real OpenID Connect provider (users/tests/oidc_provider.py) the settings point at,
    signing in Nora North: a verified email, the "tt-managers" group (manager here) and the
    "eng" department (Team A here)."""
    provider = OpenIDProvider().start(redirect_uri=CALLBACK)
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_ENABLED = True
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_AUDIENCES = [CLIENT_ID, MOBILE_CLIENT_ID]
    settings.OIDC_PROVIDER_NAME = "Example ID"
    settings.OIDC_ROLE_CLAIM = "groups"
    settings.OIDC_ROLE_MAP = {"tt-admins": "admin", "tt-managers": "manager"}
    settings.OIDC_TEAM_CLAIM = "department"
    settings.OIDC_TEAM_MAP = {"eng": "Team A"}
    provider.user = {
        "sub": "idp-nora-0001",
        "email": "Nora.North@example.com",
        "email_verified": True,
        "given_name": "Nora",
        "family_name": "North",
        "groups": ["staff", "tt-managers"],
        "department": "eng",
        "zoneinfo": "Europe/Berlin",
    }
    yield provider
    provider.stop()
