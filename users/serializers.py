from rest_framework import serializers

from core.validators import validate_display_name
from users.models import Team, User, validate_timezone

NAME_KWARGS = {"validators": [validate_display_name]}


class TimezoneField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)
        self.validators.append(validate_timezone)


class UserSerializer(serializers.ModelSerializer):
    """A user as admins edit them; managers and employees only read it."""

    password = serializers.CharField(write_only=True, required=False, style={"input_type": "password"})
    timezone = TimezoneField(required=False)
    team_name = serializers.CharField(source="team.name", read_only=True, default=None)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "timezone",
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
        ]
        read_only_fields = ["id", "date_joined", "last_login"]
        extra_kwargs = {
            "email": {"validators": []},  # uniqueness is checked case-insensitively by the service
            "first_name": NAME_KWARGS,
            "last_name": NAME_KWARGS,
        }

    def validate(self, attrs):
        if self.instance is None and not attrs.get("password"):
            raise serializers.ValidationError({"password": ["This field is required."]})
        return attrs


class ProfileSerializer(serializers.ModelSerializer):
    """`/users/me`: people may change their names and time zone; the rest is read-only."""

    timezone = TimezoneField(required=False)
    team_name = serializers.CharField(source="team.name", read_only=True, default=None)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "timezone",
            "weekly_contract_hours",
            "role",
            "team",
            "team_name",
            "is_active",
            "date_joined",
        ]
        read_only_fields = ["id", "email", "weekly_contract_hours", "role", "team", "is_active", "date_joined"]
        extra_kwargs = {"first_name": NAME_KWARGS, "last_name": NAME_KWARGS}


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="", **NAME_KWARGS)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="", **NAME_KWARGS)
    timezone = TimezoneField(required=False, default="UTC")


class TokenObtainSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})


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
