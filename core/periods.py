"""Hours shown to people: one rounding for every surface (pages, API, admin, reports, SQL)."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

HOURS_PLACES = Decimal("0.01")


def hours(duration: timedelta) -> Decimal:
    """A duration in hours, half-up to two places: 8 h 07 min 30 s is 8.13 everywhere."""
    seconds = Decimal(duration.days * 86400 + duration.seconds) + Decimal(duration.microseconds) / 1_000_000
    return (seconds / 3600).quantize(HOURS_PLACES, rounding=ROUND_HALF_UP)
