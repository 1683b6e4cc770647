"""Every admin that writes does so through `core.admin.ServiceAdmin`: its saves and deletes
call services, and "Delete selected" is offered only where the admin declares the delete
service, which it then calls row by row in one transaction. Walks the whole admin registry,
so a new admin that bypasses the services fails here."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from core.admin import ServiceAdmin, delete_selected_through_service
from users.models import Team

pytestmark = pytest.mark.django_db

# Third-party models the project has no service for; each one, and why it may write directly.
WITHOUT_SERVICES = {
    "auth.Group": "the role's groups are set by users.services; the admin only edits permissions",
    "token_blacklist.OutstandingToken": "simplejwt's own bookkeeping",
    "token_blacklist.BlacklistedToken": "simplejwt's own bookkeeping",
    "auditlog.LogEntry": "auditlog's admin, read-only",
    "django_celery_beat.PeriodicTask": "the schedule of periodic jobs, django-celery-beat's own",
    "django_celery_beat.ClockedSchedule": "django-celery-beat's own",
    "django_celery_beat.CrontabSchedule": "django-celery-beat's own",
    "django_celery_beat.SolarSchedule": "django-celery-beat's own",
    "django_celery_beat.IntervalSchedule": "django-celery-beat's own",
}


def writes(model_admin, request) -> bool:
    return any(
        (
            model_admin.has_add_permission(request),
            model_admin.has_change_permission(request),
            model_admin.has_delete_permission(request),
        )
    )


@pytest.fixture
def request_of_an_admin(carol):
    request = RequestFactory().get("/admin/")
    request.user = carol  # a superuser: every permission the admin would grant anyone
    return request


def test_every_admin_that_writes_goes_through_services(request_of_an_admin):
    bypassing = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        if label in WITHOUT_SERVICES or isinstance(model_admin, ServiceAdmin):
            continue
        if writes(model_admin, request_of_an_admin) or model_admin.get_actions(request_of_an_admin):
            bypassing.append(label)
    assert bypassing == [], f"these admins write without services: {bypassing}"


def test_bulk_delete_is_offered_only_through_the_delete_service(request_of_an_admin):
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, ServiceAdmin):
            continue
        label = model._meta.label
        actions = model_admin.get_actions(request_of_an_admin)
        assert type(model_admin).delete_queryset is ServiceAdmin.delete_queryset, label
        assert type(model_admin).delete_model is ServiceAdmin.delete_model, label
        if "delete_selected" in actions:
            assert actions["delete_selected"][0] is delete_selected_through_service, label
            assert model_admin.service_delete is not None, label
        if model_admin.service_delete is None:
            assert "delete_selected" not in actions and not model_admin.has_delete_permission(request_of_an_admin)


def test_the_team_admin_deletes_teams_in_bulk_through_team_delete(request_of_an_admin):
    actions = admin.site._registry[Team].get_actions(request_of_an_admin)
    assert actions["delete_selected"][0] is delete_selected_through_service
