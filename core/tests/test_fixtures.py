"""One meaning per fixture name (issue 13, "Tests"). A test that asks for `acme` or `frozen_…`
gets the same thing in every app: shared fixtures live in the root conftest.py, and a name
means one thing wherever it is defined.

Read from the source (AST), so no test has to run for a clash to show:
- no two conftest.py files define the same fixture name (a nearer one silently wins);
- no test module redefines a fixture a conftest.py defines (it would shadow it there);
- a fixture name several test modules define privately has the same code in each.
"""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".venv", "node_modules", "migrations", "__pycache__", ".git"}


def _test_files() -> list[Path]:
    files = []
    for path in ROOT.rglob("*.py"):
        if SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts):
            continue
        if path.name == "conftest.py" or (path.name.startswith("test_") and "tests" in path.parts):
            files.append(path)
    return sorted(files)


def _is_fixture(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return ast.unparse(target) in {"pytest.fixture", "fixture"}


def _fixture_name(node: ast.FunctionDef) -> str:
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call) and _is_fixture(decorator):
            for keyword in decorator.keywords:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    return keyword.value.value
    return node.name


def fixtures_of(path: Path) -> dict[str, str]:
    """Fixture name -> its code (without the docstring), for every fixture the file defines."""
    found = {}
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
            _is_fixture(d) for d in node.decorator_list
        ):
            body = node.body[1:] if ast.get_docstring(node) is not None else node.body
            found[_fixture_name(node)] = "\n".join(ast.dump(statement) for statement in body) + ast.dump(node.args)
    return found


def _definitions() -> tuple[dict[str, list[str]], dict[str, dict[str, str]]]:
    in_conftests: dict[str, list[str]] = defaultdict(list)
    in_modules: dict[str, dict[str, str]] = defaultdict(dict)
    for path in _test_files():
        where = str(path.relative_to(ROOT))
        for name, code in fixtures_of(path).items():
            if path.name == "conftest.py":
                in_conftests[name].append(where)
            else:
                in_modules[name][where] = code
    return in_conftests, in_modules


def test_the_scan_sees_the_shared_fixtures():
    in_conftests, _ = _definitions()
    assert in_conftests["acme"] == ["conftest.py"] and in_conftests["alice"] == ["conftest.py"]
    assert any(name.startswith("frozen_") for name in in_conftests)


def test_no_two_conftest_files_define_the_same_fixture():
    in_conftests, _ = _definitions()
    clashes = {name: places for name, places in in_conftests.items() if len(places) > 1}
    assert not clashes, (
        "a fixture name is defined in several conftest.py files: move the shared one to the root "
        f"conftest.py (with explicit parameters) or give each meaning its own name: {clashes}"
    )


def test_no_test_module_shadows_a_conftest_fixture():
    in_conftests, in_modules = _definitions()
    shadowed = {
        name: {"conftest": in_conftests[name], "redefined in": sorted(places)}
        for name, places in in_modules.items()
        if name in in_conftests
    }
    assert not shadowed, f"a test module redefines a conftest fixture; use it or pick another name: {shadowed}"


def test_a_name_several_modules_define_means_the_same_there():
    _, in_modules = _definitions()
    differing = {name: sorted(places) for name, places in in_modules.items() if len(set(places.values())) > 1}
    assert not differing, f"one fixture name, different code: rename one of them after what it makes: {differing}"
