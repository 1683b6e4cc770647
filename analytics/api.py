from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import services
from analytics.downloads import export_file_response, report_download
from analytics.exports import XLSX_MEDIA_TYPE, report_table
from analytics.models import Export
from analytics.queries import (
    LeaveReportQuerySerializer,
    OvertimeReportQuerySerializer,
    PayrollReportQuerySerializer,
    ReportQuery,
    TimeReportQuerySerializer,
)
from analytics.reports import jsonable, time_report_json
from analytics.selectors import exports_of
from analytics.serializers import (
    ExportCreateSerializer,
    ExportSerializer,
    LeaveReportSerializer,
    OvertimeReportSerializer,
    PayrollReportSerializer,
    TimeReportSerializer,
)


class ReportView(APIView):
    """A report as JSON, or as a download with `?format=csv` / `?format=xlsx`.

    `format` is read here, not by DRF's content negotiation: errors stay JSON and the
    downloads are plain Django responses."""

    report = ""
    query_serializer_class = None

    def perform_content_negotiation(self, request, force=False):
        renderer = JSONRenderer()
        return renderer, renderer.media_type

    def get(self, request):
        query = self.query_serializer_class(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        output = query.validated_data["format"]
        report = ReportQuery(self.report, query.report_params(request.user))
        if output == "json":
            return self.json_response(request.user, report.params)
        return report_download(request, report, format=output, params=request.query_params.dict())

    def json_response(self, actor, params: dict):
        _, result = report_table(ReportQuery(self.report, params), actor=actor)
        return Response(jsonable(result))


DOWNLOAD = {
    (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="with ?format=csv"),
    (200, XLSX_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="with ?format=xlsx"),
    413: OpenApiResponse(description="Too many rows for a direct download: use POST /exports."),
}


class TimeReportView(ReportView):
    """Hours, billable hours and amount per group (one or two of user, team, client,
    project, task, day, week, month) of the finished entries you may see."""

    report = "time"
    query_serializer_class = TimeReportQuerySerializer

    @extend_schema(
        operation_id="reports_time",
        parameters=[TimeReportQuerySerializer],
        responses={(200, "application/json"): TimeReportSerializer, **DOWNLOAD},
    )
    def get(self, request):
        return super().get(request)

    def json_response(self, actor, params: dict):
        # Written by the database on PostgreSQL; sent as it is (see reports.time_report_json).
        return HttpResponse(time_report_json(actor=actor, **params), content_type="application/json")


class OvertimeReportView(ReportView):
    """Expected and worked hours per person and week or month, with the running balance."""

    report = "overtime"
    query_serializer_class = OvertimeReportQuerySerializer

    @extend_schema(
        operation_id="reports_overtime",
        parameters=[OvertimeReportQuerySerializer],
        responses={(200, "application/json"): OvertimeReportSerializer, **DOWNLOAD},
    )
    def get(self, request):
        return super().get(request)


class LeaveReportView(ReportView):
    """Leave entitlement, taken, pending and left per person and leave type."""

    report = "leave"
    query_serializer_class = LeaveReportQuerySerializer

    @extend_schema(
        operation_id="reports_leave",
        parameters=[LeaveReportQuerySerializer],
        responses={(200, "application/json"): LeaveReportSerializer, **DOWNLOAD},
    )
    def get(self, request):
        return super().get(request)


class PayrollReportView(ReportView):
    """One row per person employed some day of the month, for payroll: employment dates,
    contract hours, expected, worked, overtime, account balance, paid-out hours, leave days
    by kind, public holidays, days worked on Sundays and holidays. Admins see everyone,
    managers their teams. The month must be closed (409 `month_open` otherwise) unless
    `preliminary=true`; the figures of a closed month are its closing's snapshot."""

    report = "payroll"
    query_serializer_class = PayrollReportQuerySerializer

    @extend_schema(
        operation_id="reports_payroll",
        parameters=[PayrollReportQuerySerializer],
        responses={
            (200, "application/json"): PayrollReportSerializer,
            **DOWNLOAD,
            409: OpenApiResponse(description="The month is not closed for payroll (ask with preliminary=true)."),
        },
    )
    def get(self, request):
        return super().get(request)


class ExportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Report files built in the background, newest first. Only their owner sees them (others: 404)."""

    serializer_class = ExportSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Export.objects.none()
        return exports_of(self.request.user)

    @extend_schema(request=ExportCreateSerializer, responses={202: ExportSerializer})
    def create(self, request):
        body = ExportCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        export = services.export_create(actor=request.user, request=request, **body.validated_data)
        return Response(ExportSerializer(export).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        return export_file_response(self.get_object())
