"""The working-time account API: `GET /working-time-accounts?user=&as_of=` and the adjustments
(`/working-time-accounts/adjustments`: admins post, everyone lists what their scope shows)."""

from dataclasses import asdict

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, permissions, status, viewsets
from rest_framework.response import Response

from core.filters import UserIdFilter
from core.permissions import AdminWritesOthersRead
from core.viewsets import ScopedQuerysetMixin
from leave import selectors_account, services
from leave.models import WorkingTimeAdjustment
from leave.serializers_account import (
    WorkingTimeAccountQuerySerializer,
    WorkingTimeAccountSerializer,
    WorkingTimeAdjustmentInputSerializer,
    WorkingTimeAdjustmentSerializer,
)
from users.selectors import visible_user_or_self


class WorkingTimeAccountView(generics.GenericAPIView):
    """One person's working-time account at the end of a day: yours, or of someone you may see
    (others answer 404, like a missing user)."""

    serializer_class = WorkingTimeAccountSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("user", OpenApiTypes.INT, description="a user you may see; default: you"),
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="default: today in their time zone"),
        ],
        responses={200: WorkingTimeAccountSerializer},
    )
    def get(self, request):
        query = WorkingTimeAccountQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        user = visible_user_or_self(request.user, query.validated_data.get("user"))
        as_of = query.validated_data.get("as_of") or user.local_today()
        account = selectors_account.working_time_account(user, as_of)
        return Response(WorkingTimeAccountSerializer(asdict(account)).data)


class WorkingTimeAdjustmentFilter(django_filters.FilterSet):
    user = UserIdFilter()

    class Meta:
        model = WorkingTimeAdjustment
        fields = ["user", "kind"]


class WorkingTimeAdjustmentViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Opening balances, payouts, corrections and forfeits of the accounts you may see.
    Admins post them (a reason is required; an `idempotency_key` sent again returns the
    first adjustment with 200)."""

    model = WorkingTimeAdjustment
    permission_classes = [permissions.IsAuthenticated, AdminWritesOthersRead]
    filterset_class = WorkingTimeAdjustmentFilter
    ordering_fields = ["date", "created_at"]
    http_method_names = ["get", "post", "head", "options"]

    def scoped_queryset(self, user):
        return selectors_account.adjustments_visible_to(user)

    def get_serializer_class(self):
        return WorkingTimeAdjustmentInputSerializer if self.action == "create" else WorkingTimeAdjustmentSerializer

    @extend_schema(
        request=WorkingTimeAdjustmentInputSerializer,
        responses={201: WorkingTimeAdjustmentSerializer, 200: WorkingTimeAdjustmentSerializer},
    )
    def create(self, request):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        adjustment, created = services.working_time_adjustment_create(
            actor=request.user,
            user=data["user"],
            kind=data["kind"],
            hours=data["hours"],
            on=data["date"],
            reason=data["reason"],
            idempotency_key=data.get("idempotency_key", ""),
        )
        return Response(
            WorkingTimeAdjustmentSerializer(adjustment).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
