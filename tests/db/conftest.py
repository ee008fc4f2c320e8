"""Fixtures of these tests."""
import pytest

from db import dashboard_queries
from tests.backends import engine, ledger_address, ledger_on_both  # noqa: F401  (the ledger on both engines)

_FULL_READ = dashboard_queries.load_facts


@pytest.fixture
def reads(monkeypatch):
    """Counts the full reads of the ledger (a hit or a patch makes none)."""
    calls = []

    def counted(conn, path=None, file_id=None):
        calls.append(path)
        return _FULL_READ(conn, path, file_id)
    monkeypatch.setattr(dashboard_queries, "load_facts", counted)
    return calls
