import django_filters

from compliance.models import Violation


class ViolationFilter(django_filters.FilterSet):
    """`from`/`to` (inclusive dates): a violation matches when its period overlaps [from, to]."""

    date_from = django_filters.DateFilter(field_name="period_end", lookup_expr="gte", help_text="first day")
    date_to = django_filters.DateFilter(field_name="period_start", lookup_expr="lte", help_text="last day (inclusive)")

    class Meta:
        model = Violation
        fields = ["status", "rule", "user"]

    @classmethod
    def get_filters(cls):
        # `from` is a Python keyword: declared as date_from/date_to, published as from/to so
        # that errors and the schema name the query parameter the client sent.
        filters = super().get_filters()
        filters["from"] = filters.pop("date_from")
        filters["to"] = filters.pop("date_to")
        return filters
