"""The one source of the default working-time limits.

The settings give the weekly maximum and the daily rest (`WORKING_TIME_MAX_WEEKLY_HOURS`,
`WORKING_TIME_MIN_DAILY_REST`); `rules.Limits` gives the directive's other figures. A new
policy's fields start from here, and so does the fallback for people whom no stored policy
covers, so the checks, the summary and a freshly created policy agree.
"""

from decimal import Decimal

from django.conf import settings

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
