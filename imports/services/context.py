"""What one run over an import's file carries: the import, who runs it, the errors so far,
progress reporting, and what it created (counted per model label; each batch of new ids
goes to `link` as it is written, so memory stays flat however long the file)."""

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
    # Called with the share of the run done once the file is read (checks, write batches).
    advance: Callable[[float], None] = lambda done: None
    link: Callable[[str, list[int]], None] = lambda label, pks: None  # links new rows to the import
    errors: ErrorLog = field(default_factory=ErrorLog)
    rows_total: int = 0
    created: dict[str, int] = field(default_factory=dict)

    def counted(self) -> None:
        self.rows_total += 1
        if self.rows_total % PROGRESS_EVERY == 0:
            self.report(self.rows_total)

    def created_add(self, label: str, pks: list[int]) -> None:
        """Rows of `label` were written (inside the run's savepoint: a rolled-back row takes
        its links with it)."""
        self.created[label] = self.created.get(label, 0) + len(pks)
        if self.write:
            self.link(label, pks)

    def created_mark(self) -> dict[str, int]:
        return dict(self.created)

    def created_reset(self, mark: dict[str, int]) -> None:
        """Count again as at `mark` (the row's savepoint was rolled back, links and all)."""
        self.created = dict(mark)
