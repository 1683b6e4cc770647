from django.urls import path

from analytics import approvals_pages, pages

urlpatterns = [
    path("dashboard/", pages.dashboard_page, name="dashboard"),
    path("approvals/", approvals_pages.approvals_page, name="approvals-page"),
]
