from django.conf import settings
from django.utils.translation import gettext
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import generics, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.errors import Forbidden
from core.net import client_ip
from core.permissions import AdminWritesOthersRead
from core.ratelimit import rate_limit_enforce
from core.viewsets import ScopedQuerysetMixin
from users import selectors, services
from users.filters import ContractFilter, UserFilter
from users.models import Contract, Team, User
from users.serializers import (
    ContractSerializer,
    MfaRequiredSerializer,
    PasswordChangeSerializer,
    ProfileSerializer,
    RefreshInputSerializer,
    RegisterSerializer,
    TeamSerializer,
    TokenObtainSerializer,
    TokenPairSerializer,
    UserSerializer,
)


class PublicAuthView(generics.GenericAPIView):
    """Auth endpoints answer anonymous clients; no session, so no CSRF."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list = []

    def validated(self):
        body = self.get_serializer(data=self.request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data


class RegisterView(PublicAuthView):
    serializer_class = RegisterSerializer

    @extend_schema(responses={201: ProfileSerializer})
    def post(self, request):
        if not settings.ALLOW_REGISTRATION or settings.OIDC_ONLY:  # with OIDC_ONLY accounts come from the provider
            raise Forbidden(gettext("Registration is closed."), code="registration_closed")
        # Counted before the body is validated: a failed attempt ("A user with this email
        # already exists") counts as much as a sign-up, so probing for accounts is limited.
        rate_limit_enforce(request, ("register-ip", client_ip(request), settings.RATE_LIMIT_REGISTER))
        user = services.user_register(request=request, **self.validated())
        return Response(ProfileSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenObtainView(PublicAuthView):
    """Email + password -> tokens. A person with two-factor sign-in on first gets
    `{"mfa_required": true}` and sends the same body again with `otp` (a wrong code: 401 naming
    `otp`; too many: 429). A role that must enrol and has not: 403 `mfa_enrolment_required`."""

    serializer_class = TokenObtainSerializer

    @extend_schema(
        responses={
            200: PolymorphicProxySerializer(
                component_name="TokenObtainResult",
                serializers=[TokenPairSerializer, MfaRequiredSerializer],
                resource_type_field_name=None,
            )
        }
    )
    def post(self, request):
        data = self.validated()
        services.auth_login_attempt_limit(request=request, email=data["email"])
        return Response(services.auth_login(request=request, **data))


class TokenRefreshView(PublicAuthView):
    serializer_class = RefreshInputSerializer

    @extend_schema(responses={200: TokenPairSerializer})
    def post(self, request):
        data = self.validated()
        rate_limit_enforce(request, ("refresh-ip", client_ip(request), settings.RATE_LIMIT_REFRESH), fail_open=True)
        return Response(services.auth_token_refresh(refresh=data["refresh"]))


class LogoutView(PublicAuthView):
    serializer_class = RefreshInputSerializer

    @extend_schema(responses={204: None})
    def post(self, request):
        data = self.validated()
        rate_limit_enforce(request, ("refresh-ip", client_ip(request), settings.RATE_LIMIT_REFRESH), fail_open=True)
        services.auth_logout(refresh=data["refresh"], request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(generics.RetrieveUpdateAPIView):
    serializer_class = ProfileSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user

    def perform_update(self, serializer):
        serializer.instance = services.user_profile_update(user=self.request.user, **serializer.validated_data)


class PasswordChangeView(generics.GenericAPIView):
    serializer_class = PasswordChangeSerializer

    @extend_schema(responses={204: None})
    def post(self, request):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.user_password_change(user=request.user, request=request, **body.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserViewSet(ScopedQuerysetMixin, viewsets.ModelViewSet):
    """Admins: full CRUD (DELETE deactivates; history stays). Managers: read their teams'
    members. Employees: read themselves."""

    serializer_class = UserSerializer
    permission_classes = [permissions.IsAuthenticated, AdminWritesOthersRead]
    filterset_class = UserFilter
    search_fields = ["email", "first_name", "last_name"]
    ordering_fields = ["email", "last_name", "date_joined", "role"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    model = User

    def scoped_queryset(self, user):
        return selectors.users_visible_to(user).prefetch_related("contracts").order_by("email")

    def perform_create(self, serializer):
        serializer.instance = services.user_create(
            actor=self.request.user, request=self.request, **serializer.validated_data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("password", None)  # passwords change through /users/me/password only
        serializer.instance = services.user_update(
            user=serializer.instance, actor=self.request.user, request=self.request, **data
        )

    def perform_destroy(self, instance):
        services.user_deactivate(user=instance, actor=self.request.user, request=self.request)

    @extend_schema(request=None, responses={200: UserSerializer})
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        user = services.user_deactivate(user=self.get_object(), actor=request.user, request=request)
        return Response(UserSerializer(user).data)

    @extend_schema(request=None, responses={200: UserSerializer})
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        user = services.user_activate(user=self.get_object(), actor=request.user, request=request)
        return Response(UserSerializer(user).data)


class TeamViewSet(ScopedQuerysetMixin, viewsets.ModelViewSet):
    """Admins: CRUD. Managers read the teams they manage; employees their own team."""

    serializer_class = TeamSerializer
    permission_classes = [permissions.IsAuthenticated, AdminWritesOthersRead]
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    model = Team

    def scoped_queryset(self, user):
        return selectors.teams_visible_to(user).order_by("name")

    def perform_create(self, serializer):
        serializer.instance = services.team_create(
            actor=self.request.user, request=self.request, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.team_update(
            team=serializer.instance, actor=self.request.user, request=self.request, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.team_delete(team=instance, actor=self.request.user, request=self.request)


class ContractViewSet(ScopedQuerysetMixin, viewsets.ModelViewSet):
    """Contract versions. Admins: CRUD; managers read their teams' people's, employees
    their own. Every write goes through `users.services.contract_version_*`."""

    serializer_class = ContractSerializer
    permission_classes = [permissions.IsAuthenticated, AdminWritesOthersRead]
    filterset_class = ContractFilter
    ordering_fields = ["valid_from", "user"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    model = Contract

    def scoped_queryset(self, user):
        return selectors.contracts_visible_to(user).order_by("user_id", "valid_from")

    def perform_create(self, serializer):
        serializer.instance = services.contract_version_create(
            actor=self.request.user, request=self.request, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.contract_version_update(
            version=serializer.instance, actor=self.request.user, request=self.request, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.contract_version_delete(version=instance, actor=self.request.user, request=self.request)
