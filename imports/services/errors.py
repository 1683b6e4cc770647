"""The errors of one import run: `{"row", "field", "message"}`, at most `ERRORS_KEPT` kept
(the first by row), the rest counted."""

import heapq

from imports.models import ERRORS_KEPT


class ErrorLog:
    def __init__(self, kept: int = ERRORS_KEPT):
        self.kept = kept
        self.count = 0
        self.rows: set[int] = set()
        # A max-heap by row (negated) of the `kept` lowest rows seen: errors arrive while the
        # file streams and again from the set-based checks, not in row order overall.
        self._heap: list[tuple[int, int, str, str]] = []

    def add(self, row: int, field: str, message: str) -> None:
        self.count += 1
        self.rows.add(row)
        item = (-row, -self.count, field, message)
        if len(self._heap) < self.kept:
            heapq.heappush(self._heap, item)
        elif item > self._heap[0]:
            heapq.heapreplace(self._heap, item)

    def __bool__(self) -> bool:
        return self.count > 0

    def listed(self) -> list[dict]:
        ordered = sorted(self._heap, key=lambda item: (-item[0], -item[1]))
        return [{"row": -row, "field": field, "message": message} for row, _, field, message in ordered]

    @property
    def more(self) -> int:
        return self.count - len(self._heap)
