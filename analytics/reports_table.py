"""A report result as the reports page shows it: header cells that sort, the rows' text,
the totals row, the chart's data, and the empty state's advice. The rows arrive sorted
(`analytics.exports.report_table`); nothing here reorders them."""

from datetime import date
from decimal import Decimal

from django.http import QueryDict
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from analytics.exports import Column
from analytics.sorting import sort_parse

CHART_MAX_ROWS = 50
# Per report: the columns naming a row in the chart (None: every text column, as the time
# report's groupings) and the figures drawn as bars.
CHART_SERIES = {
    "time": (
        None,
        [
            ("hours", pgettext_lazy("report column", "Hours")),
            ("billable_hours", pgettext_lazy("report column", "Billable hours")),
        ],
    ),
    "overtime": (
        ["user_name", "period"],
        [
            ("expected_hours", pgettext_lazy("report column", "Expected hours")),
            ("actual_hours", pgettext_lazy("report column", "Actual hours")),
        ],
    ),
    "leave": (
        ["user_name", "type_name"],
        [
            ("taken", pgettext_lazy("report column", "Taken")),
            ("planned", pgettext_lazy("report column", "Planned")),
            ("left", pgettext_lazy("report column", "Left")),
        ],
    ),
    "payroll": (
        ["user_name"],
        [
            ("expected_hours", pgettext_lazy("report column", "Expected hours")),
            ("worked_hours", pgettext_lazy("report column", "Worked hours")),
        ],
    ),
}
FILTER_NAMES = {
    "user": gettext_lazy("person"),
    "team": gettext_lazy("team"),
    "client": gettext_lazy("client"),
    "project": gettext_lazy("project"),
    "billable": pgettext_lazy("filter", "billable"),
}


def cell_text(value, kind: str = "text") -> str:
    """A cell as the page writes it: amounts with two places, as the CSV file does, with the
    language's decimal mark; dates in the language's short format (the rows and the JSON API
    keep them ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal):
        return number_format(value, 2)
    if kind == "date" and value != "":
        return date_format(value if isinstance(value, date) else date.fromisoformat(value), "SHORT_DATE_FORMAT")
    return str(value)


def header_cells(columns: list[Column], sort: str, query: QueryDict) -> list[dict]:
    """One per column: its label, and the link that sorts by it (ascending first, then the
    other way round), with `aria_sort` on the column the rows are sorted by."""
    current, descending = sort_parse(columns, sort) or ("", False)
    cells = []
    for key, label, kind in columns:
        link = query.copy()
        sorted_here = key == current
        link["sort"] = f"-{key}" if sorted_here and not descending else key
        cells.append(
            {
                "key": key,
                "label": label,
                "num": kind == "number",
                "url": "?" + link.urlencode(),
                "aria_sort": ("descending" if descending else "ascending") if sorted_here else "",
                "next": _("sort descending") if sorted_here and not descending else _("sort ascending"),
            }
        )
    return cells


def body_rows(columns: list[Column], rows: list[dict]) -> list[list[dict]]:
    return [
        [{"text": cell_text(row.get(key), kind), "num": kind == "number"} for key, _, kind in columns] for row in rows
    ]


def totals_row(columns: list[Column], totals: dict | None) -> list[dict] | None:
    """The totals under their columns, "Total" in the first one; None without totals."""
    if not totals:
        return None
    cells = []
    for position, (key, _header, kind) in enumerate(columns):
        text = (
            cell_text(totals[key], kind)
            if key in totals
            else (pgettext("totals row", "Total") if position == 0 else "")
        )
        cells.append({"text": text, "num": kind == "number" and key in totals})
    return cells


def chart_data(report: str, columns: list[Column], rows: list[dict]) -> dict:
    """Bars of the first CHART_MAX_ROWS rows in the table's order, for static/js/reports.js."""
    label_keys, series = CHART_SERIES[report]
    kinds = {key: kind for key, _, kind in columns}
    if label_keys is None:
        label_keys = [key for key, _, kind in columns if kind != "number"]
    shown = rows[:CHART_MAX_ROWS]
    return {
        "labels": [" · ".join(cell_text(row.get(key), kinds.get(key, "text")) for key in label_keys) for row in shown],
        "datasets": [
            {"label": str(label), "data": [float(row.get(key) or 0) for row in shown]} for key, label in series
        ],
        "shown": len(shown),
        "rows": len(rows),
    }


def empty_advice(report: str, params: dict) -> str:
    """What to change when a report has no rows, naming the filters that are set."""
    filters = params.get("filters", params)
    active = [str(name) for key, name in FILTER_NAMES.items() if filters.get(key) is not None]
    clear = _("clear the %(filters)s filter") % {"filters": _(" and ").join(active)} if active else ""
    if report == "time":
        advice = _("widen the period or %(clear)s") % {"clear": clear} if clear else _("widen the period")
        return _("No hours for these filters: %(advice)s.") % {"advice": advice}
    if report == "payroll":
        advice = _("pick another month or %(clear)s") % {"clear": clear} if clear else _("pick another month")
        return _("No one you see was employed in this month: %(advice)s.") % {"advice": advice}
    if report == "overtime":
        return _("No one to show for these filters: %(advice)s.") % {"advice": clear or _("widen the period")}
    return _("No leave balances for these filters: %(advice)s.") % {"advice": clear or _("pick another day")}


def table_context(report: str, columns: list[Column], result: dict, sort: str, query: QueryDict) -> dict:
    rows = result["rows"]
    return {
        "headers": header_cells(columns, sort, query),
        "rows": body_rows(columns, rows),
        "totals": totals_row(columns, result.get("totals")),
        "chart": chart_data(report, columns, rows),
        "row_count": len(rows),
    }
