"""Which rows below a list's header are data: one ``Classifier`` per table, one call per row, in order.

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

Beyond that, nothing that is provably data is skipped: a firm named 合计…/小计… or ending like a group label
with a valid code or a full name is data; a row carrying the next serial number (序号) is never a group label
and, after a note, continues the list; a signature block (填报单位（盖章）：, 审核人：王五) is notes; a header
row with other columns starts another table whose rows are reported (``RawRow.under``); short names left after
a trailing note are reported (``RawRow.after_note``); a label nothing follows (a sign-off) is a note.
"""
from __future__ import annotations

import re
from bisect import bisect_left, insort
from typing import TYPE_CHECKING

from importers import errors as E
from importers.clean import clean_text, looks_like_firm_name
from importers.header import cell_text, col_letter
from importers.mapping import guess_mapping, header_score, normalize_header
from importers.plan import Issue
from pipeline import uscc
from pipeline.fields import FIELD_LIST

if TYPE_CHECKING:
    from importers.read import SheetTable

_NOTE = re.compile(r"(?:注\s*[：:0-9０-９.、．)）]|注\s*$|(?:备\s*注|说\s*明|附\s*注|附\s*件|来\s*源)\s*[：:]|"
                   r"填\s*报\s*人|填\s*表\s*人|制\s*表|审\s*核|数据来源|资料来源|填报日期|填报单位|统计时间|联系人\s*[：:]|"
                   r"以上|公示期|特此|抄\s*送|印\s*发)")
_NOTE_FIRST = frozenset("注备说附来填制审数资统联以公特抄印")
# a signature line's cell: a short label ending in a colon ("填报单位（盖章）：", "审核人：", "填报日期：")
_LABEL = re.compile(r"[^：:]{1,12}[：:]")
_CODEISH = re.compile(r"[0-9A-Za-z０-９Ａ-Ｚａ-ｚ\s\-－—]{6,}")
_GROUP_LABEL = re.compile(r"^[一二三四五六七八九十]+\s*[、.．]|^[（(][一二三四五六七八九十\d]+[）)]|\d+\s*家\s*[）)]?$"
                          r"|(?:区|县|市|街道|街|镇|园区|开发区|领域|类|批)$")
_FIRM_WORDS = re.compile(r"公司|有限|集团|厂|超市|商行|商店|合作社|事务所|研究院|研究所|医院|学校")
_TOTAL = re.compile(r"^\s*(?:合\s*计|总\s*计|小\s*计)")
_TOTAL_END = re.compile(r"(?:合\s*计|总\s*计|小\s*计)\s*$")
_SERIAL_HEADERS = frozenset({"序号", "序", "no", "no.", "number"})
SKIP, DATA, GROUP, PEND, MIDNOTE, UNDER, TAIL = 0, 1, 2, 3, 4, 5, 6
_NAME_LIKE = re.compile(r"[^\d０-９，。；：:,;.!?！？、\s]{2,25}")   # a short name: no digits, no sentence marks
# header words: a name cell holding one of them may start another table's header
_HEADER_WORDS = frozenset(w for f in FIELD_LIST for w in f.synonyms) | {"序号"}


def blank(v) -> bool:
    return v == "" or v is None or (type(v) is str and v.isspace())


class Classifier:
    """How to read the rows below the header, and what each row was found to be (``kinds``)."""

    def __init__(self, table: SheetTable, positions: list[int], key: int, code: int | None, hdr_key_values,
                 band_texts: list[list[str]], data_start: int) -> None:
        self.table = table
        self.positions = positions        # list index in a source row for each header column
        self.key = key                    # list index of the name column (or the best stand-in)
        self.code = code
        self.hdr_key_values = hdr_key_values  # the header rows' cells over the name column
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
        self.last_row: list | None = None  # the last data row (its 序号 is read only when a note needs it)
        self.note_rows: list[tuple[int, str]] = []
        self.block: list[int] = []        # Excel rows of name-less notes since the note block began
        self.data = 0
        self.under = 0                    # Excel row of another table's header, while rows stand under it
        self.unders: dict[int, int] = {}  # ordinal -> that header row, for the rows under it
        self.group_rows: dict[int, int] = {}   # ordinal -> Excel row of each group label
        self.extras: dict[int, str] = {}  # CSV: ordinal -> the values a row has beyond the header's last column
        self.wide: int | None = None      # CSV: the first index past the header (and its headerless columns)
        self.loose: list[int] = []        # workbook: indices of columns without header text between named ones
        self.loose_from: int | None = None     # workbook: the first index past them all (``loose_notes``)
        self.loose_cells: list[tuple[int, int, str]] = []     # (Excel row, index, text) of a value in one
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

    def _continues(self, row: list) -> bool:
        """The row's 序号 is the one after the last data row's."""
        if self.serial is None or self.last_row is None:
            return False
        last = self._serial(self.last_row)
        return last is not None and self._serial(row) == last + 1

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
        if self._total_row(row, name):
            kind = SKIP
            insort(table.skipped, (er, E.SKIP_TOTAL))
        elif name == "" or (type(name) is str and name.isspace()):
            kind = self._slow(er, row)
        elif type(name) is str:
            c0 = name[0]
            noteish = ((c0 in _NOTE_FIRST or c0.isspace()) and _NOTE.match(name.strip())
                       or "：" in name or ":" in name            # no firm's name holds a colon: a signature line
                       or self._labelled_note(row))
            if not noteish and self.noting and _signed(row):
                noteish = True
            if (noteish or self.noting) and self._provably_data(name, row):
                pass
            elif noteish:
                kind = self._pend(er, row, True)
            elif (name in self.hdr_key_values or _spaced(name) and cell_text(name) in self.hdr_key_values) \
                    and _is_repeat(row, self):
                kind = SKIP
                self.under = 0
                insort(table.skipped, (er, E.SKIP_REPEATED_HEADER))
            elif name in _HEADER_WORDS and self._other_header(er, row):
                kind = SKIP
            elif (row.count("") >= len(row) - 2 and (self.code is None or blank(row[self.code]))
                  and _GROUP_LABEL.search(name.strip()) and not _FIRM_WORDS.search(name)
                  and not self._provably_data(name, row) and not self._numbered(row)):
                kind = GROUP
                if _TOTAL.match(row_text(row)):          # "合计 | 5家": the totals row, not a group
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
            label = row_text(row)
            self.labels[len(self.kinds)] = label
            self.group_rows[len(self.kinds)] = er
            insort(table.skipped, (er, E.SKIP_GROUP.format(text=label)))
        elif kind == DATA:
            self.data += 1
            if self.wide is not None and len(row) > self.wide:
                extra = [v for v in row[self.wide:] if not blank(v)]
                if extra:
                    self.extras[len(self.kinds)] = "”“".join(clean_text(v) for v in extra)
            self.last_row = row
            if self.loose_from is not None and (self.loose or len(row) > self.loose_from):
                self._loose(er, row)
            if self.noting:
                self._resolve()
            if self.under:
                kind = UNDER
                self.unders[len(self.kinds)] = self.under
        self.kinds.append(kind)
        return kind

    def _loose(self, er: int, row: list) -> None:
        start = self.loose_from or 0
        wide = len(row) > start and any(row[start:])      # blanks are falsy: a long empty tail is checked at C speed
        for i in (*self.loose, *(range(start, len(row)) if wide else ())):
            if i < len(row) and not blank(row[i]):
                self.loose_cells.append((er, i, clean_text(row[i])))

    def _total_row(self, row: list, name) -> bool:
        """A totals row whose label is not where the name stands: 合计 in the 序号 column or the row's first cell
        with the count in the name column ("合计 | 1", which became a firm named "1" with a designation), or a
        street's subtotal in the name column ("杨园街道小计 | 2家"). Found by an outside attack on the importer."""
        s = self.serial
        v = row[s] if s is not None and s < len(row) else None
        first = row[0] if self.key and row else None
        labelled = (type(v) is str and v.lstrip()[:1] in "合总小" and _TOTAL.match(v) is not None
                    or type(first) is str and first.lstrip()[:1] in "合总小" and _TOTAL.match(first) is not None)
        if not labelled and not (type(name) is str and name.rstrip()[-1:] == "计" and _TOTAL_END.search(name)):
            return False
        return not self._provably_data(name if type(name) is str and not blank(name) else "", row)

    def _labelled_note(self, row: list) -> bool:
        """注： written in the 序号 column or the row's first cell, the note's text in the name column
        ("注： | 1.名单按申报顺序排列；"): a note, as when the name cell begins with it. Found by an outside attack."""
        s = self.serial
        for v in (row[s] if s is not None and s < len(row) else None, row[0] if self.key and row else None):
            if type(v) is str and v.strip() and v.lstrip()[0] in _NOTE_FIRST and _NOTE.match(v.strip()):
                return True
        return False

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
        if self.noting and self._continues(row):
            return True                   # the 序号 goes on from the last data row: the list goes on
        if self.code is None or self.code >= len(row) or blank(row[self.code]):
            return False
        return uscc.validate(row[self.code]).usable

    def _row_like(self, row: list) -> bool:
        """A table row rather than a line of text: three or more filled cells under the header."""
        n = 0
        for p in self.positions:
            if p < len(row) and not blank(row[p]):
                n += 1
        return n >= 3

    def _pend(self, er: int, row: list, note: bool) -> int:
        """A row after a note that is not provably data waits; a lone text cell counts as more of the note."""
        self.noting = True
        lone = sum(1 for v in row if not blank(v)) <= 1
        name = row[self.key] if self.key < len(row) else ""
        short = type(name) is str and bool(_NAME_LIKE.fullmatch(name.strip()))
        namey = (short and self._serial(row) is None     # a numbered line whose number starts again is a note item
                 and (not note and not _NOTE.match(name) or note and self._row_like(row))    # 以上科技 | 软件 | 杨园
                 and not _signed(row))
        self.pending.append((len(self.kinds), er, note or lone, row_text(row), namey))
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
        self._add_note(er, row_text(row))
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
        filled = [v for v in row if not blank(v)]
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
        if all(blank(row[p]) for p in self.positions if p < len(row)) and (len(filled) > 2 or not texts):
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


def looks_like_data(row: list) -> bool:
    """A row with a valid credit code, or two cells one of which reads as a firm's full name."""
    texts = [v for v in row if type(v) is str and v.strip()]
    if any(uscc.validate(v).ok for v in texts if len(v) < 40):
        return True
    return len([v for v in row if not blank(v)]) >= 2 and any(looks_like_firm_name(v) for v in texts)


def _codeish(v) -> bool:
    """Whether a code cell holds something like a code (letters and digits), not a label such as "填报人："."""
    if blank(v):
        return False
    return type(v) is not str or bool(_CODEISH.fullmatch(v.strip()))


def _signed(row: list) -> bool:
    """A row of a signature block: some cell is a bare label ending in a colon."""
    for v in row:
        if type(v) is str and v and _LABEL.fullmatch(v.strip()):
            return True
    return False


def _spaced(name: str) -> bool:
    """Whether a name cell holds spaces that header text drops (a header typed "企 业 名 称")."""
    return " " in name or "\u3000" in name or "\n" in name


def _is_repeat(row: list, plan: Classifier) -> bool:
    for texts in plan.band_texts:
        want = [(p, t) for p, t in zip(plan.positions, texts, strict=True) if t]
        if not want:
            continue
        hits = sum(1 for p, t in want if p < len(row) and cell_text(row[p]) == t)
        if hits >= max(2, (len(want) + 1) // 2) or hits == len(want):
            return True
    return False


W_LOOSE = ("第 {letter} 列没有表头，第 {rows} 行在该列有值（如“{example}”），未导入；"
           "如需导入，请在表头填写列名后重新导入")


def loose_notes(table) -> list[Issue]:
    """A value of a data row in a column without header text (a remark typed beside the table): one warning per
    column naming its rows (it was dropped without a word unless two such values stood in the first 50 rows)."""
    plan = getattr(table, "_plan", None)
    if plan is None or not plan.loose_cells:
        return []
    col_offset = getattr(getattr(table, "_grid", None), "col_offset", 0)
    by_col: dict[int, list[tuple[int, str]]] = {}
    for er, i, text in plan.loose_cells:
        by_col.setdefault(i, []).append((er, text))
    out = []
    for i, cells in sorted(by_col.items()):
        rows = "、".join(str(er) for er, _ in cells[:5]) + ("……" if len(cells) > 5 else "")
        message = W_LOOSE.format(letter=col_letter(i + col_offset), rows=rows, example=cells[0][1][:20])
        out.append(Issue(None, None, message, "warning", "headerless_values"))
    return out


def row_text(row: list) -> str:
    """A row's filled cells as one line, as written (no width folding): for labels and notes."""
    return " ".join(" ".join(v.split()) if type(v) is str else clean_text(v) for v in row if not blank(v))


