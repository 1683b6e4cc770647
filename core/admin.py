from django.contrib import admin

from core.models import AuditEvent, OutboxMessage


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The business-event trail, read-only: rows come from the services, never from here."""

    list_display = [
        "created_at",
        "action",
        "actor",
        "actor_label",
        "subject",
        "target_type",
        "target_repr",
        "ip_address",
    ]
    list_filter = ["action", "target_type"]
    search_fields = [
        "action",
        "target_repr",
        "target_id",
        "actor__email",
        "subject__email",
        "actor_label",
        "ip_address",
    ]
    date_hierarchy = "created_at"
    list_select_related = ["actor", "subject"]
    show_full_result_count = False  # the table is large; one COUNT(*) per page view is enough
    fields = [
        "created_at",
        "action",
        "actor",
        "actor_label",
        "subject",
        "target_type",
        "target_id",
        "target_repr",
        "ip_address",
        "data",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Background work waiting for the broker (or sent), read-only: the relay owns these rows.
    Unsent messages with attempts and an error show a broker that has been away."""

    list_display = ["id", "task", "created_at", "attempts", "next_attempt_at", "sent_at", "last_error"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter), "task"]
    search_fields = ["task", "last_error"]
    show_full_result_count = False
    fields = ["task", "args", "kwargs", "created_at", "attempts", "next_attempt_at", "sent_at", "last_error"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
