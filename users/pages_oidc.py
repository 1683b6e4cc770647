"""Single sign-on for the pages: the "Sign in with …" button's two steps.

`/accounts/oidc/login/` sends the browser to the provider; the provider sends it back to
`/accounts/oidc/callback/`, where the sign-in is verified (users.oidc) and the person found
or made (users.services_oidc) before their session starts.
"""

from django.conf import settings
from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.errors import DomainError, ServiceUnavailable
from users.backends import SINGLE_SIGN_ON_BACKEND
from users.oidc import oidc_authorize_redirect, sso_login_context
from users.pages import LoginForm, safe_next
from users.services_oidc import oidc_session_sign_in

NEXT_SESSION_KEY = "oidc_next"


def _ensure_enabled() -> None:
    if not settings.OIDC_ENABLED:
        raise Http404(gettext("Single sign-on is not configured."))


@never_cache
@require_GET
def oidc_login(request):
    _ensure_enabled()
    request.session[NEXT_SESSION_KEY] = safe_next(request, request.GET.get("next", ""))
    try:
        return oidc_authorize_redirect(request, redirect_uri=request.build_absolute_uri(reverse("oidc-callback")))
    except ServiceUnavailable as error:
        return _refused(request, error)


@never_cache
@require_GET
def oidc_callback(request):
    _ensure_enabled()
    try:
        user = oidc_session_sign_in(request=request)
    except DomainError as error:
        return _refused(request, error)
    next_url = safe_next(request, request.session.pop(NEXT_SESSION_KEY, ""))
    login(request, user, backend=SINGLE_SIGN_ON_BACKEND)
    return redirect(next_url)


def _refused(request, error: DomainError):
    response = render(
        request,
        "accounts/login.html",
        {"form": LoginForm(), "next": "", "sso_error": error.detail, **sso_login_context(request)},
        status=error.status_code if isinstance(error, ServiceUnavailable) else 403,
    )
    if isinstance(error, ServiceUnavailable):
        response["Retry-After"] = str(error.retry_after)
    return response
