"""Helpers every app's server-rendered pages share: the signed-in user's time zone, the
first error of a form, and hours (or days) written for people."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import wraps

from django.utils import timezone
from django.utils.translation import gettext

from core.errors import DomainError
from core.periods import hours

TWO_PLACES = Decimal("0.01")


def format_hours(value) -> str:
    """7.5 -> "7.5", 8.0 -> "8", 0 -> "0": half-up to two decimals, no trailing zeros. A
    duration becomes hours through `core.periods.hours`, the rounding every surface uses."""
    amount = hours(value) if isinstance(value, timedelta) else Decimal(str(value))
    text = f"{amount.quantize(TWO_PLACES, rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".")


def local_timezone(view):
    """Render dates and times in the signed-in user's own time zone."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with timezone.override(request.user.tzinfo):
            return view(request, *args, **kwargs)

    return wrapper


def first_error(form) -> str:
    """The first message of a form that did not validate, for a one-line alert."""
    for errors in form.errors.values():
        return errors[0]
    return gettext("Check the input.")


def decision_apply(form, decide) -> int | None:
    """A manager's decision from a page: validate the `DecisionForm`, call `decide(comment=...)`
    (a service), and on a refusal put the service's message on the form. None when the
    decision was taken, else the status to answer the re-rendered page with."""
    if not form.is_valid():
        return 400
    try:
        decide(comment=form.cleaned_data["comment"])
    except DomainError as error:
        form.add_error("comment" if error.field == "comment" else None, error.detail)
        return error.status_code
    return None
