"""Compliance facts for the pages of lower layers. `timeentries` may not import compliance
(layers point down), but its templates may `{% load compliance_days %}`: the day view shows a
person's open findings of that day this way."""

from datetime import date

from django import template

from compliance.models import Violation
from users.models import User

register = template.Library()

# Findings about one day (a rest reaches into the next); the weekly ones would stand on every
# day of their weeks, so the day view leaves them to the compliance pages.
DAY_RULES = (
    Violation.Rule.DAILY_MAX,
    Violation.Rule.BREAKS,
    Violation.Rule.WORK_IN_A_ROW,
    Violation.Rule.DAILY_REST,
    Violation.Rule.SUNDAY_WORK,
    Violation.Rule.HOLIDAY_WORK,
)


@register.simple_tag
def open_violations_of_day(user: User, day: date) -> list[Violation]:
    """The person's open violations of a daily rule whose period includes `day`."""
    return list(
        Violation.objects.filter(
            user=user, status=Violation.Status.OPEN, rule__in=DAY_RULES, period_start__lte=day, period_end__gte=day
        ).order_by("rule", "period_start")
    )
