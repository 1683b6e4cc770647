"""The append-only admin pattern lives once, in `core.admin.AppendOnlyAdmin`: the leave
ledger, working-time adjustments and month closings are added by admins through their
service, shown read-only afterwards, and never changed or deleted from the admin."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from core.admin import AppendOnlyAdmin
from leave import services
from leave.models import LeaveLedgerEntry, WorkingTimeAdjustment
from users.models import MonthClosing

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_2026_03_02")]


def signed_in(user, password) -> Client:
    client = Client()
    assert client.login(email=user.email, password=password)
    return client


def ledger_row(alice, carol, vacation):
    return services.ledger_adjust(
        actor=carol, user=alice, leave_type=vacation, amount=Decimal(2), on=date(2026, 3, 2), note="Bonus"
    )


def adjustment_row(alice, carol, vacation):
    adjustment, _ = services.working_time_adjustment_create(
        actor=carol, user=alice, kind="opening", hours=Decimal("12.5"), on=date(2026, 1, 1), reason="Old system"
    )
    return adjustment


def closing_row(alice, carol, vacation):
    return services.month_closing_create(actor=carol, month=date(2026, 1, 1), team=None)


ROWS = [(LeaveLedgerEntry, ledger_row), (WorkingTimeAdjustment, adjustment_row), (MonthClosing, closing_row)]


@pytest.mark.parametrize(("model", "make"), ROWS, ids=lambda value: getattr(value, "__name__", ""))
def test_append_only_rows_are_added_by_admins_and_never_changed_or_deleted(
    model, make, alice, bob, carol, vacation, password
):
    assert isinstance(admin.site._registry[model], AppendOnlyAdmin)
    row = make(alice, carol, vacation)
    opts = model._meta
    add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])
    delete = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[row.pk])
    client = signed_in(carol, password)

    assert client.get(add).status_code == 200
    shown = client.get(change)
    assert shown.status_code == 200
    assert shown.context["adminform"].form.fields == {}  # every field read-only
    assert 'name="_save"' not in shown.content.decode()
    assert client.post(change, {}).status_code == 403
    assert client.get(delete).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()
    assert signed_in(bob, password).get(add).status_code == 403
