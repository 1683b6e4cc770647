from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from core.viewsets import ScopedQuerysetMixin
from webhooks import services
from webhooks.models import Webhook
from webhooks.selectors import deliveries_of, webhooks_visible_to
from webhooks.serializers import (
    WebhookCreateSerializer,
    WebhookDeliverySerializer,
    WebhookSerializer,
    WebhookWithSecretSerializer,
)


class AdminsOnly(permissions.BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_admin)


class WebhookViewSet(ScopedQuerysetMixin, viewsets.ModelViewSet):
    """Webhooks (admins only; every admin sees and manages every webhook). Each event is POSTed
    as JSON `{"id", "event", "created_at", "data"}` with the Standard Webhooks headers
    `Webhook-Id`, `Webhook-Timestamp` and `Webhook-Signature` (`v1,` + base64 HMAC-SHA256 of
    `id.timestamp.body` with the secret's key). The secret is shown once, on create and on
    rotation."""

    model = Webhook
    serializer_class = WebhookSerializer
    permission_classes = [permissions.IsAuthenticated, AdminsOnly]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_fields = ["active"]
    search_fields = ["url", "description"]
    ordering_fields = ["created_at", "url"]

    def scoped_queryset(self, user):
        return webhooks_visible_to(user).order_by("pk")

    def get_serializer_class(self):
        return WebhookCreateSerializer if self.action == "create" else WebhookSerializer

    @extend_schema(request=WebhookCreateSerializer, responses={201: WebhookWithSecretSerializer})
    def create(self, request, *args, **kwargs):
        body = WebhookCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        webhook = services.webhook_create(actor=request.user, **body.validated_data)
        return Response(WebhookWithSecretSerializer(webhook).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        serializer.instance = services.webhook_update(
            webhook_id=serializer.instance.pk, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.webhook_delete(webhook_id=instance.pk, actor=self.request.user)

    @extend_schema(request=None, responses={200: WebhookWithSecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        """A new secret, shown this once; the old one stops signing at once."""
        webhook = services.webhook_secret_rotate(webhook_id=self.get_object().pk, actor=request.user)
        return Response(WebhookWithSecretSerializer(webhook).data)

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Send a `webhook.test` event to this webhook now; follow it in its deliveries."""
        delivery = services.webhook_test_send(webhook_id=self.get_object().pk, actor=request.user)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: WebhookDeliverySerializer(many=True)})
    @action(detail=True, methods=["get"], filter_backends=[])
    def deliveries(self, request, pk=None):
        """The delivery log, newest first: status, response code, duration and every attempt."""
        page = self.paginate_queryset(deliveries_of(self.get_object()))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>[0-9]{1,18})/redeliver")
    def redeliver(self, request, pk=None, delivery_id=None):
        """Send a finished delivery's event again, with the same `Webhook-Id`."""
        delivery = get_object_or_404(deliveries_of(self.get_object()), pk=delivery_id)
        delivery = services.webhook_redeliver(delivery_id=delivery.pk, actor=request.user)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
