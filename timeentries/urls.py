from core.routers import OptionalSlashRouter
from timeentries import api

router = OptionalSlashRouter()
router.register("clients", api.ClientViewSet, basename="client")
router.register("projects", api.ProjectViewSet, basename="project")
router.register("tasks", api.TaskViewSet, basename="task")
router.register("time-entries", api.TimeEntryViewSet, basename="time-entry")
router.register("timesheets", api.TimesheetViewSet, basename="timesheet")

urlpatterns = router.urls
