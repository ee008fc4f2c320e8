"""Command-line test set-up: a new ledger made by `xingtu init`."""
import pytest

from desktop.cli import main


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "ledger.db"
    assert main(["init", "--db", str(path)]) == 0
    return path
