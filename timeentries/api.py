from contextlib import contextmanager

from django.db.models import F
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.errors import DomainValidationError
from core.pagination import TimeEntryPagination
from core.viewsets import CatalogViewSet, ScopedQuerysetMixin
from timeentries import selectors, services
from timeentries.filters import ProjectFilter, TaskFilter, TimeEntryFilter, TimesheetFilter
from timeentries.models import Client, Project, Task, TimeEntry, Timesheet
from timeentries.serializers import (
    ClientSerializer,
    ProjectSerializer,
    TaskSerializer,
    TimeEntrySerializer,
    TimerStartSerializer,
    TimerStopSerializer,
    TimesheetApproveSerializer,
    TimesheetDecisionSerializer,
    TimesheetDetailSerializer,
    TimesheetSerializer,
    TimesheetSubmitSerializer,
)


@contextmanager
def _hours_named_as_in_the_api():
    """The services call a duration entry's length `duration`; the API writes it as `hours`
    (its `duration` is read-only seconds), so a refusal names the field the client sent."""
    try:
        yield
    except DomainValidationError as error:
        if error.field == "duration":
            error.field = "hours"
        raise


class ClientViewSet(CatalogViewSet):
    model = Client
    serializer_class = ClientSerializer
    filterset_fields = ["archived"]
    ordering_fields = ["name", "created_at"]

    def scoped_queryset(self, user):
        return selectors.clients_visible_to(user).order_by("name")


class ProjectViewSet(CatalogViewSet):
    model = Project
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code", "created_at"]

    def scoped_queryset(self, user):
        return selectors.projects_visible_to(user).order_by("name")


class TaskViewSet(CatalogViewSet):
    model = Task
    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    ordering_fields = ["name", "project"]

    def scoped_queryset(self, user):
        return selectors.tasks_visible_to(user).order_by("project", "name")


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="first day, in your time zone"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="last day (inclusive), in your time zone"),
        ]
    )
)
class TimeEntryViewSet(ScopedQuerysetMixin, viewsets.ModelViewSet):
    """Employees see their own entries, managers their teams', admins all.

    Paged by number (`count` is an estimate above API_EXACT_COUNT_LIMIT rows, then
    `count_is_estimate` is true), or walked by `?cursor=` (in the same order).

    The timer: `POST timer/start` stops a running timer first (its end is now) and starts a
    new one; with `?stop_running=false` it answers 409 instead while one runs.
    """

    model = TimeEntry
    serializer_class = TimeEntrySerializer
    filterset_class = TimeEntryFilter
    pagination_class = TimeEntryPagination
    search_fields = ["description"]
    ordering_fields = ["day", "start", "end", "created_at", "updated_at"]
    # Newest day first; on one day clocked entries newest first, then duration entries.
    ordering = ["-day", F("start").desc(nulls_last=True), "-id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self, user):
        entries = selectors.entries_visible_to(user)
        if self.action == "list":
            # A listed entry shows its user, project and task as ids, columns of its own row:
            # joining them (and the client) cost four joins per row up to the page's offset
            # and four more objects per row (a third of an admin's page of 100).
            return entries.select_related(None)
        return entries

    def perform_create(self, serializer):
        with _hours_named_as_in_the_api():
            serializer.instance = services.time_entry_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        with _hours_named_as_in_the_api():
            serializer.instance = services.time_entry_update(
                entry=serializer.instance, actor=self.request.user, **serializer.validated_data
            )

    def perform_destroy(self, instance):
        services.time_entry_delete(entry=instance, actor=self.request.user)

    @extend_schema(
        request=None,
        responses={200: TimeEntrySerializer, 204: OpenApiResponse(description="No timer is running.")},
    )
    @action(detail=False, methods=["get"], url_path="timer")
    def timer(self, request):
        running = services.running_entry_of(request.user)
        if running is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(TimeEntrySerializer(running).data)

    @extend_schema(
        request=TimerStartSerializer,
        responses={201: TimeEntrySerializer},
        parameters=[OpenApiParameter("stop_running", OpenApiTypes.BOOL, default=True)],
    )
    @action(detail=False, methods=["post"], url_path="timer/start")
    def timer_start(self, request):
        body = TimerStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        stop_running = request.query_params.get("stop_running", "true").lower() not in ("false", "0", "no")
        entry = services.timer_start(actor=request.user, stop_running=stop_running, **body.validated_data)
        return Response(TimeEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TimerStopSerializer, responses={200: TimeEntrySerializer})
    @action(detail=False, methods=["post"], url_path="timer/stop")
    def timer_stop(self, request):
        body = TimerStopSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = services.timer_stop(actor=request.user, end=body.validated_data["end"])
        return Response(TimeEntrySerializer(entry).data)


class TimesheetViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """One per user and ISO week; it exists as soon as the week has an entry."""

    model = Timesheet
    filterset_class = TimesheetFilter
    ordering_fields = ["week_start", "status"]

    def scoped_queryset(self, user):
        return selectors.timesheets_visible_to(user)

    def get_serializer_class(self):
        return TimesheetDetailSerializer if self.action != "list" else TimesheetSerializer

    def _decide(self, request, service, body_serializer=TimesheetDecisionSerializer):
        timesheet = self.get_object()
        body = body_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = service(timesheet_id=timesheet.pk, actor=request.user, **body.validated_data)
        return Response(TimesheetDetailSerializer(result).data)

    @extend_schema(request=TimesheetSubmitSerializer, responses={200: TimesheetDetailSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Hand the week in. A week below or far above the expected hours needs a `comment`
        (400 `comment_required` on the field `comment`, with the hours in the message)."""
        timesheet = self.get_object()
        body = TimesheetSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        timesheet = services.timesheet_submit(timesheet_id=timesheet.pk, actor=request.user, **body.validated_data)
        return Response(TimesheetDetailSerializer(timesheet).data)

    @extend_schema(request=TimesheetApproveSerializer, responses={200: TimesheetDetailSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve a submitted week. Under a `block` working-time policy, a week with open
        violations answers 409 `compliance_open_violations` naming them, unless each was
        acknowledged or a `reason` is given (recorded on each)."""
        return self._decide(request, services.timesheet_approve, TimesheetApproveSerializer)

    @extend_schema(request=TimesheetDecisionSerializer, responses={200: TimesheetDetailSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, services.timesheet_reject)

    @extend_schema(request=TimesheetDecisionSerializer, responses={200: TimesheetDetailSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._decide(request, services.timesheet_reopen)
