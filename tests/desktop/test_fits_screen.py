"""Issue 14: every window and dialog fits the available screen area (a 1366×768 laptop, taskbar excluded),
a geometry remembered on a 1920×1080 monitor is clamped, and the layouts fit at 1280×720 (150% scaling)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect

from desktop.main_window import MainWindow
from desktop.settings import Settings
from tests.ui.helpers import small_ledger
from ui import geometry

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]
LAPTOP = QRect(0, 0, 1366, 728)          # 1366×768 less a 40-pixel taskbar
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def laptop(monkeypatch):
    monkeypatch.setattr(geometry, "available_geometry", lambda widget=None: QRect(LAPTOP))
    return LAPTOP


def inside(widget, child, qapp) -> bool:
    """*child*'s whole rectangle lies within *widget* (nothing pushed off the edge)."""
    qapp.processEvents()
    top_left = child.mapTo(widget, QPoint(0, 0))
    return (child.isVisible() and top_left.x() >= 0 and top_left.y() >= 0
            and top_left.x() + child.width() <= widget.width() and top_left.y() + child.height() <= widget.height())


def assert_fits(widget, avail: QRect) -> None:
    assert geometry.usable(avail).contains(widget.geometry()), widget.geometry()
    hint = widget.layout().totalMinimumSize() if widget.layout() is not None else widget.minimumSizeHint()
    assert hint.width() <= avail.width() and hint.height() <= avail.height(), hint


def test_the_main_window_fits_a_1366_by_768_screen(qtbot, qapp, ledger, laptop):
    small_ledger(ledger)
    win = MainWindow(ledger, Settings())
    qtbot.add_widget(win)
    win.show()
    assert_fits(win, laptop)
    f = win.ledger_panel.filters
    for w in (f.star, f.clear_button, f.expiring, f.search, win.statusBar(), win.count_label):
        assert inside(win, w, qapp), w


def test_a_geometry_remembered_on_a_1920_monitor_is_clamped(qtbot, qapp, ledger, laptop, monkeypatch):
    """Where Qt restores a remembered geometry as is (it does on Windows), a 1920×1080 one is clamped to the laptop."""
    small_ledger(ledger)
    settings = Settings()
    settings.set("window/geometry", b"remembered on the 1920 monitor")

    def restore_as_is(self, data):
        self.setGeometry(0, 0, 1920, 1050)
        return True
    monkeypatch.setattr(MainWindow, "restoreGeometry", restore_as_is)
    win = MainWindow(ledger, settings)
    qtbot.add_widget(win)
    win.show()
    assert_fits(win, laptop)
    assert win.width() == geometry.usable(laptop).width()       # clamped to the screen, not thrown away
    assert geometry.clamp(QRect(-50, 900, 1920, 1080), laptop) == geometry.usable(laptop)


def test_a_remembered_geometry_that_fits_is_restored_as_is(qtbot, ledger, laptop):
    small_ledger(ledger)
    first = MainWindow(ledger, Settings())
    qtbot.add_widget(first)
    first.setGeometry(100, 80, 600, 500)
    settings = Settings()
    settings.set("window/geometry", first.saveGeometry())
    first.close()
    win = MainWindow(ledger, settings)
    qtbot.add_widget(win)
    assert win.geometry() == QRect(100, 80, 600, 500)


def test_the_import_wizard_fits_and_its_buttons_are_not_clipped(qtbot, qapp, ledger, laptop, tmp_path):
    from desktop.sample_list import write_sample_list
    from desktop.workers import Workers
    from tests.ui.helpers import C1
    from ui.importer.wizard import ImportWizard
    small_ledger(ledger)
    path = write_sample_list(tmp_path / "名单.xlsx", [("武汉星辰科技有限公司", C1, "积玉桥")])
    workers = Workers()
    wiz = ImportWizard(ledger, path, workers)
    qtbot.add_widget(wiz)
    wiz.show()
    try:
        assert_fits(wiz, laptop)
        from PySide6.QtWidgets import QPushButton
        buttons = [b for b in wiz.findChildren(QPushButton) if b.isVisible()]
        assert buttons and all(inside(wiz, b, qapp) for b in buttons)
    finally:
        wiz.close()
        workers.wait()


def test_the_firm_file_and_the_targets_dialogs_fit(qtbot, ledger, laptop):
    from ui.firm.dialog import FirmFileDialog
    from ui.targets_dialog import IndicatorDialog
    a, *_ = small_ledger(ledger)
    firm = FirmFileDialog(ledger, a, lambda c: None)
    qtbot.add_widget(firm)
    firm.show()
    assert_fits(firm, laptop)
    firm.close()
    dlg = IndicatorDialog(ledger.catalog())
    qtbot.add_widget(dlg)
    dlg.show()
    assert_fits(dlg, laptop)
    dlg.close()


def test_fit_to_screen_on_a_tiny_screen_shrinks_and_centres(qtbot, monkeypatch):
    from PySide6.QtWidgets import QDialog
    small = QRect(0, 0, 1024, 600)
    monkeypatch.setattr(geometry, "available_geometry", lambda widget=None: QRect(small))
    dlg = QDialog()
    qtbot.add_widget(dlg)
    rect = geometry.fit_to_screen(dlg, (1180, 760))
    assert geometry.usable(small).contains(rect) and rect.width() == geometry.usable(small).width()


SCRIPT = r"""
import json, sys
from PySide6.QtCore import QByteArray, QPoint
from desktop.app import setup_application
app = setup_application()
from db.ledger import Ledger
from desktop.main_window import MainWindow
from desktop.settings import Settings
from PySide6.QtCore import QSettings
QSettings.setDefaultFormat(QSettings.IniFormat)
QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, sys.argv[2])
led = Ledger(sys.argv[1], readonly=True)
settings = Settings()
if sys.argv[3] == "save":                     # a big monitor: remember a big window
    win = MainWindow(led, settings)
    win.setGeometry(10, 30, 1880, 1000)
    win.show()
    app.processEvents()
    win.close()
    print(json.dumps({"saved": [win.width(), win.height()]}))
    raise SystemExit(0)
win = MainWindow(led, settings)
win.show()
app.processEvents()
for name in ("看板", "指标", "台账"):
    win.show_tab(name)
    app.processEvents()
def right(w):
    p = w.mapTo(win, QPoint(0, 0))
    return [p.x() + w.width(), p.y() + w.height()]
f = win.ledger_panel.filters
avail = app.primaryScreen().availableGeometry()
out = {"screen": [avail.width(), avail.height()], "window": [win.x(), win.y(), win.width(), win.height()],
       "min": [win.minimumSizeHint().width(), win.minimumSizeHint().height()],
       "star": right(f.star), "clear": right(f.clear_button), "status": right(win.statusBar())}
win.close(); led.close()
print(json.dumps(out))
"""


def run_on_screen(tmp_path, demo_db, screen, scale="1", mode="show") -> dict:
    config = tmp_path / f"screen-{screen[0]}.json"
    config.write_text(json.dumps({"screens": [{"name": "s", "x": 0, "y": 0, "width": screen[0], "height": screen[1],
                                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}", QT_SCALE_FACTOR=scale)
    (tmp_path / "settings").mkdir(exist_ok=True)
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(demo_db), str(tmp_path / "settings"), mode], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_window_remembered_on_a_1920_monitor_opens_inside_a_1366_laptop(tmp_path, demo_db):
    """The real sequence: the window is closed at 1880×1000 on a 1920×1080 screen, then opened on a laptop."""
    assert run_on_screen(tmp_path, demo_db, (1920, 1080), mode="save")["saved"] == [1880, 1000]
    got = run_on_screen(tmp_path, demo_db, (1366, 768))
    x, y, w, h = got["window"]
    assert 0 <= x and x + w <= 1366 and 0 <= y and y + h <= 768


@pytest.mark.parametrize("screen, scale", [((1366, 768), "1"), ((1280, 720), "1"), ((1920, 1080), "1.5")],
                         ids=["1366x768", "1280x720", "1920x1080-at-150%"])
def test_the_window_lays_out_on_a_real_small_screen(tmp_path, demo_db, screen, scale):
    """A real (offscreen) screen of that size, and Qt's own 150% scaling: 1920×1080 at 1.5 is 1280×720 logical."""
    got = run_on_screen(tmp_path, demo_db, screen, scale)
    w, h = got["screen"]
    assert (w, h) == ((1280, 720) if scale == "1.5" else screen)
    x, y, ww, wh = got["window"]
    assert 0 <= x and x + ww <= w and 0 <= y and y + wh <= h
    assert got["min"][0] <= w and got["min"][1] <= h
    for name in ("star", "clear", "status"):
        assert got[name][0] <= ww and got[name][1] <= wh, (name, got)
