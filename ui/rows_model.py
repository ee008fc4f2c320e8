"""A small read-only table model over a list of rows (timeline, services, audit, history, preview)."""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from ui.qtcompat import no_data

ROOT = QModelIndex()          # the invalid index: a flat table's parent (one shared default argument)


class RowsModel(QAbstractTableModel):
    """*rows* are sequences aligned with *headers*; optional per-row tooltips and foreground brushes."""

    def __init__(self, headers, rows=(), parent=None) -> None:
        super().__init__(parent)
        self._headers = list(headers)
        self._rows: list[list] = []
        self._tips: list = []
        self._brushes: list = []
        self.set_rows(rows)

    def set_rows(self, rows, tips=None, brushes=None) -> None:
        self.beginResetModel()
        self._rows = [list(r) for r in rows]
        self._tips = list(tips) if tips is not None else [None] * len(self._rows)
        self._brushes = list(brushes) if brushes is not None else [None] * len(self._rows)
        self.endResetModel()

    def row(self, i: int) -> list:
        return self._rows[i]

    def rowCount(self, parent=ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=ROOT) -> int:
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index, role=Qt.DisplayRole):
        value = self._data(index, role)
        return no_data() if value is None else value

    def _data(self, index, role=Qt.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return no_data()
        value = self._rows[index.row()][index.column()]
        if role == Qt.DisplayRole:
            return "" if value is None else str(value)
        if role == Qt.ToolTipRole:
            tip = self._tips[index.row()]
            if isinstance(tip, dict):
                return tip.get(index.column())
            return tip
        if role == Qt.BackgroundRole:
            return self._brushes[index.row()]
        return no_data()

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        value = self._headerData(section, orientation, role)
        return no_data() if value is None else value

    def _headerData(self, section, orientation, role=Qt.DisplayRole):
        return header_text(self._headers, section, orientation, role)

    def flags(self, index):
        return Qt.ItemIsEnabled | Qt.ItemIsSelectable if index.isValid() else Qt.NoItemFlags


def header_text(headers, section: int, orientation, role):
    """headerData of a plain table: the column titles across, row numbers down, nothing for other roles."""
    if role != Qt.DisplayRole:
        return None
    if orientation == Qt.Horizontal:
        return headers[section] if 0 <= section < len(headers) else None
    return str(section + 1)
