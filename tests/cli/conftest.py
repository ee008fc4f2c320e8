"""Command-line test set-up: a new ledger, made by `xingtu init` on a file, and a fresh shared ledger on the
PostgreSQL server (tests/backends.py): every test that takes ``db`` runs on both engines."""
import pytest

from desktop.cli import main
from tests.backends import engine, ledger_address, ledger_on_both, ledger_template, pg_server_found  # noqa: F401


@pytest.fixture
def db(engine, ledger_address):  # noqa: F811
    if engine == "sqlite":
        assert main(["init", "--db", str(ledger_address)]) == 0
    return ledger_address
