"""Serializer pieces several apps' APIs share."""

from collections.abc import Callable
from functools import cached_property
from operator import attrgetter

from django.utils.translation import gettext, gettext_lazy
from rest_framework import serializers
from rest_framework.fields import SkipField

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


class ShortReadsMixin:
    """A ModelSerializer's representation as DRF writes it, field for field, each field read
    the short way: the id of a related row from its column (DRF's primary-key field makes
    a stand-in object for it), a model field or property by getattr (DRF's generic lookup
    checks every value for a callable), everything else through the field as DRF does.
    For the long lists: those lookups were a third of a listed page of 100 time entries."""

    def to_representation(self, instance):
        data = {}
        for name, read, represent in self._representation_plan:
            try:
                value = read(instance)
            except SkipField:
                continue
            data[name] = None if value is None else represent(value)
        return data

    @cached_property
    def _representation_plan(self) -> list[tuple[str, Callable, Callable]]:
        """Per readable field, once per serializer (once per listed page): its name, how to
        read it and how to write it."""
        model, plan = self.Meta.model, []
        related = {field.name: field.attname for field in model._meta.concrete_fields if field.is_relation}
        plain = {field.name for field in model._meta.concrete_fields if not field.is_relation}
        for field in self._readable_fields:
            source = field.source_attrs[0] if len(field.source_attrs) == 1 else None
            if isinstance(field, serializers.PrimaryKeyRelatedField) and field.pk_field is None and source in related:
                plan.append((field.field_name, attrgetter(related[source]), _same))
            elif source in plain or isinstance(getattr(model, source or "", None), property):
                plan.append((field.field_name, attrgetter(source), field.to_representation))
            else:
                plan.append((field.field_name, field.get_attribute, field.to_representation))
        return plan


def _same(value):
    return value
