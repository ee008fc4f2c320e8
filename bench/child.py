"""Work run in a fresh process (``python -m bench.child TASK ARGS``): peak memory and start-up figures.

Every task prints one JSON line last. The desktop tasks print ``FIRST_PAGE`` the moment the
first page of the table has been painted; the parent times that line from the outside.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

MARK = "FIRST_PAGE"
CPU: list[float] = []            # CPU seconds of each _update, in order
SEARCH_KEYSTROKES = ["凌", "凌源", "凌源天", "w", "wh", "whl", "whly", "whlyt", "9", "914", "91420106",
                     "科技", "电子科技有限", "量子纠缠", ""]


def _rss() -> tuple[float, float]:
    from bench.measure import rss_mb
    return rss_mb()


def parse(list_path: str) -> dict:
    """The bare parse: python-calamine reads the whole sheet into Python values."""
    t = time.perf_counter()
    from python_calamine import CalamineWorkbook
    wb = CalamineWorkbook.from_path(list_path)
    rows = wb.get_sheet_by_index(0).to_python()
    elapsed = time.perf_counter() - t
    now, peak = _rss()
    return {"elapsed": elapsed, "rss_mb": now, "peak_mb": peak, "rows": len(rows)}


def run_import(list_path: str, db_path: str) -> dict:
    from bench.fig_import import ours_import
    t = time.perf_counter()
    steps: dict = {}
    counts = ours_import(Path(list_path), db_path if "://" in db_path else Path(db_path), steps)   # a file or a URL
    elapsed = time.perf_counter() - t
    now, peak = _rss()
    return {"elapsed": elapsed, "rss_mb": now, "peak_mb": peak, "counts": counts, "timings": steps}


# desktop ------------------------------------------------------------------------------------------------------

def _wait_painted(app, view, timeout: float = 60.0) -> None:
    """Process events until the table's viewport has painted with rows in the model."""
    from PySide6.QtCore import QEvent, QObject

    class Watch(QObject):
        painted = False

        def eventFilter(self, obj, event):  # noqa: N802 (Qt API)
            if event.type() == QEvent.Paint and view.model() is not None and view.model().rowCount() > 0:
                Watch.painted = True
            return False

    watch = Watch()
    view.viewport().installEventFilter(watch)
    end = time.perf_counter() + timeout
    while not Watch.painted and time.perf_counter() < end:
        app.processEvents()
        if not Watch.painted and view.isVisible():
            view.viewport().repaint()
    view.viewport().removeEventFilter(watch)
    if not Watch.painted:
        raise RuntimeError("表格在 60 秒内没有画出第一页")


def qt_bare(db_path: str) -> dict:
    """A bare QApplication + QTableView showing the first 200 firms of the same file (the same 9 columns)."""
    import sqlite3

    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QTableView
    app = QApplication(sys.argv[:1])
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    rows = conn.execute("SELECT f.name, f.code, s.name, f.industry, f.officer, '', '', '', f.code_status "
                        "FROM firms f LEFT JOIN streets s ON s.id = f.street_id ORDER BY f.id LIMIT 200").fetchall()
    model = QStandardItemModel(len(rows), len(rows[0]) if rows else 9)
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            model.setItem(i, j, QStandardItem("" if v is None else str(v)))
    view = QTableView()
    view.setModel(model)
    view.resize(1440, 900)
    view.show()
    _wait_painted(app, view)
    print(MARK, flush=True)
    repaint = _repaint_ms(app, view)
    now, peak = _rss()
    view.close()
    conn.close()
    return {"rss_mb": now, "peak_mb": peak, "repaint_s": repaint}


def _repaint_ms(app, view, n: int = 15) -> float:
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        view.viewport().repaint()
        samples.append(time.perf_counter() - t)
    app.processEvents()
    return statistics.median(samples)


def _update(app, view, action) -> float:
    """Seconds for *action* until the visible page is painted again."""
    c = time.process_time()
    t = time.perf_counter()
    action()
    view.viewport().repaint()
    elapsed = time.perf_counter() - t
    CPU.append(time.process_time() - c)
    app.processEvents()
    return elapsed


def _shown(app, view, panel, text: str, timeout: float = 60.0) -> float:
    """Seconds from typing *text* (all at once) until its rows and count are shown, a background search included
    (the keystroke figures time the UI thread only: a slow search runs off it while the table keeps its rows)."""
    t = time.perf_counter()
    panel.set_search_now(text)
    while panel.model.busy and time.perf_counter() - t < timeout:
        app.processEvents()
        time.sleep(0.002)
    view.viewport().repaint()
    return time.perf_counter() - t


def desktop(db_path: str) -> dict:
    """星图's own window on the ledger: start to first page, then keystrokes, sorts, scrolling, memory."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QAbstractSlider, QApplication
    try:
        from desktop.app import setup_application  # the app's own start: names, CJK font
        app = setup_application(sys.argv[:1])
    except ImportError:
        app = QApplication(sys.argv[:1])
    from db.ledger import Ledger
    ledger = Ledger(db_path, readonly=True)          # read-only: the cached file stays as generated
    try:
        from desktop.main_window import MainWindow
    except ImportError:
        MainWindow = None  # noqa: N806
    if MainWindow is not None:
        win = MainWindow(ledger)
        panel = win.ledger_panel
        how = "MainWindow"
    else:
        from ui.ledger.panel import LedgerPanel
        win = panel = LedgerPanel(ledger)
        how = "LedgerPanel"
    win.resize(1440, 900)
    win.show()
    view, model = panel.view, panel.model
    _wait_painted(app, view)
    print(MARK, flush=True)
    start_rss = _rss()[0]
    out: dict = {"window": how, "firms": model.rowCount(), "start_rss_mb": start_rss}
    out["repaint_s"] = _repaint_ms(app, view)

    keys = []
    for text in SEARCH_KEYSTROKES:
        s = _update(app, view, lambda text=text: panel.set_search_now(text))
        keys.append((text, s, model.rowCount(), CPU[-1]))
    out["keystrokes"] = keys

    sorts = []
    header = view.horizontalHeader()
    for col in range(model.columnCount()):
        if header.isSectionHidden(col) or not model.sortable(col):
            continue
        for order in (Qt.DescendingOrder, Qt.AscendingOrder):
            s = _update(app, view, lambda col=col, order=order: header.setSortIndicator(col, order))
            sorts.append((model.column_key(col), "desc" if order == Qt.DescendingOrder else "asc", s))
    out["sorts"] = sorts
    header.setSortIndicator(model.column_index("name"), Qt.AscendingOrder)
    app.processEvents()

    bar = view.verticalScrollBar()
    pages = [_update(app, view, lambda: bar.triggerAction(QAbstractSlider.SliderPageStepAdd)) for _ in range(20)]
    out["page_down_s"] = pages
    out["jump_middle_s"] = _update(app, view, lambda: view.scrollTo(model.index(model.rowCount() // 2, 0)))
    out["jump_end_s"] = _update(app, view, lambda: view.scrollToBottom())
    app.processEvents()
    out["rss_mb"], out["peak_mb"] = _rss()
    out["keystrokes_shown"] = [(text, _shown(app, view, panel, text)) for text in SEARCH_KEYSTROKES]
    win.close()
    if hasattr(panel, "close_view"):
        panel.close_view()
    ledger.close()
    return out


def officer(*args: str) -> dict:
    from bench.officer import officer as run_officer
    return run_officer(*args)


TASKS = {"parse": parse, "import": run_import, "qt_bare": qt_bare, "desktop": desktop, "officer": officer}


def main(argv: list[str]) -> int:
    task, *args = argv
    result = TASKS[task](*args)
    print(json.dumps(result, ensure_ascii=False, default=str), flush=True)
    sys.stderr.flush()
    # The figures are out. Skip interpreter teardown: destroying Qt objects in arbitrary order at
    # exit can abort the process, and the measurement would be lost for nothing.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
