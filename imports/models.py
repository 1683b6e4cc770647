from django.conf import settings
from django.db import models
from django.db.models import Q

from imports.formats import KINDS

ERRORS_KEPT = 200  # errors stored on an import; the rest are counted in `errors_more`


class Import(models.Model):
    """One uploaded file of people, projects, time entries or leave, its validation and (all
    or nothing) its commit. The rows it created are linked by `ImportedObject`."""

    class Kind(models.TextChoices):
        USERS = "users", "People"
        PROJECTS = "projects", "Projects"
        TIME_ENTRIES = "time_entries", "Time entries"
        LEAVE = "leave", "Leave"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        VALIDATING = "validating", "Validating"
        VALID = "valid", "Valid"
        INVALID = "invalid", "Invalid"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        REVERTED = "reverted", "Reverted"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="imports")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    filename = models.CharField(max_length=255)
    file = models.FileField(upload_to="imports/")
    file_hash = models.CharField(max_length=64, help_text="SHA-256 of the file's bytes.")
    format = models.CharField(max_length=16, blank=True, help_text="template, kimai, clockify or toggl, once read.")
    dry_run = models.BooleanField(default=True, help_text="Validate only; commit later with …/commit.")
    time_zone = models.CharField(max_length=64, blank=True, help_text="For naive times; else the person's zone.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    rows_valid = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    errors_more = models.PositiveIntegerField(default=0, help_text="Errors beyond those listed.")
    # Set only while the rows this import wrote are in: the same file (kind, owner) is
    # committed once, and again only after a revert.
    committed_hash = models.CharField(max_length=64, null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The earlier import of the same file: committing this one imports nothing.",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    reverted_at = models.DateTimeField(null=True, blank=True)
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
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

    source = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="imported_objects")
    model = models.CharField(max_length=100)
    object_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model", "object_id"], name="imported_object_once"),
        ]
        indexes = [models.Index(fields=["source", "model"], name="imported_object_source_model")]

    def __str__(self) -> str:
        return f"{self.model} {self.object_id} of import {self.source_id}"
