from django import template

from core.holiday_names import holiday_name as holiday_name_in_language

register = template.Library()


@register.filter
def holiday_name(holiday) -> str:
    """`{{ holiday|holiday_name }}`: the holiday's name in the page's language."""
    return holiday_name_in_language(holiday)
