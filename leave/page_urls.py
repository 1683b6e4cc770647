from django.urls import path

from leave import pages, pages_contract

urlpatterns = [
    path("users/me/contract/", pages_contract.contract_page, name="my-contract"),
    path("users/<int:user_id>/contract/", pages_contract.contract_page, name="user-contract"),
    path("users/<int:user_id>/contract/versions/", pages_contract.contract_version_add, name="user-contract-version"),
    path(
        "users/<int:user_id>/contract/adjustments/",
        pages_contract.account_adjustment_add,
        name="user-contract-adjustment",
    ),
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
