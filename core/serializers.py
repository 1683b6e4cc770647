"""Serializer pieces several apps' APIs share."""

from django.utils.translation import gettext, gettext_lazy
from rest_framework import serializers

from core.dates import OUT_OF_RANGE, date_in_range, validate_date_in_range


class BoundedDateField(serializers.DateField):
    """A date between `core.dates.EARLIEST_DATE` and `LATEST_DATE`; others are a 400 naming the field."""

    default_validators = [validate_date_in_range]


class BoundedDateTimeField(serializers.DateTimeField):
    """A datetime whose day, as written, lies in `core.dates`' range. Checked before the
    conversion to UTC, which would overflow near year 1 or 9999."""

    default_error_messages = {"date_out_of_range": OUT_OF_RANGE}

    def enforce_timezone(self, value):
        if not date_in_range(value):
            self.fail("date_out_of_range")
        return super().enforce_timezone(value)


class DateRangeQuerySerializer(serializers.Serializer):
    """Query parameters `from` and `to`, inclusive days. Both are Python keywords, so the
    fields are added by name; `to` may not come before `from`, nor the span exceed `max_days`."""

    max_days = 366
    too_long = gettext_lazy("Ask for at most {days} days at once.")
    from_help = "first day"
    to_help = "last day (inclusive)"

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = BoundedDateField(help_text=self.from_help)
        fields["to"] = BoundedDateField(help_text=self.to_help)
        return fields

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs["to"] < attrs["from"]:
            raise serializers.ValidationError({"to": [gettext("The end cannot be before the start.")]})
        if (attrs["to"] - attrs["from"]).days + 1 > self.max_days:
            raise serializers.ValidationError({"to": [self.too_long.format(days=self.max_days)]})
        return attrs
