"""Validators shared by several apps' serializers, forms and services."""

import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# Cc: the C0 and C1 control characters (NUL, tab, line feed, carriage return, ...); Zl and
# Zp: Unicode's line and paragraph separators. A name is shown on one line in pages,
# reports, exports and calendar feeds, where each of these breaks the line or the format.
NAME_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})
NAME_CONTROL_CHARACTERS = _("Names cannot contain control characters such as line breaks, tabs or NUL.")


def validate_display_name(value: str) -> None:
    """Refuse a person's or team's name that holds a control character or line break."""
    if any(unicodedata.category(char) in NAME_FORBIDDEN_CATEGORIES for char in value or ""):
        raise ValidationError(NAME_CONTROL_CHARACTERS, code="control_character")


color_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a hex color such as #3366cc.")
