from django.urls import path

from leave import pages

urlpatterns = [
    path("leave/", pages.leave_page, name="leave"),
    path("leave/preview/", pages.leave_preview, name="leave-preview"),
    path("leave/requests/<int:request_id>/cancel/", pages.leave_cancel, name="leave-cancel"),
    path("leave/requests/<int:request_id>/shorten/", pages.leave_shorten, name="leave-shorten"),
    path("leave/team/", pages.team_page, name="leave-team"),
    path(
        "leave/team/requests/<int:request_id>/approve/",
        pages.leave_decide,
        {"decision": "approve"},
        name="leave-approve",
    ),
    path(
        "leave/team/requests/<int:request_id>/reject/",
        pages.leave_decide,
        {"decision": "reject"},
        name="leave-reject",
    ),
]
