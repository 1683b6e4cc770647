"""`/api/v1/saved-reports`: a person's named report filters. Only their owner sees them (others: 404)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from analytics import saved_reports
from analytics.models import SavedReport
from analytics.selectors import saved_reports_of
from analytics.serializers import SavedReportCreateSerializer, SavedReportSerializer, SavedReportUpdateSerializer


class SavedReportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Saved reports: a report and its filters under a name, listed by name. Open one on the
    reports page with its `page_url`."""

    serializer_class = SavedReportSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SavedReport.objects.none()
        return saved_reports_of(self.request.user)

    @extend_schema(request=SavedReportCreateSerializer, responses={201: SavedReportSerializer})
    def create(self, request):
        body = SavedReportCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        saved = saved_reports.saved_report_create(owner=request.user, **body.validated_data)
        return Response(SavedReportSerializer(saved).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SavedReportUpdateSerializer, responses={200: SavedReportSerializer})
    def partial_update(self, request, pk=None):
        body = SavedReportUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        saved = saved_reports.saved_report_update(
            owner=request.user, saved_report_id=self.get_object().pk, **body.validated_data
        )
        return Response(SavedReportSerializer(saved).data)

    def perform_destroy(self, instance):
        saved_reports.saved_report_delete(owner=self.request.user, saved_report_id=instance.pk)
