"""The second factor for session users (pages, admin, the API over the session cookie).

A password sign-in (the pages' or the admin's) starts a session; for someone with two-factor
sign-in on, that session reaches nothing but the code step until a code has verified it
(django-otp's `is_verified()`). Someone whose role must enrol (MFA_REQUIRED_ROLES) and has
not reaches only the enrolment page. API clients with a JWT or a personal token are checked
by their authentication classes instead (users/authentication.py).
"""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy

from core.api import error_body
from users.services_mfa import ENROLMENT_REQUIRED, mfa_enrolment_missing

CODE_NEEDED = gettext_lazy("Enter the code from your authenticator app to finish signing in.")


class MfaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not user.is_authenticated or self._open_to_everyone(request):
            return self.get_response(request)
        if user.mfa_enabled and not user.is_verified():
            return self._elsewhere(request, "login-code", CODE_NEEDED, "mfa_required")
        if mfa_enrolment_missing(user):
            return self._elsewhere(request, "mfa", ENROLMENT_REQUIRED, "mfa_enrolment_required")
        return self.get_response(request)

    @staticmethod
    def _open_to_everyone(request) -> bool:
        """Pages every signed-in person may reach, whatever their second factor: the two-factor
        steps themselves, signing in and out, static files and the health check. An API call
        that brings its own credentials is judged by them, not by the session."""
        path = request.path
        if path.startswith("/api/") and request.headers.get("Authorization"):
            return True
        open_paths = {reverse(name) for name in ("login", "logout", "login-code", "mfa")}
        return path in open_paths or path.startswith(settings.STATIC_URL) or path.rstrip("/") == "/health"

    @staticmethod
    def _elsewhere(request, url_name: str, detail: str, code: str):
        if request.path.startswith("/api/"):
            return JsonResponse(error_body(detail, code), status=403)
        target = f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}"
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
