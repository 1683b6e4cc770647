from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from imports.formats import KINDS

ERRORS_KEPT = 200  # errors stored on an import; the rest are counted in `errors_more`


class Import(models.Model):
    """One uploaded file of people, projects, time entries or leave, its validation and (all
    or nothing) its commit. The rows it created are linked by `ImportedObject`."""

    class Kind(models.TextChoices):
        USERS = "users", _("People")
        PROJECTS = "projects", _("Projects")
        TIME_ENTRIES = "time_entries", _("Time entries")
        LEAVE = "leave", pgettext_lazy("import kind", "Leave")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        VALIDATING = "validating", _("Validating")
        VALID = "valid", _("Valid")
        INVALID = "invalid", _("Invalid")
        IMPORTING = "importing", _("Importing")
        DONE = "done", pgettext_lazy("import status", "Done")
        FAILED = "failed", pgettext_lazy("import status", "Failed")
        REVERTED = "reverted", _("Reverted")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="imports", verbose_name=_("owner")
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    filename = models.CharField(max_length=255, verbose_name=_("file name"))
    file = models.FileField(upload_to="imports/", verbose_name=_("file"))
    file_hash = models.CharField(
        max_length=64, help_text=_("SHA-256 of the file's bytes."), verbose_name=_("file hash")
    )
    format = models.CharField(
        max_length=16,
        blank=True,
        help_text=_("template, kimai, clockify or toggl, once read."),
        verbose_name=_("format"),
    )
    dry_run = models.BooleanField(
        default=True, help_text=_("Validate only; commit later with …/commit."), verbose_name=_("check only")
    )
    time_zone = models.CharField(
        max_length=64, blank=True, help_text=_("For naive times; else the person's zone."), verbose_name=_("time zone")
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True, verbose_name=_("status")
    )
    progress = models.PositiveSmallIntegerField(default=0, verbose_name=_("progress"))
    rows_total = models.PositiveIntegerField(default=0, verbose_name=_("rows"))
    rows_valid = models.PositiveIntegerField(default=0, verbose_name=_("valid rows"))
    rows_imported = models.PositiveIntegerField(default=0, verbose_name=_("imported rows"))
    errors = models.JSONField(default=list, blank=True, verbose_name=_("errors"))
    errors_more = models.PositiveIntegerField(
        default=0, help_text=_("Errors beyond those listed."), verbose_name=_("more errors")
    )
    # Set only while the rows this import wrote are in: the same file (kind, owner) is
    # committed once, and again only after a revert.
    committed_hash = models.CharField(max_length=64, null=True, blank=True, verbose_name=_("committed file hash"))
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The earlier import of the same file: committing this one imports nothing."),
        verbose_name=_("duplicate of"),
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))
    validated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("validated at"))
    committed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("committed at"))
    reverted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reverted at"))
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reverted by"),
    )

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="import_progress_at_most_100"),
            models.CheckConstraint(condition=Q(kind__in=KINDS), name="import_kind_known"),
            models.UniqueConstraint(
                fields=["owner", "kind", "committed_hash"],
                condition=Q(committed_hash__isnull=False),
                name="import_file_committed_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} import #{self.pk} ({self.filename}, {self.status})"


class ImportedObject(models.Model):
    """A row an import created (`model` is its label, e.g. "timeentries.timeentry"): the
    link a revert follows. Lower apps keep no key pointing up to imports."""

    source = models.ForeignKey(
        Import, on_delete=models.CASCADE, related_name="imported_objects", verbose_name=_("import")
    )
    model = models.CharField(max_length=100, verbose_name=_("model"))
    object_id = models.BigIntegerField(verbose_name=_("object ID"))

    class Meta:
        verbose_name = _("imported object")
        verbose_name_plural = _("imported objects")
        constraints = [
            models.UniqueConstraint(fields=["model", "object_id"], name="imported_object_once"),
        ]
        indexes = [models.Index(fields=["source", "model"], name="imported_object_source_model")]

    def __str__(self) -> str:
        return f"{self.model} {self.object_id} of import {self.source_id}"
