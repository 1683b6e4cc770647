"""Webhooks in the admin, read-only: they are written through the API (the secret is shown
once there); deliveries are a log."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from webhooks.models import Webhook, WebhookAttempt, WebhookDelivery


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Webhook)
class WebhookAdmin(ReadOnlyAdmin):
    list_display = ["id", "url", "owner", "active", "failing_since", "disabled_reason", "created_at"]
    list_filter = ["active"]
    search_fields = ["url", "description", "owner__email"]
    fields = [
        "url",
        "description",
        "events",
        "active",
        "secret_prefix",
        "owner",
        "failing_since",
        "disabled_reason",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("secret prefix"))
    def secret_prefix(self, obj):
        return obj.secret_prefix


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ["number", "started_at", "response_code", "duration_ms", "succeeded", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["id", "webhook", "message", "status", "attempts", "response_code", "duration_ms", "created_at"]
    list_filter = ["status"]
    search_fields = ["message__id", "message__event"]
    list_select_related = ["webhook", "message"]
    show_full_result_count = False
    fields = [
        "webhook",
        "message",
        "redelivery_of",
        "status",
        "attempts",
        "response_code",
        "duration_ms",
        "next_attempt_at",
        "last_error",
        "created_at",
        "finished_at",
    ]
    readonly_fields = fields
    inlines = [WebhookAttemptInline]
