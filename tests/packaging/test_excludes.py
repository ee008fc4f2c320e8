"""The one-folder app leaves out packaging/buildinfo.py's EXCLUDES: the app must work without them.

Checked without building: a fresh process where importing any excluded module fails runs the
sub-commands and renders every screen (snapshot), as the frozen program would.
"""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))
import buildinfo  # noqa: E402

BLOCKED_RUN = r"""
import importlib.abc, sys
sys.path.insert(0, sys.argv[1] + "/packaging")
import buildinfo
EXCLUDES = [e for e in buildinfo.EXCLUDES if e not in ("tests",)]

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if any(name == e or name.startswith(e + ".") for e in EXCLUDES):
            raise ImportError(f"left out of the one-folder app: {name}", name=name)

sys.meta_path.insert(0, Block())
sys.path.remove(sys.argv[1] + "/packaging")
from desktop.cli import main
work = sys.argv[2]
db = work + "/x.db"
steps = [["init", "--db", db],
         ["import", sys.argv[1] + "/tests/data/roster_small.csv", "--db", db],
         ["demo", "--db", work + "/demo.db", "--firms", "200"],
         ["export", "--db", db, "--out", work + "/out.xlsx"],
         ["report", "--db", work + "/demo.db", "--year", "2024", "--out", work + "/r.pdf"],
         ["report", "--db", work + "/demo.db", "--year", "2024", "--out", work + "/r.xlsx"],
         ["snapshot", "--db", work + "/demo.db", "--out", work + "/shots"]]
for argv in steps:
    code = main(argv)
    assert code == 0, (argv, code)
print("OK", sorted(m for m in sys.modules if m.split(".")[0] in ("pandas", "openpyxl", "sqlite_utils")))
"""


def test_the_app_runs_without_the_excluded_modules(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT),
           "XINGTU_DATA_DIR": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    out = subprocess.run([sys.executable, "-c", BLOCKED_RUN, str(ROOT), str(tmp_path)], capture_output=True, text=True,
                         env=env, cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1] == "OK []"
    assert sorted(p.name for p in (tmp_path / "shots").glob("*.png")) == [
        "dashboard.png", "firm.png", "help.png", "import.png", "ledger.png"]
    assert (tmp_path / "r.pdf").read_bytes()[:4] == b"%PDF"


def _imports(package: str):
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                yield from ((path, a.name) for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield path, node.module


def test_no_source_module_imports_an_excluded_one():
    """A new `import openpyxl` (say) in the app must come with a change to the packaging, not a broken build."""
    bad = [(str(p.relative_to(ROOT)), m) for pkg in ("desktop", "ui", "db", "importers", "pipeline", "resources")
           for p, m in _imports(pkg) if any(m == e or m.startswith(e + ".") for e in buildinfo.EXCLUDES)]
    assert bad == []
