"""The ledger table model: a thin Qt adapter over db.ledger_view (SQL), never a Python list of all firms.

Rows are fetched a page (200 rows) at a time when Qt first asks for them; a page is reached
by key from its predecessor when that one's last key is known (``_anchors`` keeps the last
key of every page seen, a few bytes each), by OFFSET otherwise. At most MAX_PAGES pages of
rows stay cached. Sorting and filtering reset the model and run in SQL; a search runs off the UI thread
(ui.ledger.background). The first page and count of a query shown since the last reload are kept: going back
to it (clearing the search) reads nothing.
"""
from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QAbstractTableModel, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor

from db.ledger_view import COLUMNS, PAGE, LedgerQuery, LedgerView, Page
from ui.ledger.background import Job, Searcher
from ui.qtcompat import no_data
from ui.rows_model import ROOT

MAX_PAGES = 64
FLAG_COLOUR = QColor("#b3261e")
NUMERIC = {"number", "int"}
# Roles and orientations as plain values: data() and headerData() are called ~7 times per visible
# cell on every repaint, and reading ``Qt.DisplayRole`` goes through Python's enum machinery each time.
DISPLAY, TOOLTIP, ALIGNMENT, FOREGROUND = (int(Qt.DisplayRole), int(Qt.ToolTipRole), int(Qt.TextAlignmentRole),
                                           int(Qt.ForegroundRole))
USER = int(Qt.UserRole)
HORIZONTAL = Qt.Horizontal
ALIGN_RIGHT, ALIGN_LEFT = Qt.AlignRight | Qt.AlignVCenter, Qt.AlignLeft | Qt.AlignVCenter
ALIGNMENTS = tuple(ALIGN_RIGHT if c.kind in NUMERIC else ALIGN_LEFT for c in COLUMNS)
TITLES = tuple(c.title for c in COLUMNS)
CELL_FLAGS = Qt.ItemIsEnabled | Qt.ItemIsSelectable
NO_FLAGS = Qt.NoItemFlags
TIP_SORT = "按此列排序"
TIP_NO_SORT = "此列由认定记录计算，不能排序"
STATUS_TIPS = {"校验位不符": "统一社会信用代码校验位不符：可能是早期试点代码，请人工核对",
               "代码无效": "统一社会信用代码长度或字符不对，无法作为企业标识",
               "无代码": "没有统一社会信用代码，按企业名称匹配，请人工确认"}


SEARCH_FAILED = "搜索未能完成：{reason}。表格仍显示上一次的结果。"
KEPT_PAGES = 16         # first pages kept, by query, until the ledger is re-read (reload)
POLL_MS = 5             # while a search runs: how often the UI thread looks whether it is answered (a rare one: ms)


def _count_key(query: LedgerQuery) -> LedgerQuery:
    """The query without its order: what a count depends on."""
    return query.with_(sort="name", descending=False)


def _searching(query: LedgerQuery) -> bool:
    """A search runs off the UI thread, however rare its term (see ui.ledger.background); the other filters are
    answered by walking an index, on the UI thread."""
    return bool(query.search.strip())


class LedgerTableModel(QAbstractTableModel):
    """*background* (optional) makes a LedgerView on a new connection: searches then run off the UI thread (on
    connections kept for them) and the table keeps its rows meanwhile."""
    countChanged = Signal(int)
    busyChanged = Signal(bool)
    searchFailed = Signal(str)          # a background search failed: a Chinese message for the person

    def __init__(self, view: LedgerView, query: LedgerQuery | None = None, parent=None, background=None) -> None:
        super().__init__(parent)
        self._view = view
        self._query = query or LedgerQuery()
        self._target = self._query
        self._searcher = Searcher(background) if background is not None else None
        if self._searcher is not None:      # once the event loop runs (the first page is painted): ready to search
            QTimer.singleShot(0, self, lambda: self._searcher.start(prepare=True))
        self._generation = 0
        self._running: Job | None = None          # the search of the current generation, until shown
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._check_jobs)
        self.busy = False
        self._pages: OrderedDict[int, Page] = OrderedDict()
        self._anchors: dict[int, tuple] = {}
        self._shown: dict[int, list[tuple[str, ...]]] = {}   # page number -> its rows as display text
        self._recent = -1                                      # the page last read by _text()
        # the counts of the queries shown since the ledger was last re-read (reload): a sort, or going back to a
        # search or to the whole ledger, shows rows already counted (a shared ledger counts a million in 0.1-0.5 s)
        self._counts: dict[LedgerQuery, int] = {}
        # and their first pages: clearing a search shows the whole ledger's first page again without reading it
        # (0.1-0.2 s on a shared ledger of a million firms), as does going back to an earlier search
        self._kept: OrderedDict[LedgerQuery, tuple[Page, list]] = OrderedDict()     # query -> page 0, its text
        self._version = view.version()          # of the file when they were read: another program's commit drops them
        self.total = self._counted(self._query, view.count(self._query))
        self._flag_brush = QBrush(FLAG_COLOUR)
        self._status_col = self.column_index("code_status")
        self._tip_sort = tuple(TIP_SORT if c.sort else TIP_NO_SORT for c in COLUMNS)

    # the query ------------------------------------------------------------------
    @property
    def query(self) -> LedgerQuery:
        """The query the rows shown answer (a slow one still running is ``target``)."""
        return self._query

    @property
    def target(self) -> LedgerQuery:
        return self._target

    def set_query(self, query: LedgerQuery, total: int | None = None) -> None:
        """Show *query*'s rows; *total*: its count when known (a new order of the rows shown)."""
        self._generation += 1
        self._target = query
        self._interrupt()
        self._drop_if_written()
        if total is None:
            total = self._counts.get(_count_key(query))
        kept = self._kept.get(query) if total is not None else None
        if kept is not None:                 # shown since the last reload: its first page and count, no SQL
            self._poll.stop()
            self._first_page_ready(query, *kept, total)
            return
        if self._searcher is not None and _searching(query):
            self._start(query, total)
            return
        self._set_busy(False)
        self._poll.stop()
        self.beginResetModel()
        self._query = query
        self._forget_pages()
        self.total = self._counted(query, self._view.count(query) if total is None else total)
        self.endResetModel()
        self.countChanged.emit(self.total)

    def _start(self, query: LedgerQuery, total: int | None) -> None:
        """Run *query* off the UI thread: the table keeps its rows until the first page is read. Not waited for
        even briefly: a search on a shared ledger is never answered within a few milliseconds (its round trips),
        and a wait only adds to the keystroke's time (measured: 5 ms more on the slowest keystroke, both engines)."""
        job = Job(self._generation, query, total)
        self._running = job
        self._searcher.submit(job)          # a failure to open its connection: reported
        self._set_busy(True)
        self._poll.start()

    def _check_jobs(self) -> None:
        job = self._running
        if job is None or job.generation != self._generation:
            self._poll.stop()
            return
        if job.finished.is_set():
            self._poll.stop()
            self._first_page_done(job)

    def _first_page_done(self, job) -> None:
        if job.page is None:
            self._running = None
            self._set_busy(False)
            if job.error is not None:
                self.searchFailed.emit(SEARCH_FAILED.format(reason=job.error))
            return
        self._first_page_ready(job.query, job.page, None, job.total)

    def _first_page_ready(self, query, page: Page, shown: list | None, total: int) -> None:
        self._running = None
        self.beginResetModel()
        self._query = query
        self._forget_pages()
        self._keep(0, page, shown)
        if page.last_key is not None and len(page.ids) == PAGE:
            self._anchors[0] = page.last_key
        self.total = self._counted(query, total)
        self.endResetModel()
        self._set_busy(False)
        self.countChanged.emit(self.total)

    def _forget_pages(self) -> None:
        self._pages.clear()
        self._shown.clear()
        self._anchors.clear()

    def _interrupt(self) -> None:
        if self._running is not None:
            self._searcher.stop(self._running)
            self._running = None

    def _set_busy(self, busy: bool) -> None:
        if busy != self.busy:
            self.busy = busy
            self.busyChanged.emit(busy)

    def wait(self, msecs: int = 10000) -> bool:
        """Wait for the background queries to end (tests, shutdown)."""
        return self._searcher is None or self._searcher.wait(msecs / 1000)

    def shutdown(self) -> None:
        self._generation += 1
        self._poll.stop()
        self._interrupt()
        if self._searcher is not None:
            self._searcher.close()

    def _counted(self, query: LedgerQuery, total: int) -> int:
        if len(self._counts) > 256:
            self._counts.clear()
        self._counts[_count_key(query)] = total
        return total

    def reload(self) -> None:
        """Re-read after a write, keeping the query (row count may change): nothing kept from before is shown."""
        self._forget_kept()
        self.set_query(self._target)

    def _forget_kept(self) -> None:
        self._counts.clear()
        self._kept.clear()
        self._view.forget()
        if self._searcher is not None:
            self._searcher.connections.forget()
        self._version = self._view.version()

    def _drop_if_written(self) -> None:
        """Another program committed to the file since the counts and pages were kept (a read-only window, never
        told): they are dropped, not shown beside rows read now (found by review: 4 of 5 firms shown)."""
        if self._version is not None and self._view.version() != self._version:
            self._forget_kept()

    # columns ----------------------------------------------------------------------
    @staticmethod
    def column_key(col: int) -> str:
        return COLUMNS[col].key

    @staticmethod
    def column_index(key: str) -> int:
        return next(i for i, c in enumerate(COLUMNS) if c.key == key)

    @staticmethod
    def sortable(col: int) -> bool:
        return 0 <= col < len(COLUMNS) and COLUMNS[col].sort is not None

    # paging -----------------------------------------------------------------------
    def _page(self, n: int) -> Page:
        page = self._pages.get(n)
        if page is not None:
            self._pages.move_to_end(n)
            return page
        known = [j for j in self._anchors if j < n]
        if n - 1 in self._anchors:
            page = self._view.page(self._query, after=self._anchors[n - 1])
        elif known:
            j = max(known)
            page = self._view.page(self._query, after=self._anchors[j], offset=(n - j - 1) * PAGE)
        else:
            page = self._view.page(self._query, offset=n * PAGE)
        if page.last_key is not None and len(page.ids) == PAGE:
            self._anchors[n] = page.last_key
        self._keep(n, page)
        return page

    def _keep(self, n: int, page: Page, shown: list | None = None) -> None:
        """Cache *page* as page *n*, with its rows as the text the table shows (formatted once per page; *shown*:
        already formatted). Page 0 is also kept by query (``_kept``) until the next reload."""
        self._pages[n] = page
        if shown is None:
            shown = [tuple("" if v is None else f"{v:,.1f}" if isinstance(v, float) else str(v) for v in row)
                     for row in page.rows]
        self._shown[n] = shown
        if n == 0:
            self._kept[self._query] = (page, shown)
            self._kept.move_to_end(self._query)
            while len(self._kept) > KEPT_PAGES:
                self._kept.popitem(last=False)
        while len(self._pages) > MAX_PAGES:
            old, _ = self._pages.popitem(last=False)
            self._shown.pop(old, None)

    def _row(self, row: int) -> tuple[int, list] | None:
        if not 0 <= row < self.total:
            return None
        page = self._page(row // PAGE)
        i = row % PAGE
        if i >= len(page.ids):  # the ledger changed under us; reload() will follow
            return None
        return page.ids[i], page.rows[i]

    def _text(self, row: int, col: int) -> str | None:
        """The display text of one cell (None: no such row)."""
        if not 0 <= row < self.total:
            return None
        n, i = divmod(row, PAGE)
        shown = self._shown.get(n)
        if shown is None:
            self._page(n)
            shown = self._shown[n]
        elif n != self._recent:          # keep the least-recently-used order of the cache
            self._pages.move_to_end(n)
        self._recent = n
        return shown[i][col] if i < len(shown) else None

    def firm_id(self, row: int) -> int | None:
        got = self._row(row)
        return got[0] if got else None

    def firm_ids(self, rows) -> list[int]:
        out = []
        for r in sorted(set(rows)):
            fid = self.firm_id(r)
            if fid is not None:
                out.append(fid)
        return out

    def row_values(self, row: int) -> list:
        got = self._row(row)
        return list(got[1]) if got else []

    # Qt -----------------------------------------------------------------------------
    def rowCount(self, parent=ROOT) -> int:
        return 0 if parent.isValid() else self.total

    def columnCount(self, parent=ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index, role=DISPLAY):
        if not index.isValid():
            return no_data()
        if role == DISPLAY:
            text = self._text(index.row(), index.column())
            return no_data() if text is None else text
        if role == ALIGNMENT:
            return ALIGNMENTS[index.column()]
        if role == FOREGROUND:
            col = index.column()
            if col == self._status_col and self._text(index.row(), col):
                return self._flag_brush
            return no_data()
        if role == TOOLTIP:
            got = self._row(index.row())
            if got is None:
                return no_data()
            col = index.column()
            value = got[1][col]
            if col == self._status_col:
                tip = STATUS_TIPS.get(value)
            else:
                tip = str(value) if value not in (None, "") else None
            return no_data() if tip is None else tip
        if role == USER:
            fid = self.firm_id(index.row())
            return no_data() if fid is None else fid
        return no_data()

    def headerData(self, section, orientation, role=DISPLAY):
        if role == DISPLAY:
            if orientation == HORIZONTAL:
                return TITLES[section] if 0 <= section < len(TITLES) else no_data()
            return str(section + 1) if 0 <= section < self.total else no_data()
        if role == TOOLTIP and orientation == HORIZONTAL and 0 <= section < len(TITLES):
            return self._tip_sort[section]
        return no_data()

    def flags(self, index):
        return CELL_FLAGS if index.isValid() else NO_FLAGS

    def sort(self, column: int, order=Qt.AscendingOrder) -> None:
        if not self.sortable(column):
            return
        desc = order == Qt.DescendingOrder
        key = COLUMNS[column].key
        if key == self._target.sort and desc == self._target.descending:
            return
        if self.busy or (self._searcher is not None and _searching(self._target)):
            # a sort does not change the count: the rows shown were counted, unless a query is still running
            self.set_query(self._target.with_(sort=key, descending=desc), None if self.busy else self.total)
            return
        self._generation += 1
        self._target = self._target.with_(sort=key, descending=desc)
        self.beginResetModel()
        self._query = self._target
        self._forget_pages()
        self.endResetModel()
