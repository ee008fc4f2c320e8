from tests.ui.conftest import _no_leftovers, _temporary_settings  # noqa: F401  (the same checks for desktop tests)
