"""Exports that open cleanly in Excel and WPS.

Text is always written as text (a name beginning with =, +, - or @ never
becomes a formula), codes as text (never scientific notation), dates as
dates, the header frozen with an autofilter. CSV is UTF-8 with a BOM.
"""
from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path
from typing import Callable, Iterable, Sequence

from importers.errors import InputError

FORMULA_START = ("=", "+", "-", "@")


class Column:
    __slots__ = ("title", "kind", "width")

    def __init__(self, title: str, kind: str = "text", width: float | None = None) -> None:
        self.title = title          # Chinese header
        self.kind = kind            # text | code (text of digits: codes, phone numbers) | date | number | int
        self.width = width


def write_table(path: str | Path, columns: Sequence[Column], rows: Iterable[Sequence] | None, *,
                sheet: str = "台账", sheets=None, progress: Callable[[int], None] | None = None) -> int:
    """Write *rows* (or, *rows* None, one sheet per entry of *sheets*: a dict or (name, rows) pairs) to .xlsx or .csv;
    returns the row count. Sheet names are made legal and unique for Excel (``sheet_names``)."""
    if sheets is not None:
        sheets = list(sheets.items() if isinstance(sheets, dict) else sheets)
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InputError(f"不支持的导出格式“{path.suffix or '（无扩展名）'}”，请使用 .xlsx 或 .csv", file=path.name)
    if not path.parent.exists():
        raise InputError(f"导出文件夹不存在：{path.parent}", file=path.name)
    tmp = path.with_name(f".{path.name}.part")
    try:
        if suffix == ".csv":
            n = _write_csv(tmp, columns, rows if sheets is None else (r for _, rs in sheets for r in rs), progress)
        else:
            n = _write_xlsx(tmp, columns, [(sheet, rows)] if sheets is None else sheets, progress)
        tmp.replace(path)
    except PermissionError as exc:
        raise InputError(f"无法写入 {path.name}：文件可能正在 Excel/WPS 中打开，或没有写入权限",
                         file=path.name) from exc
    finally:
        if tmp.exists():
            tmp.unlink()
    return n


def _write_csv(path: Path, columns, rows, progress) -> int:
    n = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow([c.title for c in columns])
        for row in rows:
            out.writerow([_csv_cell(v) for v in row])
            n += 1
            if progress and n % 10000 == 0:
                progress(n)
    return n


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return csv_mark(str(value))


# a CSV cell beginning = + - @, after any apostrophes: a text our export marks with one more apostrophe
_MARKED = re.compile(r"'*[=+\-@]")


def csv_mark(text: str) -> str:
    """A text for a CSV cell: one apostrophe before a text beginning = + - @ keeps Excel from evaluating a
    formula; a text that itself begins '= (or ''=) gets one too, so ``csv_unmark`` gives every text back as it
    was (the apostrophe of '=… was lost on the way back)."""
    return "'" + text if _MARKED.match(text) else text


def csv_unmark(v):
    """A CSV cell as read back: the apostrophe ``csv_mark`` put before = + - @ (or before a text so marked)
    goes; any other value is as it is."""
    if type(v) is str and len(v) > 1 and v[0] == "'" and _MARKED.match(v, 1):
        return v[1:]
    return v


def _write_xlsx(path: Path, columns, sheets: list, progress) -> int:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_numbers": False, "strings_to_urls": False})
    head = wb.add_format({"bold": True, "bg_color": "#DDE7F3", "border": 1, "text_wrap": True, "valign": "vcenter"})
    fmt_date = wb.add_format({"num_format": "yyyy-mm-dd"})
    fmt_text = wb.add_format({"num_format": "@"})
    kinds = [c.kind for c in columns]
    text_cols = frozenset(i for i, k in enumerate(kinds) if k in ("text", "code"))
    date_cols = frozenset(i for i, k in enumerate(kinds) if k == "date")
    serials: dict[str, int] = {}
    total = 0
    for name, (_, rows) in zip(sheet_names([n for n, _ in sheets]), sheets, strict=True):
        ws = wb.add_worksheet(name)
        for ci, col in enumerate(columns):
            # a code column defaults to text, so what a person types there later is never turned into a number
            # (xlsxwriter stamps a column format on every cell of it: only where it matters)
            ws.set_column(ci, ci, col.width or _width(col), fmt_text if col.kind == "code" else None)
            ws.write_string(0, ci, col.title, head)
        ws.freeze_panes(1, 0)
        # xlsxwriter's undecorated cell writers (its own write_row calls them): the public ones only add the A1
        # notation's conversion, ~5% of an export's time at 100k firms; the public ones if a version lacks them
        write_string = getattr(ws, "_write_string", ws.write_string)
        write_number = getattr(ws, "_write_number", ws.write_number)
        r = 0
        for r, row in enumerate(rows, start=1):
            for ci, value in enumerate(row):
                if value is None or value == "":
                    continue
                kind = type(value)
                if kind is str:
                    # an ISO date: the serial of each distinct date once, the same cell xlsxwriter's write_datetime
                    # writes, without its per-cell conversion; a list of dates ("2024-03-15、2025-06-20") is text
                    if ci in date_cols and len(value) == 10:
                        serial = serials.get(value)
                        if serial is None:
                            serial = serials[value] = excel_serial(date.fromisoformat(value[:10]))
                        write_number(r, ci, serial, fmt_date)
                    else:
                        write_string(r, ci, value)     # a string cell is text whatever it starts with
                elif (kind is int or kind is float) and ci not in text_cols:
                    write_number(r, ci, value)
                elif isinstance(value, date) and ci in date_cols:
                    write_number(r, ci, excel_serial(value), fmt_date)
                else:
                    write_string(r, ci, str(value))
            total += 1
            if progress and total % 10000 == 0:
                progress(total)
        ws.autofilter(0, 0, max(r, 1), len(columns) - 1)
    wb.close()
    return total


_EXCEL_EPOCH = date(1899, 12, 31).toordinal()


def excel_serial(day: date) -> int:
    """A date as Excel's 1900-system serial number, as xlsxwriter's write_datetime computes it: days from
    1899-12-31, plus one from 1900-03-01 on (Excel counts a 29 February 1900 that never was)."""
    days = day.toordinal() - _EXCEL_EPOCH
    return days + 1 if days > 59 else days


def _width(col: Column) -> float:
    return {"date": 12, "number": 12, "int": 10}.get(col.kind, max(10.0, min(44.0, len(col.title) * 2.2 + 2)))


SHEET_MAX = 31                  # Excel's limit, in UTF-16 units
SHEET_FORBIDDEN = "[]:*?/\\"
SHEET_RESERVED = "history"      # Excel keeps a sheet named History (any case) for itself


def sheet_names(names: Sequence[str]) -> list[str]:
    """One legal Excel sheet name per entry of *names*, unique as Excel compares them (without regard
    to case): forbidden characters ``[]:*?/\\`` and control characters become ``_``, leading and
    trailing apostrophes are dropped, an empty or reserved name gets a stand-in, a long name is cut to
    31 characters, and a name taken already gets `` (2)``, `` (3)`` … inside the 31."""
    out: list[str] = []
    taken: set[str] = set()
    for raw in names:
        base = _legal_sheet_name(str(raw or ""))
        name, n = base, 1
        while name.casefold() in taken or name.lower() in taken:
            n += 1
            suffix = f" ({n})"
            name = _cut_utf16(base, SHEET_MAX - len(suffix)).rstrip("'") + suffix
        taken.update((name.casefold(), name.lower()))
        out.append(name)
    return out


def _legal_sheet_name(name: str) -> str:
    name = "".join("_" if ch in SHEET_FORBIDDEN or ord(ch) < 32 else ch for ch in name).strip()
    name = _cut_utf16(name.strip("'"), SHEET_MAX).strip("'").strip()
    if not name:
        return "工作表"
    if name.casefold() == SHEET_RESERVED:
        return name + "_"
    return name


def _cut_utf16(text: str, limit: int) -> str:
    """*text* cut to at most *limit* UTF-16 code units (Excel counts a character beyond U+FFFF as two)."""
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return text[:i]
    return text
