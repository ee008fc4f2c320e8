"""Fixtures of these tests."""
from tests.backends import engine, ledger_address, ledger_on_both  # noqa: F401  (the ledger on both engines)
