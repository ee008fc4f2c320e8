"""Test set-up: headless Qt, and a fresh ledger per test in tmp_path (never the user's data folder)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if "XINGTU_DATA_DIR" not in os.environ:     # one folder per run, removed after it (backups made by tests pile up)
    import atexit
    import shutil
    import tempfile
    _DATA = tempfile.mkdtemp(prefix="xingtu-test-data-")
    os.environ["XINGTU_DATA_DIR"] = _DATA
    atexit.register(shutil.rmtree, _DATA, True)
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402

from tests.backends import ledger_template, pg_server_found  # noqa: E402, F401  (session fixtures of both engines)


def pytest_collection_modifyitems(config, items):
    """A test marked file_only is not run on the shared ledger at all (not collected and skipped: under CI a
    PostgreSQL test that is collected must run)."""
    kept, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        (dropped if params.get("engine") == "pg" and item.get_closest_marker("file_only") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture
def ledger(tmp_path):
    from db.ledger import Ledger
    with Ledger(tmp_path / "ledger.db", officer="测试专员") as led:
        yield led


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """A small demo district (600 firms), built once; copy it before writing."""
    from db import demo_store
    from db.ledger import Ledger
    from pipeline import demo
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    with Ledger(path) as led:
        demo_store.store(led, demo.generate([n for _, n in led.streets()], 600, 7))
        led.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def demo_copy(demo_db, tmp_path) -> Path:
    import shutil
    target = tmp_path / "demo.db"
    shutil.copy(demo_db, target)
    return target
