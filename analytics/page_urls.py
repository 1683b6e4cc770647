from django.urls import path

from analytics import approvals_pages, pages, reports_export_pages, reports_pages, saved_reports_pages

urlpatterns = [
    path("dashboard/", pages.dashboard_page, name="dashboard"),
    path("approvals/", approvals_pages.approvals_page, name="approvals-page"),
    path("reports/", reports_pages.reports_page, name="reports-page"),
    path("reports/download", reports_pages.report_download_page, name="reports-download"),
    path("reports/exports/", reports_export_pages.export_create_page, name="reports-export-create"),
    path("reports/exports/<int:pk>/", reports_export_pages.export_status_fragment, name="reports-export-status"),
    path(
        "reports/exports/<int:pk>/download", reports_export_pages.export_download_page, name="reports-export-download"
    ),
    path("reports/saved/", saved_reports_pages.saved_report_save, name="reports-saved-create"),
    path("reports/saved/<int:pk>/delete", saved_reports_pages.saved_report_delete_page, name="reports-saved-delete"),
    path("reports/payroll/close", reports_export_pages.payroll_close_page, name="reports-payroll-close"),
]
