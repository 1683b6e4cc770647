from django.urls import path

from analytics import pages

urlpatterns = [
    path("dashboard/", pages.dashboard_page, name="dashboard"),
]
