"""Violations keep their message as a code and parameters (`core.texts`), shown in each
reader's language. Rows from before are read back where their text matches one of the
rule messages of this time, in English or in German (they were written in the language of
whoever caused the check); the rest keep their text as it is."""

from django.db import migrations

# The rule messages (compliance/rules.py) as they stood when the codes came: a frozen copy.
MESSAGES = [
    (
        "%(over)s (since the start on %(start)s), above %(limit)s h; the weeks to %(end)s can "
        "balance it: %(remain)s h remain of the %(weeks)s-week period's %(allowed)s h."
    ),
    (
        "%(worked)s of the %(sundays)s Sundays of %(year)s worked (since %(day)s, fewer than "
        "%(free)s can stay free): at most %(can_be_free)s free Sundays (ArbZG §11(1))."
    ),
    (
        "Week %(week)s (%(first)s to %(last)s): no rest of %(required)s in one piece with "
        "%(inside)s of it inside the week; the longest rest within it was %(longest)s."
    ),
    (
        "Night worker: %(worked)s h over the %(days)s working days from %(start)s to %(end)s, "
        "%(average)s h a day on average; 8 h are allowed (ArbZG §6(2))."
    ),
    (
        "%(over)s (since the start on %(start)s): %(worked)s h worked, more than the "
        "%(allowed)s h the %(weeks)s-week period to %(end)s allows."
    ),
    (
        "No substitute rest day for the work on the public holiday %(day)s: no free working "
        "day between %(first)s and %(last)s (ArbZG §11(3))."
    ),
    (
        "%(worked)s worked from %(from)s on %(day)s with only %(taken)s minutes of break; "
        "%(required)s minutes are required after %(after)s."
    ),
    (
        "No substitute rest day for the work on Sunday %(day)s: no free working day between "
        "%(first)s and %(last)s (ArbZG §11(3))."
    ),
    (
        "%(hours)s h in week %(week)s, above %(limit)s h; the %(weeks)s-week average "
        "(%(average)s h) is within the limit."
    ),
    ("%(worked)s worked on a public holiday, %(day)s: a substitute rest day is owed between %(first)s and %(last)s."),
    ("%(worked)s worked in a row from %(from)s on %(day)s without a break; at most %(allowed)s are allowed."),
    ("Only %(rest)s of rest since %(since)s, before work at %(time)s on %(day)s; %(required)s are required."),
    ("%(worked)s without a %(required)s-minute break (from %(from)s on %(day)s; required after %(after)s)."),
    ("%(worked)s worked on Sunday, %(day)s: a substitute rest day is owed between %(first)s and %(last)s."),
    "%(worked)s on %(day)s recorded without start and end times; the policy requires them.",
    "%(worked)s worked in the 24 h from %(since)s, more than the %(allowed)s allowed.",
    "%(worked)s worked on %(day)s, more than the %(allowed)s allowed.",
    "%(over)s (from %(day)s), more than %(limit)s h.",
]
# Phrases a message's parameter may be.
PHRASES = [
    "%(count)s day",
    "%(count)s days",
    "%(count)s week",
    "%(count)s weeks",
    "%(time)s on %(day)s",
    "Average %(average)s h a week over %(length)s to %(day)s",
    "yesterday %(time)s",
]


def codes_from_texts(apps, schema_editor):
    from core.texts import text_parse

    Violation = apps.get_model("compliance", "Violation")
    for violation in Violation.objects.filter(message_code="").iterator():
        parsed = text_parse(violation.message, MESSAGES, nested=PHRASES, around=violation.period_start)
        if parsed is None:
            continue
        data = parsed.as_data()
        violation.message_code, violation.message_params = data["code"], data["params"]
        violation.message = parsed.english()[:255]
        violation.save(update_fields=["message_code", "message_params", "message"])


class Migration(migrations.Migration):
    dependencies = [("compliance", "0014_violation_message_code")]

    operations = [migrations.RunPython(codes_from_texts, migrations.RunPython.noop)]
