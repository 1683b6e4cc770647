from datetime import timedelta

from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response

from core.i18n import language_of
from core.net import client_ip
from core.pagination import LeaveRequestPagination
from core.permissions import AdminWritesOthersRead
from core.ratelimit import rate_limit_enforce
from core.viewsets import CatalogViewSet, ScopedQuerysetMixin
from leave import selectors, services
from leave.filters import HolidayFilter, LeaveForfeitureNoticeFilter, LeaveLedgerFilter, LeaveRequestFilter
from leave.ics import leave_calendar_ics
from leave.models import (
    CalendarFeed,
    Holiday,
    HolidayCalendar,
    LeaveForfeitureNotice,
    LeaveLedgerEntry,
    LeaveRequest,
    LeaveType,
)
from leave.serializers import (
    LeaveAbsenceSerializer,
    LeaveBalancesQuerySerializer,
    LeaveBalancesSerializer,
    LeaveCalendarFeedSerializer,
    LeaveCalendarHolidaySerializer,
    LeaveCalendarQuerySerializer,
    LeaveCalendarSerializer,
    LeaveDecisionSerializer,
    LeaveForfeitureNoticeSerializer,
    LeaveHolidayCalendarSerializer,
    LeaveHolidayImportResultSerializer,
    LeaveHolidayImportSerializer,
    LeaveHolidaySerializer,
    LeaveLedgerAdjustmentSerializer,
    LeaveLedgerEntrySerializer,
    LeaveRequestSerializer,
    LeaveShortenSerializer,
    LeaveTypeSerializer,
    MonthClosingSerializer,
)
from users.models import MonthClosing
from users.selectors import users_whose_absences_visible_to, visible_user_or_self

ICS_RATE_PER_IP = "120/m"
# Feeds carry leave that ended at most this long ago, so they stay small over the years.
ICS_HISTORY = timedelta(days=366)


# --- catalog: leave types and holiday calendars -------------------------------------------


class LeaveTypeViewSet(CatalogViewSet):
    """Everyone reads the active leave types; admins also see (and filter on) inactive ones."""

    model = LeaveType
    serializer_class = LeaveTypeSerializer
    filterset_fields = ["active", "unit", "tracks_balance"]
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code"]

    def scoped_queryset(self, user):
        types = LeaveType.objects.order_by("name", "pk")
        return types if user.is_admin else types.filter(active=True)


class HolidayCalendarViewSet(CatalogViewSet):
    model = HolidayCalendar
    serializer_class = LeaveHolidayCalendarSerializer
    filterset_fields = ["country", "subdivision"]
    ordering_fields = ["name", "country"]

    def scoped_queryset(self, user):
        return HolidayCalendar.objects.order_by("name", "pk")

    def perform_destroy(self, instance):
        services.holiday_calendar_delete(calendar=instance, actor=self.request.user)

    @extend_schema(request=LeaveHolidayImportSerializer, responses={200: LeaveHolidayImportResultSerializer})
    @action(detail=True, methods=["post"], url_path="import")
    def import_holidays(self, request, pk=None):
        calendar = self.get_object()
        body = LeaveHolidayImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        year = body.validated_data["year"]
        before = calendar.holidays.filter(date__year=year).count()
        created = services.holidays_import(calendar=calendar, year=year, actor=request.user)
        removed = before + len(created) - calendar.holidays.filter(date__year=year).count()
        return Response(
            {"created": len(created), "removed": removed, "holidays": LeaveHolidaySerializer(created, many=True).data}
        )


class HolidayViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Holidays of every calendar; admins add and remove them, and leave already requested
    over the day is counted again."""

    model = Holiday
    serializer_class = LeaveHolidaySerializer
    permission_classes = [permissions.IsAuthenticated, AdminWritesOthersRead]
    filterset_class = HolidayFilter
    search_fields = ["name"]
    ordering_fields = ["date", "name"]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def scoped_queryset(self, user):
        return Holiday.objects.select_related("calendar").order_by("date", "calendar_id", "pk")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.holiday_create(
            calendar=data["calendar"],
            day=data["date"],
            name=data["name"],
            half_day=data.get("half_day", False),
            actor=self.request.user,
        )

    def perform_destroy(self, instance):
        services.holiday_delete(holiday=instance, actor=self.request.user)


# --- requests ------------------------------------------------------------------------------


class LeaveRequestViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Employees see their own requests, managers their teams', admins all. A request is
    never edited: it is approved, rejected, shortened or cancelled through the actions."""

    model = LeaveRequest
    serializer_class = LeaveRequestSerializer
    filterset_class = LeaveRequestFilter
    pagination_class = LeaveRequestPagination
    search_fields = ["reason", "user__email", "user__first_name", "user__last_name"]
    ordering_fields = ["start_date", "end_date", "created_at", "status"]
    http_method_names = ["get", "post", "head", "options"]

    def scoped_queryset(self, user):
        requests = selectors.leave_requests_visible_to(user)
        if self.action == "list":
            # A listed request shows its person's email and its type's name, and the decider as
            # an id: the person's team and the decider are not read.
            return requests.select_related(None).select_related("user", "leave_type")
        return requests

    def perform_create(self, serializer):
        serializer.instance = services.leave_request_create(actor=self.request.user, **serializer.validated_data)

    def _decide(self, request, service, body_serializer=LeaveDecisionSerializer):
        leave_request = self.get_object()
        body = body_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = service(request_id=leave_request.pk, actor=request.user, **body.validated_data)
        return Response(LeaveRequestSerializer(result).data)

    @extend_schema(request=LeaveDecisionSerializer, responses={200: LeaveRequestSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, services.leave_request_approve)

    @extend_schema(
        request=LeaveDecisionSerializer,
        responses={200: LeaveRequestSerializer},
        description="The comment is required: say why.",
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, services.leave_request_reject)

    @extend_schema(request=LeaveDecisionSerializer, responses={200: LeaveRequestSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._decide(request, services.leave_request_cancel)

    @extend_schema(
        request=LeaveShortenSerializer,
        responses={200: LeaveRequestSerializer},
        description="End the request earlier (`end_date`, `end_half`) or recall the person from leave "
        "(`recalled_from`: the day they are back). Approved leave: managers and admins only; what the "
        "removed days took is credited back.",
    )
    @action(detail=True, methods=["post"])
    def shorten(self, request, pk=None):
        return self._decide(request, services.leave_request_shorten, LeaveShortenSerializer)


# --- balances and ledger -------------------------------------------------------------------


class LeaveBalancesView(generics.GenericAPIView):
    """Balances per leave type for one leave year: yours, or of someone you may see."""

    serializer_class = LeaveBalancesSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("user", OpenApiTypes.INT, description="a user you may see; default: you"),
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="default: today in your time zone"),
        ],
        responses={200: LeaveBalancesSerializer},
    )
    def get(self, request):
        query = LeaveBalancesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        user = visible_user_or_self(request.user, query.validated_data.get("user"))
        as_of = query.validated_data.get("as_of") or request.user.local_today()
        data = {"user": user.pk, "as_of": as_of, "balances": selectors.leave_balances(user, as_of)}
        return Response(LeaveBalancesSerializer(data).data)


class LeaveLedgerViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Every movement of the balances you may see. Admins post manual adjustments and
    payouts (`kind`)."""

    model = LeaveLedgerEntry
    permission_classes = [permissions.IsAuthenticated, AdminWritesOthersRead]
    filterset_class = LeaveLedgerFilter
    ordering_fields = ["date", "created_at"]
    http_method_names = ["get", "post", "head", "options"]

    def scoped_queryset(self, user):
        return selectors.ledger_visible_to(user)

    def get_serializer_class(self):
        return LeaveLedgerAdjustmentSerializer if self.action == "create" else LeaveLedgerEntrySerializer

    @extend_schema(request=LeaveLedgerAdjustmentSerializer, responses={201: LeaveLedgerEntrySerializer})
    def create(self, request):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        write = services.ledger_payout if data["kind"] == LeaveLedgerEntry.Kind.PAYOUT else services.ledger_adjust
        entry = write(
            actor=request.user,
            user=data["user"],
            leave_type=data["type"],
            amount=data["amount"],
            on=data["date"],
            note=data["note"],
        )
        return Response(LeaveLedgerEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class LeaveForfeitureNoticeViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Forfeiture notices on record, scoped like the ledger: without a notice for a year,
    nothing of that year's leave lapses. The daily job sends them from `LEAVE_NOTICE_DATE`."""

    model = LeaveForfeitureNotice
    serializer_class = LeaveForfeitureNoticeSerializer
    filterset_class = LeaveForfeitureNoticeFilter
    ordering_fields = ["year", "sent_at"]

    def scoped_queryset(self, user):
        return selectors.forfeiture_notices_visible_to(user)


# --- calendar ------------------------------------------------------------------------------


class LeaveCalendarView(generics.GenericAPIView):
    """Who is away when: pending and approved leave of the people you may see and of your
    team mates (unless your team keeps absences to its managers), and the holidays of your
    own calendar (each day's from your contract version in force that day), for at most
    366 days. Private types (sick leave) of people you do not manage come as "Absent", with
    no type."""

    serializer_class = LeaveCalendarSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, required=True, description="first day"),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True, description="last day (inclusive)"),
            OpenApiParameter("team", OpenApiTypes.INT, description="only this team's members"),
        ],
        responses={200: LeaveCalendarSerializer},
    )
    def get(self, request):
        query = LeaveCalendarQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end, team = query.validated_data["from"], query.validated_data["to"], query.validated_data.get("team")
        holidays = selectors.holidays_of_user(request.user, start, end)
        return Response(
            {
                "from": start.isoformat(),
                "to": end.isoformat(),
                "absences": LeaveAbsenceSerializer(
                    selectors.absences_seen_by(request.user, start, end, team_id=team), many=True
                ).data,
                "holidays": LeaveCalendarHolidaySerializer(
                    sorted(holidays.values(), key=lambda h: h.date), many=True
                ).data,
            }
        )


class FirstRendererNegotiation(BaseContentNegotiation):
    """Calendar clients send `Accept: text/calendar`; errors are JSON whatever they accept."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class LeaveCalendarIcsView(generics.GenericAPIView):
    """A subscribed calendar (ICS): approved leave, whole days. The secret token in the URL
    is the only credential, so there is no sign-in; wrong tokens answer 404, and so does a
    team feed its owner may no longer have (`services.calendar_feed_allowed`). A team feed
    shows private types (sick leave) as "Absent" unless the owner manages the person."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list = []
    content_negotiation_class = FirstRendererNegotiation
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        operation_id="leave_calendar_ics",
        auth=[],
        parameters=[OpenApiParameter("token", OpenApiTypes.STR, required=True, description="the feed's secret")],
        responses={
            (200, "text/calendar"): OpenApiResponse(OpenApiTypes.STR, description="iCalendar (RFC 5545)"),
            404: OpenApiResponse(description="Unknown token or feed owner deactivated."),
        },
    )
    def get(self, request):
        rate_limit_enforce(request, ("ics-ip", client_ip(request), ICS_RATE_PER_IP))
        token = request.query_params.get("token", "")
        feed = CalendarFeed.objects.select_related("user").filter(token=token).first() if token else None
        if feed is None or not feed.user.is_active or not services.calendar_feed_allowed(feed):
            raise NotFound()
        owner = feed.user
        translation.activate(language_of(owner))  # the feed speaks its owner's language, whoever fetches it
        if feed.scope == CalendarFeed.Scope.TEAM:
            people, name = users_whose_absences_visible_to(owner), _("Team absences (%(owner)s)") % {"owner": owner}
        else:
            people, name = [owner], _("Absences of %(owner)s") % {"owner": owner}
        requests = selectors.with_type_hidden(
            owner,
            LeaveRequest.objects.filter(
                user__in=people,
                status=LeaveRequest.Status.APPROVED,
                end_date__gte=owner.local_today() - ICS_HISTORY,
            )
            .select_related("user", "leave_type")
            .order_by("start_date", "pk"),
        )
        response = HttpResponse(leave_calendar_ics(requests, name=name), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="leave.ics"'
        response["Cache-Control"] = "private, max-age=300"
        return response


class LeaveCalendarFeedViewSet(ScopedQuerysetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your secret ICS addresses: a personal feed, and a team feed for managers, admins and
    members of a team that shares its absences."""

    model = CalendarFeed
    serializer_class = LeaveCalendarFeedSerializer
    filter_backends: list = []

    def scoped_queryset(self, user):
        return CalendarFeed.objects.filter(user=user).order_by("pk")

    def list(self, request):
        feeds = services.calendar_feeds_for(request.user)
        page = self.paginate_queryset(feeds)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=None, responses={200: LeaveCalendarFeedSerializer})
    @action(detail=True, methods=["post"])
    def regenerate(self, request, pk=None):
        feed = services.calendar_feed_regenerate(feed=self.get_object(), actor=request.user)
        return Response(self.get_serializer(feed).data)


# --- month closings --------------------------------------------------------------------------


class IsAdmin(permissions.BasePermission):
    message = gettext_lazy("Only admins can close or reopen months.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_admin)


class MonthClosingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Admins close a month for payroll (`{"month": "2026-11", "team": null}` for the whole
    company) and reopen it; each closing carries its frozen per-person figures."""

    serializer_class = MonthClosingSerializer
    permission_classes = [permissions.IsAuthenticated, IsAdmin]
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["team"]

    def get_queryset(self):
        return MonthClosing.objects.select_related("team").prefetch_related("rows")

    def perform_create(self, serializer):
        serializer.instance = services.month_closing_create(actor=self.request.user, **serializer.validated_data)

    @extend_schema(request=None, responses={200: MonthClosingSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        closing = services.month_closing_reopen(closing_id=self.get_object().pk, actor=request.user)
        return Response(MonthClosingSerializer(closing).data)
