# Django's German formats already start the week on Monday; said here so both languages
# visibly agree.
FIRST_DAY_OF_WEEK = 1
