"""Ledger notes keep a code and parameters (`core.texts`), shown in each reader's language.
The notes written before were English sentences with ISO dates; those matching one of the
sentences of this time get their code, the others (notes an admin typed) stay as typed."""

import re

from django.db import migrations

DAY = r"\d{4}-\d{2}-\d{2}"
YEAR = r"\d{4}"
# (pattern, code, how each parameter is kept): the writers' sentences as they stood, a frozen copy.
REASONS = [
    (rf"Holiday (?P<name>.+) added", "Holiday %(name)s added", {"name": "str"}),
    (rf"Holiday (?P<name>.+) removed", "Holiday %(name)s removed", {"name": "str"}),
    (rf"Holiday calendar (?P<name>.+) deleted", "Holiday calendar %(name)s deleted", {"name": "str"}),
    (r"Employment dates changed", "Employment dates changed", {}),
    (r"Working days, hours or holidays changed", "Working days, hours or holidays changed", {}),
    (r"Team (?P<name>.+) changed holiday calendar", "Team %(name)s changed holiday calendar", {"name": "str"}),
    (r"Team (?P<name>.+) deleted", "Team %(name)s deleted", {"name": "str"}),
    (r"Contract version changed", "Contract version changed", {}),
]
NOTES = [
    (
        rf"Shortened: ends (?P<end>{DAY}) \((?P<half>morning|afternoon)\) instead of (?P<old_end>{DAY})",
        "Shortened: ends %(end)s (%(half)s) instead of %(old_end)s",
        {"end": "date", "half": "half", "old_end": "date"},
    ),
    (
        rf"Shortened: ends (?P<end>{DAY}) instead of (?P<old_end>{DAY})",
        "Shortened: ends %(end)s instead of %(old_end)s",
        {"end": "date", "old_end": "date"},
    ),
    (r"Cancelled", "Cancelled", {}),
    (
        rf"Sick during (?P<type>.+) \((?P<start>{DAY}) to (?P<end>{DAY})\)",
        "Sick during %(type)s (%(start)s to %(end)s)",
        {"type": "str", "start": "date", "end": "date"},
    ),
    (
        rf"(?P<year>{YEAR}) closed again: (?P<left>-?\d+(\.\d+)?) left after a late change",
        "%(year)s closed again: %(left)s left after a late change",
        {"year": "int", "left": "number"},
    ),
    (rf"Allowance (?P<year>{YEAR})", "Allowance %(year)s", {"year": "int"}),
    (
        rf"Entitlement (?P<year>{YEAR}) re-counted \(leaving on (?P<end>{DAY})\)",
        "Entitlement %(year)s re-counted (leaving on %(end)s)",
        {"year": "int", "end": "date"},
    ),
    (rf"Entitlement (?P<year>{YEAR}) re-counted", "Entitlement %(year)s re-counted", {"year": "int"}),
    (rf"(?P<year>{YEAR}) closed", "%(year)s closed", {"year": "int"}),
    (
        rf"Carried over from (?P<year>{YEAR}) \(no forfeiture notice: nothing lapses\)",
        "Carried over from %(year)s (no forfeiture notice: nothing lapses)",
        {"year": "int"},
    ),
    (rf"Carried over from (?P<year>{YEAR})", "Carried over from %(year)s", {"year": "int"}),
    (
        rf"Carry-over from (?P<year>{YEAR}) expired \(kept over long-term illness until (?P<day>{DAY})\)",
        "Carry-over from %(year)s expired (kept over long-term illness until %(day)s)",
        {"year": "int", "day": "date"},
    ),
    (rf"Carry-over from (?P<year>{YEAR}) expired", "Carry-over from %(year)s expired", {"year": "int"}),
    (rf"(?P<reason>.+) on (?P<day>{DAY})", "%(reason)s on %(day)s", {"reason": "reason", "day": "date"}),
    *REASONS,
    (rf"(?P<type>.+) (?P<start>{DAY}) to (?P<end>{DAY})", "%(type)s %(start)s to %(end)s", {"type": "str", "start": "date", "end": "date"}),
]


def _match(text: str, table) -> dict | None:
    for pattern, code, kinds in table:
        found = re.fullmatch(pattern, text)
        if not found:
            continue
        params = {}
        for name, kind in kinds.items():
            value = found.group(name)
            if kind == "date":
                params[name] = {"date": value}
            elif kind == "int":
                params[name] = int(value)
            elif kind == "number":
                params[name] = {"number": value}
            elif kind == "half":
                params[name] = {"text": {"code": value, "params": {}}}
            elif kind == "reason":
                reason = _match(value, REASONS)
                if reason is None:
                    break
                params[name] = {"text": reason}
            else:
                params[name] = value
        else:
            return {"code": code, "params": params}
    return None


def codes_from_notes(apps, schema_editor):
    LeaveLedgerEntry = apps.get_model("leave", "LeaveLedgerEntry")
    for entry in LeaveLedgerEntry.objects.filter(note_code="").exclude(note="").iterator():
        found = _match(entry.note, NOTES)
        if found is not None:
            entry.note_code, entry.note_params = found["code"], found["params"]
            entry.save(update_fields=["note_code", "note_params"])


class Migration(migrations.Migration):
    dependencies = [("leave", "0012_ledger_note_code")]

    operations = [migrations.RunPython(codes_from_notes, migrations.RunPython.noop)]
