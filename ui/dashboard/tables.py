"""Small sortable tables of the dashboard: every cell may carry the firm ids behind its number."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

SORT_ROLE = Qt.UserRole + 1
_ROLES = frozenset({Qt.DisplayRole, SORT_ROLE, Qt.ForegroundRole, Qt.ToolTipRole, Qt.TextAlignmentRole, Qt.FontRole})
_LEFT = int(Qt.AlignLeft | Qt.AlignVCenter)
_RIGHT = int(Qt.AlignRight | Qt.AlignVCenter)
_FONT: list = []            # the underlined font of a cell that opens firms, made once (a QFont needs the app)
ROOT = QModelIndex()          # the invalid index: a flat table's parent (one shared default argument)
LONG_TEXT = 8               # longer texts get their full text as a tooltip (the column may elide them)


@dataclass
class DrillDown:
    """What a click on the dashboard opens: these firms, seen in the ledger on *day* (None: the dashboard's
    as-of date) and in *street_id* (None: the dashboard's street). *stages*: each firm holds one of them
    (and one of *require*, when given) on *day*; empty when the list is not one of holders on a day
    (firms whose designation expired in a month, a cohort, everything ever held since a base year)."""
    ids: list
    title: str
    day: date | None = None
    stages: tuple = ()
    require: tuple = ()
    street_id: int | None = None


@dataclass
class Cell:
    text: str
    sort: object = None
    ids: object = None              # firm ids (array or list), a callable returning them (lazy), or None
    title: str = ""                 # the Chinese title of the firm list it opens
    color: str | None = None
    tip: str | None = None
    extra: dict = field(default_factory=dict)
    day: date | None = None         # the drill-down's date and what its firms hold then (see DrillDown)
    stages: tuple = ()
    require: tuple = ()
    street_id: int | None = None

    def drill(self) -> DrillDown:
        ids = [int(i) for i in (self.ids() if callable(self.ids) else self.ids)]
        title = (self.title or self.text).replace("{n}", str(len(ids)))      # a count known once the ids are
        return DrillDown(ids, title, self.day, tuple(self.stages), tuple(self.require), self.street_id)


def num(value, fmt: str = "{:g}") -> str:
    if value is None:
        return "—"
    return fmt.format(value)


def refill(combo, items: list[str]) -> None:
    """Replace a combo box's items without emitting signals, keeping the chosen item when it is still there."""
    keep = combo.currentText()
    combo.blockSignals(True)
    combo.clear()
    combo.addItems(items)
    if keep in items:
        combo.setCurrentText(keep)
    combo.blockSignals(False)


def pct(value) -> str:
    return "—" if value is None else f"{value:.1%}"


def gap_text(gap) -> str:
    """差距 as a manager reads it: 还差 N / 超出 N / 已达标, never a negative number."""
    if gap is None:
        return "—"
    if gap > 0:
        return f"还差 {gap:g}"
    if gap < 0:
        return f"超出 {-gap:g}"
    return "已达标"


class CellModel(QAbstractTableModel):
    def __init__(self, headers: list[str], parent=None) -> None:
        super().__init__(parent)
        self.headers = list(headers)
        self.rows: list[list[Cell]] = []

    def set_rows(self, rows: list[list[Cell]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent=ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.headers)

    def cell(self, row: int, col: int) -> Cell | None:
        if 0 <= row < len(self.rows) and 0 <= col < len(self.rows[row]):
            return self.rows[row][col]
        return None

    def data(self, index, role=Qt.DisplayRole):
        if role not in _ROLES or not index.isValid():      # the roles not answered, first and fast
            return None
        c = self.cell(index.row(), index.column())
        if c is None:
            return None
        if role == Qt.DisplayRole:
            return c.text
        if role == SORT_ROLE:
            return c.sort if c.sort is not None else c.text
        if role == Qt.ForegroundRole:
            return QBrush(QColor(c.color)) if c.color else None
        if role == Qt.ToolTipRole:
            if c.tip:
                return c.tip
            if callable(c.ids):
                return "点击查看这些企业"
            if c.ids is not None and len(c.ids):
                return f"点击查看这 {len(c.ids)} 家企业"
            return c.text if len(c.text) > LONG_TEXT else None      # a name the column may elide
        if role == Qt.TextAlignmentRole:
            return _LEFT if index.column() == 0 else _RIGHT
        if c.ids is not None and (callable(c.ids) or len(c.ids)):     # Qt.FontRole
            return _underlined()
        return None

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if role == Qt.DisplayRole and orientation == Qt.Horizontal and 0 <= section < len(self.headers):
            return self.headers[section]
        return None


def _underlined():
    if not _FONT:
        from PySide6.QtGui import QFont
        f = QFont()
        f.setUnderline(True)
        _FONT.append(f)
    return _FONT[0]


class _Proxy(QSortFilterProxyModel):
    def lessThan(self, left, right) -> bool:  # noqa: N802
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if a is None or b is None or isinstance(a, str) != isinstance(b, str):
            return (a is None, str(a)) < (b is None, str(b))
        if isinstance(a, str):
            return a < b
        return a < b


SIZE_ROWS = 40          # rows looked at to size a table's columns to their contents


class CellTable(QTableView):
    """A table whose number cells open their firms when clicked: ``cellFirms(ids, title)``."""

    cellFirms = Signal(object, str)
    cellDrill = Signal(object)          # the DrillDown of the cell clicked (emitted before cellFirms)

    def __init__(self, headers: list[str], *, sortable: bool = True, parent=None) -> None:
        super().__init__(parent)
        self.source = CellModel(headers, self)
        self.proxy = _Proxy(self)
        self.proxy.setSourceModel(self.source)
        self.setModel(self.proxy)
        self.setSortingEnabled(sortable)
        if sortable:
            self.sortByColumn(-1, Qt.AscendingOrder)      # the order given until a header is clicked
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectItems)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        vh = self.verticalHeader()
        vh.setSectionResizeMode(QHeaderView.Fixed)
        vh.setDefaultSectionSize(24)
        vh.hide()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
        self.horizontalHeader().setStretchLastSection(False)
        # column widths from the first rows, not every row: the 500 rows of the due list cost 23k data() calls
        # and 2.5 s CPU on every recompute of the dashboard (a loaded 2-core machine; the figures 0.1 s)
        self.horizontalHeader().setResizeContentsPrecision(SIZE_ROWS)
        self.clicked.connect(self._clicked)

    def set_rows(self, rows: list[list[Cell]]) -> None:
        self.source.set_rows(rows)
        self.resizeColumnsToContents()
        for c in range(self.source.columnCount()):
            self.setColumnWidth(c, min(max(self.columnWidth(c), 64), 320))

    def cell_at(self, row: int, col: int) -> Cell | None:
        """The cell shown at (row, col) in the current sort order."""
        src = self.proxy.mapToSource(self.proxy.index(row, col))
        return self.source.cell(src.row(), src.column())

    def _clicked(self, index) -> None:
        src = self.proxy.mapToSource(index)
        c = self.source.cell(src.row(), src.column())
        if c is not None and c.ids is not None:
            drill = c.drill()
            self.cellDrill.emit(drill)
            self.cellFirms.emit(drill.ids, drill.title)
