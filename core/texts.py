"""Text that is saved once and read later by people in either language: ledger notes,
violation messages, webhook failure reasons.

A `Text` is a message code (its English msgid, marked with `gettext_noop` where it is
written) and its parameters. It is a `str` holding its rendering in the language active
when it was made, so code that treats it as a string keeps working; `as_data()` is what a
model stores beside its old text field, and `text_render(code, params)` renders it again
in the reader's language at display time. Parameters keep their type so that they follow
the reader too: `Day` ("Tue 3 Mar" / "Di 3 Mär"), `DayTime`, `ShortDate` (03/01/2026 /
01.03.2026), Decimal numbers (10.50 / 10,50) and nested `Text`s; other strings stay as they
are (names, times, "6 h 30").

Rows saved before the codes existed are read back by `text_parse`: a stored sentence that
matches one of the known templates (in English or German) yields its code and parameters.
"""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.utils import dateformat, formats, translation
from django.utils.translation import gettext

DAY_FORMAT = "D j M"
DAY_TIME_FORMAT = "D j M H:i"
PARSE_LANGUAGES = ("en", "de")


class Day(str):
    """A day as messages name it: "Tue 3 Mar"."""

    def __new__(cls, day: date):
        value = super().__new__(cls, dateformat.format(day, DAY_FORMAT))
        value.day = day
        return value


class DayTime(str):
    """A local moment as messages name it: "Sun 1 Mar 22:00" (naive: already local)."""

    def __new__(cls, moment: datetime):
        value = super().__new__(cls, dateformat.format(moment, DAY_TIME_FORMAT))
        value.moment = moment.replace(tzinfo=None)
        return value


class ShortDate(str):
    """A date in the language's short format: 03/01/2026, 01.03.2026."""

    def __new__(cls, day: date):
        value = super().__new__(cls, formats.date_format(day, "SHORT_DATE_FORMAT"))
        value.day = day
        return value


class Text(str):
    """A message and its parameters, rendered now and again at each `render()`."""

    def __new__(cls, msgid: str, params: dict | None = None):
        params = dict(params or {})
        value = super().__new__(cls, _render(msgid, params))
        value.msgid, value.params = msgid, params
        return value

    def render(self) -> str:
        """The message in the active language."""
        return _render(self.msgid, self.params)

    def english(self) -> str:
        with translation.override("en"):
            return self.render()

    def as_data(self) -> dict:
        return {"code": self.msgid, "params": {name: _encode(value) for name, value in self.params.items()}}

    def __reduce__(self):  # pickled (cache, Celery) as a Text, not as its str
        return (Text, (self.msgid, self.params))


class Template(str):
    """A message waiting for its parameters, written where it is used:
    `Template(gettext_noop("... %(day)s ...")) % {"day": Day(day)}` is a `Text`. It is its
    msgid until then, so a module may hold one (nothing is translated at import)."""

    def __new__(cls, msgid: str):
        value = super().__new__(cls, msgid)
        value.msgid = msgid
        return value

    def __mod__(self, params: dict) -> Text:
        return Text(self.msgid, params)


def _render(msgid: str, params: dict) -> str:
    translated = gettext(msgid)
    if not params:
        return translated
    return translated % {name: _shown(value) for name, value in params.items()}


def _shown(value):
    if isinstance(value, Text):
        return value.render()
    if isinstance(value, Day):
        return dateformat.format(value.day, DAY_FORMAT)
    if isinstance(value, DayTime):
        return dateformat.format(value.moment, DAY_TIME_FORMAT)
    if isinstance(value, ShortDate):
        return formats.date_format(value.day, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        return formats.number_format(value)
    return value


def _encode(value):
    if isinstance(value, Text):
        return {"text": value.as_data()}
    if isinstance(value, Day):
        return {"day": value.day.isoformat()}
    if isinstance(value, DayTime):
        return {"day_time": value.moment.isoformat()}
    if isinstance(value, ShortDate):
        return {"date": value.day.isoformat()}
    if isinstance(value, Decimal):
        return {"number": str(value)}
    if isinstance(value, bool | int):
        return value
    return str(value)


def _decode(value):
    if not isinstance(value, dict):
        return value
    if "text" in value:
        return text_from_data(value["text"])
    if "day" in value:
        return Day(date.fromisoformat(value["day"]))
    if "day_time" in value:
        return DayTime(datetime.fromisoformat(value["day_time"]))
    if "date" in value:
        return ShortDate(date.fromisoformat(value["date"]))
    if "number" in value:
        return Decimal(value["number"])
    return str(value)


def english(text: str) -> str:
    """`text` in English if it is a `Text` (audit data, logs), else as it is."""
    return text.english() if isinstance(text, Text) else text


def text_from_data(data: dict) -> Text:
    return Text(data["code"], {name: _decode(value) for name, value in (data.get("params") or {}).items()})


def text_render(code: str, params: dict | None, fallback: str) -> str:
    """A stored message in the active language: from its code and parameters, else (a row
    from before the codes, or one written by hand) the stored text as it is."""
    if not code:
        return fallback
    try:
        return text_from_data({"code": code, "params": params or {}}).render()
    except (KeyError, TypeError, ValueError, InvalidOperation):  # a code whose placeholders changed since
        return fallback


# --- reading back sentences saved before the codes ----------------------------------------


@lru_cache(maxsize=64)
def _pattern(template: str) -> tuple[re.Pattern, tuple[str, ...]]:
    names: list[str] = []
    parts = re.split(r"%\((\w+)\)s", template)
    regex = ""
    for index, part in enumerate(parts):
        if index % 2:
            names.append(part)
            regex += f"(?P<p{len(names) - 1}>.+?)"
        else:
            regex += re.escape(part.replace("%%", "%"))
    return re.compile(f"^{regex}$", re.S), tuple(names)


@lru_cache(maxsize=4)
def _month_numbers(language: str) -> dict[str, int]:
    with translation.override(language):
        return {dateformat.format(date(2000, month, 1), "M"): month for month in range(1, 13)}


def _day_near(label: str, language: str, around: date) -> date | None:
    """The date near `around` that `label` ("Tue 3 Mar" in `language`) names."""
    found = re.fullmatch(r"\S+ (\d{1,2}) (\S+)", label)
    month = _month_numbers(language).get(found.group(2)) if found else None
    if month is None:
        return None
    with translation.override(language):
        for year in sorted({around.year, around.year - 1, around.year + 1}, key=lambda y: abs(y - around.year)):
            try:
                day = date(year, month, int(found.group(1)))
            except ValueError:
                continue
            if dateformat.format(day, DAY_FORMAT) == label:
                return day
    return None


def _value_parsed(raw: str, language: str, templates: tuple[str, ...], around: date):
    nested = _parse_in(raw, language, templates, templates, around)
    if nested is not None:
        return nested
    day = _day_near(raw, language, around)
    if day is not None:
        return Day(day)
    found = re.fullmatch(r"(.+) (\d{2}):(\d{2})", raw)
    if found:
        day = _day_near(found.group(1), language, around)
        if day is not None:
            return DayTime(datetime(day.year, day.month, day.day, int(found.group(2)), int(found.group(3))))
    mark = "," if language == "de" else "."
    if re.fullmatch(rf"-?\d+\{mark}\d+", raw):
        return Decimal(raw.replace(mark, "."))
    return raw


def _parse_in(stored: str, language: str, templates, nested, around: date) -> Text | None:
    with translation.override(language):
        for msgid in templates:
            pattern, names = _pattern(gettext(msgid))
            found = pattern.match(stored)
            if not found:
                continue
            params = {
                name: _value_parsed(found.group(f"p{index}"), language, nested, around)
                for index, name in enumerate(names)
            }
            parsed = Text(msgid, params)
            if parsed.render() == stored:  # read back exactly as it was written, or not at all
                return parsed
    return None


def text_parse(stored: str, templates, *, nested=(), around: date | None = None) -> Text | None:
    """`stored` read back as one of `templates` (English msgids), written in English or
    German, with its parameters typed again: days near `around`, numbers, and the `nested`
    messages a parameter may be. None unless rendering the result again in the language it
    was found in gives `stored` exactly."""
    around = around or date.today()
    ordered = tuple(sorted(set(templates), key=len, reverse=True))  # the most specific first
    inner = tuple(sorted(set(nested) | set(templates), key=len, reverse=True))
    for language in PARSE_LANGUAGES:
        parsed = _parse_in(stored, language, ordered, inner, around)
        if parsed is not None:
            return parsed
    return None


def text_translated(stored: str, templates, *, around: date | None = None) -> str:
    """`stored` in the active language when it is one of `templates` (English or German),
    else as it is: the display-time lookup for texts saved without a code."""
    parsed = text_parse(stored, templates, around=around) if stored else None
    return parsed.render() if parsed is not None else stored


__all__ = [
    "Day",
    "DayTime",
    "ShortDate",
    "Template",
    "Text",
    "english",
    "text_from_data",
    "text_parse",
    "text_render",
    "text_translated",
]
