"""GUI tests: the Qt checks of tests/qt_checks.py (temporary settings, no window or thread left behind), and the
import wizard opened on a file (``open_wizard``)."""
import pytest

from tests.qt_checks import _no_leftovers, _temporary_settings  # noqa: F401  (autouse fixtures for every test here)


@pytest.fixture
def open_wizard(qtbot, ledger):
    from desktop.workers import Workers
    from ui.importer.wizard import ImportWizard
    made = []
    workers = Workers()

    def make(path):
        wiz = ImportWizard(ledger, path, workers)
        qtbot.add_widget(wiz)
        wiz.show()
        made.append(wiz)
        return wiz
    yield make
    for wiz in made:
        wiz.close()
    workers.wait()


@pytest.fixture
def small_panel(qtbot, ledger):
    """The ledger table on tests/ui/helpers.small_ledger: (panel, the four firms' ids)."""
    from tests.ui.helpers import small_ledger
    from ui.ledger.panel import LedgerPanel
    ids = small_ledger(ledger)
    p = LedgerPanel(ledger)
    qtbot.add_widget(p)
    p.resize(1200, 600)
    p.show()
    yield p, ids
    p.close_view()
