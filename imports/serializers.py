from django.utils.translation import gettext as _
from rest_framework import serializers

from imports.formats import KINDS
from imports.models import Import
from imports.progress import progress_seen


class ImportCreateSerializer(serializers.Serializer):
    file = serializers.FileField()
    # A plain string in the schema: an enum named "Kind" would clash with the entries' kind.
    kind = serializers.CharField(help_text="users, projects, time_entries or leave")
    dry_run = serializers.BooleanField(default=True, help_text="Validate only; commit later with …/commit.")
    time_zone = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=64, help_text="IANA zone for naive times."
    )

    def validate_kind(self, value: str) -> str:
        if value not in KINDS:
            raise serializers.ValidationError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(KINDS)})
        return value


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="As in the file: the header is row 1.")
    field = serializers.CharField()
    message = serializers.CharField()


class ImportSerializer(serializers.ModelSerializer):
    # Plain strings in the schema: enums named "Status"/"Kind" would clash with other apps' ones.
    status = serializers.CharField(
        read_only=True, help_text="queued, validating, valid, invalid, importing, done, failed or reverted"
    )
    kind = serializers.CharField(read_only=True, help_text="users, projects, time_entries or leave")
    owner = serializers.EmailField(source="owner.email", read_only=True)
    errors = ImportErrorSerializer(many=True, read_only=True)

    class Meta:
        model = Import
        fields = [
            "id",
            "owner",
            "kind",
            "filename",
            "file_hash",
            "format",
            "dry_run",
            "time_zone",
            "status",
            "progress",
            "rows_total",
            "rows_valid",
            "rows_imported",
            "errors",
            "errors_more",
            "duplicate_of",
            "created_at",
            "validated_at",
            "committed_at",
            "reverted_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["progress"] = progress_seen(instance)  # a commit under way reports through the cache
        return data


class ImportTemplateQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KINDS)
    format = serializers.ChoiceField(choices=("csv", "xlsx"), default="csv")
