"""Domain errors raised by services and mapped once, in `core.api.exception_handler`.

Services raise these (or Django's `PermissionDenied` / `ObjectDoesNotExist`); views never
build error responses themselves, so the API, pages and admin report the same message.
"""


class DomainError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, detail: str, *, field: str | None = None, code: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field
        if code:
            self.code = code

    @property
    def errors(self) -> dict[str, list[str]] | None:
        return {self.field: [self.detail]} if self.field else None


class DomainValidationError(DomainError):
    """Input that breaks a business rule: 400, naming the field when there is one."""

    status_code = 400
    code = "invalid"


class Conflict(DomainError):
    """The request clashes with the current state (overlap, locked week, already decided): 409."""

    status_code = 409
    code = "conflict"


class Forbidden(DomainError):
    """The actor may see the object but not do this to it: 403."""

    status_code = 403
    code = "permission_denied"


class Unauthenticated(DomainError):
    """Bad credentials or an unusable token: 401."""

    status_code = 401
    code = "authentication_failed"


class ServiceUnavailable(DomainError):
    """A service the action needs is down for a moment (the rate-limit store, the database):
    503 with Retry-After, so clients wait and try again instead of seeing a 500."""

    status_code = 503
    code = "service_unavailable"

    def __init__(self, detail: str, *, retry_after: int, code: str | None = None):
        super().__init__(detail, code=code)
        self.retry_after = retry_after
