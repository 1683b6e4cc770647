from django.utils.translation import gettext as _
from rest_framework import serializers

from core.filters import MAX_ID
from core.serializers import BoundedDateField
from search.backends import MAX_PAGE_SIZE, TYPES

MAX_QUERY_LENGTH = 200
MAX_PAGE = 10_000 // MAX_PAGE_SIZE  # Elasticsearch answers at most 10,000 hits deep


class SearchQuerySerializer(serializers.Serializer):
    """The query string of `GET /search`; `from`/`to` are declared in `to_internal_value`."""

    q = serializers.CharField(max_length=MAX_QUERY_LENGTH, trim_whitespace=True)
    types = serializers.CharField(required=False, default="")
    date_from = BoundedDateField(required=False, allow_null=True, default=None)
    date_to = BoundedDateField(required=False, allow_null=True, default=None)
    user = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID)
    project = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID)
    page = serializers.IntegerField(required=False, default=1, min_value=1, max_value=MAX_PAGE)
    page_size = serializers.IntegerField(required=False, default=20, min_value=1)

    def to_internal_value(self, data):
        # `from` is a Python keyword: accept the public names and map them.
        values = {key: data.get(key) for key in ("q", "types", "user", "project", "page", "page_size") if data.get(key)}
        if "q" in data:
            values["q"] = data.get("q")
        for public, internal in (("from", "date_from"), ("to", "date_to")):
            if data.get(public):
                values[internal] = data.get(public)
        try:
            return super().to_internal_value(values)
        except serializers.ValidationError as error:
            renamed = {{"date_from": "from", "date_to": "to"}.get(k, k): v for k, v in error.detail.items()}
            raise serializers.ValidationError(renamed) from None

    def validate_types(self, value: str) -> tuple[str, ...]:
        wanted = tuple(dict.fromkeys(t.strip() for t in value.split(",") if t.strip()))
        unknown = [t for t in wanted if t not in TYPES]
        if unknown:
            raise serializers.ValidationError(
                _("Unknown type %(types)s; use %(known)s.") % {"types": ", ".join(unknown), "known": ", ".join(TYPES)}
            )
        return wanted or TYPES

    def validate_page_size(self, value: int) -> int:
        return min(value, MAX_PAGE_SIZE)  # clamped like every other list, never an error

    def validate(self, attrs):
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"to": _("must be on or after from.")})
        return attrs


class SearchResultSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=TYPES)
    id = serializers.IntegerField()
    title = serializers.CharField()
    snippet = serializers.CharField(help_text="HTML: the text escaped, matches wrapped in <mark>.")
    score = serializers.FloatField()
    url = serializers.CharField()


class SearchResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    backend = serializers.ChoiceField(choices=["elasticsearch", "postgres", "database"])
    results = SearchResultSerializer(many=True)
