"""Saved reports in the admin, to look up or remove: people write them through the API."""

from django.contrib import admin

from analytics.models import SavedReport
from analytics.saved_reports import saved_report_delete
from core.admin import ServiceAdmin


@admin.register(SavedReport)
class SavedReportAdmin(ServiceAdmin):
    list_display = ["name", "owner", "report", "updated_at"]
    list_filter = ["report"]
    list_select_related = ["owner"]
    search_fields = ["name", "owner__email"]
    ordering = ["owner__email", "name"]
    fields = ["owner", "name", "report", "params", "created_at", "updated_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def service_delete(self, request, obj):
        saved_report_delete(owner=obj.owner, saved_report_id=obj.pk)
