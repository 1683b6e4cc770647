from core.routers import OptionalSlashRouter
from imports import api

router = OptionalSlashRouter()
router.register("imports", api.ImportViewSet, basename="import")

urlpatterns = router.urls
