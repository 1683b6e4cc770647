"""What one run over an import's file carries: the import, who runs it, the errors so far,
progress reporting, and the rows created (model label -> ids)."""

from collections.abc import Callable
from dataclasses import dataclass, field

from imports.models import Import
from imports.services.errors import ErrorLog
from users.models import User

PROGRESS_EVERY = 2000  # rows between two progress reports


@dataclass
class Run:
    source: Import
    actor: User
    write: bool  # False: validate only, every write is rolled back
    report: Callable[[int], None] = lambda rows: None  # called with the rows read so far
    errors: ErrorLog = field(default_factory=ErrorLog)
    rows_total: int = 0
    created: dict[str, list[int]] = field(default_factory=dict)

    def counted(self) -> None:
        self.rows_total += 1
        if self.rows_total % PROGRESS_EVERY == 0:
            self.report(self.rows_total)

    def created_add(self, label: str, pks) -> None:
        self.created.setdefault(label, []).extend(pks)

    def created_mark(self) -> dict[str, int]:
        return {label: len(pks) for label, pks in self.created.items()}

    def created_reset(self, mark: dict[str, int]) -> None:
        """Forget what was created after `mark` (its savepoint was rolled back)."""
        for label in list(self.created):
            del self.created[label][mark.get(label, 0) :]
