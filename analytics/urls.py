from django.urls import re_path

from analytics import api, approvals_api, saved_reports_api
from core.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("exports", api.ExportViewSet, basename="export")
router.register("saved-reports", saved_reports_api.SavedReportViewSet, basename="saved-report")

urlpatterns = [
    re_path(r"^reports/time/?$", api.TimeReportView.as_view(), name="report-time"),
    re_path(r"^reports/overtime/?$", api.OvertimeReportView.as_view(), name="report-overtime"),
    re_path(r"^reports/leave/?$", api.LeaveReportView.as_view(), name="report-leave"),
    re_path(r"^reports/payroll/?$", api.PayrollReportView.as_view(), name="report-payroll"),
    re_path(r"^approvals/?$", approvals_api.ApprovalsView.as_view(), name="approvals"),
    *router.urls,
]
