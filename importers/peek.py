"""Looking at the top of a list without importing it: sheets, the top-left grid, and the header a person
can correct (``peek_header``: every column of the chosen header row with the field detected for it, and a
few sample values), so the wizard can always show a column mapping, even when no column is recognised."""
from __future__ import annotations

from dataclasses import dataclass, field

from importers import errors as E
from importers.errors import InputError
from importers.formats import open_source
from importers.header import SCAN_ROWS, build, cell_text, detect, rows_through

SAMPLES = 3


@dataclass
class HeaderPeek:
    header_row: int                 # Excel row of the (last) header row; 0 when the sheet is empty
    header_rows: int                # rows in the header band
    headers: list[str]
    mapping: dict[int, str]         # index into headers -> field key (synonyms, --map, content)
    samples: list[list] = field(default_factory=list)     # first data rows, one value per header column
    notices: list[str] = field(default_factory=list)
    detected: bool = True           # False: no header names the name or code column (the most header-like row)


def _grid(src, sheet):
    if src.kind == "csv":
        return src.grid(None)
    return src.grid(sheet if sheet is not None else src.candidate_sheets()[0])


def peek_header(path, sheet: str | None = None, header_row: int | None = None,
                overrides: dict | None = None) -> HeaderPeek:
    """The header of *sheet*: the detected one, or the row *header_row* a person chose. Never fails for a
    missing name column (``detected`` is False then); raises InputError for an unreadable file or sheet."""
    with open_source(path) as src:
        grid = _grid(src, sheet)
        if grid.empty:
            return HeaderPeek(0, 0, [], {}, detected=False)
        if header_row is None:
            _, top = grid.top(SCAN_ROWS)
            hdr, _found, found_row = detect(top, grid.col_offset, grid.merges, overrides)
            detected = hdr is not None
            if hdr is None:
                at = next((i for i, (er, _) in enumerate(top) if er == found_row), 0)
                hdr = build(top, grid.col_offset, grid.merges, [at], overrides)
        else:
            top, at = _rows_to(grid, header_row)
            hdr = build(top, grid.col_offset, grid.merges, [at], overrides)
            detected = any(f in ("name", "code") for f in hdr.mapping.values())
    last = next(i for i, (er, _) in enumerate(top) if er == hdr.header_row)
    samples = []
    for _er, cells in top[last + 1:]:
        vals = [cells[c - grid.col_offset] if 0 <= c - grid.col_offset < len(cells) else "" for c in hdr.columns]
        if any(v not in ("", None) for v in vals):
            samples.append([None if v == "" else v for v in vals])
        if len(samples) >= SAMPLES:
            break
    return HeaderPeek(hdr.header_row, len(hdr.band), hdr.headers, hdr.mapping, samples, hdr.notices, detected)


def _rows_to(grid, header_row: int) -> tuple[list, int]:
    top, at = rows_through(grid, header_row, SAMPLES + 5)
    if at is None or top[at][0] != header_row:
        last = getattr(grid, "last_row", 0) or (top[-1][0] if top else 0)
        raise InputError(E.MSG_BAD_HEADER_ROW.format(row=header_row, last=last), file=None, sheet=grid.name or None)
    return top, at


def top_labels(path, sheet: str | None = None) -> list[list[str]]:
    """The header texts of each of the top rows (empty cells left out), to look up a remembered mapping."""
    with open_source(path) as src:
        grid = _grid(src, sheet)
        if grid.empty:
            return []
        _, top = grid.top(SCAN_ROWS)
    return [[t for t in (cell_text(v) for v in cells) if t] for _, cells in top]


def list_sheets(path) -> list[str]:
    """Sheet names in workbook order ([] for CSV)."""
    with open_source(path) as src:
        return list(src.sheets)


def read_preview(path, sheet: str | None = None, nrows: int = 30) -> list[list]:
    """The top-left grid (from cell A1, empty cells None) for a "pick the header row" step."""
    with open_source(path) as src:
        grid = src.grid(sheet if src.kind != "csv" else None)
    if grid.empty:
        return []
    pad = [None] * grid.col_offset
    return [pad + [None if v == "" else v for v in row] for _, row in grid.head(nrows)]
