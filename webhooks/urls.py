from core.routers import OptionalSlashRouter
from webhooks import api

router = OptionalSlashRouter()
router.register("webhooks", api.WebhookViewSet, basename="webhook")

urlpatterns = router.urls
