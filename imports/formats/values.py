"""Cell values to typed values. Each parser takes a non-empty cell, a str from CSV or a typed
value from XLSX (datetime, date, time, timedelta, int, float, bool), and returns the
canonical type or raises ValueError with a message for the person fixing the file."""

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from zoneinfo import available_timezones

from django.utils.translation import gettext as _

TRUE_WORDS = {"yes", "y", "true", "1", "x", "ja", "billable"}
FALSE_WORDS = {"no", "n", "false", "0", "nein", "non-billable", "not billable"}
WEEKDAYS = {
    "monday": "1",
    "tuesday": "2",
    "wednesday": "3",
    "thursday": "4",
    "friday": "5",
    "saturday": "6",
    "sunday": "7",
}
# Regular expressions rather than strptime: a 100,000-row file has 200,000 times to read.
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
DOTTED_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AP])\.?M\.?)?$", re.IGNORECASE)
CLOCK_DURATION = re.compile(r"^(\d+):([0-5]\d)(?::([0-5]\d))?$")


def text(raw: object) -> str:
    """A cell as text; an XLSX number that is whole reads without ".0" (a code like 2026)."""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def decimal(raw: object, decimal_mark: str = ".") -> Decimal:
    """A number with a decimal point or comma. With both marks the last is the decimal one
    ("1.234,5", "1,234.5"); a lone mark is decimal, except the other of `decimal_mark`
    before exactly three digits, which groups thousands ("1,000" in a point file is 1000)."""
    if isinstance(raw, bool):
        raise ValueError(_("“%(value)s” is not a number.") % {"value": raw})
    if isinstance(raw, int | float | Decimal):
        return Decimal(str(raw))
    value = str(raw).strip().replace(" ", "").replace("\u00a0", "")
    value = _normalise_marks(value, decimal_mark)
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(_("“%(value)s” is not a number.") % {"value": raw}) from None
    if not number.is_finite():
        raise ValueError(_("“%(value)s” is not a number.") % {"value": raw})
    return number


def _normalise_marks(value: str, decimal_mark: str) -> str:
    if "," in value and "." in value:
        decimal_char = "," if value.rfind(",") > value.rfind(".") else "."
        grouping = "." if decimal_char == "," else ","
        return value.replace(grouping, "").replace(decimal_char, ".")
    other = "," if decimal_mark == "." else "."
    if other in value and re.fullmatch(rf"-?\d{{1,3}}(\{other}\d{{3}})+", value):
        return value.replace(other, "")
    return value.replace(",", ".")


def integer(raw: object) -> int:
    number = decimal(raw)
    if number != number.to_integral_value():
        raise ValueError(_("“%(value)s” is not a whole number.") % {"value": raw})
    return int(number)


def boolean(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(_("“%(value)s” is not yes or no.") % {"value": raw})


def day(raw: object) -> date:
    """A date: an XLSX date cell, or text as YYYY-MM-DD or DD.MM.YYYY."""
    if isinstance(raw, datetime):
        if raw.time() != time(0):
            raise ValueError(_("“%(value)s” is a date and time, not a date.") % {"value": raw})
        return raw.date()
    if isinstance(raw, date):
        return raw
    value = str(raw).strip()
    if match := ISO_DATE.match(value):
        year, month, day_of_month = match.groups()
    elif match := DOTTED_DATE.match(value):
        day_of_month, month, year = match.groups()
    else:
        raise ValueError(_("“%(value)s” is not a date (expected YYYY-MM-DD or DD.MM.YYYY).") % {"value": raw})
    try:
        return date(int(year), int(month), int(day_of_month))
    except ValueError:
        raise ValueError(_("“%(value)s” is not a date (expected YYYY-MM-DD or DD.MM.YYYY).") % {"value": raw}) from None


def clock(raw: object) -> time:
    """A time of day: an XLSX time cell, or text as 24-hour H:MM[:SS] or 12-hour with AM/PM."""
    if isinstance(raw, datetime):
        return raw.time()
    if isinstance(raw, time):
        return raw
    match = CLOCK.match(str(raw).strip())
    if match:
        hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
        if match[4] and 1 <= hour <= 12:
            hour = hour % 12 + (12 if match[4].upper() == "P" else 0)
        elif match[4]:
            hour = 24  # "13:00 PM": not a time
        if hour < 24 and minute < 60 and second < 60:
            return time(hour, minute, second)
    raise ValueError(
        _("“%(value)s” is not a time of day (expected HH:MM, HH:MM:SS or 12-hour with AM/PM).") % {"value": raw}
    )


def moment(raw: object) -> datetime:
    """A date and time: an XLSX datetime cell, ISO 8601 (naive, or aware when it carries an
    offset or Z), or "DD.MM.YYYY HH:MM"."""
    if isinstance(raw, datetime):
        return raw
    value = str(raw).strip()
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    date_part, _space, time_part = value.partition(" ")
    try:
        return datetime.combine(day(date_part), clock(time_part))
    except ValueError:
        raise ValueError(
            _("“%(value)s” is not a date and time (expected e.g. 2026-03-02 09:30).") % {"value": raw}
        ) from None


def duration(raw: object, decimal_mark: str = ".") -> timedelta:
    """A length of time: H:MM or H:MM:SS (hours may pass 24), decimal hours, or an XLSX
    time/duration cell."""
    if isinstance(raw, timedelta):
        return _not_negative(raw, raw)
    if isinstance(raw, time):
        return timedelta(hours=raw.hour, minutes=raw.minute, seconds=raw.second)
    match = CLOCK_DURATION.match(str(raw).strip())
    if match:
        hours, minutes, seconds = (int(part or 0) for part in match.groups())
        return timedelta(hours=hours, minutes=minutes, seconds=seconds)
    try:
        hours = decimal(raw, decimal_mark)
    except ValueError:
        raise ValueError(
            _("“%(value)s” is not a duration (expected H:MM, H:MM:SS or decimal hours).") % {"value": raw}
        ) from None
    return _not_negative(timedelta(seconds=round(hours * 3600)), raw)


def _not_negative(value: timedelta, raw: object) -> timedelta:
    if value < timedelta(0):
        raise ValueError(_("“%(value)s” is a negative duration.") % {"value": raw})
    return value


def work_days(raw: object) -> str:
    """ISO weekday digits as the User model stores them: "12345", or by English name, each
    a day ("Mon", "Tuesday") or a range ("Mon-Fri"), separated by commas or spaces."""
    value = str(int(raw)) if isinstance(raw, int | float) else str(raw).strip()
    if re.fullmatch(r"[1-7]+", value):
        digits = value
    else:
        try:
            digits = "".join(_weekdays(part) for part in re.split(r"[,;|/ ]+", value) if part)
        except KeyError:
            digits = ""
        if not digits:
            raise ValueError(
                _("“%(value)s” is not a list of work days (expected e.g. 12345, Mon-Fri or Mon,Tue,Wed).")
                % {"value": raw}
            )
    if len(set(digits)) != len(digits):
        raise ValueError(_("“%(value)s” names a work day twice.") % {"value": raw})
    return "".join(sorted(digits))


def _weekdays(part: str) -> str:
    """The ISO digits of one day name or a "Mon-Fri" range; KeyError for anything else."""
    first, _dash, last = part.lower().partition("-")
    start = _weekday(first)
    end = _weekday(last) if last else start
    if end < start:
        raise KeyError(part)
    return "".join(str(number) for number in range(int(start), int(end) + 1))


def _weekday(name: str) -> str:
    """ "mon", "Mon." or "monday" (a name's first three letters or more) as its ISO digit."""
    name = name.rstrip(".")
    for day_name, digit in WEEKDAYS.items():
        if len(name) >= 3 and day_name.startswith(name):
            return digit
    raise KeyError(name)


def names(raw: object) -> list[str]:
    """A list from a cell "Team A|Team B" (empty parts dropped)."""
    return [part.strip() for part in str(raw).split("|") if part.strip()]


def choice(options: tuple[str, ...]):
    """A parser accepting one of `options`, case-insensitively, returned as the option."""

    def parse(raw: object) -> str:
        value = str(raw).strip().lower()
        if value not in options:
            raise ValueError(
                _("“%(value)s” is not one of %(options)s.") % {"value": raw, "options": ", ".join(options)}
            )
        return value

    return parse


def time_zone(raw: object) -> str:
    value = str(raw).strip()
    if value not in _zones():
        raise ValueError(_("“%(value)s” is not an IANA time zone (e.g. Europe/Berlin).") % {"value": raw})
    return value


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


# Day and month in either order ("03/04/2026", "03-04-2026"): which comes first is the
# exporting account's setting, guessed per file by `date_order`.
SLASHED_DATE = re.compile(r"^(\d{1,2})([/-])(\d{1,2})\2(\d{4})$")
DAY_FIRST, MONTH_FIRST = "day-first", "month-first"


def date_order(samples) -> str:
    """DAY_FIRST when a sampled slashed date has a first part over 12, MONTH_FIRST when its
    second part is (or when no sample tells: the US order the tools use by default)."""
    for sample in samples:
        match = SLASHED_DATE.match(str(sample or "").strip())
        if match and int(match[1]) > 12:
            return DAY_FIRST
        if match and int(match[3]) > 12:
            return MONTH_FIRST
    return MONTH_FIRST


def export_day(raw: object, order: str = MONTH_FIRST) -> date:
    """A date as a tool exports it: a date cell, ISO, DD.MM.YYYY, or slashed/dashed with the
    day and month in `order`. A datetime cell gives its date."""
    if isinstance(raw, datetime):
        return raw.date()
    match = SLASHED_DATE.match(str(raw).strip())
    if not match:
        return day(raw)
    first, second, year = int(match[1]), int(match[3]), int(match[4])
    month, day_of_month = (second, first) if order == DAY_FIRST else (first, second)
    try:
        return date(year, month, day_of_month)
    except ValueError:
        shown = "DD/MM/YYYY" if order == DAY_FIRST else "MM/DD/YYYY"
        raise ValueError(
            _("“%(value)s” is not a date (this file's dates read as %(order)s).") % {"value": raw, "order": shown}
        ) from None
