from django.urls import path

from imports import pages

urlpatterns = [
    path("imports/", pages.imports_page, name="imports-page"),
    path("imports/<int:pk>/", pages.import_page, name="import-page"),
    path("imports/<int:pk>/status", pages.import_status_fragment, name="import-status"),
    path("imports/<int:pk>/commit", pages.import_commit_page, name="import-commit"),
    path("imports/<int:pk>/revert", pages.import_revert_page, name="import-revert"),
]
