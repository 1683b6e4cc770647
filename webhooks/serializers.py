from rest_framework import serializers

from webhooks.models import EVENTS, Webhook, WebhookAttempt, WebhookDelivery

EVENTS_HELP = "Events to send: " + ", ".join(EVENTS) + "."


class WebhookSerializer(serializers.ModelSerializer):
    """A webhook as every answer after its creation shows it: the secret's prefix only."""

    secret_prefix = serializers.CharField(read_only=True, help_text="The first characters of the secret.")
    events = serializers.ListField(child=serializers.CharField(), help_text=EVENTS_HELP)
    disabled_reason_localized = serializers.CharField(
        source="disabled_reason_text", read_only=True, help_text="Why it was switched off, in the request's language."
    )

    class Meta:
        model = Webhook
        fields = [
            "id",
            "url",
            "description",
            "events",
            "active",
            "secret_prefix",
            "owner",
            "failing_since",
            "disabled_reason",
            "disabled_reason_localized",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["owner", "failing_since", "disabled_reason", "created_at", "updated_at"]


class WebhookCreateSerializer(WebhookSerializer):
    secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=120,
        help_text="Optional whsec_ + base64 of 24-64 bytes; by default one is made and shown once in the answer.",
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class WebhookWithSecretSerializer(WebhookSerializer):
    """The answer to a create or a rotation: the only time the secret is shown."""

    secret = serializers.CharField(read_only=True, help_text="Shown this once: store it to verify signatures.")

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "started_at", "response_code", "duration_ms", "succeeded", "error"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.CharField(source="message_id", read_only=True, help_text="The Webhook-Id header.")
    event = serializers.CharField(source="message.event", read_only=True)
    status = serializers.CharField(read_only=True, help_text="pending, succeeded or failed")
    attempt_log = WebhookAttemptSerializer(many=True, read_only=True)
    last_error_localized = serializers.CharField(
        source="last_error_text",
        read_only=True,
        help_text="The last error in the request's language, where it is ours.",
    )

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "webhook",
            "event_id",
            "event",
            "status",
            "attempts",
            "response_code",
            "duration_ms",
            "next_attempt_at",
            "last_error",
            "last_error_localized",
            "redelivery_of",
            "created_at",
            "finished_at",
            "attempt_log",
        ]
        read_only_fields = fields
