"""Finding the header in the top rows of a sheet, and turning it into column names.

The header row is the one with the most recognisable field names (2 points
for an exact synonym, 1 for a synonym inside the text), among rows that name a
company column.  Around it the header *band* grows by at most one row each way:

- the row above is a group row ("企业基本情况" over 序号/企业名称/…) when it
  holds two or more short labels (no "：", not a title) and at least one of
  them spans several labelled columns below (a horizontal merge, or for files
  without merge information a label followed by blanks);
- the row below is a sub-header row ("联系人" / "联系电话" under "联系方式")
  when the company-name cell is blank there and its labels sit only under
  blanks or group cells of the header row.

Column names join the band top to bottom as "组/子"; the sub-header alone is
used when it is unique and says at least as much as the group
(``mapping.field_of``).  Columns without any header text are dropped.

A header given with ``--map 表头=字段`` is evidence too: a row holding it
scores 3 more points, and maps the name or code when the override says so.
Where no header names the firm's name or code, the columns are chosen by
content (``Header.notices`` says so): the name column is one whose values
below the header mostly read as firms' full names (有限公司, 厂, 中心 …), the
code column one whose values are mostly valid 18-character credit codes.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

from importers.clean import clean_text, looks_like_firm_name
from importers.mapping import apply_overrides, field_of, guess_mapping, header_score, normalize_header
from pipeline import uscc

SCAN_ROWS = 50
_MAX_LABEL = 30


def cell_text(v) -> str:
    """Header text of one cell as written (no width folding): whitespace collapsed, dropped in Chinese text."""
    if v == "" or v is None:
        return ""
    if type(v) is float and v.is_integer():
        return str(int(v))
    if type(v) is not str:
        return v.date().isoformat() if isinstance(v, _dt.datetime) else clean_text(v)
    t = " ".join(v.split())
    if " " in t and not t.isascii():
        t = t.replace(" ", "")
    return t


@dataclass
class Header:
    band: list[int]                 # ordinals (index into the top rows) of the header rows, top to bottom
    header_row: int                 # Excel row of the last header row
    headers: list[str]
    columns: list[int]              # absolute 0-based source columns
    title: str
    band_texts: list[list[str]] = field(default_factory=list)  # per band row, text per header column
    score: float = 0.0
    mapping: dict[int, str] = field(default_factory=dict)      # index into headers -> field key
    notices: list[str] = field(default_factory=list)           # how columns were chosen without a header
    unnamed: list[int] = field(default_factory=list)           # absolute columns holding values but no header


class _Top:
    """The top rows with merge look-ups (absolute columns)."""

    def __init__(self, top: list[tuple[int, list]], col_offset: int, merges) -> None:
        self.top = top
        self.off = col_offset
        self.texts = [[cell_text(v) for v in cells] for _, cells in top]
        self.width = max((len(t) for t in self.texts), default=0)
        last_excel = top[-1][0] if top else 0
        self.fill: dict[tuple[int, int], tuple[int, int]] = {}
        self.hmerge: set[tuple[int, int]] = set()
        self.has_merges = bool(merges)
        row_of = {er: i for i, (er, _) in enumerate(top)}
        for r0, c0, r1, c1 in merges:
            if r0 + 1 > last_excel or (r0 + 1) not in row_of:
                continue
            for r in range(r0, min(r1, last_excel - 1) + 1):
                i = row_of.get(r + 1)
                if i is None:
                    continue
                for c in range(c0, c1 + 1):
                    if (r, c) != (r0, c0):
                        self.fill[(i, c)] = (row_of[r0 + 1], c0)
                    if c1 > c0:
                        self.hmerge.add((i, c))

    def raw(self, i: int, c: int) -> str:
        t = self.texts[i]
        j = c - self.off
        return t[j] if 0 <= j < len(t) else ""

    def filled(self, i: int, c: int) -> str:
        t = self.raw(i, c)
        if not t:
            src = self.fill.get((i, c))
            if src:
                t = self.raw(*src)
        return t

    def cols(self) -> range:
        return range(self.off, self.off + self.width)


def _is_label(t: str) -> bool:
    return bool(t) and len(t) <= _MAX_LABEL and ":" not in t and "：" not in t


def _group_row_above(tp: _Top, u: int, r: int) -> bool:
    labels = [c for c in tp.cols() if tp.raw(u, c)]
    if len(labels) < 2 or not all(_is_label(tp.raw(u, c)) for c in labels):
        return False
    for c in labels:
        if tp.has_merges:
            if (u, c) in tp.hmerge and tp.raw(r, c) and tp.filled(r, c + 1) and (u, c + 1) in tp.hmerge:
                return True
        elif not tp.raw(u, c + 1) and tp.raw(r, c) and tp.raw(r, c + 1):
            return True
    return False


def _sub_row_below(tp: _Top, r: int, low: int, name_col: int) -> bool:
    if tp.raw(low, name_col) and not _spans(tp, r, low, name_col):
        return False
    cells = [c for c in tp.cols() if tp.raw(low, c)]
    if len(cells) < 2:
        return False
    _, row = tp.top[low]
    for c in cells:
        v = row[c - tp.off]
        if not isinstance(v, str) or not _is_label(tp.raw(low, c)):
            return False
        if not tp.raw(r, c):
            continue
        if tp.has_merges and (r, c) in tp.hmerge:
            continue
        if not tp.has_merges and not tp.raw(r, c + 1) and tp.raw(low, c + 1):
            continue
        return False
    return True


def _spans(tp: _Top, r: int, low: int, c: int) -> bool:
    """Whether header row *r*'s cell at *c* is a group over labelled columns of row *low* (企业名称 over 中文 /
    英文): merged across, or, without merge information, followed by a blank over a label."""
    if tp.has_merges:
        return (r, c) in tp.hmerge
    return not tp.raw(r, c + 1) and bool(tp.raw(low, c + 1))


def _compose(tp: _Top, band: list[int]) -> tuple[list[str], list[int], list[list[str]]]:
    grid: list[list[str]] = []
    for k, i in enumerate(band):
        row: list[str] = []
        for c in tp.cols():
            t = tp.filled(i, c)
            if (not t and not tp.has_merges and k + 1 < len(band) and row and row[-1]
                    and tp.raw(band[k + 1], c) and tp.raw(band[k + 1], c - 1)):
                t = row[-1]  # a group label followed by blanks spans the labelled columns below
            row.append(t)
        grid.append(row)
    parts_by_col: list[tuple[int, list[str]]] = []
    for j in range(len(tp.cols())):
        parts: list[str] = []
        for row in grid:
            if row[j] and (not parts or parts[-1] != row[j]):
                parts.append(row[j])
        if parts:
            parts_by_col.append((j, parts))
    subs = [p[-1] for _, p in parts_by_col]
    headers: list[str] = []
    columns: list[int] = []
    band_texts: list[list[str]] = [[] for _ in band]
    for j, parts in parts_by_col:
        if len(parts) == 1:
            h = parts[0]
        else:
            group, sub = "/".join(parts[:-1]), parts[-1]
            alone_ok = subs.count(sub) == 1 and (field_of(sub) is not None or field_of(group) is None)
            h = sub if alone_ok else f"{group}/{sub}"
        if h in headers:                  # two columns headed alike: each gets its own header
            h = f"{h}（第 {col_letter(tp.off + j)} 列）"
        headers.append(h)
        columns.append(tp.off + j)
        for k, i in enumerate(band):
            band_texts[k].append(tp.raw(i, tp.off + j))
    return headers, columns, band_texts


def _title(tp: _Top, before: int) -> str:
    lines = []
    for i in range(before):
        seen: list[str] = []
        for t in tp.texts[i]:
            if t and t not in seen:
                seen.append(t)
        if seen:
            lines.append(" ".join(seen))
    return " ".join(lines)


MSG_BY_CONTENT = "没有找到{what}表头，按内容判断“{header}”列为{what}（{n}/{m} 个值{how}），请核对"
_CONTENT_ROWS = 30


def _below(tp: _Top, last: int, c: int) -> list:
    return [cells[c - tp.off] for _, cells in tp.top[last + 1:last + 1 + _CONTENT_ROWS]
            if 0 <= c - tp.off < len(cells) and cells[c - tp.off] not in ("", None)]


def _content_column(tp: _Top, last: int, columns: list[int], taken: set[int], test) -> tuple[int, int, int] | None:
    """(index into columns, hits, values) of the column below row ``last`` whose values mostly pass *test*."""
    best = None
    for j, c in enumerate(columns):
        if j in taken:
            continue
        vals = _below(tp, last, c)
        if len(vals) < 2:
            continue
        hits = sum(1 for v in vals if test(v))
        if hits * 10 >= len(vals) * 6 and (best is None or hits > best[1]):
            best = (j, hits, len(vals))
    return best


def _is_code(v) -> bool:
    return uscc.validate(v).ok


_SERIAL = re.compile(r"\d{1,4}")
MSG_SERIAL = ("“{header}”列的值是序号（{examples}……），不是证书编号，未导入；如确是证书编号，"
              "请用 --map {header}=证书编号 指定")


def _is_serial(v) -> bool:
    """A row number (1, 2.0, "03"): no certificate or registration number is that short."""
    if type(v) is int or type(v) is float:
        return v == int(v) and 0 <= v < 10000
    return type(v) is str and _SERIAL.fullmatch(v.strip()) is not None


def _serial_cert_columns(tp: _Top, last: int, columns: list[int], headers: list[str], mapping: dict[int, str],
                         fixed: set[int]) -> list[str]:
    """A certificate-number column (headed "编号") whose values are row numbers is a 序号 column: taken out of
    *mapping*, said. Its 1, 2, 3 were stored as the firms' certificate numbers, and made a street roster a
    designation list (found by an outside attack)."""
    notices = []
    for j, f in list(mapping.items()):
        if f != "cert_no" or j in fixed:
            continue
        vals = _below(tp, last, columns[j])
        if len(vals) >= 2 and all(_is_serial(v) for v in vals):
            del mapping[j]
            notices.append(MSG_SERIAL.format(header=headers[j], examples="、".join(cell_text(v) for v in vals[:3])))
    return notices


def _fields(tp: _Top, band: list[int], headers: list[str], columns: list[int],
            overrides: dict | None) -> tuple[dict[int, str], list[str]]:
    """The mapping of a header: synonyms, then ``--map``, then the content of the columns for a missing
    name or code column (with a notice)."""
    mapping = apply_overrides(headers, guess_mapping(headers), overrides or {})
    notices: list[str] = []
    fixed = {j for j, h in enumerate(headers) if overrides and normalize_header(h) in _norm_keys(overrides)}
    for key, what, test, how in (("name", "企业名称", looks_like_firm_name, "像企业全称"),
                                 ("code", "统一社会信用代码", _is_code, "是有效的统一社会信用代码")):
        if key in mapping.values():
            continue
        hit = _content_column(tp, band[-1], columns, set(mapping) | fixed, test)
        if hit is not None:
            j, n, m = hit
            mapping[j] = key
            notices.append(MSG_BY_CONTENT.format(what=what, header=headers[j], n=n, m=m, how=how))
    notices += _serial_cert_columns(tp, band[-1], columns, headers, mapping, fixed)
    return dict(sorted(mapping.items())), notices


MSG_UNNAMED = "第 {letter} 列没有表头，其下有 {n} 个值（如“{example}”），未导入；如需导入，请在表头填写列名后重新导入"


def col_letter(c: int) -> str:
    """Excel's letters for the 0-based column *c* (0 -> A, 26 -> AA)."""
    out = ""
    c += 1
    while c:
        c, r = divmod(c - 1, 26)
        out = chr(65 + r) + out
    return out


def _unnamed(tp: _Top, last: int, columns: list[int]) -> tuple[list[str], list[int]]:
    """Columns that hold values below the header but have no header text: said, never silently dropped."""
    named = set(columns)
    out, cols = [], []
    for c in tp.cols():
        if c in named:
            continue
        vals = [v for v in _below(tp, last, c) if cell_text(v)]
        if len(vals) >= 2:
            out.append(MSG_UNNAMED.format(letter=col_letter(c), n=len(vals), example=cell_text(vals[0])[:20]))
            cols.append(c)
    return out, cols


MSG_TWICE = ("“{header}”有两列（第 {first} 列和第 {letter} 列），只按第 {first} 列导入；第 {letter} 列的值"
             "（如“{example}”）未导入。如是左右并排的两张表，请把右边的表移到左边的表下方后再导入")


def _twice(tp: _Top, last: int, headers: list[str], columns: list[int], mapping: dict) -> list[str]:
    """A name or code column headed again further right and not read (two lists side by side on one sheet): said,
    never silently dropped. Found by an outside attack."""
    out = []
    for j, f in mapping.items():
        if f not in ("name", "code"):
            continue
        again = headers[j] + "（第 "
        for k, h in enumerate(headers):
            if k in mapping or not h.startswith(again):
                continue
            vals = [v for v in _below(tp, last, columns[k]) if cell_text(v)]
            if vals:
                out.append(MSG_TWICE.format(header=headers[j], first=col_letter(columns[j]),
                                            letter=col_letter(columns[k]),
                                            example=cell_text(vals[0])[:30]))
    return out


def _norm_keys(overrides: dict) -> set[str]:
    return {normalize_header(h) for h in overrides}


def build(top: list[tuple[int, list]], col_offset: int, merges, band: list[int],
          overrides: dict | None = None) -> Header:
    tp = _Top(top, col_offset, merges)
    headers, columns, band_texts = _compose(tp, band)
    mapping, notices = _fields(tp, band, headers, columns, overrides)
    said, unnamed = _unnamed(tp, band[-1], columns)
    said += _twice(tp, band[-1], headers, columns, mapping)
    return Header(band, top[band[-1]][0], headers, columns, _title(tp, band[0]), band_texts, 0.0, mapping,
                  notices + said, unnamed)


def _row_score(texts: list[str], overrides: dict | None) -> tuple[float, bool]:
    score, has_name = header_score(texts)
    if overrides:
        want = {normalize_header(h): f for h, f in overrides.items()}
        for t in texts:
            f = want.get(normalize_header(t)) if t else None
            if f is not None:
                score += 3.0
                has_name = has_name or f in ("name", "code")
    return score, has_name


def _by_content(tp: _Top) -> int:
    """The first label row below which some column mostly holds firms' full names or valid codes; -1 if none."""
    for i, texts in enumerate(tp.texts):
        labels = [t for t in texts if t]
        if len(labels) < 2 or not all(len(t) <= _MAX_LABEL for t in labels):
            continue
        cols = [c for c in tp.cols() if tp.raw(i, c) and not looks_like_firm_name(tp.raw(i, c))
                and not _is_code(tp.raw(i, c))]
        for test in (looks_like_firm_name, _is_code):
            if _content_column(tp, i, cols, set(), test) is not None:
                return i
    return -1


def vertical_form(top: list[tuple[int, list]]) -> bool:
    """A sheet laid out as one firm's form, a field per row (企业名称 | 武汉…, 统一社会信用代码 | 9142…)."""
    fields = set()
    for _er, cells in top:
        labels = [cell_text(v) for v in cells if cell_text(v)]
        if labels and len(labels) <= 4:
            f = field_of(labels[0])
            if f is not None:
                fields.add(f)
    return len(fields) >= 3 and "name" in fields


def detect(top: list[tuple[int, list]], col_offset: int, merges,
           overrides: dict | None = None) -> tuple[Header | None, list[str], int]:
    """The header found in ``top`` or None, plus (when None) the most header-like texts and their row."""
    tp = _Top(top, col_offset, merges)
    best_i, best_key = -1, (0.0, 0)
    fallback, fallback_row, fallback_n = [], 0, 0
    for i, texts in enumerate(tp.texts):
        labels = [t for t in texts if t]
        if not labels:
            continue
        score, has_name = _row_score(texts, overrides)
        if len(labels) > fallback_n and all(len(t) <= _MAX_LABEL for t in labels):
            fallback, fallback_row, fallback_n = labels, top[i][0], len(labels)
        if has_name and score > best_key[0] and not any(looks_like_firm_name(t) or _is_code(t) for t in labels):
            best_i, best_key = i, (score, i)      # a header names columns: a firm's name or code is a value
    if best_i < 0:
        best_i = _by_content(tp)
        if best_i < 0:
            return None, fallback, fallback_row
    mapping = apply_overrides(tp.texts[best_i], guess_mapping(tp.texts[best_i]), overrides or {})
    key = next((j for j, f in mapping.items() if f == "name"),
               next((j for j, f in mapping.items() if f == "code"), None))
    band = [best_i]
    if key is not None and best_i + 1 < len(top) and _sub_row_below(tp, best_i, best_i + 1, tp.off + key):
        band.append(best_i + 1)
    if best_i > 0 and _group_row_above(tp, best_i - 1, best_i):
        band.insert(0, best_i - 1)
    headers, columns, band_texts = _compose(tp, band)
    mapping, notices = _fields(tp, band, headers, columns, overrides)
    if not any(f in ("name", "code") for f in mapping.values()):
        return None, fallback, fallback_row
    said, unnamed = _unnamed(tp, band[-1], columns)
    said += _twice(tp, band[-1], headers, columns, mapping)
    return Header(band, top[band[-1]][0], headers, columns, _title(tp, band[0]), band_texts, best_key[0], mapping,
                  notices + said, unnamed), [], 0


def rows_through(grid, header_row: int, beyond: int) -> tuple[list[tuple[int, list]], int | None]:
    """The sheet's first rows, up to *beyond* rows past Excel row *header_row*, and that row's index among
    them (None when the sheet ends before it)."""
    top: list[tuple[int, list]] = []
    at = None
    for er, row in grid.rows():
        top.append((er, row))
        if at is None and er >= header_row:
            at = len(top) - 1
        if at is not None and len(top) > at + beyond:
            break
    return top, at
