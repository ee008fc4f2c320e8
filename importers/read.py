"""Reading one received list into clean raw rows with their Excel row numbers.

``open_table`` opens the file safely (``formats``), picks the sheet and finds
the header (``header``), then classifies the rows below it.  For usual lists
(up to 20,000 rows) that covers every row, so ``skipped``, ``notes`` and an
exact ``row_count_hint`` are there before anything is imported.  A longer list
is classified while the first full ``iter_rows`` pass streams it (no second
pass over a million rows): until then ``row_count_hint`` is the number of rows
below the header (an upper bound for progress bars) and ``skipped``/``notes``
fill in as the pass goes.  Each row is classified once; later passes reuse it.
On the fast path (``plan_clean.FAST``) the rows ``open_table`` read are kept, so the first ``iter_rows``
pass neither converts them to Python objects again nor reads from the top: it goes on from where
``open_table`` stopped (a 2,000-row list is converted once, not twice).

Which rows are data is decided by ``importers.rows`` (one ``Classifier`` per table).

Fill-down (group cells filled only on a group's first row):
- a vertical merged range reported by calamine (.xlsx/.xls) is filled down
  exactly, in its own column;
- otherwise a column is filled down only when its header is a grouping field
  (街道/地区/区域/类别/层级/批次/星级/领域 …) and, in the first 1000 data
  rows, its first cell is filled, some cells are blank, each value covers on
  average two rows or more, and filling down would leave every value in one
  contiguous block (the shape of a list sorted by group).  The carried value
  resets at a group sub-header row.  Such a fill is a guess: each filled
  cell is listed in ``RawRow.filled`` and the import puts a warning on the
  row ("第 N 行所在街道为空，沿用上一行“杨园”"), which a person can untick.

Hidden rows (.xlsx only: read from the sheet XML while checking it) are kept
and marked ``RawRow.hidden``; the layer above imports them with a warning.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter
from typing import Iterator

from importers import errors as E
from importers import plan_clean
from importers.errors import InputError
from importers.formats import Grid, Source, open_source
from importers.header import SCAN_ROWS, Header, build, cell_text, detect, rows_through, vertical_form
from importers.mapping import normalize_header
from importers.peek import list_sheets, read_preview, top_labels  # noqa: F401  (part of this module's API)
from importers.rows import DATA, GROUP, MIDNOTE, PEND, TAIL, UNDER, Classifier, blank, looks_like_data, row_text

__all__ = ["RawRow", "SheetTable", "open_table", "open_table_at", "list_sheets", "read_preview", "InputError"]


@dataclass(slots=True)
class RawRow:
    excel_row: int          # 1-based row number as seen in Excel (CSV: line number where the record starts)
    values: list            # one value per header column; "" cells are None
    hidden: bool = False
    group: str = ""         # the latest group sub-header above this row ("武昌区（12家）"), "" if none
    # cells filled from the row above without a merged range: (index into values, value, Excel row it came from)
    filled: tuple = field(default=(), compare=False)
    note: str = field(default="", compare=False)   # the row reads like a note but data follows it: report it
    under: int = field(default=0, compare=False)   # Excel row of another table's header above it (columns differ)
    after_note: int = field(default=0, compare=False)  # a name-like line after the trailing note of this row: report
    extra: str = field(default="", compare=False)  # CSV: values beyond the header's last column (cells shifted)


# Without a merged range, only geography is filled down: an official list groups firms by street or
# district with the name on the group's first row. A blank star, stage or industry cell usually means
# "none" (a roster sorted by 星级 leaves the firms without one blank at the bottom): filling it would
# write a wrong value silently, while leaving a geography blank only leaves a gap the import reports.
_GROUP_WORDS = ("街道", "街办", "地区", "区域", "区县", "县区", "市州", "地市", "所属区", "所在区", "属地", "辖区",
                "片区")
_GROUP_FIELDS = frozenset({"street"})
_SAMPLE = 1000              # data rows looked at to decide fill-down
_EAGER_ROWS = 20_000        # rows classified by open_table; longer lists finish on the first iter_rows pass
@dataclass
class SheetTable:
    file: str
    sheet: str
    sheets: list[str]
    title: str
    header_row: int
    headers: list[str]
    columns: list[int]
    notes: list[str] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    row_count_hint: int | None = None
    kind: str = ""                  # "xlsx" | "xls" | "csv"
    date1904: bool = False          # pass to clean.parse_date(datemode_1904=…) for numeric date cells
    encoding: str | None = None     # CSV only
    mapping: dict = field(default_factory=dict)     # index into headers -> field key (synonyms, --map, content)
    notices: list = field(default_factory=list)     # columns chosen by content, in Chinese
    other_lists: list = field(default_factory=list)  # (sheet, header row) of other sheets that also hold a list
    hidden_sheets: list = field(default_factory=list)  # hidden sheets not read (a visible one held the list)
    headless: list = field(default_factory=list)    # (sheet, Excel rows) of other sheets with firms' rows, no header
    data_above: list = field(default_factory=list)   # Excel rows above the header that look like firms' rows
    hidden_cols: list = field(default_factory=list)  # indexes into headers of columns hidden in Excel
    _grid: Grid | None = field(default=None, repr=False, compare=False)
    _plan: Classifier | None = field(default=None, repr=False, compare=False)
    # the rows open_table classified (merges applied), and the source rows after them while no pass took them
    _head: list = field(default_factory=list, repr=False, compare=False)
    _rest: Iterator | None = field(default=None, repr=False, compare=False)

    def release(self) -> None:
        """Drop the loaded sheet and the row classification (they reference each other: without this, a
        cycle the garbage collector may keep for a long time); ``iter_rows`` is unusable afterwards."""
        self._grid = None
        self._plan = None
        self._head = []
        self._rest = None

    def _source(self, stop: int | None) -> Iterator[tuple[int, list]]:
        """The rows below the header up to ordinal *stop*: those open_table read are not read (converted to
        Python objects) again, and the first pass to go beyond them continues open_table's reading."""
        plan, head = self._plan, self._head
        assert plan is not None and self._grid is not None
        n = None if stop is None else stop - plan.data_start
        yield from (head if n is None or n >= len(head) else head[:n])
        if n is not None and n <= len(head):
            return
        rest, self._rest = self._rest, None
        if rest is None:            # a later pass over a long sheet: from the top again
            rest = islice(self._grid.rows(), plan.data_start + len(head), None)
        yield from (rest if n is None else islice(rest, n - len(head)))

    def iter_rows(self, chunk_size: int = 5000) -> Iterator[list[RawRow]]:
        """The data rows in chunks of ``chunk_size``; each call starts again from the top.

        Rows are classified once: rows beyond those looked at by ``open_table`` are classified during
        the first complete pass, which also completes ``skipped``, ``notes`` and ``row_count_hint``.
        """
        plan, grid = self._plan, self._grid
        assert plan is not None and grid is not None, "iter_rows of a table not made by open_table"
        out = _RowMaker(plan, grid)
        lo, hi, contiguous, get, hidden = out.lo, out.hi, out.contiguous, out.get, grid.hidden
        kinds, fill, extras, classify, starts = plan.kinds, plan.fill, plan.extras, plan.classify, plan.merge_starts
        active: list[list] = []
        waiting: list[tuple[int, int, list]] = []     # rows after a note, until data or the end decides
        chunk: list[RawRow] = []
        append = chunk.append
        stop = plan.data_start + len(kinds) if plan.complete else None
        for idx, (er, row) in enumerate(self._source(stop)):
            if starts:
                _apply_merges(er, row, starts, active)
            if idx < len(kinds):      # classified already (by open_table, or by an earlier or parallel pass)
                k = kinds[idx]
            elif plan.complete:       # only trailing non-data rows are left
                break
            else:
                k = classify(er, row)
            if k != DATA:
                out.not_data(k, idx, er, row, append, waiting)
                continue
            if waiting:               # the rows after a note turned out to stand in the middle of the data
                out.flush(waiting, append)
                waiting = []
            if fill or len(row) < hi or extras:
                append(out.make(er, row, extra=extras.get(idx, "") if extras else ""))
            else:                     # the common case, inline (a million rows)
                vals = row[lo:hi] if contiguous else list(get(row))
                if "" in vals:
                    vals[vals.index("")] = None
                    if "" in vals:
                        vals = [None if v == "" else v for v in vals]
                append(RawRow(er, vals, er in hidden if hidden else False, out.group))
            if len(chunk) >= chunk_size:
                yield chunk
                chunk = []
                append = chunk.append
        if not plan.complete:
            plan.finish()
            for widx, wer, wrow in waiting:       # name-like lines after a trailing note are reported
                if widx < len(kinds) and kinds[widx] == TAIL:
                    append(out.make(wer, wrow, row_text(wrow), after=plan.tails[widx]))
        if chunk:
            yield chunk


class _RowMaker:
    """One ``iter_rows`` pass: a source row as a ``RawRow`` (the header's columns, blanks as None, cells
    filled down), and the rows that are not plain data (group labels, notes, rows waiting after a note)."""

    def __init__(self, plan: Classifier, grid: Grid) -> None:
        self.plan = plan
        positions = plan.positions
        self.lo, self.hi = positions[0], positions[-1] + 1
        self.contiguous = positions == list(range(self.lo, self.hi))
        self.get = itemgetter(*positions) if len(positions) > 1 else (lambda r, p=positions[0]: (r[p],))
        self.hidden = grid.hidden
        self.fill = plan.fill
        self.last: list = [None] * len(self.fill)
        self.last_row = [0] * len(self.fill)
        self.group = ""

    def make(self, er: int, row: list, note: str = "", under: int = 0, after: int = 0, extra: str = "") -> RawRow:
        if len(row) < self.hi:          # a short (damaged) row: the missing cells are blank
            row = [*row, *[""] * (self.hi - len(row))]
        vals = row[self.lo:self.hi] if self.contiguous else list(self.get(row))
        if "" in vals:  # empty cells -> None; one blank cell is the common case
            vals[vals.index("")] = None
            if "" in vals:
                vals = [None if v == "" else v for v in vals]
        filled: tuple[tuple[int, object, int], ...] = ()
        last, last_row = self.last, self.last_row
        for n, p in enumerate(self.fill):
            if vals[p] is None:
                if last[n] is not None:
                    vals[p] = last[n]
                    filled += ((p, last[n], last_row[n]),)
            else:
                last[n], last_row[n] = vals[p], er
        hidden = self.hidden
        return RawRow(er, vals, er in hidden if hidden else False, self.group, filled, note, under, after, extra)

    def not_data(self, k: int, idx: int, er: int, row: list, append, waiting: list) -> None:
        """A row classified as other than data: a group label starts a group; a note, a row under another
        table or a line after a trailing note is passed on (to be reported); a row after a note waits."""
        plan = self.plan
        if k == GROUP:
            self.group = plan.labels[idx]
            self.last = [None] * len(self.fill)
        elif k == PEND:
            waiting.append((idx, er, row))
        elif k == MIDNOTE:
            append(self.make(er, row, row_text(row)))
        elif k == UNDER:
            append(self.make(er, row, under=plan.unders[idx]))
        elif k == TAIL:
            append(self.make(er, row, row_text(row), after=plan.tails[idx]))

    def flush(self, waiting: list, append) -> None:
        kinds = self.plan.kinds
        for widx, wer, wrow in waiting:
            if kinds[widx] in (DATA, MIDNOTE):
                append(self.make(wer, wrow, row_text(wrow) if kinds[widx] == MIDNOTE else ""))


def _apply_merges(er: int, row: list, starts: dict, active: list) -> None:
    if active:
        keep = []
        for a in active:
            if er <= a[0]:
                if row[a[1]] == "":
                    row[a[1]] = a[2]
                keep.append(a)
        active[:] = keep
    new = starts.get(er)
    if new:
        for end, j in new:
            if j < len(row) and row[j] != "":
                active.append([end, j, row[j]])


def _holds_firms(top: list, hdr: Header, off: int) -> bool:
    """Whether some row below the header has a value in its name or code column."""
    keys = [hdr.columns[i] - off for i, f in hdr.mapping.items() if f in ("name", "code")]
    for _er, row in top[hdr.band[-1] + 1:]:
        if any(k < len(row) and not blank(row[k]) for k in keys):
            return True
    return False


def _first_pass(table: SheetTable, grid: Grid, plan: Classifier) -> None:
    """Classify the rows after the header up to ``_EAGER_ROWS`` (all of them for usual lists), at least
    until one data row is found; decide the fill-down columns from the first data rows."""
    cand = _fill_candidates(table, plan)
    sample: dict[int, list] = {p: [] for p in cand}
    starts = plan.merge_starts
    active: list[list] = []             # [last Excel row, column, value] of merged ranges being filled
    classify = plan.classify
    n = 0
    head: list[tuple[int, list]] = []   # kept for the first iter_rows pass (read once, not twice)
    keep = head.append
    rows = islice(grid.rows(), plan.data_start, None)
    for er, row in rows:
        if starts:
            _apply_merges(er, row, starts, active)
        if classify(er, row) == DATA and plan.data <= _SAMPLE:
            for p in cand:
                i = plan.positions[p]
                sample[p].append(row[i] if i < len(row) else None)    # a short (damaged) row
        n += 1
        if n <= _EAGER_ROWS:
            keep((er, row))
        if n >= _EAGER_ROWS and plan.data:
            break
    else:
        plan.finish()
    if n <= _EAGER_ROWS and plan_clean.FAST:    # else (and the reference way) iter_rows reads from the top
        table._head = head
        # a CSV's reader would hold the file open until the pass comes: later rows are read from the top again
        table._rest = None if plan.complete or table.kind == "csv" else rows
    if not plan.complete:   # a big sheet: rows below the header, an upper bound until the first full pass
        table.row_count_hint = max(getattr(grid, "last_row", 0) - table.header_row, plan.data)
    plan.fill = [p for p in cand if _looks_grouped(sample[p])]


def _fill_candidates(table: SheetTable, plan: Classifier) -> list[int]:
    mapping = table.mapping
    merged = {j for ends in plan.merge_starts.values() for _, j in ends}
    out = []
    for p, h in enumerate(table.headers):
        if plan.positions[p] in merged or plan.positions[p] in (plan.key, plan.code):
            continue
        n = normalize_header(h)
        if mapping.get(p) in _GROUP_FIELDS or any(w in n for w in _GROUP_WORDS):
            out.append(p)
    return out


def _looks_grouped(values: list) -> bool:
    if len(values) < 2 or blank(values[0]):
        return False
    filled = [v for v in values if not blank(v)]
    if len(filled) == len(values) or len(filled) * 2 > len(values):
        return False
    seen, prev = set(), object()
    for v in filled:
        if v != prev:
            if v in seen:
                return False
            seen.add(v)
            prev = v
    return True


def _make_table(src: Source, grid: Grid, offset: int, top: list, hdr: Header) -> SheetTable:
    table = SheetTable(file=src.file, sheet=grid.name, sheets=list(src.sheets), title=hdr.title,
                       header_row=hdr.header_row, headers=hdr.headers, columns=hdr.columns, kind=src.kind,
                       date1904=grid.date1904, encoding=getattr(src, "encoding", None), _grid=grid)
    off = grid.col_offset
    positions = [c - off for c in hdr.columns]
    mapping = table.mapping = hdr.mapping
    table.notices = list(hdr.notices)
    by_field = {f: positions[p] for p, f in mapping.items()}
    key = by_field.get("name", by_field.get("code", positions[0]))
    # every header row's cell over the names: a repeated group row ("企业基本情况") is a header row too
    # (as written, and with its spaces dropped as header text is: "企 业 名 称" repeats 企业名称)
    firsts = [v for i in hdr.band for v in top[i][1][key:key + 1] if v != ""]
    hdr_key_values = frozenset(firsts + [cell_text(v) for v in firsts])
    plan = Classifier(table, positions, key, by_field.get("code"), hdr_key_values, hdr.band_texts,
                 data_start=offset + hdr.band[-1] + 1)
    for r0, c0, r1, _c1 in grid.merges:
        if r1 > r0 and r0 + 1 > hdr.header_row and (c0 - off) in positions:
            plan.merge_starts.setdefault(r0 + 1, []).append((r1 + 1, c0 - off))
    if src.kind == "csv":
        plan.wide = max([*positions, *(c - off for c in hdr.unnamed)]) + 1
    else:                       # a value in a column without header text, beyond those said already
        named = {*positions, *(c - off for c in hdr.unnamed)}
        plan.loose_from = max(named) + 1
        plan.loose = [i for i in range(plan.loose_from) if i not in named]
    hidden_cols = getattr(grid, "hidden_cols", ())
    table.hidden_cols = [p for p, c in enumerate(hdr.columns) if c in hidden_cols] if hidden_cols else []
    table._plan = plan
    table.data_above = [er for er, row in top[:hdr.band[0]] if looks_like_data(row)]
    _first_pass(table, grid, plan)
    if plan.data == 0:
        raise InputError(E.MSG_NO_DATA.format(row=hdr.header_row), file=src.file, sheet=grid.name or None)
    return table


# ------------------------------------------------------------------ public entry points
def open_table(path, *, sheet: str | None = None, max_bytes: int = 200 * 1024 * 1024,
               overrides: dict | None = None) -> SheetTable:
    """Open a received list; pick the sheet whose header scores best unless ``sheet`` names one.
    ``overrides`` ({header: field}, ``--map``) count as evidence when the header row is looked for."""
    with open_source(path, max_bytes) as src:
        return _open_best(src, sheet, overrides)


def _open_best(src: Source, sheet: str | None, overrides: dict | None = None) -> SheetTable:
    names = [sheet] if sheet is not None and src.kind != "csv" else src.candidate_sheets()
    visible = set(getattr(src, "visible", names))
    best = None
    first_miss = None
    lists: list[tuple[str, int]] = []
    headless: list[tuple[str, list[int]]] = []
    for name in names:
        if best is not None and name not in visible:
            break  # hidden sheets are only tried when no visible one holds a list
        grid = src.grid(name)
        if grid.empty:
            if sheet is not None:
                raise InputError(E.MSG_SHEET_EMPTY, file=src.file, sheet=name or None)
            continue
        offset, top = grid.top(SCAN_ROWS)
        hdr, found, found_row = detect(top, grid.col_offset, grid.merges, overrides)
        if hdr is None:
            if first_miss is None:
                first_miss = (name, found, found_row, vertical_form(top))
            firms = [er for er, row in top if looks_like_data(row)]
            if firms:               # a list going on from the sheet before, without a header: named, not lost
                headless.append((name, firms))
            continue
        if _holds_firms(top, hdr, grid.col_offset):
            lists.append((name, hdr.header_row))
        if best is None or hdr.score > best[3].score:
            best = (grid, offset, top, hdr)
    if best is None:
        if first_miss is None:
            raise InputError(E.MSG_ALL_EMPTY, file=src.file)
        name, found, row, vertical = first_miss
        if vertical:
            raise InputError(E.MSG_VERTICAL, file=src.file, sheet=name or None, kind="no_name_column")
        where = (E.MSG_HEADERS_FOUND.format(row=row, headers="、".join(found)) if found
                 else E.MSG_NO_HEADERS_FOUND.format(n=SCAN_ROWS))
        raise InputError(E.MSG_NO_NAME_COLUMN.format(found=where), file=src.file, sheet=name or None,
                         kind="no_name_column")
    table = _make_table(src, *best)
    table.other_lists = [(n, r) for n, r in lists if n != table.sheet]
    table.headless = headless
    if sheet is None and table.sheet in visible:     # named, not read: a hidden sheet may hold a list of its own
        table.hidden_sheets = [n for n in names if n not in visible and n]
    return table


def open_table_at(path, *, sheet: str | None, header_row: int, header_rows: int = 1,
                  max_bytes: int = 200 * 1024 * 1024, overrides: dict | None = None) -> SheetTable:
    """Open with the header a person picked: ``header_row`` is the Excel row of its last row."""
    with open_source(path, max_bytes) as src:
        return _open_at(src, sheet, header_row, header_rows, overrides)


def _open_at(src: Source, sheet: str | None, header_row: int, header_rows: int,
             overrides: dict | None = None) -> SheetTable:
    grid = src.grid(sheet if src.kind != "csv" else None)
    if grid.empty:
        raise InputError(E.MSG_SHEET_EMPTY, file=src.file, sheet=grid.name or None)
    top, at = rows_through(grid, header_row, SCAN_ROWS)
    last = getattr(grid, "last_row", 0) or (top[-1][0] if top else 0)
    if at is None or top[at][0] != header_row or not 1 <= header_rows <= at + 1:
        raise InputError(E.MSG_BAD_HEADER_ROW.format(row=header_row, last=last), file=src.file,
                         sheet=grid.name or None)
    hdr = build(top, grid.col_offset, grid.merges, list(range(at + 1 - header_rows, at + 1)), overrides)
    if not hdr.headers:
        raise InputError(E.MSG_HEADER_ROW_EMPTY.format(row=header_row), file=src.file, sheet=grid.name or None)
    return _make_table(src, grid, 0, top, hdr)
