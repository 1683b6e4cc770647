"""Every write of imports: create and queue (`import_create`), the task's validation and
commit (`import_process`), the commit asked for (`import_commit`), undoing (`import_revert`),
judging the days an import touched (`import_judge`), and deleting the files of finished
imports once they are old (`import_files_purge`)."""

from imports.services.judge import import_judge
from imports.services.lifecycle import ImportTooLarge, import_commit, import_create, import_fail, import_process
from imports.services.purge import import_files_purge
from imports.services.revert import import_revert

__all__ = [
    "ImportTooLarge",
    "import_commit",
    "import_create",
    "import_fail",
    "import_files_purge",
    "import_judge",
    "import_process",
    "import_revert",
]
