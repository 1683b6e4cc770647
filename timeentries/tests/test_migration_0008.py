"""Migration 0008: the single-column user and project indexes of time entries are gone
(their composite indexes lead with the same columns), every other index stays, the partial
unique index of the running timer above all, and the day index is the lists' order."""

import pytest
from django.db import connection

from timeentries.models import TimeEntry


def indexes() -> dict[str, dict]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TimeEntry._meta.db_table)
    return {name: spec for name, spec in constraints.items() if spec["index"] or spec["unique"]}


@pytest.mark.django_db
def test_user_and_project_are_indexed_only_by_the_composite_indexes():
    found = indexes()
    by_columns = {tuple(spec["columns"]) for spec in found.values()}
    assert ("user_id",) in by_columns  # the running timer's partial unique index, nothing else
    assert [name for name, spec in found.items() if spec["columns"] == ["user_id"]] == [
        "timeentry_one_running_timer_per_user"
    ]
    assert ("project_id",) not in by_columns
    for columns in (("user_id", "start"), ("user_id", "day"), ("project_id", "start"), ("task_id",)):
        assert columns in by_columns, columns
    assert found["timeentry_list_order"]["columns"] == ["day", "start", "id"]
    assert "timeentry_day" not in found
