"""Resolve the violations that only the week grid's invented times caused (issue 14).

The grid used to store hours as clocked entries with made-up times (09:00 onwards, back to
back, no break), and the checks judged those times: ordinary days raised "breaks", a day cut
back raised "daily rest". timeentries 0006 turns such entries into duration entries (hours
on a day, no times), which are never judged for rests or breaks. Here, every unresolved
violation of those rules whose entries are all duration entries now (or no longer exist)
is resolved with a note saying so. Acknowledged ones too: a manager's comment on a finding
that was never true does not make it true; their comment stays.

Reversible: the violations this resolved (known by their note) go back to open, or
acknowledged when they were."""

from django.db import migrations
from django.utils import timezone

NOTE = (
    "Resolved when entries got two kinds (issue 14): the times behind this finding were invented by the "
    "week grid and are now hours recorded on a day without times, which are no longer judged for rests "
    "or breaks."
)
RULES = ("breaks", "daily_rest", "weekly_rest")
BATCH = 500


def _batches(queryset):
    batch = []
    for row in queryset.iterator(chunk_size=BATCH):
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def resolve_invented(apps, schema_editor):
    Violation = apps.get_model("compliance", "Violation")
    TimeEntry = apps.get_model("timeentries", "TimeEntry")
    now = timezone.now()
    candidates = Violation.objects.filter(rule__in=RULES).exclude(status="resolved").order_by("pk")
    for batch in _batches(candidates):
        ids = {int(pk) for violation in batch for pk in violation.entries or []}
        clocked = set(TimeEntry.objects.filter(pk__in=ids, kind="clocked").values_list("pk", flat=True))
        invented = [
            violation
            for violation in batch
            if violation.entries and not clocked.intersection(int(pk) for pk in violation.entries)
        ]
        for violation in invented:
            violation.status, violation.resolved_at, violation.resolution_note = "resolved", now, NOTE
            violation.updated_at = now
        Violation.objects.bulk_update(invented, ["status", "resolved_at", "resolution_note", "updated_at"])


def reopen_invented(apps, schema_editor):
    Violation = apps.get_model("compliance", "Violation")
    resolved = Violation.objects.filter(status="resolved", resolution_note=NOTE)
    resolved.filter(acknowledged_at__isnull=False).update(status="acknowledged", resolved_at=None, resolution_note="")
    resolved.filter(acknowledged_at__isnull=True).update(status="open", resolved_at=None, resolution_note="")


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0005_policy_clocked_times_and_resolution_note"),
        ("timeentries", "0006_invented_times_to_durations"),
    ]

    operations = [migrations.RunPython(resolve_invented, reopen_invented, elidable=False)]
