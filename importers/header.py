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
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from importers.clean import clean_text
from importers.mapping import field_of, guess_mapping, header_score

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
    if tp.raw(low, name_col):
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


def _compose(tp: _Top, band: list[int]) -> tuple[list[str], list[int], list[list[str]]]:
    grid: list[list[str]] = []
    for k, i in enumerate(band):
        row = []
        for c in tp.cols():
            t = tp.filled(i, c)
            if (not t and not tp.has_merges and k + 1 < len(band) and row and row[-1]
                    and tp.raw(band[k + 1], c) and tp.raw(band[k + 1], c - 1)):
                t = row[-1]  # a group label followed by blanks spans the labelled columns below
            row.append(t)
        grid.append(row)
    parts_by_col: list[tuple[int, list[str]]] = []
    for j, c in enumerate(tp.cols()):
        parts: list[str] = []
        for row in grid:
            if row[j] and (not parts or parts[-1] != row[j]):
                parts.append(row[j])
        if parts:
            parts_by_col.append((j, parts))
    subs = [p[-1] for _, p in parts_by_col]
    headers, columns, band_texts = [], [], [[] for _ in band]
    for j, parts in parts_by_col:
        if len(parts) == 1:
            h = parts[0]
        else:
            group, sub = "/".join(parts[:-1]), parts[-1]
            alone_ok = subs.count(sub) == 1 and (field_of(sub) is not None or field_of(group) is None)
            h = sub if alone_ok else f"{group}/{sub}"
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


def build(top: list[tuple[int, list]], col_offset: int, merges, band: list[int]) -> Header:
    tp = _Top(top, col_offset, merges)
    headers, columns, band_texts = _compose(tp, band)
    return Header(band, top[band[-1]][0], headers, columns, _title(tp, band[0]), band_texts)


def detect(top: list[tuple[int, list]], col_offset: int, merges) -> tuple[Header | None, list[str], int]:
    """The header found in ``top`` or None, plus (when None) the most header-like texts and their row."""
    tp = _Top(top, col_offset, merges)
    best_i, best_key = -1, (0.0, 0)
    fallback, fallback_row, fallback_n = [], 0, 0
    for i, texts in enumerate(tp.texts):
        labels = [t for t in texts if t]
        if not labels:
            continue
        score, has_name = header_score(texts)
        if len(labels) > fallback_n and all(len(t) <= _MAX_LABEL for t in labels):
            fallback, fallback_row, fallback_n = labels, top[i][0], len(labels)
        if has_name and score > best_key[0]:
            best_i, best_key = i, (score, i)
    if best_i < 0:
        return None, fallback, fallback_row
    mapping = guess_mapping(tp.texts[best_i])
    name_col = tp.off + next(j for j, f in mapping.items() if f == "name")
    band = [best_i]
    if best_i + 1 < len(top) and _sub_row_below(tp, best_i, best_i + 1, name_col):
        band.append(best_i + 1)
    if best_i > 0 and _group_row_above(tp, best_i - 1, best_i):
        band.insert(0, best_i - 1)
    headers, columns, band_texts = _compose(tp, band)
    return Header(band, top[band[-1]][0], headers, columns, _title(tp, band[0]), band_texts, best_key[0]), [], 0
