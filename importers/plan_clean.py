"""Cleaning the mapped columns of a chunk of rows (``importers.planner``): one column at a time.

Each field has a cleaner (``cleaner_for``): a function of one cell that returns the value the ledger gets
or raises ValueError with the Chinese message, whether it runs once per distinct value, and the issue code.

Two ways of applying them give the same values and the same issues, row for row:

- the reference (``FAST = False``): each chunk on its own, every distinct value of a text, date or street
  column cleaned once per chunk, every number cell cleaned by the cleaner;
- the fast path (``FAST = True``, the default): a text, date or street value is cleaned once per import
  (a cache kept across chunks, only for strings and dates, whose equality is their identity, and only while
  a column repeats its values); a column of unique strings is cleaned cell by cell without the set and dict
  of the distinct pass; a number cell that is already a float in range is taken as it is, exactly what its
  cleaner returns for it; a chunk is cut into columns with one ``zip``, and a text of letters, digits and CJK
  ideographs is its own clean text (``clean.PLAIN_TEXT``). ``tests/importers/test_plan_fast.py`` and every
  plan the importer tests build compare both ways.
"""
from __future__ import annotations

import datetime as _dt
import re
from collections import Counter
from datetime import date

from db.firm_fields import CODE_STATUS, STATUS_TITLE
from importers import clean
from importers.clean import bare_year, clean_text, parse_cell_date
from importers.clean_streets import match_street
from importers.export import csv_unmark
from importers.plan import Issue
from pipeline.fields import FIELD_LIST

FAST = True                 # False: the reference way (tests compare both)

# field key -> how its cells are cleaned, derived from the one list of fields (pipeline.fields);
# name, code, street, stage and star have their own cleaning
OWN_CLEANING = ("name", "code", "street", "stage", "star")
PLACEHOLDER_FIELDS = ("legal_form", "address")     # text where "N/A", "无", "-" mean nothing
TEXT_FIELDS = tuple(f.key for f in FIELD_LIST
                    if f.kind == "text" and f.key not in OWN_CLEANING and f.key not in PLACEHOLDER_FIELDS)
DATE_FIELDS = tuple(f.key for f in FIELD_LIST if f.kind == "date")
MAX_MONEY = 1e9             # 万元: ten trillion yuan, beyond any firm
MAX_EMPLOYEES = 5_000_000
EARLIEST = date(1949, 10, 1)
W_STREET = "街道“{value}”不在街道目录中，未填入"
E_DATE_EARLY = "“{v}”早于 1949 年，不是有效的{what}"
E_DATE_FUTURE = "成立日期“{v}”在今天之后"
E_PERIOD_HERE = "“{v}”是一段期间（起止两个日期），本列应为一个{what}"
E_PERIOD_START = "“{column}”的期间“{v}”起于 {a}，与“{other}”列的 {b} 不一致"
W_YEAR = "“{column}”列只写年份：“{v}”按 {d} 记"
E_CODE_NUMBER = ("单元格存成了数字（{v}），Excel 只保留 15 位有效数字，代码的后几位已不可信；"
                 "请把该列设为文本格式，重新填写代码")
_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?[eE]\+\d+")
E_CODE_ROUNDED = ("代码“{v}”全是数字、末三位是 000 且校验位不符：像是 Excel 把代码存成数字、只保留 15 位有效数字后"
                  "又写成了文本，代码的后几位已不可信；请按原始名单重新填写代码")
_ROUNDED = re.compile(r"\d{15}000")
W_NEGATIVE = "“{v}”是负数，未填入"
W_ABSURD = "“{v}”大得不合常理，未填入"
_YEAR_SHARE = 0.6
# Text too long to be a value (a paragraph or a whole sheet pasted into one cell). A short field (所属行业, 地址,
# 联系人 …) of more than MAX_TEXT characters is no value of it: warned and not filled, as an absurd amount is.
# A 备注 is a person's own note: kept whole, however long (Excel holds at most 32,767 characters in a cell;
# nothing is lost), but above MAX_REMARK characters it is warned, so that a note that swallowed other text
# is seen before it lands.
MAX_TEXT = 500
MAX_REMARK = 2000
W_TEXT_LONG = "“{column}”有 {n} 字，不像是该列的值（可能误粘贴了说明文字），未填入"
W_REMARK_LONG = "“{column}”很长（{n} 字），已按原样导入，请核对是否误粘贴了其他内容"

_CACHE_MAX = 200_000        # distinct values kept per column across chunks
_CACHED_TYPES = (str, _dt.date, _dt.datetime)   # a == b only for equal values of the same type
_MONEY = ("reg_capital", "revenue", "rd_spend")


def unquote(v):
    """CSV only: our exports write text that starts with = + - @ behind an apostrophe (so Excel shows text);
    the apostrophe goes again on re-import (``export.csv_unmark``, the rule's one place)."""
    return csv_unmark(v)


def _number(parse, limit):
    def fn(v):
        x = parse(v)
        if x is not None and x < 0:
            raise ValueError(W_NEGATIVE.format(v=_shown(v)))
        if x is not None and x > limit:
            raise ValueError(W_ABSURD.format(v=_shown(v)))
        return x
    return fn


def _shown(v) -> str:
    return clean_text(v)


def _date(field, date1904, today):
    what = {"date": "认定日期", "expires": "到期日期", "founded": "成立日期"}.get(field, "日期")

    def fn(v, years=False):
        try:
            d = parse_cell_date(v, datemode_1904=date1904, years=years)
        except ValueError:
            period = clean.parse_period(v)      # ValueError for a backwards period or an impossible day
            if period is None:
                raise
            if field != "expires":
                raise ValueError(E_PERIOD_HERE.format(v=_shown(v), what=what)) from None
            if period.start < EARLIEST:
                raise ValueError(E_DATE_EARLY.format(v=_shown(v), what=what)) from None
            return period                       # split by ``periods``
        if d is None:
            return None
        if field != "founded" and d < EARLIEST:
            raise ValueError(E_DATE_EARLY.format(v=_shown(v), what=what))
        if field == "founded" and d > today:
            raise ValueError(E_DATE_FUTURE.format(v=_shown(v)))
        return d
    return fn


def _text(v):
    return clean.clean_text(v) or None


DATE_LIST_SEP = "、"        # a track's date cell of the ledger's export: one date per stage listed, in order
OPEN_WORD = "长期"          # a 有效期至 of the ledger's export: held without an end (open), whatever the validity
OPEN_WORDS = frozenset({OPEN_WORD, "长期有效"})
NO_END_WORDS = frozenset({"", "无", "-", "—"})     # in a list of ends: none given, the stage's validity decides
OPEN_END = date.max         # the end read from 长期: the designation is open (importers.commit writes no end)


def date_list(fn):
    """The cleaner of a track's 认定日期 / 有效期至 column (``importers.ledger_export``): a cell of several dates
    joined by 、 is a tuple, one entry per date in order (OPEN_END for 长期, None for a blank or 无 between two
    、), each read by *fn*; 长期 alone is OPEN_END; any other cell is *fn*'s one date.
    ``importers.plan_designations`` matches the tuple to the stage cell's names by position."""
    def one(p, years):
        return OPEN_END if p in OPEN_WORDS else None if p in NO_END_WORDS else fn(p, years)

    def fn_list(v, years=False):
        if type(v) is not str:
            return fn(v, years)
        if DATE_LIST_SEP not in v:
            return OPEN_END if clean_text(v) in OPEN_WORDS else fn(v, years)
        return tuple(one(p.strip(), years) for p in clean_text(v).split(DATE_LIST_SEP))
    return fn_list


W_CERT_NUMBER = ("“{v}”存成了数字，Excel 只保留 15 位有效数字，编号的后几位已不可信，未填入；"
                 "请把该列设为文本格式，按原件重新填写")


def _cert(csv: bool):
    """A 证书编号 / 入库编号 cell: text; a number of 16 digits or more (or in scientific notation, a CSV saved by
    Excel) lost its last digits and is no certificate's number: not filled, the row warned (it was kept)."""
    def fn(v):
        if (shown := lost_digits(v)) is not None:
            raise ValueError(W_CERT_NUMBER.format(v=shown))
        return clean.clean_text(unquote(v) if csv else v) or None
    return fn


def lost_digits(v) -> str | None:
    """The cell as shown, when it holds a number Excel kept to 15 significant digits, so its last digits are lost:
    a number of 16 digits or more, or one in scientific notation (a CSV saved by Excel); else None."""
    if type(v) is float and abs(v) >= 1e15:
        return _shown(v)
    if type(v) is str and _SCIENTIFIC.fullmatch(v.strip()):
        return v.strip()
    return None


def cleaner_for(field, streets, date1904, csv=False, today=None):
    """(cleaner, distinct values only?, issue code) for a field; the cleaner raises ValueError with the message."""
    if field == "cert_no":
        return _cert(csv), True, "cert_number"
    if field in TEXT_FIELDS:
        if csv:
            return (lambda v: clean.clean_text(unquote(v)) or None), True, None
        return _text, True, None
    if field in PLACEHOLDER_FIELDS:
        def text(v):
            t = clean.clean_text(unquote(v) if csv else v)
            return None if t.lower() in clean._BLANKS else t
        return text, True, None
    if field in DATE_FIELDS:
        return _date(field, date1904, today or date.today()), True, "bad_date"
    if field in ("reg_capital", "revenue", "rd_spend"):
        return _number(clean.parse_number, MAX_MONEY), False, "bad_number"
    if field == "employees":
        return _number(clean.parse_int, MAX_EMPLOYEES), False, "bad_number"
    if field == "street":
        def street(v):
            hit = match_street(v, streets)
            if hit is None and clean.clean_text(v):
                raise ValueError(W_STREET.format(value=clean.clean_text(v)))
            return hit
        return street, True, "unknown_street"
    return None, False, None


def accepted_column(headers: list[str], work: dict) -> int | None:
    """The unmapped 代码核验 column of the ledger's export (``db.firm_fields.STATUS_TITLE``), if the list has one."""
    return next((i for i, h in enumerate(headers) if i not in work and clean_text(h) == STATUS_TITLE), None)


def accepted_codes(vals: list[list], col: int, checks: list) -> None:
    """A code failing its check digit whose 代码核验 cell says an officer accepted it (校验位不符（已确认）, as the
    export writes ``accepted``) is accepted on import too: without it the acceptance was lost in a round trip and
    the officer's answered warning came back. Any other code, or cell, is checked as before."""
    said = clean_text(CODE_STATUS["accepted"])
    for j, (status, problems) in enumerate(checks):
        if status == "bad_check":
            v = vals[j][col] if col < len(vals[j]) else None
            if v is not None and clean_text(v) == said:
                checks[j] = ("accepted", problems)


def numeric_codes(raw_codes, checks) -> None:
    """A code cell holding a number of 16 digits or more lost its last digits (Excel keeps 15 significant
    digits): the code read back is not the firm's (it may even pass the check), so it is invalid, never used;
    so is a code in scientific notation (a CSV saved by Excel), and an all-digit text code ending in 000 that
    fails its check (the rounded number written back as text: only warned, it could be accepted into the ledger)."""
    if float in set(map(type, raw_codes)):
        for j, x in enumerate(raw_codes):
            if type(x) is float and (shown := lost_digits(x)) is not None:
                checks[j] = ("invalid", (E_CODE_NUMBER.format(v=shown),))
    for j, (status, _) in enumerate(checks):
        if status == "invalid":
            x = raw_codes[j]
            if type(x) is str and (shown := lost_digits(x)) is not None:
                checks[j] = ("invalid", (E_CODE_NUMBER.format(v=shown),))
        elif status == "bad_check" and type(x := raw_codes[j]) is str and _ROUNDED.fullmatch(x.strip()):
            checks[j] = ("invalid", (E_CODE_ROUNDED.format(v=x.strip()),))


def _holds_years(column) -> bool:
    """Whether most filled cells of a date column hold only a year (a 成立年份 column)."""
    counts = Counter(column)
    counts.pop(None, None)
    counts.pop("", None)
    n = sum(counts.values())
    years = sum(k for x, k in counts.items() if bare_year(x) is not None)
    return n > 0 and years >= _YEAR_SHARE * n


def _year_warnings(column, out, errs, header) -> None:
    for j, x in enumerate(column):
        if out[j] is not None and bare_year(x) is not None:
            errs.setdefault(j, []).append(Issue(None, header, W_YEAR.format(column=header, v=_shown(x),
                                                                              d=out[j].isoformat()),
                                                "warning", "year_only"))


class _Bad:
    """A cached cleaner's ValueError message."""
    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


_OFF: dict = {}             # the cache of a column that stopped repeating its values


class Columns:
    """The cleaners of an import's mapped columns, (col, field, cleaner, distinct?, issue code), applied
    chunk by chunk; the fast path's caches live as long as the import."""

    def __init__(self, cleaners: list[tuple], fast: bool | None = None) -> None:
        self.cleaners = cleaners
        self.fast = FAST if fast is None else fast
        self.caches: dict[tuple[int, bool], dict] = {}

    def clean(self, vals: list[list], headers: list[str]) -> tuple[dict[str, list], dict[int, list[Issue]]]:
        """{field: [cleaned values]} and {row index in the chunk: [Issue]} (rows not yet numbered)."""
        cols: dict[str, list] = {}
        errs: dict[int, list[Issue]] = {}
        # the fast path cuts the chunk into columns at once when its rows are of one length (read's rows are)
        table = None
        if self.fast and vals and len(set(map(len, vals))) == 1:
            table = list(zip(*vals, strict=True))
        for col, f, fn, distinct, code in self.cleaners:
            if table is not None and col < len(table):
                column = list(table[col])
                cols[f] = self._column(column, col, f, fn, distinct, code, errs, headers[col])
                continue
            try:
                column = [v[col] for v in vals]
            except IndexError:
                column = [v[col] if col < len(v) else None for v in vals]
            cols[f] = self._column(column, col, f, fn, distinct, code, errs, headers[col])
        return cols, errs

    def _column(self, column, col, f, fn, distinct, code, errs, header) -> list:
        level = "error" if code == "bad_date" else "warning"
        years = code == "bad_date" and _holds_years(column)
        if years:
            fn = (lambda g: (lambda v: g(v, True)))(fn)
        if not self.fast:
            out = _distinct(column, fn, errs, header, level, code) if distinct else \
                _each(column, fn, errs, header, level, code)
        elif distinct:
            out = self._repeated(column, fn, errs, header, level, code, (col, years))
        else:
            out = _numbers(column, fn, f, errs, header, level, code)
        if years:
            _year_warnings(column, out, errs, header)
        return out

    def _repeated(self, column, fn, errs, header, level, code, key) -> list:
        """The distinct pass with a cache across chunks; a column of unique strings cell by cell."""
        cache = self.caches.setdefault(key, {})
        values = set(column)
        if len(values) * 2 > len(column) or cache is _OFF:
            if set(map(type, values)) <= {str, type(None)}:
                return _texts(column) if fn is _text else _each(column, fn, errs, header, level, code)
            return _distinct(column, fn, errs, header, level, code)
        if len(cache) > _CACHE_MAX:
            self.caches[key] = _OFF
            return _distinct(column, fn, errs, header, level, code)
        done: dict = {None: None, "": None}
        bad = None
        for x in values:
            if x in done:
                continue
            cached = type(x) in _CACHED_TYPES
            r = cache.get(x) if cached else None
            if r is None:
                try:
                    r = fn(x)
                except ValueError as exc:
                    r = _Bad(str(exc))
                if cached and r is not None:
                    cache[x] = r
            if type(r) is _Bad:
                done[x] = None
                bad = bad or {}
                bad[x] = r.message
            else:
                done[x] = r
        return _spread(column, done, bad, errs, header, level, code)


def _spread(column, done: dict, bad: dict | None, errs, header, level, code) -> list:
    """The chunk's column from its cleaned distinct values (*done*); each bad value's message on every row with it."""
    if bad:
        for j, x in enumerate(column):
            if x in bad:
                errs.setdefault(j, []).append(Issue(None, header, bad[x], level, code))
    return [done[x] for x in column]


def _distinct(column, fn, errs, header, level, code) -> list:
    """Each distinct value of the chunk's column cleaned once (the reference)."""
    done: dict = {None: None, "": None}
    bad = None
    for x in set(column):
        if x not in done:
            try:
                done[x] = fn(x)
            except ValueError as exc:
                done[x] = None
                bad = bad or {}
                bad[x] = str(exc)
    return _spread(column, done, bad, errs, header, level, code)


def _each(column, fn, errs, header, level, code) -> list:
    """Each cell cleaned on its own."""
    out: list = []
    append = out.append
    for j, x in enumerate(column):
        if x is None or x == "":
            append(None)
            continue
        try:
            append(fn(x))
        except ValueError as exc:
            errs.setdefault(j, []).append(Issue(None, header, str(exc), level, code))
            append(None)
    return out


def _texts(column) -> list:
    """``_each`` with ``_text`` on a column of strings and blanks: a cell of ASCII letters and digits is its
    own clean text."""
    out: list = []
    append = out.append
    plain = clean.PLAIN_TEXT.fullmatch       # letters, digits, CJK ideographs: their own clean text too
    for x in column:
        if x is None or x == "":
            append(None)
        elif x.isascii() and x.isalnum() or plain(x):
            append(x)
        else:
            append(clean.clean_text(x) or None)
    return out


def _numbers(column, fn, f, errs, header, level, code) -> list:
    """``_each`` for an amount or a count, taking a float cell in range as its cleaner would: an amount as it
    is (``parse_number``), a whole count as an int (``parse_int``)."""
    if f in _MONEY:
        limit, whole = MAX_MONEY, False
    elif f == "employees":
        limit, whole = MAX_EMPLOYEES, True
    else:
        return _each(column, fn, errs, header, level, code)
    out: list = []
    append = out.append
    for j, x in enumerate(column):
        if type(x) is float and 0.0 <= x <= limit and (not whole or x.is_integer()):
            append(int(x) if whole else x)
        elif x is None or x == "":
            append(None)
        else:
            try:
                append(fn(x))
            except ValueError as exc:
                errs.setdefault(j, []).append(Issue(None, header, str(exc), level, code))
                append(None)
    return out


def long_texts(cols: dict, errs: dict, headers: list[str], by_field: dict) -> None:
    """Text values too long to be values (``MAX_TEXT``, ``MAX_REMARK``): a warning on the row; a short field's
    value is not filled. Run on the cleaned columns, so the fast and the reference way share it."""
    for f, column in cols.items():
        if f not in TEXT_FIELDS and f not in PLACEHOLDER_FIELDS:
            continue
        limit = MAX_REMARK if f == "remark" else MAX_TEXT
        if max(map(len, filter(None, column)), default=0) <= limit:
            continue
        head = headers[by_field[f]]
        for j, v in enumerate(column):
            if v and len(v) > limit:
                msg = (W_REMARK_LONG if f == "remark" else W_TEXT_LONG).format(column=head, n=len(v))
                errs.setdefault(j, []).append(Issue(None, head, msg, "warning", "text_too_long"))
                if f != "remark":
                    column[j] = None


def periods(cols: dict, errs: dict, headers: list[str], by_field: dict, raws: list[list]) -> None:
    """An 有效期 cell holding a whole period (the expires cleaner gives a ``clean.Period``): its last day is the
    row's 有效期至 value (stored as every 有效期至 is), its first day the row's start, unless a start column
    (认定日期, 有效期起) gives one: then the two must agree, else an error on the row naming the 有效期 cell.
    A period in any other date column is that column's error (``E_PERIOD_HERE``)."""
    exp = cols.get("expires")
    if exp is None or not any(type(x) is clean.Period for x in exp):
        return
    dates = cols.get("date")
    if dates is None:
        dates = cols["date"] = [None] * len(exp)
    col = by_field["expires"]
    head = headers[col]
    other = headers[by_field["date"]] if "date" in by_field else None
    for j, x in enumerate(exp):
        if type(x) is not clean.Period:
            continue
        exp[j] = x.end
        if dates[j] is None:
            dates[j] = x.start
        elif dates[j] != x.start:
            errs.setdefault(j, []).append(Issue(None, head, E_PERIOD_START.format(
                column=head, v=_shown(raws[j][col]), a=x.start.isoformat(), other=other, b=dates[j].isoformat()),
                "error", "bad_date"))
