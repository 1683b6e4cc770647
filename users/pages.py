"""Sign in and sign out for the server-rendered pages (Django sessions).

The page login counts attempts with the same function as the API token login and the admin
login, so switching between them does not buy an attacker more guesses.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from core.errors import ServiceUnavailable
from core.ratelimit import RateLimited
from users.oidc import sso_login_context
from users.services import auth_login_attempt_limit

WRONG_CREDENTIALS = gettext_lazy("The email or password is wrong, or the account is inactive.")


class LoginForm(forms.Form):
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    password = forms.CharField(strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


def safe_next(request, candidate: str) -> str:
    """Where to go after signing in: `next` if it points into this site, else the timesheet."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return settings.LOGIN_REDIRECT_URL


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def login_page(request):
    next_url = request.POST.get("next") or request.GET.get("next", "")
    form = LoginForm(request.POST if request.method == "POST" else None)
    status, retry_after = 200, None
    if request.method == "POST":
        if form.is_valid():
            email = form.cleaned_data["email"].lower()
            try:
                auth_login_attempt_limit(request=request, email=email)
            except (RateLimited, ServiceUnavailable) as error:
                form.add_error(None, error.detail)
                status, retry_after = error.status_code, error.retry_after
            else:
                user = authenticate(request, email=email, password=form.cleaned_data["password"])
                if user is not None:
                    login(request, user)
                    return redirect(safe_next(request, next_url))
                form.add_error(None, WRONG_CREDENTIALS)
        else:
            status = 400
    response = render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "next": next_url if safe_next(request, next_url) == next_url else "",
            **sso_login_context(request),
        },
        status=status,
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def logout_page(request):
    """GET asks for confirmation; only a POST (with its CSRF token) signs out."""
    if request.method == "POST":
        was_signed_in = request.user.is_authenticated
        logout(request)
        if was_signed_in:
            messages.info(request, gettext("You are signed out."))
        return redirect("login")
    if not request.user.is_authenticated:
        return redirect("login")
    return render(request, "accounts/logout.html")
