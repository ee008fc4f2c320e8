"""Export exactly the rows the ledger table shows, with its visible columns in their order."""
from __future__ import annotations

from pathlib import Path

from db.ledger_view import COLUMN_KEYS, COLUMNS, LedgerQuery, LedgerView


def export_view(view: LedgerView, query: LedgerQuery, column_keys: list[str], out: str | Path,
                progress=None, cancel=None) -> int:
    """Write the query's rows (all pages, table order) to .xlsx/.csv; returns the row count."""
    from importers.export import Column, write_table
    idx = [COLUMN_KEYS.index(k) for k in column_keys]
    columns = [Column(COLUMNS[i].title, COLUMNS[i].kind, max(8.0, COLUMNS[i].width / 7)) for i in idx]

    def rows():
        for page in view.iter_pages(query):
            if cancel is not None and cancel():
                from importers.errors import InputError
                raise InputError("导出已取消，文件未写入")
            for row in page.rows:
                yield [row[i] for i in idx]

    return write_table(out, columns, rows(), progress=progress)
