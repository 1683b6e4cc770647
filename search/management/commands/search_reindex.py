"""`manage.py search_reindex`: fill the search indices from the database."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from search.documents import DOCUMENTS
from search.tasks import search_reindex


class Command(BaseCommand):
    help = (
        "Reindex every row of each searchable model (or only --model) into Elasticsearch, creating "
        "missing indices. An interrupted run resumes with --model and --start-pk (the last pk it logged)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--model",
            action="append",
            choices=sorted(DOCUMENTS),
            help="a model label such as timeentries.timeentry; may be given more than once (default: all)",
        )
        parser.add_argument("--start-pk", type=int, default=0, help="reindex only rows with a larger pk")
        parser.add_argument("--batch", type=int, default=1000, help="rows per bulk request (default 1000)")

    def handle(self, *args, model=None, start_pk=0, batch=1000, **options):
        if not settings.ELASTICSEARCH_ENABLED:
            raise CommandError("Elasticsearch is not configured: set ELASTICSEARCH_HOST.")
        if start_pk < 0 or batch < 1:
            raise CommandError("--start-pk must be 0 or more and --batch at least 1.")
        labels = list(dict.fromkeys(model or DOCUMENTS))
        if start_pk and len(labels) != 1:
            raise CommandError("--start-pk resumes one model: name it with --model.")
        for label in labels:
            done = search_reindex(label, start_pk=start_pk, batch=batch)
            self.stdout.write(f"{label}: {done} rows indexed")
