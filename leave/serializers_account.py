from rest_framework import serializers

from core.filters import MAX_ID
from core.serializers import BoundedDateField
from leave.models import WorkingTimeAdjustment
from leave.serializers import LeaveEnumField
from users.models import User

HOURS = {"max_digits": 8, "decimal_places": 2, "coerce_to_string": True}


class WorkingTimeAccountQuerySerializer(serializers.Serializer):
    user = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    as_of = BoundedDateField(required=False)


class WorkingTimeAccountSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    as_of = serializers.DateField()
    opening_balance_hours = serializers.DecimalField(**HOURS, help_text="Opening balances up to as_of.")
    worked_hours = serializers.DecimalField(**HOURS, help_text="Recorded work from the account's start.")
    expected_hours = serializers.DecimalField(**HOURS, help_text="Contract hours less holidays and leave.")
    adjustment_hours = serializers.DecimalField(**HOURS, help_text="Payouts, corrections and forfeits.")
    toil_hours = serializers.DecimalField(
        **HOURS, help_text="Approved time off in lieu in the range (already part of expected_hours)."
    )
    balance_hours = serializers.DecimalField(**HOURS, help_text="opening + worked - expected + adjustments")


class WorkingTimeAdjustmentSerializer(serializers.ModelSerializer):
    kind = LeaveEnumField(WorkingTimeAdjustment.Kind, schema_name="WorkingTimeAdjustmentKindEnum", read_only=True)

    class Meta:
        model = WorkingTimeAdjustment
        fields = ["id", "user", "kind", "hours", "date", "reason", "actor", "idempotency_key", "created_at"]
        read_only_fields = fields


class WorkingTimeAdjustmentInputSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    kind = LeaveEnumField(WorkingTimeAdjustment.Kind, schema_name="WorkingTimeAdjustmentKindEnum")
    hours = serializers.DecimalField(max_digits=8, decimal_places=2, help_text="Signed: negative lowers the account.")
    date = BoundedDateField()
    reason = serializers.CharField(max_length=255, help_text="Required: why the account moves.")
    idempotency_key = serializers.CharField(
        required=False, max_length=120, help_text="The same key again returns the first adjustment."
    )
