from django.utils.translation import gettext
from rest_framework import serializers

from core.validators import validate_display_name
from users.models import Contract, Team, User, validate_timezone
from users.selectors import contract_in_force_today

NAME_KWARGS = {"validators": [validate_display_name]}


class TimezoneField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)
        self.validators.append(validate_timezone)


class ContractSerializer(serializers.ModelSerializer):
    """One contract version. `user` is set on create and stays (a version belongs to one person)."""

    class Meta:
        model = Contract
        fields = [
            "id",
            "user",
            "valid_from",
            "weekly_hours",
            "work_days",
            "holiday_calendar",
            "policy",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        # (user, valid_from) uniqueness is the service's, as a 400 on valid_from.
        validators: list = []

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple) and "user" in fields:
            fields["user"].read_only = True
        return fields


class TodayContractSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contract
        fields = ["id", "valid_from", "weekly_hours", "work_days", "holiday_calendar", "policy"]
        read_only_fields = fields


class UserSerializer(serializers.ModelSerializer):
    """A user as admins edit them; managers and employees only read it. The weekly hours
    and work days are today's contract version's (read-only: they change through
    `/contracts`; sent in a PATCH they are ignored, as DRF ignores every read-only field);
    they are taken as the first version's terms when a user is created."""

    password = serializers.CharField(write_only=True, required=False, style={"input_type": "password"})
    timezone = TimezoneField(required=False)
    team_name = serializers.CharField(source="team.name", read_only=True, default=None)
    contract = serializers.SerializerMethodField(help_text="The contract version in force today (read-only).")

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "timezone",
            "language",
            "weekly_contract_hours",
            "role",
            "team",
            "team_name",
            "holiday_calendar",
            "work_days",
            "is_active",
            "date_joined",
            "last_login",
            "password",
            "employment_start",
            "employment_end",
            "contract",
            "night_worker",
            "mfa_enabled",
        ]
        read_only_fields = ["id", "date_joined", "last_login", "mfa_enabled"]
        extra_kwargs = {
            "email": {"validators": []},  # uniqueness is checked case-insensitively by the service
            "first_name": NAME_KWARGS,
            "last_name": NAME_KWARGS,
        }

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:  # after creation they change through contract versions
            for name in ("weekly_contract_hours", "work_days"):
                fields[name].read_only = True
        return fields

    def get_contract(self, user) -> dict | None:
        version = contract_in_force_today(user)
        return TodayContractSerializer(version).data if version else None

    def validate(self, attrs):
        if self.instance is None and not attrs.get("password"):
            raise serializers.ValidationError({"password": [gettext("This field is required.")]})
        return attrs


class ProfileSerializer(serializers.ModelSerializer):
    """`/users/me`: people may change their names, time zone and language (blank: the browser's);
    the rest is read-only, their employment dates and today's contract version included."""

    timezone = TimezoneField(required=False)
    team_name = serializers.CharField(source="team.name", read_only=True, default=None)
    contract = serializers.SerializerMethodField(help_text="The contract version in force today (read-only).")

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "timezone",
            "language",
            "weekly_contract_hours",
            "role",
            "team",
            "team_name",
            "is_active",
            "date_joined",
            "employment_start",
            "employment_end",
            "contract",
            "mfa_enabled",
        ]
        read_only_fields = [
            "id",
            "email",
            "weekly_contract_hours",
            "role",
            "team",
            "is_active",
            "date_joined",
            "employment_start",
            "employment_end",
            "mfa_enabled",
        ]
        extra_kwargs = {"first_name": NAME_KWARGS, "last_name": NAME_KWARGS}

    def get_contract(self, user) -> dict | None:
        version = contract_in_force_today(user)
        return TodayContractSerializer(version).data if version else None


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="", **NAME_KWARGS)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="", **NAME_KWARGS)
    timezone = TimezoneField(required=False, default="UTC")


class TokenObtainSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    otp = serializers.CharField(
        write_only=True,
        required=False,
        max_length=20,
        help_text="For a person with two-factor sign-in on: the six-digit code from their app, or one of "
        'their recovery codes (each works once). Without it such a person gets {"mfa_required": true}.',
    )


class MfaRequiredSerializer(serializers.Serializer):
    mfa_required = serializers.BooleanField(
        read_only=True, help_text="The password is right; send it again with `otp` to get the tokens."
    )


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(read_only=True)
    refresh = serializers.CharField(read_only=True)


class RefreshInputSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(max_length=128, style={"input_type": "password"})
    new_password = serializers.CharField(max_length=128, style={"input_type": "password"})


class TeamSerializer(serializers.ModelSerializer):
    managers = serializers.PrimaryKeyRelatedField(many=True, queryset=User.objects.all(), required=False)
    member_count = serializers.IntegerField(read_only=True, source="members.count")

    class Meta:
        model = Team
        fields = [
            "id",
            "name",
            "managers",
            "holiday_calendar",
            "absences_visible_to_members",
            "member_count",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        # Case-insensitive uniqueness lives in the service.
        extra_kwargs = {"name": {"validators": [validate_display_name]}}
