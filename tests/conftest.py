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


def _other_engine(item) -> bool:
    """A run of a test on the engine it is not about: file_only on the server, server_only on the file."""
    params = getattr(getattr(item, "callspec", None), "params", {}).values()
    engines = {v for v in params if isinstance(v, str) and v in ("sqlite", "pg")}
    return bool(("pg" in engines and item.get_closest_marker("file_only"))
                or ("sqlite" in engines and item.get_closest_marker("server_only")))


def pytest_collection_modifyitems(config, items):
    """A test marked file_only is not run on the shared ledger at all, one marked server_only not on the file
    (left out of the collection rather than skipped: under CI a collected PostgreSQL test must run)."""
    kept, dropped = [], []
    for item in items:
        (dropped if _other_engine(item) else kept).append(item)
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
