"""Desktop tests: the same Qt checks as the ui tests (tests/qt_checks.py)."""
from tests.qt_checks import _no_leftovers, _temporary_settings  # noqa: F401  (autouse fixtures for every test here)
