"""Imports in the admin: read-only history (writes go through the API and its services)."""

from django.contrib import admin

from imports.models import Import


@admin.register(Import)
class ImportAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "filename", "owner", "status", "rows_total", "rows_imported", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("filename", "file_hash", "owner__email")
    readonly_fields = [field.name for field in Import._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
