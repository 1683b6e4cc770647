"""Dashboards over the API: one widget's chart data, and the signed-in user's layout."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import services
from analytics.models import DashboardWidget
from analytics.widgets import (
    MAX_RANGE_DAYS,
    MAX_WIDGETS,
    MIN_RANGE_DAYS,
    dashboard_layout,
    widget_data,
)


class DashboardDatasetSerializer(serializers.Serializer):
    label = serializers.CharField()
    data = serializers.ListField(child=serializers.FloatField())


class DashboardAccountSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    balance_hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    text = serializers.CharField(help_text='e.g. "Working-time account: +9.5 h as of Mon 23 Feb 2026".')


class DashboardWidgetDataSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DashboardWidget.Kind.choices)
    title = serializers.CharField()
    range_days = serializers.IntegerField()
    chart = serializers.ChoiceField(choices=["bar", "line", "doughnut"], help_text="Chart.js chart type.")
    stacked = serializers.BooleanField()
    unit = serializers.ChoiceField(choices=["hours", "people", "violations", "percent"])
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    labels = serializers.ListField(child=serializers.CharField())
    datasets = DashboardDatasetSerializer(many=True)
    summary = serializers.CharField(help_text="The chart in one sentence, for the text fallback.")
    account = DashboardAccountSerializer(
        required=False, help_text="Overtime trend only: your own working-time account balance today."
    )


class DashboardWidgetSlotSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DashboardWidget.Kind.choices)
    position = serializers.IntegerField(min_value=0, required=False, help_text="Order on the page; 0 first.")
    range_days = serializers.IntegerField(
        min_value=MIN_RANGE_DAYS,
        max_value=MAX_RANGE_DAYS,
        required=False,
        allow_null=True,
        help_text="Days the widget covers; the kind's default when left out.",
    )


class DashboardLayoutSerializer(serializers.Serializer):
    widgets = DashboardWidgetSlotSerializer(many=True, max_length=MAX_WIDGETS)


class DashboardWidgetView(APIView):
    """Chart data of one dashboard widget, over what you may see."""

    @extend_schema(
        operation_id="analytics_widget",
        parameters=[
            OpenApiParameter(
                "kind", str, OpenApiParameter.PATH, enum=DashboardWidget.Kind.values, description="Widget kind."
            ),
            OpenApiParameter(
                "range_days", int, description=f"Days covered ({MIN_RANGE_DAYS}-{MAX_RANGE_DAYS}); default by kind."
            ),
        ],
        responses=DashboardWidgetDataSerializer,
    )
    def get(self, request, kind: str):
        data = widget_data(actor=request.user, kind=kind, range_days=request.query_params.get("range_days"))
        return Response(data)


class MyDashboardView(APIView):
    """Your dashboard layout: the widgets in order. A default layout until you save one."""

    @extend_schema(operation_id="dashboards_me_retrieve", responses=DashboardLayoutSerializer)
    def get(self, request):
        return Response({"widgets": dashboard_layout(request.user)})

    @extend_schema(
        operation_id="dashboards_me_update", request=DashboardLayoutSerializer, responses=DashboardLayoutSerializer
    )
    def put(self, request):
        body = DashboardLayoutSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ordered = sorted(
            enumerate(body.validated_data["widgets"]),
            key=lambda item: (item[1].get("position", item[0]), item[0]),
        )
        widgets = services.dashboard_layout_replace(user=request.user, layout=[widget for _, widget in ordered])
        return Response({"widgets": widgets})
