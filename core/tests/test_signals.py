"""`core/signals.py` is the one list of the project's signals and receivers: these tests hold
it to what is connected, and show through the API what a `time_entry_written` receiver can
do (report warnings after the write committed; never refuse it)."""

import ast
import weakref
from pathlib import Path

import pytest
from django.contrib.auth import signals as auth_signals
from django.core import signals as core_signals
from django.db.models import signals as model_signals
from django.dispatch import Signal

from core import signals
from core.errors import Conflict
from timeentries.models import TimeEntry

ROOT = Path(__file__).resolve().parents[2]
APPS = ("core", "users", "timeentries", "leave", "compliance", "search", "analytics", "webhooks")
ENTRIES = "/api/v1/time-entries"
MORNING = {"start": "2026-03-03T09:00:00+01:00", "end": "2026-03-03T12:00:00+01:00"}


def connected(signal: Signal) -> set[str]:
    """`module.function` of every live receiver of `signal` in the project's apps."""
    names = set()
    for entry in signal.receivers:
        receiver = entry[1]
        if isinstance(receiver, weakref.ReferenceType):
            receiver = receiver()
        if receiver is not None and receiver.__module__.split(".")[0] in APPS:
            names.add(f"{receiver.__module__}.{receiver.__qualname__}")
    return names


def test_every_project_signal_is_defined_in_core_signals_and_listed():
    defined = {name for name, value in vars(signals).items() if isinstance(value, Signal)}
    assert defined == set(signals.RECEIVERS)
    for name in defined:
        assert f"`{name}(" in signals.__doc__, f"{name} has no entry in core/signals.py's docstring"


def test_the_listed_receivers_are_exactly_the_connected_ones():
    assert {name: connected(getattr(signals, name)) for name in signals.RECEIVERS} == signals.RECEIVERS


def test_the_listed_receivers_of_djangos_signals_are_exactly_the_connected_ones():
    django_signals = [
        value
        for module in (model_signals, auth_signals, core_signals)
        for value in vars(module).values()
        if isinstance(value, Signal)
    ]
    assert set().union(*(connected(signal) for signal in django_signals)) == signals.DJANGO_SIGNAL_RECEIVERS


def test_no_app_defines_a_signal_outside_core_signals():
    """A `Signal()` elsewhere would be missing from the one list."""
    elsewhere = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "tests" in path.parts or path == ROOT / "core" / "signals.py":
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "Signal":
                    elsewhere.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert elsewhere == []


@pytest.fixture
def extra_receiver():
    """Connect a receiver to `time_entry_written` for one test."""

    def connect(receiver):
        signals.time_entry_written.connect(receiver, dispatch_uid="test-extra-receiver")

    yield connect
    signals.time_entry_written.disconnect(dispatch_uid="test-extra-receiver")


@pytest.mark.django_db
def test_a_time_entry_written_receiver_runs_after_the_write_and_cannot_refuse_it(api, alice, internal, extra_receiver):
    def refuse(sender, *, user, spans, may_veto, **kwargs):
        assert TimeEntry.objects.filter(user=user).exists()  # the write is there before it is judged
        raise Conflict("Refused by a test receiver.", code="test_refusal")

    extra_receiver(refuse)
    recorded = api(alice).post(ENTRIES, {"project": internal.pk, **MORNING})
    assert recorded.status_code == 201, recorded.content
    assert TimeEntry.objects.filter(user=alice).count() == 1


@pytest.mark.django_db
def test_what_time_entry_written_receivers_return_is_the_responses_compliance_warnings(
    api, alice, internal, extra_receiver
):
    seen = []

    def report(sender, *, user, spans, may_veto, **kwargs):
        seen.append((sender, user, len(spans), may_veto))
        return [{"rule": "test_rule", "severity": "warning", "message": "Noted by a test receiver."}]

    extra_receiver(report)
    created = api(alice).post(ENTRIES, {"project": internal.pk, **MORNING})
    assert created.status_code == 201, created.content
    assert {"rule": "test_rule", "severity": "warning", "message": "Noted by a test receiver."} in created.json()[
        "compliance_warnings"
    ]
    entry_id = created.json()["id"]
    moved = api(alice).patch(f"{ENTRIES}/{entry_id}", {"end": "2026-03-03T12:30:00+01:00"})
    assert moved.status_code == 200, moved.content
    assert api(alice).delete(f"{ENTRIES}/{entry_id}").status_code == 204
    # created: one span; moved: the old and the new span; deleted: one; judged after each write, never refusing
    assert seen == [(TimeEntry, alice, 1, False), (TimeEntry, alice, 2, False), (TimeEntry, alice, 1, False)]
