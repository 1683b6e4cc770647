from django.contrib import admin

from core.models import AuditEvent


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
