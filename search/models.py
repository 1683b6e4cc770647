from django.db import models


class IndexFailure(models.Model):
    """A row whose index update gave up (its task exhausted its retries). The periodic
    `search_reconcile` indexes it again and then deletes this record."""

    model_label = models.CharField(max_length=64)
    object_pk = models.BigIntegerField()
    cascade = models.BooleanField(default=False, help_text="The documents copying this row must follow too.")
    error = models.TextField(blank=True)
    failed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model_label", "object_pk"], name="index_failure_unique_row")]

    def __str__(self) -> str:
        return f"{self.model_label} {self.object_pk}"
