"""Export exactly the rows the ledger table shows, with its visible columns in their order: off the UI thread,
with a progress dialog that can cancel (a million firms take a while to write)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog

from db.ledger_view import COLUMN_KEYS, COLUMNS, LedgerQuery, LedgerView

CANCELLED = "导出已取消，文件未写入"
SHOW_AFTER_MS = 400         # a short export finishes before the dialog would flash up


def export_view(view: LedgerView, query: LedgerQuery, column_keys: list[str], out: str | Path,
                progress=None, cancel=None) -> int:
    """Write the query's rows (all pages, table order) to .xlsx/.csv; returns the row count.
    *cancel* () -> bool stops it (``importers.plan.Cancelled``, nothing written)."""
    from importers.export import Column, write_table
    idx = [COLUMN_KEYS.index(k) for k in column_keys]
    columns = [Column(COLUMNS[i].title, COLUMNS[i].kind, max(8.0, COLUMNS[i].width / 7)) for i in idx]

    def rows():
        for page in view.iter_pages(query):
            if cancel is not None and cancel():
                from importers.plan import Cancelled
                raise Cancelled(CANCELLED)
            for row in page.rows:
                yield [row[i] for i in idx]

    return write_table(out, columns, rows(), progress=progress)


def export_in_background(window, query: LedgerQuery, column_keys: list[str], out: str | Path, total: int, *,
                         on_done, on_failed) -> QProgressDialog:
    """Run ``export_view`` on *window*'s workers over a read connection of its own, showing 正在导出 with
    a 取消 button; *on_done(count)* or *on_failed(message)* (a cancel says so) are called on the UI thread."""
    view = LedgerView.open(window.ledger)
    dialog = QProgressDialog(f"正在导出 {total:,} 家企业…", "取消", 0, max(total, 1), window)
    dialog.setWindowTitle("导出当前列表")
    dialog.setWindowModality(Qt.WindowModal)
    dialog.setMinimumDuration(SHOW_AFTER_MS)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setValue(0)

    def job(progress, cancelled):
        return export_view(view, query, column_keys, out, progress=lambda n: progress(n, total), cancel=cancelled)

    def over(callback, value) -> None:
        view.close()
        dialog.reset()
        dialog.hide()
        dialog.deleteLater()
        callback(value)

    task = window.workers.start(job, on_done=lambda n: over(on_done, n),
                                on_failed=lambda message: over(on_failed, message),
                                on_cancelled=lambda message: over(on_failed, message or CANCELLED),
                                on_progress=lambda done, _total, _text: dialog.setValue(min(done, dialog.maximum())))
    dialog.canceled.connect(task.cancel)
    return dialog
