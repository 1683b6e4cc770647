"""Serializer pieces several apps' APIs share."""

from rest_framework import serializers


class DateRangeQuerySerializer(serializers.Serializer):
    """Query parameters `from` and `to`, inclusive days. Both are Python keywords, so the
    fields are added by name; `to` may not come before `from`, nor the span exceed `max_days`."""

    max_days = 366
    too_long = "Ask for at most {days} days at once."
    from_help = "first day"
    to_help = "last day (inclusive)"

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(help_text=self.from_help)
        fields["to"] = serializers.DateField(help_text=self.to_help)
        return fields

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs["to"] < attrs["from"]:
            raise serializers.ValidationError({"to": ["The end cannot be before the start."]})
        if (attrs["to"] - attrs["from"]).days + 1 > self.max_days:
            raise serializers.ValidationError({"to": [self.too_long.format(days=self.max_days)]})
        return attrs
