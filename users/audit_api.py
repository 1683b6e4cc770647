"""Read-only API over the audit trail: business events (AuditEvent) and field-level history
(auditlog's LogEntry). Nobody writes here; rows only come from the services and auditlog.
It lives with users because who reads which event is "who sees whom" (users.selectors)."""

import django_filters
from auditlog.models import LogEntry
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import permissions, serializers, viewsets

from core.audit import audit_log_entries_visible_to
from core.filters import LocalDateRangeFilterSet, UserIdFilter
from core.models import AuditEvent
from core.replicas import reads_from_replica
from core.viewsets import ScopedQuerysetMixin
from users.selectors import audit_events_visible_to

LOG_ENTRY_ACTIONS = {
    LogEntry.Action.CREATE: "create",
    LogEntry.Action.UPDATE: "update",
    LogEntry.Action.DELETE: "delete",
    LogEntry.Action.ACCESS: "access",
}
LOG_ENTRY_ACTION_CODES = {name: code for code, name in LOG_ENTRY_ACTIONS.items()}


# --- permissions ----------------------------------------------------------------------------


class IsManagerOrAdmin(permissions.BasePermission):
    message = gettext_lazy("Only managers and admins can read the audit trail.")

    def has_permission(self, request, view):
        return bool(
            request.user and request.user.is_authenticated and (request.user.is_admin or request.user.is_manager)
        )


class IsAdmin(permissions.BasePermission):
    message = gettext_lazy("Only admins can read the field-level history.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_admin)


# --- filters --------------------------------------------------------------------------------


class AuditEventFilter(LocalDateRangeFilterSet):
    date_field = "created_at"
    actor = UserIdFilter(field_name="actor_id", help_text="id of the user who acted")
    actor_label = django_filters.CharFilter(help_text='system actor, e.g. "system:audit-retention"')
    subject = UserIdFilter(field_name="subject_id", help_text="id of the user the event is about")
    object_type = django_filters.CharFilter(
        field_name="target_type", help_text='"app_label.model", e.g. "leave.leaverequest"'
    )
    object_id = django_filters.CharFilter(field_name="target_id")
    action = django_filters.CharFilter(help_text='e.g. "login", "leave_approved"')

    class Meta:
        model = AuditEvent
        fields: list[str] = []


class ObjectTypeFilter(django_filters.CharFilter):
    """`app_label.model` on auditlog's content type."""

    def filter(self, qs, value):
        if not value:
            return qs
        app_label, _, model = value.lower().partition(".")
        return qs.filter(content_type__app_label=app_label, content_type__model=model)


class AuditLogEntryFilter(LocalDateRangeFilterSet):
    date_field = "timestamp"
    actor = UserIdFilter(field_name="actor_id", help_text="id of the user who acted")
    object_type = ObjectTypeFilter(help_text='"app_label.model", e.g. "users.team"')
    object_id = django_filters.CharFilter(field_name="object_pk")
    action = django_filters.ChoiceFilter(
        choices=[(name, name) for name in LOG_ENTRY_ACTIONS.values()], method="filter_action"
    )

    class Meta:
        model = LogEntry
        fields: list[str] = []

    def filter_action(self, queryset, name, value):
        # The API names actions by text; auditlog stores small integers.
        return queryset.filter(action=LOG_ENTRY_ACTION_CODES[value])


# --- serializers ----------------------------------------------------------------------------


class AuditEventSerializer(serializers.ModelSerializer):
    actor_email = serializers.EmailField(source="actor.email", read_only=True, default=None, allow_null=True)
    subject_email = serializers.EmailField(source="subject.email", read_only=True, default=None, allow_null=True)
    object_type = serializers.CharField(source="target_type", read_only=True)
    object_id = serializers.CharField(source="target_id", read_only=True)
    object_repr = serializers.CharField(source="target_repr", read_only=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "action",
            "actor",
            "actor_email",
            "actor_label",
            "subject",
            "subject_email",
            "object_type",
            "object_id",
            "object_repr",
            "ip_address",
            "data",
        ]
        read_only_fields = fields


class AuditLogEntrySerializer(serializers.ModelSerializer):
    action = serializers.SerializerMethodField()
    object_type = serializers.SerializerMethodField()
    object_id = serializers.CharField(source="object_pk", read_only=True)
    changes = serializers.SerializerMethodField(
        help_text='{field: [old, new]}; many-to-many fields as {"type": "m2m", …}'
    )

    class Meta:
        model = LogEntry
        fields = [
            "id",
            "timestamp",
            "actor",
            "actor_email",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "remote_addr",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=list(LOG_ENTRY_ACTIONS.values())))
    def get_action(self, entry: LogEntry) -> str:
        return LOG_ENTRY_ACTIONS.get(entry.action, str(entry.action))

    @extend_schema_field(OpenApiTypes.STR)
    def get_object_type(self, entry: LogEntry) -> str:
        return f"{entry.content_type.app_label}.{entry.content_type.model}"

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_changes(self, entry: LogEntry) -> dict:
        return entry.changes_dict


# --- views ----------------------------------------------------------------------------------


class AuditEventViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Business events, newest first. Admins see all; managers those about or by their people."""

    model = AuditEvent
    serializer_class = AuditEventSerializer
    permission_classes = [permissions.IsAuthenticated, IsManagerOrAdmin]
    filter_backends = [DjangoFilterBackend]
    filterset_class = AuditEventFilter
    lookup_value_regex = r"[0-9]+"

    def scoped_queryset(self, user):
        return audit_events_visible_to(user).order_by("-created_at", "-id")

    @reads_from_replica
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class AuditLogEntryViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Field-level history from django-auditlog, newest first. Admins only."""

    model = LogEntry
    serializer_class = AuditLogEntrySerializer
    permission_classes = [permissions.IsAuthenticated, IsAdmin]
    filter_backends = [DjangoFilterBackend]
    filterset_class = AuditLogEntryFilter
    lookup_value_regex = r"[0-9]+"

    def scoped_queryset(self, user):
        return audit_log_entries_visible_to(user).order_by("-timestamp", "-id")

    @reads_from_replica
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
