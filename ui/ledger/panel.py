"""台账: the filter bar over the ledger table (fixed row heights, SQL sorting and paging)."""
from __future__ import annotations

import json

from PySide6.QtCore import QByteArray, QEvent, QItemSelection, QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from db.ledger_view import COLUMNS, PAGE, LedgerQuery, LedgerView
from ui.ledger.filters import FilterBar
from ui.ledger.model import LedgerTableModel

ROW_HEIGHT = 26
LAYOUT_VERSION = 1
LEGACY_COLUMNS = 16         # the columns a layout saved as Qt's header state (before version 1) knows
FIT_FLOOR = {"name": 220, "held": 160}     # what fit_default_columns leaves these columns at least
RESELECT_PAGES = 3          # after a write, the selection is looked for this many pages around where it was


BIN_TEXT = "正在查看回收站：这些企业已移入回收站，不在台账中。选中后可恢复（也可右键）。"


class LedgerPanel(QWidget):
    firmActivated = Signal(int)          # a firm id: open its file
    countChanged = Signal(int)
    leaveBin = Signal()                  # 返回台账 from the recycle bin's bar

    def __init__(self, ledger, parent=None) -> None:
        super().__init__(parent)
        self.ledger = ledger
        self.ledger_view = LedgerView.open(ledger)       # its own read connection, closed by close_view()
        self.filters = FilterBar(ledger, self.ledger_view)
        self.model = LedgerTableModel(self.ledger_view, self.filters.query(LedgerQuery()), self,
                                      background=lambda: LedgerView.open(ledger))
        self.model.countChanged.connect(self.countChanged)
        self.problem = QLabel(objectName="searchProblem")
        self.problem.setStyleSheet("#searchProblem { color: #b3261e; }")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.model.searchFailed.connect(self._search_failed)
        self.model.countChanged.connect(lambda _n: self.problem.hide())
        self.view = QTableView()
        self.view.setObjectName("ledgerTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setEditTriggers(QAbstractItemView.NoEditTriggers)
        vh = self.view.verticalHeader()
        vh.setSectionResizeMode(QHeaderView.Fixed)     # never size rows to contents
        vh.setDefaultSectionSize(ROW_HEIGHT)
        vh.setMinimumWidth(56)
        hh = self.view.horizontalHeader()
        hh.setSectionsMovable(True)
        hh.setSectionResizeMode(QHeaderView.Interactive)
        hh.setStretchLastSection(True)
        hh.setContextMenuPolicy(Qt.CustomContextMenu)
        hh.customContextMenuRequested.connect(self._header_menu)
        for i, col in enumerate(COLUMNS):
            hh.resizeSection(i, col.width)
            hh.setSectionHidden(i, not col.visible)
        self.view.setSortingEnabled(True)
        hh.setSortIndicator(self.model.column_index("name"), Qt.AscendingOrder)
        hh.sortIndicatorChanged.connect(self._sort_changed)
        self.view.doubleClicked.connect(self._activated)
        self.view.setContextMenuPolicy(Qt.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._table_menu)
        self._context_actions: list[QAction | None] = []
        self.filters.changed.connect(self._apply_filters)
        self._fit_columns = True                     # the default columns follow the table's width (eventFilter)
        self._fitting = False
        self.view.installEventFilter(self)
        hh.sectionResized.connect(self._section_resized)
        self._reselect: tuple | None = None           # (query, selection) to select again once a search's rows are in
        self.model.busyChanged.connect(self._rows_in)

        box = QVBoxLayout(self)
        box.setContentsMargins(6, 6, 6, 0)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.start_page: QWidget | None = None
        self.model.countChanged.connect(self._show_start)
        box.addWidget(self.filters)
        box.addWidget(self._bin_bar())
        box.addWidget(self.problem)
        box.addWidget(self.stack, 1)

    def _bin_bar(self) -> QWidget:
        """The bar that says the table shows the recycle bin (only the status bar's count said so, hidden by any
        message: two firms under the usual filters read as a ledger that lost its firms) and leads back."""
        bar = self.bin_bar = QWidget(objectName="binBar")
        bar.setStyleSheet("#binBar { background: #fce8e6; border: 1px solid #e8a09a; }")
        row = QHBoxLayout(bar)
        row.setContentsMargins(8, 2, 2, 2)
        row.addWidget(QLabel(BIN_TEXT), 1)
        self.bin_restore = QToolButton()            # 从回收站恢复所选, given by the window (set_bin_action)
        self.bin_restore.hide()
        leave = self.bin_leave = QPushButton("返回台账")
        leave.clicked.connect(self.leaveBin)
        row.addWidget(self.bin_restore)
        row.addWidget(leave)
        bar.hide()
        self.model.countChanged.connect(lambda _n: bar.setVisible(self.model.target.deleted))
        return bar

    def set_bin_action(self, restore: QAction) -> None:
        self.bin_restore.setDefaultAction(restore)
        self.bin_restore.show()

    # the start page of an empty ledger --------------------------------------------
    def set_start_page(self, page: QWidget) -> None:
        """Shown instead of the table while the ledger holds no firm (导入第一份名单, 打开示例台账, 新建指标)."""
        self.start_page = page
        self.stack.addWidget(page)
        self._show_start()

    def first_focus(self) -> None:
        """Where the keyboard starts: the search box, or an empty ledger's first button (it started on the window's
        tab bar, where typing does nothing)."""
        if self.start_page is not None and self.stack.currentWidget() is self.start_page:
            self.start_page.setFocus(Qt.OtherFocusReason)
            self.start_page.focusNextChild()
        else:
            self.filters.search.setFocus(Qt.OtherFocusReason)

    def is_empty(self) -> bool:
        return not self.model.target.deleted and self.ledger_view.empty()

    def _show_start(self, count: int | None = None) -> None:
        """*count*: the firms the table now shows (live ones, or the recycle bin's, which never shows the start page):
        some shown, the ledger is not empty without asking it (a query on the UI thread at every search otherwise:
        1-10 ms on a shared ledger)."""
        empty = self.start_page is not None and not count and self.is_empty()
        self.stack.setCurrentWidget(self.start_page if empty else self.view)
        self.filters.setVisible(not empty)

    # the query ------------------------------------------------------------------
    def _apply_filters(self) -> None:
        self.problem.hide()                 # a failed search's message: the person has moved on
        self.model.set_query(self.filters.query(self.model.target))

    def set_search_now(self, text: str) -> None:
        """Type *text* into the search box and apply it at once (tests, benchmark)."""
        self.filters.search.setText(text)
        self.filters.flush()

    def show_firm_ids(self, ids, title: str, as_of=None, street_id=None) -> None:
        """Show exactly these firms (from the dashboard) on its date and street, with a removable chip."""
        self.filters.set_firm_ids(ids, title, as_of, street_id)

    def _search_failed(self, message: str) -> None:
        self.problem.setText(message)
        self.problem.show()

    def reload(self) -> None:
        """Re-read after a write, keeping the selected firms selected (by firm id) and the scroll position; with a
        search shown (read off the UI thread) once its rows are in, unless the person asked for other rows since."""
        kept = (set(self.selected_firm_ids()), self.selected_rows(), self.current_firm_id(),
                self.view.verticalScrollBar().value())
        self.model.reload()
        self._reselect = (self.model.target, kept) if self.model.busy else None
        if not self.model.busy:
            self._keep_selection(*kept)

    def _rows_in(self, busy: bool) -> None:
        pending, self._reselect = self._reselect, None
        if not busy and pending is not None and pending[0] == self.model.target:
            self._keep_selection(*pending[1])

    def _keep_selection(self, keep: set, rows: list[int], current: int | None, scroll: int) -> None:
        if keep:
            self.select_firms(keep, near=rows[0] if rows else 0, current=current)
            if rows and not self.view.selectionModel().hasSelection() and self.model.rowCount():
                self._select_row(min(rows[0], self.model.rowCount() - 1))    # they left the list: the next row
        self.view.verticalScrollBar().setValue(scroll)

    def _select_row(self, row: int) -> None:
        """Row *row* selected and current, as Explorer does after a delete: Del and Enter go on working."""
        index = self.model.index(row, 0)
        self.view.selectionModel().setCurrentIndex(index, QItemSelectionModel.ClearAndSelect
                                                   | QItemSelectionModel.Rows)

    def select_firms(self, firm_ids, near: int = 0, current: int | None = None) -> None:
        """Select the rows of *firm_ids* found within a few pages of row *near* (the rows read anyway)."""
        wanted = set(firm_ids)
        first = max(0, (near // PAGE - RESELECT_PAGES) * PAGE)
        last = min(self.model.rowCount(), (near // PAGE + RESELECT_PAGES + 1) * PAGE)
        selection = QItemSelection()
        cols = self.model.columnCount() - 1
        current_row = None
        for row in range(first, last):
            fid = self.model.firm_id(row)
            if fid in wanted:
                selection.select(self.model.index(row, 0), self.model.index(row, cols))
                if fid == current:
                    current_row = row
        sm = self.view.selectionModel()
        sm.select(selection, QItemSelectionModel.ClearAndSelect)
        if current_row is not None:
            sm.setCurrentIndex(self.model.index(current_row, 0), QItemSelectionModel.NoUpdate)

    def _sort_changed(self, col: int, order) -> None:
        if not self.model.sortable(col):   # put the indicator back on the column actually sorted
            hh = self.view.horizontalHeader()
            q = self.model.query
            hh.blockSignals(True)
            hh.setSortIndicator(self.model.column_index(q.sort) if q.sort != "id" else -1,
                                Qt.DescendingOrder if q.descending else Qt.AscendingOrder)
            hh.blockSignals(False)

    # selection ------------------------------------------------------------------
    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.view.selectionModel().selectedRows()})

    def selected_firm_ids(self) -> list[int]:
        return self.model.firm_ids(self.selected_rows())

    def current_firm_id(self) -> int | None:
        idx = self.view.currentIndex()
        return self.model.firm_id(idx.row()) if idx.isValid() else None

    def _activated(self, index) -> None:
        fid = self.model.firm_id(index.row())
        if fid is not None:
            self.firmActivated.emit(fid)

    # menus ----------------------------------------------------------------------
    def set_context_actions(self, actions: list[QAction | None]) -> None:
        """Actions on the selected firms, shown on right-click (None = separator)."""
        self._context_actions = list(actions)

    def _table_menu(self, pos) -> None:
        if not self._context_actions:
            return
        menu = QMenu(self)
        for a in self._context_actions:
            menu.addSeparator() if a is None else menu.addAction(a)
        menu.exec(self.view.viewport().mapToGlobal(pos))

    def _header_menu(self, pos) -> None:
        hh = self.view.horizontalHeader()
        menu = QMenu(self)
        for i, col in enumerate(COLUMNS):
            act = menu.addAction(col.title)
            act.setCheckable(True)
            act.setChecked(not hh.isSectionHidden(i))
            act.setEnabled(col.key != "name")
            act.toggled.connect(lambda on, i=i: hh.setSectionHidden(i, not on))
        menu.exec(hh.mapToGlobal(pos))

    def visible_columns(self) -> list[str]:
        """Keys of the columns shown, in the order shown (for export)."""
        hh = self.view.horizontalHeader()
        logical = [hh.logicalIndex(v) for v in range(hh.count())]
        return [COLUMNS[i].key for i in logical if not hh.isSectionHidden(i)]

    # layout ---------------------------------------------------------------------
    def header_state(self) -> QByteArray:
        """The columns' order, widths, hidden flags and the sort, by column key (JSON): a layout saved
        before a column was added still fits, and the new column keeps its default (hidden or shown)."""
        hh = self.view.horizontalHeader()
        cols = []
        for v in range(hh.count()):
            i = hh.logicalIndex(v)
            cols.append([COLUMNS[i].key, hh.sectionSize(i), hh.isSectionHidden(i)])
        sort = hh.sortIndicatorSection()
        state = {"layout": LAYOUT_VERSION, "columns": cols,
                 "sort": COLUMNS[sort].key if 0 <= sort < len(COLUMNS) else None,
                 "descending": hh.sortIndicatorOrder() == Qt.DescendingOrder}
        return QByteArray(json.dumps(state, ensure_ascii=False).encode("utf-8"))

    def eventFilter(self, watched, event) -> bool:  # noqa: N802  (Qt's virtual)
        if watched is self.view and event.type() == QEvent.Resize and self._fit_columns:
            self.fit_default_columns()
        return super().eventFilter(watched, event)

    def _section_resized(self, *_args) -> None:
        if not self._fitting:
            self._fit_columns = False         # the person sized a column: their widths from now on

    def fit_default_columns(self) -> None:
        """The default columns narrowed to the table's width when they are a little wider (1366×768, the window not
        maximised: a scroll bar and 代码核验 cut at the edge): 企业名称 and 持有认定 give up the difference, never below
        FIT_FLOOR each. Done at each resize until the person sizes a column or a saved layout is restored."""
        from ui.geometry import column_room
        hh = self.view.horizontalHeader()
        self._fitting = True
        try:
            for key in FIT_FLOOR:
                hh.resizeSection(self.model.column_index(key), COLUMNS[self.model.column_index(key)].width)
            # the defaults, not the sizes now: the last column is stretched to whatever room is left
            excess = sum(c.width for i, c in enumerate(COLUMNS) if not hh.isSectionHidden(i)) - column_room(self.view)
            for key in ("held", "name"):
                i = self.model.column_index(key)
                give = min(max(excess, 0), max(0, hh.sectionSize(i) - FIT_FLOOR[key]))
                hh.resizeSection(i, hh.sectionSize(i) - give)
                excess -= give
        finally:
            self._fitting = False

    def restore_header_state(self, state: QByteArray) -> None:
        if not state or state.isEmpty():
            return
        self._fit_columns = False             # the person's own widths
        hh = self.view.horizontalHeader()
        layout = _layout(bytes(state.data()))
        if layout is None:                  # Qt's own header state, saved before layouts were kept by key
            if not hh.restoreState(state):
                return
            for i in range(LEGACY_COLUMNS, len(COLUMNS)):
                hh.resizeSection(i, COLUMNS[i].width)
                hh.setSectionHidden(i, not COLUMNS[i].visible)
        else:
            self._apply_layout(layout)
        if not self.model.sortable(hh.sortIndicatorSection()):
            hh.setSortIndicator(self.model.column_index("name"), Qt.AscendingOrder)
        self.model.sort(hh.sortIndicatorSection(), hh.sortIndicatorOrder())

    def _apply_layout(self, layout: dict) -> None:
        """Columns the layout names take its place, width and hidden flag; the others keep their defaults."""
        hh = self.view.horizontalHeader()
        index = {c.key: i for i, c in enumerate(COLUMNS)}
        named = {c[0] for c in layout["columns"]}
        for i, col in enumerate(COLUMNS):
            if col.key not in named:        # a column added since: its default
                hh.resizeSection(i, col.width)
                hh.setSectionHidden(i, not col.visible)
        place = 0
        for key, width, hidden in layout["columns"]:
            i = index.get(key)
            if i is None:                   # a column this version no longer has
                continue
            hh.moveSection(hh.visualIndex(i), place)
            place += 1
            if width > 0:
                hh.resizeSection(i, width)
            hh.setSectionHidden(i, bool(hidden) and key != "name")
        sort = index.get(layout.get("sort"))
        if sort is not None:
            hh.setSortIndicator(sort, Qt.DescendingOrder if layout.get("descending") else Qt.AscendingOrder)

    def close_view(self) -> None:
        self.model.shutdown()
        self.ledger_view.close()


def _layout(data: bytes) -> dict | None:
    """A layout saved by ``header_state`` (None: something else, e.g. Qt's own header state)."""
    try:
        layout = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(layout, dict) or layout.get("layout") != LAYOUT_VERSION:
        return None
    columns = layout.get("columns")
    if not isinstance(columns, list) or not all(isinstance(c, list) and len(c) == 3 and isinstance(c[0], str)
                                                and isinstance(c[1], int) for c in columns):
        return None
    return layout
