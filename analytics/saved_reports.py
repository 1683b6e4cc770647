"""Writes of saved reports: a report's filters under a name, per person (issue 17).

A saved report stores the query-string parameters the reports page opens it with, as
strings. They are checked by the report's own query serializer (`analytics.queries`), so a
saved report never holds filters the report would refuse; the page's own keys are `range`
(a relative one stands for from/to and is resolved again each time it is opened) and
`sort`."""

import re
from datetime import date
from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from analytics.models import SavedReport
from analytics.queries import RANGES, RELATIVE_RANGES, REPORT_QUERY_SERIALIZERS, range_dates
from analytics.selectors import saved_reports_of
from core.errors import DomainValidationError
from users.models import User

REPORTS_PAGE_PATH = "/reports/"
SORT = re.compile(r"^-?[a-z][a-z_]{0,39}$")
NOT_SAVED = {"format": gettext_lazy("The format is chosen when downloading; it is not part of a saved report.")}


def _as_string(value) -> str | None:
    """A query-string value as text; numbers are written as they would be in a URL."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _known_keys(report: str) -> set[str]:
    """The report's query parameters, and the page's: `sort`, and `range` where there are dates."""
    keys = set(REPORT_QUERY_SERIALIZERS[report]().get_fields()) - set(NOT_SAVED)
    return keys | ({"sort", "range"} if "from" in keys else {"sort"})


def _cleaned(report: str, params: dict) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The params as strings without blank ones (an empty filter is no filter), and the
    errors of keys the report does not know or values that are not text."""
    known, cleaned, errors = _known_keys(report), {}, {}
    for key, value in params.items():
        text = _as_string(value)
        if key not in known:
            errors[key] = [
                NOT_SAVED.get(key)
                or _("The %(report)s report has no parameter %(key)r.") % {"report": report, "key": key}
            ]
        elif text is None:
            errors[key] = [_("Give the value as text, as in a URL.")]
        elif text:
            cleaned[key] = text
    return cleaned, errors


def _page_key_errors(report: str, params: dict[str, str]) -> dict[str, list[str]]:
    errors = {}
    if "sort" in params and not SORT.match(params["sort"]):
        errors["sort"] = [_("Sort by a column key, with a leading - for descending.")]
    presets = [key for key, _label in RANGES]
    if params.get("range", presets[0]) not in presets:
        errors["range"] = [_("Choose one of %(choices)s.") % {"choices": ", ".join(presets)}]
    return errors


def _report_query(params: dict[str, str], today: date) -> dict[str, str]:
    """The report's own query parameters of saved `params`: without the page's keys, a
    relative period as its days seen from `today`."""
    query = {key: value for key, value in params.items() if key not in ("sort", "range")}
    if params.get("range") in RELATIVE_RANGES:
        query["from"], query["to"] = (day.isoformat() for day in range_dates(params["range"], today))
    return query


def saved_report_params(*, owner: User, report: str, params: dict) -> dict[str, str]:
    """`params` as a saved report of `report` stores them, or a ValidationError naming each
    bad key under `params`. With a relative `range` the from/to are dropped (the period is
    resolved on the day the report is opened) and checked as of the owner's today."""
    cleaned, errors = _cleaned(report, params)
    errors |= _page_key_errors(report, cleaned)
    if errors:
        raise serializers.ValidationError({"params": errors})
    if cleaned.get("range") in RELATIVE_RANGES:
        for key in ("from", "to"):
            cleaned.pop(key, None)
    query = REPORT_QUERY_SERIALIZERS[report](data=_report_query(cleaned, owner.local_today()))
    if not query.is_valid():
        raise serializers.ValidationError({"params": query.errors})
    return cleaned


def _checked_name(owner: User, name: str, *, other_than: int | None = None) -> str:
    name = name.strip()
    limit = SavedReport._meta.get_field("name").max_length
    if not name:
        raise DomainValidationError(_("Give the saved report a name."), field="name")
    if len(name) > limit:
        raise DomainValidationError(_("A name has at most %(limit)s characters.") % {"limit": limit}, field="name")
    if saved_reports_of(owner).filter(name=name).exclude(pk=other_than).exists():
        raise _duplicate(name)
    return name


def _duplicate(name: str) -> DomainValidationError:
    return DomainValidationError(_("You already have a saved report named %(name)r.") % {"name": name}, field="name")


def _save(saved: SavedReport, **fields) -> SavedReport:
    """Write the row; the unique constraint settles two saves of one name at once."""
    try:
        with transaction.atomic():
            saved.save(**fields)
    except IntegrityError as error:
        raise _duplicate(saved.name) from error
    return saved


def saved_report_create(*, owner: User, name: str, report: str, params: dict) -> SavedReport:
    """Save `report`'s filters `params` for `owner` under `name`, a name they have not used."""
    params = saved_report_params(owner=owner, report=report, params=params)
    return _save(SavedReport(owner=owner, name=_checked_name(owner, name), report=report, params=params))


@transaction.atomic
def saved_report_update(
    *, owner: User, saved_report_id: int, name: str | None = None, params: dict | None = None
) -> SavedReport:
    """Rename one of `owner`'s saved reports and/or replace its filters (its report stays)."""
    saved = saved_reports_of(owner).select_for_update().get(pk=saved_report_id)
    if name is not None:
        saved.name = _checked_name(owner, name, other_than=saved.pk)
    if params is not None:
        saved.params = saved_report_params(owner=owner, report=saved.report, params=params)
    return _save(saved)


def saved_report_delete(*, owner: User, saved_report_id: int) -> None:
    """Delete one of `owner`'s saved reports."""
    saved_reports_of(owner).get(pk=saved_report_id).delete()


def saved_report_query_string(saved: SavedReport) -> str:
    """`report=<report>&<params>` (params by key), the query string the reports page opens."""
    return urlencode({"report": saved.report, **dict(sorted(saved.params.items()))})


def saved_report_page_url(saved: SavedReport) -> str:
    return f"{REPORTS_PAGE_PATH}?{saved_report_query_string(saved)}"
