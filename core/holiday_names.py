"""Public holidays by their name in the reader's language where the `holidays` package has it
(it stores each country's in its own: Neujahr for Germany); company days keep their own name."""

from datetime import date
from functools import lru_cache

import holidays as holidays_package
from django.utils import translation

# Our languages as the package names them.
PACKAGE_LANGUAGES = {"en": "en_US", "de": "de"}


@lru_cache(maxsize=512)
def _names(country: str, subdivision: str, categories: tuple, year: int, language: str) -> dict[date, str]:
    try:
        found = holidays_package.country_holidays(
            country, subdiv=subdivision or None, years=year, categories=categories, language=language
        )
    except (NotImplementedError, ValueError):  # a country or subdivision the package dropped
        return {}
    if language not in found.supported_languages:
        return {}
    return dict(found)


def holiday_name(holiday) -> str:
    """`holiday`'s name in the active language: an imported one as the package names it
    there (else as stored), a company day as stored."""
    language = PACKAGE_LANGUAGES.get(translation.get_language() or "", "")
    if not holiday.imported or not language:
        return holiday.name
    calendar = holiday.calendar
    categories = tuple(calendar.categories or [holidays_package.PUBLIC])
    names = _names(calendar.country.upper(), calendar.subdivision, categories, holiday.date.year, language)
    return names.get(holiday.date, holiday.name)
