"""The admin's base for every model admin that writes, and the read-only admins of `core`'s
own tables.

`ServiceAdmin` is the one way an admin writes: its forms save through services
(`call_service`), a single delete calls `service_delete`, and the bulk "Delete selected"
action is offered only when the admin declares `service_delete` — it then calls that service
for each row in one transaction, so one refusal undoes the whole request and shows why.
`core/tests/test_admin_bulk_actions.py` walks the registry and holds every admin to it."""

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext

from core.catalog import catalog_delete, catalog_save
from core.errors import DomainError
from core.forms import ServiceModelForm
from core.models import AuditEvent, OutboxMessage


class ServiceRefused(Exception):
    """Raised from save_model/delete_model so the admin's transaction (and its LogEntry) rolls back."""

    def __init__(self, error: DomainError):
        super().__init__(error.detail)
        self.error = error


def adopt(obj, saved) -> None:
    """Make the admin's unsaved instance the row the service wrote, so the admin's log entry
    and redirect point at it."""
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False


class ScopedAdminMixin:
    """Changelists show a manager only their teams' rows (`scoped_queryset`, a selector of
    the model's app); admins see everything."""

    def get_queryset(self, request):
        return self.scoped_queryset(request.user)


def delete_selected_through_service(modeladmin, request, queryset):
    """Django's "Delete selected" (its confirmation page included), with each row deleted by
    the admin's `service_delete` inside one transaction: a refusal rolls every row back."""
    try:
        with transaction.atomic(using=queryset.db):
            return django_delete_selected(modeladmin, request, queryset)
    except ServiceRefused as refused:
        message = gettext("Nothing was deleted: %(reason)s") % {"reason": refused}
        modeladmin.message_user(request, message, level=messages.ERROR)
        return None


delete_selected_through_service.short_description = django_delete_selected.short_description


class ServiceAdmin(admin.ModelAdmin):
    """A model admin whose every write goes through a service.

    Subclasses write in `save_model`/`save_related` with `call_service(...)` and declare
    `service_delete(request, obj)` if rows may be deleted. A `DomainError` becomes
    `ServiceRefused`, which leaves the admin's atomic block, rolling back everything the
    request wrote. An add or change is then shown again with the service's reason on the
    form (the input is kept); a refused delete goes back to the object with the reason as an
    error message; a refused bulk delete deletes nothing and says why.
    """

    form = ServiceModelForm
    service_delete = None  # (self, request, obj) -> None, calling the model's delete service

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        form.service_error = getattr(request, "_service_error", None)
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            request._service_error = refused.error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def has_delete_permission(self, request, obj=None):
        return self.service_delete is not None and super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _, name, description = actions["delete_selected"]
            actions[name] = (delete_selected_through_service, name, description)
        return actions

    def delete_model(self, request, obj):
        self.call_service(lambda: self.service_delete(request, obj))

    def delete_queryset(self, request, queryset):
        """Row by row through the service; `delete_selected_through_service` holds the transaction."""
        for obj in queryset:
            self.delete_model(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ServiceRefused as refused:
            self.message_user(request, refused.error.detail, level=messages.ERROR)
            opts = self.opts
            return HttpResponseRedirect(
                reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_change",
                    args=[object_id],
                    current_app=self.admin_site.name,
                )
            )

    @staticmethod
    def call_service(call):
        try:
            return call()
        except DomainError as error:
            raise ServiceRefused(error) from error


class AppendOnlyAdmin(ServiceAdmin):
    """Rows a service appends and nobody edits or deletes afterwards (the leave ledger,
    working-time adjustments, month closings): admins add one through `service_create`,
    with the form's `Meta.fields`; an existing row shows `view_fields`, read-only.

    `change_for_actions`: the changelist's actions need "change" (reopening closings); it is
    given to those who may add, and never on a row."""

    view_fields: list[str] = []
    change_for_actions = False

    def service_create(self, request, data: dict):
        """Write the row from the form's cleaned data through its service; return the row."""
        raise NotImplementedError

    def get_fields(self, request, obj=None):
        return list(self.form.Meta.fields) if obj is None else list(self.view_fields)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else list(self.view_fields)

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_admin

    def has_change_permission(self, request, obj=None):
        return self.change_for_actions and obj is None and self.has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        adopt(obj, self.call_service(lambda: self.service_create(request, form.cleaned_data)))

    def save_related(self, request, form, formsets, change):
        """The service wrote the row and all it needs; read-only inlines save nothing, and
        run so the admin's change message can read them."""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


class CatalogAdmin(ScopedAdminMixin, ServiceAdmin):
    """Catalogue rows (clients, projects, tasks, leave types, holiday calendars): admins write
    them through `catalog_save`/`catalog_delete`; managers (view permission) see the rows
    the subclass's `scoped_queryset` shows them."""

    def save_model(self, request, obj, form, change):
        fields = dict(form.cleaned_data)
        self.call_service(lambda: catalog_save(actor=request.user, instance=obj, **fields))

    def save_related(self, request, form, formsets, change):
        """catalog_save has set the many-to-many fields with the row."""

    def service_delete(self, request, obj):
        catalog_delete(actor=request.user, instance=obj)


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
