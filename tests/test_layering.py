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
