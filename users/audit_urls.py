from core.routers import OptionalSlashRouter
from users import audit_api

router = OptionalSlashRouter()
# The more specific prefix first; ids are digits only, so "changes" is never read as an id.
router.register("audit-logs/changes", audit_api.AuditLogEntryViewSet, basename="audit-log-entry")
router.register("audit-logs", audit_api.AuditEventViewSet, basename="audit-event")

urlpatterns = router.urls
