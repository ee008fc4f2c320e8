"""GUI tests: the Qt checks of tests/qt_checks.py (temporary settings, no window or thread left behind)."""
from tests.qt_checks import _no_leftovers, _temporary_settings  # noqa: F401  (autouse fixtures for every test here)
