"""Telling a database outage from a failed query.

An OperationalError or InterfaceError that leaves a connection unusable (it could not be
opened, or the server went away under it) means the database is unreachable: the request
answers 503 with Retry-After instead of a 500, and the broken connection is dropped so the
next request connects afresh once the database is back, without a restart. Any other
database error (a deadlock, a lock timeout) stays what it was.
"""

from contextlib import suppress

from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.utils.translation import gettext_lazy as _

DATABASE_RETRY_AFTER = 10  # seconds
DATABASE_DOWN = _("The database is unavailable for a moment. Try again shortly.")


def database_is_down(error: BaseException | None) -> bool:
    if not isinstance(error, OperationalError | InterfaceError):
        return False
    down = False
    for connection in connections.all(initialized_only=True):
        if connection.connection is None or not connection.is_usable():
            down = True
            with suppress(DatabaseError):
                connection.close()
    return down
