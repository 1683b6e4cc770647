"""Dependencies point down (STYLE.md, "Layers"), read from the source with `ast`: nothing is
imported or executed, so a module that would only fail at call time (a function-level
import) is caught too.

    core < users < timeentries < leave < compliance < {search, analytics, imports, webhooks}

A module (its app's management commands included) imports its own app and lower layers
only; search, analytics, imports and webhooks, the top layer, do not import each other. Across apps it never
imports a `_private` name nor another app's `pages`, `admin` or `forms` modules: what two
apps share lives in `core` under a public name (`core.pages`, `core.admin`, `core.forms` are
those shared homes). Tests, migrations and `config/` are exempt.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = {
    "core": 0,
    "users": 1,
    "timeentries": 2,
    "leave": 3,
    "compliance": 4,
    "search": 5,
    "analytics": 5,
    "imports": 5,
    "webhooks": 5,
}
PRIVATE_MODULES = {"pages", "admin", "forms"}
EXEMPT_DIRS = {"tests", "migrations", "__pycache__"}


def modules():
    for app in LAYERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if not EXEMPT_DIRS & set(path.relative_to(ROOT).parts):
                yield app, path


def imports(tree: ast.AST):
    """(line, module, name) for every absolute import; `import a.b` has no name."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                yield node.lineno, node.module, alias.name


def problems(app: str, module: str, name: str | None) -> list[str]:
    """What is wrong with `app` importing `name` from `module` (nothing within an app)."""
    target = module.split(".")[0]
    if target not in LAYERS or target == app:
        return []
    found = []
    if LAYERS[target] >= LAYERS[app]:
        found.append(f"{target} is not below {app}")
    path = module.split(".")[1:] + ([name] if name else [])
    if any(part.startswith("_") for part in path):
        found.append("a private name")
    if target != "core" and PRIVATE_MODULES & set(path):  # core's are the shared ones
        found.append("another app's pages/admin/forms")
    return found


def violations() -> list[tuple[str, str, str | None, str]]:
    found = []
    for app, path in modules():
        relative = path.relative_to(ROOT).as_posix()
        for line, module, name in imports(ast.parse(path.read_text(), filename=relative)):
            for problem in problems(app, module, name):
                found.append((relative, module, name, f"{relative}:{line} imports {module}.{name or ''}: {problem}"))
    return found


def test_every_module_imports_only_its_own_app_and_lower_layers_by_public_names():
    assert [message for _relative, _module, _name, message in violations()] == []


@pytest.mark.parametrize(
    ("app", "module", "name", "expected"),
    [
        ("core", "users.selectors", "user_ids_visible_to", ["users is not below core"]),
        ("timeentries", "compliance.services", "compliance_after_write", ["compliance is not below timeentries"]),
        ("search", "analytics.reports", "time_report", ["analytics is not below search"]),
        ("leave", "timeentries.pages", "_first_error", ["a private name", "another app's pages/admin/forms"]),
        ("leave", "timeentries", "forms", ["another app's pages/admin/forms"]),
        ("compliance", "leave.selectors", "neutral_leave_days", []),
        ("leave", "leave.services", "_recount", []),
        ("users", "django.db", "models", []),
    ],
)
def test_the_rule_itself(app, module, name, expected):
    assert problems(app, module, name) == expected


def _function_level_imports(tree: ast.AST):
    """(line, module) of every import of a project app made inside a function."""
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if (
                    isinstance(node, ast.ImportFrom)
                    and node.level == 0
                    and node.module
                    and node.module.split(".")[0] in LAYERS
                ):
                    yield node.lineno, node.module


def test_services_and_tasks_import_at_the_top():
    """Services and tasks never reach each other through a function-level import (the way a
    cycle hides): a service names a task it queues (`outbox.enqueue("app.tasks.x", ...)`)."""
    found = []
    for _app, path in modules():
        relative = path.relative_to(ROOT)
        if {"services", "tasks"} & {part.removesuffix(".py") for part in relative.parts}:
            for line, module in _function_level_imports(ast.parse(path.read_text())):
                found.append(f"{relative.as_posix()}:{line} imports {module} inside a function")
    assert found == []
