"""Single sign-on in a real Chromium: our login page, the provider of
users/tests/oidc_provider.py and back, with the browser's own cookies and redirects."""

import pytest

from core.tests.test_browser_accessibility import axe_violations
from users.models import User
from users.tests.oidc_provider import CLIENT_ID

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_person_signs_in_with_the_provider_and_lands_where_they_were_going(idp, live_server, page, team_a):
    idp.clients[CLIENT_ID].redirect_uris = [f"{live_server.url}/accounts/oidc/callback/"]
    page.goto(f"{live_server.url}/accounts/login/?next=/leave/")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Sign in with Example ID").click()
    page.wait_for_url(f"{live_server.url}/leave/")

    nora = User.objects.get(email="nora.north@example.com")
    assert (nora.role, nora.team) == ("manager", team_a)
    assert idp.authorize_requests[-1]["code_challenge_method"] == "S256"
