"""Reading one received list into clean raw rows with their Excel row numbers.

``open_table`` opens the file safely (``formats``), picks the sheet and finds
the header (``header``), then classifies the rows below it.  For usual lists
(up to 20,000 rows) that covers every row, so ``skipped``, ``notes`` and an
exact ``row_count_hint`` are there before anything is imported.  A longer list
is classified while the first full ``iter_rows`` pass streams it (no second
pass over a million rows): until then ``row_count_hint`` is the number of rows
below the header (an upper bound for progress bars) and ``skipped``/``notes``
fill in as the pass goes.  Each row is classified once; later passes reuse it.

Which rows are data:
- blank rows, repeated header rows (lists that repeat the header on every
  printed page), totals ("合计") and group sub-header rows ("武昌区（12家）",
  "一、高新技术企业": at most two filled cells, no company name or code, or a
  group label in the name column) are skipped and listed in ``skipped``; the
  latest group label is carried on the following rows as ``RawRow.group``;
- notes ("注：…", "备注：", "说明：", "以上…", "填报人", "制表" …) are a trailing
  block: a row whose name cell reads like a note, and the rows after it that
  are not provably data, wait until either a row that is provably data comes
  (a firm's full name such as 以上科技(武汉)有限公司, a valid credit code, or a
  row of three or more filled cells) or the sheet ends.  At the end they are
  notes (``notes`` / ``skipped``); in the middle they are data, and a
  note-like name cell (or a lone text cell) is passed on marked
  ``RawRow.note`` so the import reports it as an error row (never creates a
  firm from it, never drops it silently).  A row
  with no name and no code whose text is a note is a note wherever it stands,
  and never swallows the rows after it.
- ``skipped`` holds (Excel row, reason) in row order; ``skip_counts`` sums
  them by category (空行, 重复的表头行, 分组标题行, 说明文字, …).

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

import re
from bisect import bisect_left, insort
from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter
from typing import Iterator

from importers import errors as E
from importers.clean import clean_text, looks_like_firm_name
from importers.errors import InputError
from importers.formats import Grid, Source, open_source
from importers.header import SCAN_ROWS, Header, build, cell_text, detect
from importers.mapping import guess_mapping, header_score, normalize_header
from importers.peek import list_sheets, read_preview, top_labels  # noqa: F401  (part of this module's API)
from pipeline import uscc
from pipeline.fields import FIELD_LIST

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


_NOTE = re.compile(r"(?:注\s*[：:0-9０-９.、．)）]|注\s*$|(?:备\s*注|说\s*明|附\s*注|附\s*件|来\s*源)\s*[：:]|填\s*报\s*人|"
                   r"填\s*表\s*人|制\s*表|审\s*核|数据来源|资料来源|填报日期|填报单位|统计时间|联系人\s*[：:]|"
                   r"以上|公示期|特此|抄\s*送|印\s*发)")
_NOTE_FIRST = frozenset("注备说附来填制审数资统联以公特抄印")
# a signature line's cell: a short label ending in a colon ("填报单位（盖章）：", "审核人：", "填报日期：")
_LABEL = re.compile(r"[^：:]{1,12}[：:]")
_CODEISH = re.compile(r"[0-9A-Za-z０-９Ａ-Ｚａ-ｚ\s\-－—]{6,}")
_GROUP_LABEL = re.compile(r"^[一二三四五六七八九十]+\s*[、.．]|^[（(][一二三四五六七八九十\d]+[）)]|\d+\s*家\s*[）)]?$"
                          r"|(?:区|县|市|街道|镇|园区|开发区|领域|类|批)$")
_FIRM_WORDS = re.compile(r"公司|有限|集团|厂|超市|商行|商店|合作社|事务所|研究院|研究所|医院|学校")
_TOTAL = re.compile(r"^\s*(?:合\s*计|总\s*计|小\s*计)")
# Without a merged range, only geography is filled down: an official list groups firms by street or
# district with the name on the group's first row. A blank star, stage or industry cell usually means
# "none" (a roster sorted by 星级 leaves the firms without one blank at the bottom): filling it would
# write a wrong value silently, while leaving a geography blank only leaves a gap the import reports.
_GROUP_WORDS = ("街道", "街办", "地区", "区域", "区县", "县区", "市州", "地市", "所属区", "所在区", "属地", "辖区",
                "片区")
_GROUP_FIELDS = frozenset({"street"})
_SERIAL_HEADERS = frozenset({"序号", "序", "no", "no.", "number"})
_SAMPLE = 1000              # data rows looked at to decide fill-down
_EAGER_ROWS = 20_000        # rows classified by open_table; longer lists finish on the first iter_rows pass
SKIP, DATA, GROUP, PEND, MIDNOTE, UNDER, TAIL = 0, 1, 2, 3, 4, 5, 6
_NAME_LIKE = re.compile(r"[^\d０-９，。；：:,;.!?！？、\s]{2,25}")   # a short name: no digits, no sentence marks
# header words: a name cell holding one of them may start another table's header
_HEADER_WORDS = frozenset(w for f in FIELD_LIST for w in f.synonyms) | {"序号"}


def _blank(v) -> bool:
    return v == "" or v is None or (type(v) is str and v.isspace())


class _Plan:
    """How to read the rows below the header, and what each row was found to be (``kinds``)."""

    def __init__(self, table: "SheetTable", positions: list[int], key: int, code: int | None, hdr_key_value,
                 band_texts: list[list[str]], data_start: int) -> None:
        self.table = table
        self.positions = positions        # list index in a source row for each header column
        self.key = key                    # list index of the name column (or the best stand-in)
        self.code = code
        self.hdr_key_value = hdr_key_value
        self.band_texts = band_texts
        self.data_start = data_start      # ordinal of the first row after the header
        self.merge_starts: dict[int, list[tuple[int, int]]] = {}   # excel row -> [(end row, index)]
        self.fill: list[int] = []         # positions (into values) filled down by the heuristic
        self.kinds = bytearray()          # per row after the header: SKIP / DATA / GROUP / PEND / MIDNOTE
        self.labels: dict[int, str] = {}  # ordinal -> group label
        self.complete = False             # every row has been classified
        self.noting = False               # a note has been met: rows that are not provably data wait (PEND)
        self.pending: list[tuple[int, int, bool, str, bool]] = []   # (ordinal, excel row, note?, text, name-like?)
        self.tails: dict[int, int] = {}   # ordinal -> Excel row of the note above, for name-like lines after it
        self.last_serial = None           # the serial number of the last data row (序号 column)
        self.note_rows: list[tuple[int, str]] = []
        self.block: list[int] = []        # Excel rows of name-less notes since the note block began
        self.data = 0
        self.under = 0                    # Excel row of another table's header, while rows stand under it
        self.unders: dict[int, int] = {}  # ordinal -> that header row, for the rows under it
        self.group_rows: dict[int, int] = {}   # ordinal -> Excel row of each group label
        self.extras: dict[int, str] = {}  # CSV: ordinal -> the values a row has beyond the header's last column
        self.wide = None                  # CSV: the first index past the header (and its headerless columns)
        # the 序号 column, if any: a row that carries a serial number is a numbered entry, never a group label
        self.serial = next((positions[p] for p, h in enumerate(table.headers)
                            if normalize_header(h) in _SERIAL_HEADERS and positions[p] not in (key, code)), None)

    def _serial(self, row: list):
        if self.serial is None or self.serial >= len(row):
            return None
        v = row[self.serial]
        if type(v) is str:
            v = v.strip()
            return int(v) if v.isdigit() else None
        return int(v) if type(v) in (int, float) and v == v and float(v).is_integer() else None

    def _numbered(self, row: list) -> bool:
        if self.serial is None or self.serial >= len(row):
            return False
        v = row[self.serial]
        t = type(v)
        if t is float:
            return v.is_integer() and v > 0
        if t is int:
            return v > 0
        return t is str and v.strip().isdigit()

    def classify(self, er: int, row: list) -> int:
        """What one row is; records skipped rows, notes and group labels. Called once per row, in order.

        A note ends the data only if nothing that is provably data (a firm's full name, a valid code)
        follows it: the rows after a note wait (PEND) until either such a row comes (the note stood in the
        middle: it is reported as a row, the waiting rows are data) or the sheet ends (a trailing note block).
        """
        table = self.table
        name = row[self.key]
        kind = DATA
        if name == "" or (type(name) is str and name.isspace()):
            kind = self._slow(er, row)
        elif type(name) is str:
            c0 = name[0]
            noteish = ((c0 in _NOTE_FIRST or c0.isspace()) and _NOTE.match(name.strip())
                       or "：" in name or ":" in name)           # no firm's name holds a colon: a signature line
            if not noteish and self.noting and _signed(row):
                noteish = True
            if (noteish or self.noting) and self._provably_data(name, row):
                pass
            elif noteish:
                kind = self._pend(er, row, True)
            elif name == self.hdr_key_value and _is_repeat(row, self):
                kind = SKIP
                self.under = 0
                insort(table.skipped, (er, E.SKIP_REPEATED_HEADER))
            elif name in _HEADER_WORDS and self._other_header(er, row):
                kind = SKIP
            elif (row.count("") >= len(row) - 2 and (self.code is None or _blank(row[self.code]))
                  and _GROUP_LABEL.search(name.strip()) and not _FIRM_WORDS.search(name)
                  and not self._provably_data(name, row) and not self._numbered(row)):
                kind = GROUP
                if _TOTAL.match(_row_text(row)):          # "合计 | 5家": the totals row, not a group
                    kind = SKIP
                    insort(table.skipped, (er, E.SKIP_TOTAL))
            elif c0 in "合总小" and _TOTAL.match(name) and not self._provably_data(name, row):
                kind = SKIP
                insort(table.skipped, (er, E.SKIP_TOTAL))
            elif self.noting and not self._row_like(row):
                kind = self._pend(er, row, False)
        elif self.noting and not self._provably_data("", row) and not self._row_like(row):
            kind = self._pend(er, row, False)
        if kind == GROUP:
            label = _row_text(row)
            self.labels[len(self.kinds)] = label
            self.group_rows[len(self.kinds)] = er
            insort(table.skipped, (er, E.SKIP_GROUP.format(text=label)))
        elif kind == DATA:
            self.data += 1
            if self.wide is not None and len(row) > self.wide:
                extra = [v for v in row[self.wide:] if not _blank(v)]
                if extra:
                    self.extras[len(self.kinds)] = "”“".join(clean_text(v) for v in extra)
            if self.serial is not None:
                self.last_serial = self._serial(row)
            if self.noting:
                self._resolve()
            if self.under:
                kind = UNDER
                self.unders[len(self.kinds)] = self.under
        self.kinds.append(kind)
        return kind

    def _other_header(self, er: int, row: list) -> bool:
        """A header row inside the data: the same columns as the list's header are a repeat; other columns
        start another table, whose rows are reported (``RawRow.under``), never read under this header."""
        texts = [cell_text(row[p]) if p < len(row) else "" for p in self.positions]
        if self._numbered(row) or not header_score(texts)[1]:
            return False
        mapping = guess_mapping(texts)
        if len(mapping) < 2:              # one header word alone ("企业名称" typed in a row) starts no table
            return False
        same = mapping == self.table.mapping
        self.under = 0 if same else er
        insort(self.table.skipped, (er, E.SKIP_REPEATED_HEADER if same else
                                    E.SKIP_OTHER_HEADER.format(row=self.table.header_row)))
        return True

    def _provably_data(self, name, row: list) -> bool:
        if name and looks_like_firm_name(name):
            return True
        if self.noting and self.last_serial is not None and self._serial(row) == self.last_serial + 1:
            return True                   # the 序号 goes on from the last data row: the list goes on
        if self.code is None or self.code >= len(row) or _blank(row[self.code]):
            return False
        return uscc.validate(row[self.code]).usable

    def _row_like(self, row: list) -> bool:
        """A table row rather than a line of text: three or more filled cells under the header."""
        n = 0
        for p in self.positions:
            if p < len(row) and not _blank(row[p]):
                n += 1
        return n >= 3

    def _pend(self, er: int, row: list, note: bool) -> int:
        """A row after a note that is not provably data waits; a lone text cell counts as more of the note."""
        self.noting = True
        lone = sum(1 for v in row if not _blank(v)) <= 1
        name = row[self.key] if self.key < len(row) else ""
        short = type(name) is str and bool(_NAME_LIKE.fullmatch(name.strip()))
        namey = (short and self._serial(row) is None     # a numbered line whose number starts again is a note item
                 and (not note and not _NOTE.match(name) or note and self._row_like(row))    # 以上科技 | 软件 | 杨园
                 and not _signed(row))
        self.pending.append((len(self.kinds), er, note or lone, _row_text(row), namey))
        return PEND

    def _resolve(self) -> None:
        """Data follows the note: the waiting rows are data, a note in the name column a reported row."""
        for idx, _er, note, _text, _namey in self.pending:
            self.kinds[idx] = MIDNOTE if note else DATA
            self.data += 1
        skipped = self.table.skipped
        for er in self.block:
            i = bisect_left(skipped, (er, ""))
            if i < len(skipped) and skipped[i] == (er, E.SKIP_NOTE):
                skipped[i] = (er, E.SKIP_NOTE_MID)
        self.pending, self.block = [], []
        self.noting = False

    def _note(self, er: int, row: list) -> int:
        self.noting = True
        self.block.append(er)
        self._add_note(er, _row_text(row))
        return SKIP

    def _add_note(self, er: int, text: str) -> None:
        insort(self.table.skipped, (er, E.SKIP_NOTE))
        insort(self.note_rows, (er, text))
        notes: list[str] = []
        for _, t in self.note_rows:
            if t and (not notes or notes[-1] != t):
                notes.append(t)
        self.table.notes[:] = notes

    def _slow(self, er: int, row: list) -> int:
        skipped = self.table.skipped
        filled = [v for v in row if not _blank(v)]
        if not filled:
            insort(skipped, (er, E.SKIP_BLANK))
            return SKIP
        texts = [clean_text(v) for v in filled if type(v) is str]
        has_code = self.code is not None and self.code < len(row) and _codeish(row[self.code])
        if not has_code and texts and (_NOTE.match(texts[0]) or _LABEL.fullmatch(texts[0])):
            return self._note(er, row)
        if _is_repeat(row, self):
            insort(skipped, (er, E.SKIP_REPEATED_HEADER))
            return SKIP
        if has_code:
            return DATA
        if self.noting:         # no name, no code, after a note: more of the note
            return self._note(er, row)
        if all(_blank(row[p]) for p in self.positions if p < len(row)) and (len(filled) > 2 or not texts):
            insort(skipped, (er, E.SKIP_OUTSIDE))
            return SKIP
        if texts and _TOTAL.match(texts[0]):
            insort(skipped, (er, E.SKIP_TOTAL))
            return SKIP
        if len(filled) <= 2:
            if texts and not self._numbered(row):
                return GROUP
            if texts:
                return DATA
            insort(skipped, (er, E.SKIP_ONLY_SERIAL))
            return SKIP
        return DATA

    def _group_to_note(self, i: int) -> None:
        er, label = self.group_rows[i], self.labels[i]
        skipped = self.table.skipped
        j = bisect_left(skipped, (er, ""))
        while j < len(skipped) and skipped[j][0] == er:
            if skipped[j][1] == E.SKIP_GROUP.format(text=label):
                del skipped[j]
                break
            j += 1
        self._add_note(er, label)

    def finish(self) -> None:
        """All rows seen: a note block still waiting is trailing notes; the row count is exact and trailing
        non-data rows need not be walked again."""
        first = self.pending[0][1] if self.pending else 0
        for idx, er, _note, text, namey in self.pending:
            if namey:                 # a short name after the note ("武汉乙科技"): reported, never a silent note
                self.kinds[idx] = TAIL
                self.tails[idx] = first
                self.data += 1
            else:
                self.kinds[idx] = SKIP
                self._add_note(er, text)
        self.pending = []
        kinds = self.kinds
        while kinds and kinds[-1] in (SKIP, GROUP):
            i = len(kinds) - 1
            if kinds[i] == GROUP:     # a label nothing follows heads no rows: text below the list (a sign-off)
                self._group_to_note(i)
            kinds.pop()
        self.complete = True
        self.table.row_count_hint = self.data


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
    data_above: list = field(default_factory=list)   # Excel rows above the header that look like firms' rows
    hidden_cols: list = field(default_factory=list)  # indexes into headers of columns hidden in Excel
    _grid: Grid | None = field(default=None, repr=False, compare=False)
    _plan: _Plan | None = field(default=None, repr=False, compare=False)

    def iter_rows(self, chunk_size: int = 5000) -> Iterator[list[RawRow]]:
        """The data rows in chunks of ``chunk_size``; each call starts again from the top.

        Rows are classified once: rows beyond those looked at by ``open_table`` are classified during
        the first complete pass, which also completes ``skipped``, ``notes`` and ``row_count_hint``.
        """
        plan, grid = self._plan, self._grid
        positions = plan.positions
        lo, hi = positions[0], positions[-1] + 1
        contiguous = positions == list(range(lo, hi))
        get = itemgetter(*positions) if len(positions) > 1 else (lambda r, p=positions[0]: (r[p],))
        kinds, labels, fill = plan.kinds, plan.labels, plan.fill
        classify = plan.classify
        hidden = grid.hidden
        starts = plan.merge_starts
        active: list[list] = []
        last: list = [None] * len(fill)
        last_row = [0] * len(fill)
        waiting: list[tuple[int, int, list]] = []     # rows after a note, until data or the end decides
        group = ""
        chunk: list[RawRow] = []
        append = chunk.append

        extras = plan.extras

        def make(er: int, row: list, note: str = "", under: int = 0, after: int = 0, extra: str = "") -> RawRow:
            if len(row) < hi:          # a short (damaged) row: the missing cells are blank
                row = [*row, *[""] * (hi - len(row))]
            vals = row[lo:hi] if contiguous else list(get(row))
            if "" in vals:  # empty cells -> None; one blank cell is the common case
                vals[vals.index("")] = None
                if "" in vals:
                    vals = [None if v == "" else v for v in vals]
            filled = ()
            if fill:
                for n, p in enumerate(fill):
                    if vals[p] is None:
                        if last[n] is not None:
                            vals[p] = last[n]
                            filled += ((p, last[n], last_row[n]),)
                    else:
                        last[n], last_row[n] = vals[p], er
            return RawRow(er, vals, er in hidden if hidden else False, group, filled, note, under, after, extra)

        stop = plan.data_start + len(kinds) if plan.complete else None
        for idx, (er, row) in enumerate(islice(grid.rows(), plan.data_start, stop)):
            if starts:
                _apply_merges(er, row, starts, active)
            if idx < len(kinds):      # classified already (by open_table, or by an earlier or parallel pass)
                k = kinds[idx]
            elif plan.complete:       # only trailing non-data rows are left
                break
            else:
                k = classify(er, row)
            if k != DATA:
                if k == GROUP:
                    group = labels[idx]
                    last = [None] * len(fill)
                elif k == PEND:
                    waiting.append((idx, er, row))
                elif k == MIDNOTE:
                    append(make(er, row, _row_text(row)))
                elif k == UNDER:
                    append(make(er, row, under=plan.unders[idx]))
                elif k == TAIL:
                    append(make(er, row, _row_text(row), after=plan.tails[idx]))
                continue
            if waiting:               # the rows after a note turned out to stand in the middle of the data
                for widx, wer, wrow in waiting:
                    if kinds[widx] in (DATA, MIDNOTE):
                        append(make(wer, wrow, _row_text(wrow) if kinds[widx] == MIDNOTE else ""))
                waiting = []
            if fill or len(row) < hi or extras:
                append(make(er, row, extra=extras.get(idx, "") if extras else ""))
            else:                     # the common case, inline (a million rows)
                vals = row[lo:hi] if contiguous else list(get(row))
                if "" in vals:
                    vals[vals.index("")] = None
                    if "" in vals:
                        vals = [None if v == "" else v for v in vals]
                append(RawRow(er, vals, er in hidden if hidden else False, group))
            if len(chunk) >= chunk_size:
                yield chunk
                chunk = []
                append = chunk.append
        if not plan.complete:
            plan.finish()
            for widx, wer, wrow in waiting:       # name-like lines after a trailing note are reported
                if widx < len(kinds) and kinds[widx] == TAIL:
                    append(make(wer, wrow, _row_text(wrow), after=plan.tails[widx]))
        if chunk:
            yield chunk


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
        if any(k < len(row) and not _blank(row[k]) for k in keys):
            return True
    return False


def _looks_like_data(row: list) -> bool:
    """A row with a valid credit code, or two cells one of which reads as a firm's full name."""
    texts = [v for v in row if type(v) is str and v.strip()]
    if any(uscc.validate(v).ok for v in texts if len(v) < 40):
        return True
    return len([v for v in row if not _blank(v)]) >= 2 and any(looks_like_firm_name(v) for v in texts)


def _codeish(v) -> bool:
    """Whether a code cell holds something like a code (letters and digits), not a label such as "填报人："."""
    if _blank(v):
        return False
    return type(v) is not str or bool(_CODEISH.fullmatch(v.strip()))


def _signed(row: list) -> bool:
    """A row of a signature block: some cell is a bare label ending in a colon."""
    for v in row:
        if type(v) is str and v and _LABEL.fullmatch(v.strip()):
            return True
    return False


def _is_repeat(row: list, plan: _Plan) -> bool:
    for texts in plan.band_texts:
        want = [(p, t) for p, t in zip(plan.positions, texts) if t]
        if not want:
            continue
        hits = sum(1 for p, t in want if p < len(row) and cell_text(row[p]) == t)
        if hits >= max(2, (len(want) + 1) // 2) or hits == len(want):
            return True
    return False


def _row_text(row: list) -> str:
    """A row's filled cells as one line, as written (no width folding): for labels and notes."""
    return " ".join(" ".join(v.split()) if type(v) is str else clean_text(v) for v in row if not _blank(v))


def _first_pass(table: SheetTable, grid: Grid, plan: _Plan) -> None:
    """Classify the rows after the header up to ``_EAGER_ROWS`` (all of them for usual lists), at least
    until one data row is found; decide the fill-down columns from the first data rows."""
    cand = _fill_candidates(table, plan)
    sample: dict[int, list] = {p: [] for p in cand}
    starts, active = plan.merge_starts, []
    classify = plan.classify
    n = 0
    for er, row in islice(grid.rows(), plan.data_start, None):
        if starts:
            _apply_merges(er, row, starts, active)
        if classify(er, row) == DATA and plan.data <= _SAMPLE:
            for p in cand:
                i = plan.positions[p]
                sample[p].append(row[i] if i < len(row) else None)    # a short (damaged) row
        n += 1
        if n >= _EAGER_ROWS and plan.data:
            break
    else:
        plan.finish()
    if not plan.complete:   # a big sheet: rows below the header, an upper bound until the first full pass
        table.row_count_hint = max(getattr(grid, "last_row", 0) - table.header_row, plan.data)
    plan.fill = [p for p in cand if _looks_grouped(sample[p])]


def _fill_candidates(table: SheetTable, plan: _Plan) -> list[int]:
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
    if len(values) < 2 or _blank(values[0]):
        return False
    filled = [v for v in values if not _blank(v)]
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
    hdr_key_value = ""
    for i in hdr.band:
        v = top[i][1][key] if key < len(top[i][1]) else ""
        if v != "":
            hdr_key_value = v
    plan = _Plan(table, positions, key, by_field.get("code"), hdr_key_value, hdr.band_texts,
                 data_start=offset + hdr.band[-1] + 1)
    for r0, c0, r1, _c1 in grid.merges:
        if r1 > r0 and r0 + 1 > hdr.header_row and (c0 - off) in positions:
            plan.merge_starts.setdefault(r0 + 1, []).append((r1 + 1, c0 - off))
    if src.kind == "csv":
        plan.wide = max([*positions, *(c - off for c in hdr.unnamed)]) + 1
    hidden_cols = getattr(grid, "hidden_cols", ())
    table.hidden_cols = [p for p, c in enumerate(hdr.columns) if c in hidden_cols] if hidden_cols else []
    table._plan = plan
    table.data_above = [er for er, row in top[:hdr.band[0]] if _looks_like_data(row)]
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
                first_miss = (name, found, found_row)
            continue
        if _holds_firms(top, hdr, grid.col_offset):
            lists.append((name, hdr.header_row))
        if best is None or hdr.score > best[3].score:
            best = (grid, offset, top, hdr)
    if best is None:
        if first_miss is None:
            raise InputError(E.MSG_ALL_EMPTY, file=src.file)
        name, found, row = first_miss
        where = (E.MSG_HEADERS_FOUND.format(row=row, headers="、".join(found)) if found
                 else E.MSG_NO_HEADERS_FOUND.format(n=SCAN_ROWS))
        raise InputError(E.MSG_NO_NAME_COLUMN.format(found=where), file=src.file, sheet=name or None,
                         kind="no_name_column")
    table = _make_table(src, *best)
    table.other_lists = [(n, r) for n, r in lists if n != table.sheet]
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
    top: list[tuple[int, list]] = []
    at = None
    for er, row in grid.rows():
        top.append((er, row))
        if at is None and er >= header_row:
            at = len(top) - 1
        if at is not None and len(top) > at + SCAN_ROWS:
            break
    last = getattr(grid, "last_row", 0) or (top[-1][0] if top else 0)
    if at is None or top[at][0] != header_row or not 1 <= header_rows <= at + 1:
        raise InputError(E.MSG_BAD_HEADER_ROW.format(row=header_row, last=last), file=src.file,
                         sheet=grid.name or None)
    hdr = build(top, grid.col_offset, grid.merges, list(range(at + 1 - header_rows, at + 1)), overrides)
    if not hdr.headers:
        raise InputError(E.MSG_HEADER_ROW_EMPTY.format(row=header_row), file=src.file, sheet=grid.name or None)
    return _make_table(src, grid, 0, top, hdr)
