"""Fixture files for the reading layer, written once per test session into a temporary folder."""
from __future__ import annotations

import pytest

from tests.backends import engine, ledger_address, ledger_on_both  # noqa: F401  (the ledger on both engines)
from tests.importers import fixtures as F


@pytest.fixture(scope="session")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("lists")


@pytest.fixture(scope="session")
def hightech_xlsx(folder):
    return F.write_hightech_xlsx(folder)


@pytest.fixture(scope="session")
def hightech_xls(folder):
    return F.write_hightech_xls(folder)


@pytest.fixture(autouse=True)
def fast_plan_equals_reference(monkeypatch):
    """Every plan an importer test builds is built the reference way too, and must be the same."""
    from importers import planner
    from tests.importers.plan_compare import both_ways
    monkeypatch.setattr(planner.Planner, "run", both_ways)
