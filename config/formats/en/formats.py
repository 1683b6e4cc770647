# Django's English formats, except that the week starts on Monday (ISO 8601), as in German.
FIRST_DAY_OF_WEEK = 1
