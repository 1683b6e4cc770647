"""The one source of the default working-time limits.

The settings give the weekly maximum and the daily rest (`WORKING_TIME_MAX_WEEKLY_HOURS`,
`WORKING_TIME_MIN_DAILY_REST`); `rules.Limits` gives the directive's other figures. A new
policy's fields start from here, and so does the fallback for people whom no stored policy
covers, so the checks, the summary and a freshly created policy agree.
"""

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from compliance.rules import Limits


def _hours_setting(value) -> Decimal:
    """A setting in hours as a policy stores it: to the cent, so `48` reads `48.00` whether
    a stored policy or the settings themselves decide."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def default_limits() -> Limits:
    """The limits that apply when no stored policy says otherwise."""
    return Limits(
        max_weekly_hours=_hours_setting(settings.WORKING_TIME_MAX_WEEKLY_HOURS),
        min_daily_rest_hours=_hours_setting(settings.WORKING_TIME_MIN_DAILY_REST),
    )


def default_limit(name: str):
    """One field of `default_limits()`: the default of the policy field of that name."""
    return getattr(default_limits(), name)


# The statutory bounds of each limit a policy sets: (the bound, "max" when the policy may not
# exceed it or "min" when it may not go below, the source). A policy looser than these needs
# a collective agreement (`WorkingTimePolicy.collective_agreement_exception`).
LEGAL_BOUNDS: dict[str, tuple[Decimal, str, str]] = {
    "max_weekly_hours": (Decimal(48), "max", "Working Time Directive Art. 6(b)"),
    "reference_period_weeks": (Decimal(24), "max", "ArbZG §3: 24 weeks; Directive Art. 16(b), 17-19"),
    "max_daily_hours": (Decimal(10), "max", "ArbZG §3"),
    "min_daily_rest_hours": (Decimal(11), "min", "ArbZG §5(1), Directive Art. 3"),
    "min_weekly_rest_hours": (Decimal(24), "min", "Directive Art. 5"),
    "break_after_hours": (Decimal(6), "max", "ArbZG §4"),
    "break_minutes": (Decimal(30), "min", "ArbZG §4"),
    "long_break_after_hours": (Decimal(9), "max", "ArbZG §4"),
    "long_break_minutes": (Decimal(45), "min", "ArbZG §4"),
    "min_break_gap_minutes": (Decimal(15), "min", "ArbZG §4"),
}


def beyond_legal_bound(name: str, value) -> str:
    """Why `value` for the limit `name` is looser than the law allows, or "" when it is not."""
    bound, kind, source = LEGAL_BOUNDS[name]
    if value is None:
        return ""
    if kind == "max" and Decimal(value) > bound:
        return _("At most %(bound)s (%(source)s) unless a collective agreement allows more: mark the exception.") % {
            "bound": f"{bound:f}",
            "source": source,
        }
    if kind == "min" and Decimal(value) < bound:
        return _("At least %(bound)s (%(source)s) unless a collective agreement allows less: mark the exception.") % {
            "bound": f"{bound:f}",
            "source": source,
        }
    return ""
