"""Signals the lower layers send so the higher ones can follow (see STYLE.md, "Layers").

- `audit_events_purged(cutoff)`: the retention purge deleted every AuditEvent created before
  `cutoff` with set-based SQL, which sends no per-row `post_delete`. Sent after the purge's
  last batch committed; the search index removes those documents with one delete-by-query.
"""

from django.dispatch import Signal

audit_events_purged = Signal()
