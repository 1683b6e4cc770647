from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from compliance import services, summary
from compliance.filters import ViolationFilter
from compliance.models import Violation, WorkingTimePolicy
from compliance.selectors import violations_visible_to
from compliance.serializers import (
    ComplianceAcknowledgeSerializer,
    CompliancePolicySerializer,
    ComplianceSummaryQuerySerializer,
    ComplianceSummarySerializer,
    ComplianceViolationSerializer,
)
from core.permissions import AdminWritesOthersRead
from core.viewsets import ScopedQuerysetMixin
from users.selectors import visible_user_or_self


class WorkingTimePolicyViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Working-time policies: everyone signed in reads them, admins write them (audited).
    A team follows at most one policy; people of teams without one follow the default.
    Policies are not deleted: move the teams to another policy instead."""

    model = WorkingTimePolicy
    serializer_class = CompliancePolicySerializer
    permission_classes = [permissions.IsAuthenticated, AdminWritesOthersRead]
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["is_default", "enforcement"]
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]

    def scoped_queryset(self, user):
        return WorkingTimePolicy.objects.prefetch_related("teams").order_by("name", "pk")

    def _save(self, serializer, instance: WorkingTimePolicy) -> None:
        fields = dict(serializer.validated_data)
        teams = fields.pop("teams", None)
        serializer.instance = services.policy_save(actor=self.request.user, instance=instance, teams=teams, **fields)

    def perform_create(self, serializer):
        self._save(serializer, WorkingTimePolicy())

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)


class ViolationViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Employees see their own violations, managers their teams', admins all. The daily scan
    and every time entry write record them; a manager acknowledges one with a comment."""

    model = Violation
    serializer_class = ComplianceViolationSerializer
    filterset_class = ViolationFilter
    search_fields = ["message", "user__email", "user__first_name", "user__last_name"]
    ordering_fields = ["period_start", "period_end", "measured", "created_at", "status"]

    def scoped_queryset(self, user):
        return violations_visible_to(user).order_by("-period_end", "user__email", "rule", "pk")

    @extend_schema(
        request=ComplianceAcknowledgeSerializer,
        responses={200: ComplianceViolationSerializer},
        description="Managers (of the person) and admins; the comment is required. Nobody acknowledges their own.",
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        violation = self.get_object()
        body = ComplianceAcknowledgeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = services.violation_acknowledge(
            violation_id=violation.pk, actor=request.user, comment=body.validated_data["comment"]
        )
        return Response(ComplianceViolationSerializer(result).data)


class ComplianceSummaryView(generics.GenericAPIView):
    """Someone's working time over at most 366 days, in their time zone: hours per day and
    per ISO week with the rolling weekly average at the end of each week, the shortest
    daily rests, and the violations in the range."""

    serializer_class = ComplianceSummarySerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("user", OpenApiTypes.INT, description="a user you may see; default: you"),
            OpenApiParameter("from", OpenApiTypes.DATE, required=True, description="first day"),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True, description="last day (inclusive)"),
        ],
        responses={200: ComplianceSummarySerializer},
    )
    def get(self, request):
        query = ComplianceSummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        user = visible_user_or_self(request.user, query.validated_data.get("user"))
        data = summary.working_time_summary(user, query.validated_data["from"], query.validated_data["to"])
        return Response(ComplianceSummarySerializer(data).data)
