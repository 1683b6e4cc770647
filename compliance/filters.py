from compliance.models import Violation
from core.filters import BoundedDateFilter, FromToFilterSet, UserIdFilter


class ViolationFilter(FromToFilterSet):
    """`from`/`to` (inclusive dates): a violation matches when its period overlaps [from, to]."""

    date_from = BoundedDateFilter(field_name="period_end", lookup_expr="gte", help_text="first day")
    date_to = BoundedDateFilter(field_name="period_start", lookup_expr="lte", help_text="last day (inclusive)")
    user = UserIdFilter()

    class Meta:
        model = Violation
        fields = ["status", "rule", "user"]
