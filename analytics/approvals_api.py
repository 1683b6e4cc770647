"""`GET /api/v1/approvals`: the approvals inbox (`analytics.approvals`) for client apps.
Managers and admins; an employee decides for nobody and is answered 403. Decisions are
taken through the timesheet and leave endpoints (`.../approve`, `.../reject`)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.approvals import approvals_inbox


class ApprovalPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField()


class ApprovalDayHoursSerializer(serializers.Serializer):
    date = serializers.DateField()
    hours = serializers.DecimalField(max_digits=7, decimal_places=2)


class ApprovalProjectHoursSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    hours = serializers.DecimalField(max_digits=7, decimal_places=2)


class ApprovalWarningSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rule = serializers.CharField()
    message = serializers.CharField(help_text="As stored (English for violations recorded since the message codes).")
    message_localized = serializers.CharField(help_text="The message in the request's language.")
    period_start = serializers.DateField()
    period_end = serializers.DateField()


class ApprovalLeaveTypeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ApprovalAwaySerializer(serializers.Serializer):
    user = ApprovalPersonSerializer()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    status = serializers.CharField()


class ApprovalItemSerializer(serializers.Serializer):
    """One pending item. Timesheet fields are present when `kind` is `timesheet`, leave
    fields when it is `leave_request`."""

    kind = serializers.CharField(help_text="`timesheet` or `leave_request`.")
    id = serializers.IntegerField()
    user = ApprovalPersonSerializer()
    submitted_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    # timesheet
    week = serializers.CharField(required=False)
    week_start = serializers.DateField(required=False)
    submit_comment = serializers.CharField(allow_blank=True, required=False)
    total_hours = serializers.DecimalField(max_digits=7, decimal_places=2, required=False)
    hours_by_day = ApprovalDayHoursSerializer(many=True, required=False)
    hours_by_project = ApprovalProjectHoursSerializer(many=True, required=False)
    warnings = ApprovalWarningSerializer(many=True, required=False)
    # leave request
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)
    start_half = serializers.CharField(allow_blank=True, required=False)
    end_half = serializers.CharField(allow_blank=True, required=False)
    leave_type = ApprovalLeaveTypeSerializer(required=False)
    unit = serializers.CharField(required=False)
    working_days = serializers.DecimalField(max_digits=6, decimal_places=1, required=False)
    hours = serializers.DecimalField(max_digits=7, decimal_places=2, required=False)
    reason = serializers.CharField(allow_blank=True, required=False)
    balance_after_approval = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True, required=False)
    team_away = ApprovalAwaySerializer(many=True, required=False)


class ApprovalsView(APIView):
    @extend_schema(
        operation_id="approvals_list",
        responses={200: ApprovalItemSerializer(many=True)},
        description="Every pending timesheet and leave request of the people you may decide for, oldest first.",
    )
    def get(self, request):
        if not (request.user.is_manager or request.user.is_admin):
            raise PermissionDenied(_("Only managers and admins have an approvals inbox."))
        return Response(ApprovalItemSerializer(approvals_inbox(request.user), many=True).data)
