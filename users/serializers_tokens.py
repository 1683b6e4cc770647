"""Personal access tokens over the API. The secret is in exactly one answer: the creation's."""

from django.utils import timezone
from rest_framework import serializers

from users.models import PersonalAccessToken

SCOPES_HELP = '"read" (GET only: every write is 403), or "read" and "write" (everything you may do).'


class PersonalAccessTokenSerializer(serializers.ModelSerializer):
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=PersonalAccessToken.Scope.choices), read_only=True, help_text=SCOPES_HELP
    )
    prefix = serializers.CharField(read_only=True, help_text="The token's first characters, to recognise it by.")
    status = serializers.SerializerMethodField(help_text='"active", "expired" or "revoked".')

    class Meta:
        model = PersonalAccessToken
        fields = ["id", "name", "prefix", "scopes", "status", "created_at", "last_used_at", "expires_at", "revoked_at"]
        read_only_fields = fields

    def get_status(self, token) -> str:
        return token.status_at(timezone.now())


class PersonalAccessTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=PersonalAccessToken.Scope.choices),
        min_length=1,
        max_length=2,
        default=lambda: [PersonalAccessToken.Scope.READ.value],
        help_text=SCOPES_HELP + ' Default: ["read"].',
    )
    expires_at = serializers.DateTimeField(
        required=False, help_text="When the token stops working: at most 365 days ahead; default in 90 days."
    )


class PersonalAccessTokenCreatedSerializer(PersonalAccessTokenSerializer):
    token = serializers.SerializerMethodField(help_text="The secret. Shown this once: only its hash is stored.")

    class Meta(PersonalAccessTokenSerializer.Meta):
        fields = [*PersonalAccessTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields

    def get_token(self, token) -> str:
        return self.context["secret"]
