"""Two-factor pages: the code step after the password (`/accounts/login/code/`), enrolment
with a QR code and the recovery codes shown once, and removal (`/accounts/two-factor/`).
Every decision is `users.services_mfa`'s; these pages only ask and show."""

import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from core.errors import DomainError
from users import services_mfa
from users.pages import safe_next

CODE_ATTRS = {"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*", "maxlength": "7"}


class AppCodeForm(forms.Form):
    otp = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=7,
        widget=forms.TextInput(attrs={**CODE_ATTRS, "autofocus": True}),
    )


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.CharField(
        label=_("Recovery code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )


class RemovalForm(forms.Form):
    code = forms.CharField(
        label=_("A current code from your app, or a recovery code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )


def _code_checked(form, field: str, check):
    """Run `check(code)` for a valid form; a refusal goes on the field. Returns (result,
    status, retry_after): the status is None when the code was accepted. A wrong code shows
    the page again with 200, as a wrong password does on the sign-in page."""
    if not form.is_valid():
        return None, 400, None
    try:
        return check(form.cleaned_data[field]), None, None
    except DomainError as error:
        form.add_error(field, error.detail)
        status = 200 if error.status_code == 401 else error.status_code
        return None, status, getattr(error, "retry_after", None)


def _render(request, template: str, context: dict, status: int | None, retry_after: int | None = None):
    response = render(request, template, context, status=status or 200)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@sensitive_post_parameters("otp", "recovery_code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def login_code_page(request):
    """The second step of signing in: one form for the app's code, one for a recovery code."""
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    user = request.user
    if not user.is_authenticated:
        return redirect("login")
    if not user.mfa_enabled or user.is_verified():
        return redirect(next_url)
    app_form = AppCodeForm(request.POST if "otp" in request.POST else None)
    recovery_form = RecoveryCodeForm(request.POST if "recovery_code" in request.POST else None)
    status, retry_after = None, None
    if request.method == "POST":
        form, field = (app_form, "otp") if "otp" in request.POST else (recovery_form, "recovery_code")
        device, status, retry_after = _code_checked(
            form, field, lambda code: services_mfa.mfa_verify(user=user, code=code, request=request, via="page")
        )
        if status is None:
            request.session.cycle_key()  # a new session id for the now fully signed-in session
            otp_login(request, device)
            return redirect(next_url)
    context = {"app_form": app_form, "recovery_form": recovery_form, "next": next_url}
    return _render(request, "accounts/login_code.html", context, status, retry_after)


def _qr_svg_data_uri(text: str) -> str:
    """The QR code as an SVG data: URI for an <img> (the CSP allows data: images, no script)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _secret_for_typing(device) -> str:
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))


def _enrolment(request, form, status=None, retry_after=None):
    device = services_mfa.mfa_enrolment_begin(user=request.user)
    context = {
        "form": form,
        "qr": _qr_svg_data_uri(device.config_url),
        "secret": _secret_for_typing(device),
        "next": safe_next(request, request.POST.get("next") or request.GET.get("next", "")),
        "enrolment_required": services_mfa.mfa_enrolment_missing(request.user),
        "nav": "mfa",
    }
    return _render(request, "accounts/mfa_enrol.html", context, status, retry_after)


@sensitive_post_parameters("otp")
@csrf_protect
@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def mfa_page(request):
    """Enrol (GET: QR code and secret; POST: the first code, then the recovery codes, shown this
    once), or, with two-factor on, its status and the removal form."""
    user = request.user
    if user.mfa_enabled:
        if not user.is_verified():
            return redirect("login-code")
        context = {
            "removal_form": RemovalForm(),
            "codes_left": services_mfa.mfa_recovery_codes_left(user),
            "nav": "mfa",
        }
        return render(request, "accounts/mfa_status.html", context)
    if request.method != "POST":
        return _enrolment(request, AppCodeForm())
    form = AppCodeForm(request.POST)
    confirmed, status, retry_after = _code_checked(
        form, "otp", lambda code: services_mfa.mfa_enrolment_confirm(user=user, code=code, request=request)
    )
    if status is not None:
        return _enrolment(request, form, status, retry_after)
    device, codes = confirmed
    request.session.cycle_key()
    otp_login(request, device)
    next_url = safe_next(request, request.POST.get("next", ""))
    return render(request, "accounts/mfa_codes.html", {"codes": codes, "next": next_url})


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@login_required
@require_POST
def mfa_remove_page(request):
    form = RemovalForm(request.POST)
    _, status, retry_after = _code_checked(
        form, "code", lambda code: services_mfa.mfa_remove(user=request.user, code=code, request=request)
    )
    if status is None:
        messages.success(request, gettext("Two-factor sign-in is off. You sign in with your password alone."))
        return redirect("mfa")
    context = {"removal_form": form, "codes_left": services_mfa.mfa_recovery_codes_left(request.user), "nav": "mfa"}
    return _render(request, "accounts/mfa_status.html", context, status, retry_after)
