from django.db.models import QuerySet


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
