"""Single sign-on over the API."""

from rest_framework import serializers


class OidcTokenInputSerializer(serializers.Serializer):
    id_token = serializers.CharField(
        write_only=True,
        max_length=16384,
        help_text="The ID token the provider issued to this app's client (or one in OIDC_EXTRA_AUDIENCES).",
    )
