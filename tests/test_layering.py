"""The layers, checked directly from the source.

import-linter (`make lint`) enforces the same contracts with indirect imports counted, but it only sees
modules inside packages: a folder without ``__init__.py`` is invisible to it, so that is checked here too."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(package: str):
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield path, node.module


PACKAGES = ("desktop", "ui", "importers", "db", "pipeline")
LAYER = {name: i for i, name in enumerate(PACKAGES)}        # a package imports only packages after it


def test_every_source_folder_is_a_package():
    """A folder of modules without __init__.py hides them from import-linter (and from ruff's INP rule)."""
    missing = sorted(str(d.relative_to(ROOT)) for pkg in PACKAGES for d in [ROOT / pkg, *(ROOT / pkg).rglob("*")]
                     if d.is_dir() and d.name != "__pycache__" and any(d.glob("*.py"))
                     and not (d / "__init__.py").exists())
    assert missing == [], missing


def test_layers_point_down():
    bad = [(str(p.relative_to(ROOT)), m) for pkg in PACKAGES for p, m in imported_modules(pkg)
           if LAYER.get(m.split(".")[0], len(PACKAGES)) < LAYER[pkg]]
    assert bad == [], bad


def test_core_has_no_qt():
    for package in ("pipeline", "db", "importers"):
        bad = [(str(p.relative_to(ROOT)), m) for p, m in imported_modules(package)
               if m.split(".")[0] in ("PySide6", "pyqtgraph", "ui", "desktop")]
        assert bad == [], bad


def test_ui_runs_no_sql():
    bad = [
        (str(p.relative_to(ROOT)), m)
        for p, m in imported_modules("ui")
        if m.split(".")[0] in ("sqlite3", "sqlite_utils")
    ]
    assert bad == [], bad


def test_modules_stay_small():
    big = [(str(p.relative_to(ROOT)), n) for pkg in ("pipeline", "db", "importers", "ui", "desktop")
           for p in (ROOT / pkg).rglob("*.py") if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600]
    assert big == [], big


def _is_test_module(dotted: str) -> bool:
    last = dotted.rsplit(".", 1)[-1]
    return last.startswith("test_") or last == "conftest"


def test_no_test_module_imports_another_test_module():
    """Shared helpers live in helpers modules (tests/importers/helpers.py, tests/cli/helpers.py,
    tests/reliability/helpers.py, tests/qt_checks.py …), never in a test module or a conftest: importing a
    test module runs its collection-time code again and makes its tests depend on each other."""
    bad = []
    for path in (ROOT / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = "." * node.level + (node.module or "")
                names = [base] + [f"{base}.{a.name}" for a in node.names]
            else:
                continue
            bad += [(str(path.relative_to(ROOT)), n) for n in names if _is_test_module(n)]
    assert bad == [], bad
