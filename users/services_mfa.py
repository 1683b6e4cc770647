"""Two-factor sign-in: an authenticator app (django-otp's TOTP device) with ten recovery codes
(its static device), enrolled, checked, removed and reset here. The pages, the API login,
the admin and the middleware all call these.

Secrets stay in this module and in the device tables: the TOTP key leaves it only on the
enrolment page before the device is confirmed, the recovery codes only as
`mfa_enrolment_confirm`'s return value. Audit events name what happened (`mfa_enrolled`,
`mfa_removed`, `mfa_failed`, `mfa_reset_by_admin`), never a key or a code.

Every code tried counts against a per-person and a per-address limit in the shared cache
(fail closed, 429 like the password limit); django-otp's own back-off (1, 2, 4... seconds
after consecutive failures, kept on the device) answers 429 as well.
"""

import math
import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.audit import audit_event_record
from core.errors import Conflict, DomainValidationError, Unauthenticated
from core.net import client_ip
from core.ratelimit import RateLimited, rate_limit_enforce
from users.models import User
from users.permissions import ensure_admin

RECOVERY_CODE_COUNT = 10
TOTP_PATTERN = re.compile(r"^\d{6}$")
WRONG_CODE = gettext_lazy("The code is wrong or has expired.")
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
ENROLMENT_REQUIRED = gettext_lazy(
    "Your role requires two-factor sign-in: set it up at /accounts/two-factor/ (signed in with your password)."
)


def mfa_enrolment_missing(user: User) -> bool:
    """Whether `user`'s role must have a second factor (MFA_REQUIRED_ROLES) and they have none yet."""
    return user.role in settings.MFA_REQUIRED_ROLES and not user.mfa_enabled


def mfa_recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _normalized(code: str) -> str:
    """People type codes with spaces or dashes, and recovery codes in either case."""
    return re.sub(r"[\s-]", "", code or "").lower()


def _attempt_limit(request, user: User) -> None:
    limits = [("mfa-user", str(user.pk), settings.RATE_LIMIT_MFA_PER_USER)]
    if request is not None:
        limits.append(("mfa-ip", client_ip(request), settings.RATE_LIMIT_MFA_PER_IP))
    rate_limit_enforce(request, *limits)


def _backed_off(device) -> None:
    """django-otp's back-off after consecutive failures, as the same 429 as the rate limit."""
    allowed, details = device.verify_is_allowed()
    if allowed:
        return
    locked_until = (details or {}).get("locked_until")
    wait = (locked_until - timezone.now()).total_seconds() if locked_until else 1
    raise RateLimited(max(1, math.ceil(wait)))


def _failed(user: User, *, request, via: str, kind: str) -> None:
    audit_event_record(action="mfa_failed", actor=user, target=user, request=request, data={"via": via, "kind": kind})


def _device_for(user: User, code: str):
    """The device a code is meant for: six digits are the app's, anything else a recovery code.
    Trying only that one keeps a wrong app code from counting against the recovery codes."""
    model, kind = (TOTPDevice, "totp") if TOTP_PATTERN.match(code) else (StaticDevice, "recovery_code")
    return model.objects.select_for_update().filter(user=user, confirmed=True).first(), kind


def mfa_verify(*, user: User, code: str, request=None, via: str):
    """Check a second-factor code of `user` (an app code, or a recovery code, which is used up)
    and return the device that accepted it. Counts the attempt first (429 past the limits);
    a wrong code is audited as `mfa_failed` and answers 401 naming `otp`."""
    _attempt_limit(request, user)
    code = _normalized(code)
    with transaction.atomic():
        device, kind = _device_for(user, code)
        if device is not None:
            _backed_off(device)
        accepted = device is not None and device.verify_token(code)
    if not accepted:
        _failed(user, request=request, via=via, kind=kind)
        raise Unauthenticated(WRONG_CODE, field="otp", code="mfa_invalid")
    return device


@transaction.atomic
def mfa_enrolment_begin(*, user: User) -> TOTPDevice:
    """The unconfirmed app device `user` is enrolling (made on first call, the same one until it is
    confirmed, so the QR code does not change on every visit)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.mfa_enabled:
        raise Conflict(
            gettext("Two-factor sign-in is already on. Remove it first to enrol another app."), code="mfa_enrolled"
        )
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def _recovery_codes_issue(user: User) -> list[str]:
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def mfa_enrolment_confirm(*, user: User, code: str, request=None) -> tuple[TOTPDevice, list[str]]:
    """Confirm the app device with a code from it: two-factor sign-in is on, and the ten
    recovery codes returned here (each works once) are never shown again."""
    _attempt_limit(request, user)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.mfa_enabled:
            raise Conflict(gettext("Two-factor sign-in is already on."), code="mfa_enrolled")
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            raise Conflict(
                gettext("Start the enrolment again: there is no app waiting to be confirmed."), code="mfa_no_device"
            )
        _backed_off(device)
        accepted = device.verify_token(_normalized(code))
        if accepted:
            TOTPDevice.objects.filter(user=user, confirmed=False).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _recovery_codes_issue(user)
            user.mfa_enabled = True
            user.save(update_fields=["mfa_enabled"])
            data = {"device": "totp", "recovery_codes": len(codes)}
            audit_event_record(action="mfa_enrolled", actor=user, target=user, request=request, data=data)
            return device, codes
    _failed(user, request=request, via="enrolment", kind="totp")
    raise DomainValidationError(WRONG_CODE, field="otp", code="mfa_invalid")


def _devices_delete(user: User) -> None:
    """Every device of `user` (a locked row; recovery codes go with their device), and the flag
    with them, saved so the user's field history shows it."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    if user.mfa_enabled:
        user.mfa_enabled = False
        user.save(update_fields=["mfa_enabled"])


def mfa_remove(*, user: User, code: str, request=None) -> None:
    """`user` turns two-factor sign-in off, proving it with a current code (app or recovery)."""
    mfa_verify(user=user, code=code, request=request, via="removal")
    with transaction.atomic():
        _devices_delete(User.objects.select_for_update().get(pk=user.pk))
        audit_event_record(action="mfa_removed", actor=user, target=user, request=request)


@transaction.atomic
def mfa_reset(*, user: User, actor: User, request=None) -> User:
    """An admin takes away `user`'s second factor (a lost phone): they sign in with their password
    alone again, or are sent to enrol if their role requires it."""
    ensure_admin(actor, denied=gettext("Only admins can reset two-factor sign-in."))
    user = User.objects.select_for_update().get(pk=user.pk)
    had = user.mfa_enabled
    _devices_delete(user)
    audit_event_record(
        action="mfa_reset_by_admin", actor=actor, target=user, request=request, data={"was_enabled": had}
    )
    return user
