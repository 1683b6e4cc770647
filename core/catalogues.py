"""The German catalogues: one per app (`<app>/locale`) and the root one (`locale/`: templates,
config, static). `make messages` updates them from the sources, `make messages-check` (CI)
fails when a msgstr is missing or fuzzy or when the sources hold a string the catalogues lack."""

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.apps import apps
from django.conf import settings

LANGUAGE = "de"
PLURAL_FORMS = "nplurals=2; plural=(n != 1);"
# Trees with nothing of ours to translate (or not ours at all); test code is never shown to anyone.
IGNORED = [".venv", ".git", "staticfiles", "media", "exports", "test-artifacts", "bench", "docs", "scripts", "tests"]
# File names only, no line numbers: moving code around does not change the catalogues.
MAKEMESSAGES = ["makemessages", "-l", LANGUAGE, "--no-obsolete", "--add-location=file"]
MAKEMESSAGES += [f"--ignore={name}" for name in IGNORED]
_STATISTICS = re.compile(r"(\d+) (translated|fuzzy|untranslated)")


def catalogue_dirs(root: Path) -> list[Path]:
    """The root catalogue's directory and each of our apps' (makemessages routes a file to the
    nearest `locale` directory above it, so every app needs one of its own)."""
    ours = [Path(config.path) for config in apps.get_app_configs() if Path(config.path).parent == settings.BASE_DIR]
    return [root / "locale"] + [root / app.name / "locale" for app in ours]


def catalogue_files(root: Path) -> list[Path]:
    return [path / LANGUAGE / "LC_MESSAGES" / "django.po" for path in catalogue_dirs(root)]


def messages_update(root: Path) -> None:
    for path in catalogue_dirs(root):
        path.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "manage.py", *MAKEMESSAGES]  # constant arguments, no input
    subprocess.run(command, cwd=root, check=True, capture_output=True)  # noqa: S603
    for po in catalogue_files(root):
        if po.exists():
            _settle_header(po)


def _settle_header(po: Path) -> None:
    """A new catalogue's header is fuzzy and names no language, and msgfmt would drop a fuzzy header."""
    text = po.read_text(encoding="utf-8")
    head, separator, rest = text.partition("\n\n")
    head = head.replace("#, fuzzy\n", "").replace('"Language: \\n"', f'"Language: {LANGUAGE}\\n"')
    head = re.sub(r'"Plural-Forms: [^"]*"', f'"Plural-Forms: {PLURAL_FORMS}\\\\n"', head)
    po.write_text(head + separator + rest, encoding="utf-8")


def incomplete(po: Path) -> list[str]:
    """Missing or fuzzy translations and format errors, as msgfmt counts them."""
    command = [shutil.which("msgfmt") or "msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)]
    done = subprocess.run(command, capture_output=True, text=True)  # noqa: S603 - our own catalogue's path
    counts = {kind: int(number) for number, kind in _STATISTICS.findall(done.stderr)}
    problems = [f"{po}: {counts[kind]} {kind}" for kind in ("fuzzy", "untranslated") if counts.get(kind)]
    if done.returncode:
        problems.append(f"{po}: msgfmt refuses it: {done.stderr.strip()}")
    return problems


def _comparable(po: Path) -> str:
    text = po.read_text(encoding="utf-8") if po.exists() else ""
    return re.sub(r'"POT-Creation-Date: [^"]*"\n', "", text).rstrip()


def stale(root: Path) -> list[str]:
    """Catalogues that `make messages` would change: it runs on a copy of the sources."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "src"
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns(*IGNORED, "__pycache__", "*.mo", "db.sqlite3"))
        messages_update(copy)
        return [
            f"{po}: out of date, run `make messages` and translate what it adds"
            for po, fresh in zip(catalogue_files(root), catalogue_files(copy), strict=True)
            if _comparable(po) != _comparable(fresh)
        ]


def catalogue_problems(root: Path) -> list[str]:
    problems = [problem for po in catalogue_files(root) if po.exists() for problem in incomplete(po)]
    return problems + stale(root)


def messages_compile(root: Path) -> int:
    """Write each catalogue's `.mo` beside its `.po` with Babel (pure Python), so `make run`,
    `make test` and the image need no GNU gettext; only `make messages`/`messages-check`
    (xgettext, msgfmt) do. Answers how many catalogues were written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = 0
    for po in catalogue_files(root):
        if not po.exists():
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=LANGUAGE)
        with po.with_suffix(".mo").open("wb") as target:
            write_mo(target, catalog)
        written += 1
    return written
