"""The core never imports Qt or pyqtgraph; ui never runs SQL (import-linter says the same in `make test`)."""
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


def test_core_has_no_qt():
    for package in ("pipeline", "db", "importers"):
        bad = [(str(p.relative_to(ROOT)), m) for p, m in imported_modules(package)
               if m.split(".")[0] in ("PySide6", "pyqtgraph", "ui", "desktop")]
        assert bad == [], bad


def test_ui_runs_no_sql():
    bad = [(str(p.relative_to(ROOT)), m) for p, m in imported_modules("ui") if m.split(".")[0] in ("sqlite3", "sqlite_utils")]
    assert bad == [], bad


def test_modules_stay_small():
    big = [(str(p.relative_to(ROOT)), n) for pkg in ("pipeline", "db", "importers", "ui", "desktop")
           for p in (ROOT / pkg).rglob("*.py") if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600]
    assert big == [], big
