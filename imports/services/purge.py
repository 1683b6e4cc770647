"""Uploaded files do not stay forever: once an import is finished (done, invalid, failed or
reverted) and older than IMPORT_FILE_RETENTION_DAYS, its file is deleted. The import itself
stays, with its file hash, so the same file committed again is still recognised (the
idempotency holds on `committed_hash`, never on the file)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from imports.models import Import

FINISHED = (Import.Status.DONE, Import.Status.INVALID, Import.Status.FAILED, Import.Status.REVERTED)


def import_files_purge(*, now=None) -> int:
    """Delete the stored files of finished imports created more than the retention ago;
    answers how many. Idempotent: an import whose file is gone is passed over."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.IMPORT_FILE_RETENTION_DAYS)
    purged = 0
    expired = Import.objects.filter(status__in=FINISHED, created_at__lt=cutoff).exclude(file="")
    for source in expired.only("pk", "file").iterator():
        source.file.delete(save=False)  # from the storage; the name is cleared
        # Only the file's name: a revert running meanwhile keeps its own status change.
        Import.objects.filter(pk=source.pk).update(file="")
        purged += 1
    return purged
