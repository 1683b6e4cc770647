from django.db.models import QuerySet
from rest_framework import permissions, viewsets

from core.catalog import catalog_delete, catalog_save
from core.permissions import AdminWritesOthersRead


class ScopedQuerysetMixin:
    """A viewset whose rows come from one scoping selector: `scoped_queryset(user)`.

    Rows outside the scope are simply absent, so detail routes answer 404 for them.
    During schema generation there is no user; the model's empty queryset stands in.
    """

    model = None

    def scoped_queryset(self, user) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.scoped_queryset(self.request.user)


class CatalogViewSet(ScopedQuerysetMixin, viewsets.ModelViewSet):
    """A catalogue (clients, projects, tasks, leave types, holiday calendars): admins write
    through the generic catalogue services, everyone signed in reads what the scope shows."""

    permission_classes = [permissions.IsAuthenticated, AdminWritesOthersRead]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    search_fields = ["name"]

    def perform_create(self, serializer):
        serializer.instance = catalog_save(actor=self.request.user, instance=self.model(), **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = catalog_save(
            actor=self.request.user, instance=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        catalog_delete(actor=self.request.user, instance=instance)
