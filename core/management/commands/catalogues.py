from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.catalogues import catalogue_problems, messages_compile, messages_update


class Command(BaseCommand):
    help = (
        "Update the German catalogues from the sources (make messages), check them (--check, CI), "
        "or write their .mo files (--compile; no GNU gettext needed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Fail on missing, fuzzy or out-of-date messages.")
        parser.add_argument("--compile", action="store_true", help="Write the .mo files (Babel, pure Python).")
        parser.add_argument("--root", type=Path, default=settings.BASE_DIR, help="The project's directory.")

    def handle(self, *args, check=False, root=None, **options):
        if options["compile"]:
            messages_compile(root)
            return
        if not check:
            messages_update(root)
            return
        problems = catalogue_problems(root)
        if problems:
            raise CommandError("The catalogues are not complete:\n" + "\n".join(problems))
        self.stdout.write("The catalogues are complete and current.")
