"""Cell cleaning: text, company names, dates and numbers (streets: importers/clean_streets.py).

These run per cell on lists of up to a million rows, so each function takes a
fast path for the common case (``type(v) is str`` / ``float``) before any
regular expression, and the regexes are compiled once.

Unit rule for amounts (``parse_number``): a value with an explicit money unit
is returned in 万元, the unit official lists use for 注册资本, 营业收入 and
研发投入: "6,400(万元人民币)" -> 6400, "1.2亿" -> 12000, "500000元" -> 50.
A value without a unit is returned as written (the column header gives its
unit).  Non-money units ("120人", "15%") are dropped and the number returned.
Amounts in a foreign currency ("100万美元") raise ValueError: converting them
needs a rate a person must choose.  ``parse_int`` is for counts: there "万"
means ten thousand ("1.2万人" -> 12000).
"""
from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from pipeline.names import name_key as _name_key

_NFKC = unicodedata.normalize
_is_nfkc = unicodedata.is_normalized

# Placeholders people type into a cell that means "nothing here".
_BLANKS = frozenset({"", "-", "--", "—", "——", "－", "/", "／", "\\", "无", "暂无", "空", "null", "none", "n/a", "na",
                     "#n/a", "nan"})

MSG_DATE = "无法识别的日期“{v}”"
MSG_DATE_IMPOSSIBLE = "无法识别的日期“{v}”：该日期不存在"
MSG_DATE_RANGE = "日期“{v}”的年份超出 1900-2199"
MSG_DATE_PARTIAL = "日期“{v}”不完整（缺少日）"
MSG_DATE_SERIAL = "Excel 日期序号 {v} 超出范围"
MSG_NUMBER = "无法识别的数值“{v}”"
MSG_NUMBER_CURRENCY = "“{v}”不是人民币金额，请换算后再导入"
MSG_INT = "“{v}”不是整数"
MSG_BOOL = "“{v}”是逻辑值，不是{what}"

_WS = re.compile(r"\s+")
_NON_WORD = re.compile(r"[\W_]+")
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")
_ASCII_ALNUM_SPACE = re.compile(r"(?<=[A-Za-z0-9&.])\s+(?=[A-Za-z0-9&])")
# ASCII letters and digits and CJK unified ideographs (U+4E00-U+9FFF, Unicode 14: all assigned, letters, left
# alone by NFKC and by case folding): such a text is its own clean_text and clean_name, and its name key
# (pipeline.names.name_key) is its lower case. Most firm names are. tests/importers/test_plan_fast.py checks
# every character of the class.
PLAIN_TEXT = re.compile(r"[0-9A-Za-z\u4e00-\u9fff]+")


def _nfkc(s: str) -> str:
    return s if _is_nfkc("NFKC", s) else _NFKC("NFKC", s)


def _scalar_text(v) -> str:
    t = type(v)
    if t is float:
        if v != v:  # NaN
            return ""
        return str(int(v)) if v.is_integer() and abs(v) < 1e16 else repr(v)
    if t is _dt.datetime:
        return v.date().isoformat() if v.time() == _dt.time() else v.isoformat(sep=" ")
    if t is _dt.date:
        return v.isoformat()
    return str(v)


def clean_text(v) -> str:
    """NFKC, strip, inner whitespace and line breaks collapsed to one space, zero-width characters removed (copied
    from a web page: "杨园街道\u200b" was an unknown street); "" for None."""
    if v is None:
        return ""
    if type(v) is not str:
        return _scalar_text(v)
    if v.isascii():
        if v.isalnum():
            return v
        return " ".join(v.split())
    s = " ".join(_nfkc(v).split())
    return s if s.isprintable() else _ZERO_WIDTH.sub("", s)


def clean_name(v) -> str:
    """A company name as shown: NFKC, brackets as the official full-width （）, spaces removed.

    A space between two Latin letters or digits is kept (one), so "ABC Tech" stays readable.
    """
    s = clean_text(v)
    if not s:
        return s
    if not s.isprintable():           # zero-width characters copied from a web page: invisible, but break search
        s = _ZERO_WIDTH.sub("", s)
    if " " in s:
        s = _ASCII_ALNUM_SPACE.sub("\x00", s).replace(" ", "").replace("\x00", " ")
    return s.replace("(", "（").replace(")", "）")


def name_key(v) -> str:
    """Matching key for names: the ledger's one rule (pipeline.names.name_key), for cell values."""
    return _name_key(v if v is None or type(v) is str else _scalar_text(v))


# ---------------------------------------------------------------- dates
_EXCEL_1900 = _dt.date(1899, 12, 30)
_EXCEL_1904 = _dt.date(1904, 1, 1)
_YMD = re.compile(
    r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*[日号]?"
    r"(?:(?:\s+|T)\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d+)?)?)?")
_YM = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*月?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})(?:\d{6})?")
_SERIAL_TEXT = re.compile(r"\d{5}(?:\.\d+)?")


def _make_date(y: int, m: int, d: int, shown) -> _dt.date:
    if not 1900 <= y <= 2199:
        raise ValueError(MSG_DATE_RANGE.format(v=shown))
    try:
        return _dt.date(y, m, d)
    except ValueError:
        raise ValueError(MSG_DATE_IMPOSSIBLE.format(v=shown)) from None


def _from_serial(x: float, date1904: bool, shown) -> _dt.date:
    days = int(x)
    if date1904:
        if not 0 <= days <= 2957003:
            raise ValueError(MSG_DATE_SERIAL.format(v=shown))
        return _in_range(_EXCEL_1904 + _dt.timedelta(days=days), shown)
    if days == 60:  # Excel's phantom 1900-02-29
        raise ValueError(MSG_DATE_IMPOSSIBLE.format(v="1900-02-29"))
    if not 1 <= days <= 2958465:
        raise ValueError(MSG_DATE_SERIAL.format(v=shown))
    if days < 60:
        days += 1  # before the phantom day the 1900 system is off by one
    return _in_range(_EXCEL_1900 + _dt.timedelta(days=days), shown)


def _in_range(d: _dt.date, shown) -> _dt.date:
    """A serial's date within the years every other date is held to (202312, 2023年12月 typed as a number, was
    read as 2453-11-27 and imported: found by an outside attack)."""
    if d.year > 2199:
        raise ValueError(MSG_DATE_RANGE.format(v=shown))
    return d


_YMD_NUMBERS = (19000101, 21991231)      # a number in this range is a date typed as digits (20231228)


def _ymd_number(v) -> bool:
    return _YMD_NUMBERS[0] <= v <= _YMD_NUMBERS[1] and float(v).is_integer()


def read_as_serial(v) -> bool:
    """Whether ``parse_date`` reads the cell *v* as an Excel date serial, valid or not: a number other than an
    8-digit date, or a 5-digit text (``_date_from_text``)."""
    t = type(v)
    if t is int or t is float:
        return v == v and not _ymd_number(v)
    return t is str and _SERIAL_TEXT.fullmatch(_nfkc(v).strip()) is not None


def _date_from_number(v, date1904: bool) -> _dt.date:
    if isinstance(v, float) and v - v != 0:      # NaN, or infinite (a cell written as 1E+309)
        raise ValueError(MSG_DATE.format(v=v))
    if _ymd_number(v):                           # 20231228 typed as a number
        n = int(v)
        return _make_date(n // 10000, n // 100 % 100, n % 100, n)
    return _from_serial(v, date1904, _scalar_text(v))


@lru_cache(maxsize=8192)
def _date_from_text(s: str, date1904: bool) -> _dt.date | None:
    t = _nfkc(s).strip()
    if t.lower() in _BLANKS:
        return None
    m = _YMD.fullmatch(t)
    if m:
        return _make_date(int(m[1]), int(m[2]), int(m[3]), s)
    m = _COMPACT.fullmatch(t)
    if m:
        return _make_date(int(m[1]), int(m[2]), int(m[3]), s)
    if _SERIAL_TEXT.fullmatch(t):
        return _from_serial(float(t), date1904, s)
    if _YM.fullmatch(t):
        raise ValueError(MSG_DATE_PARTIAL.format(v=s))
    raise ValueError(MSG_DATE.format(v=s))


def parse_date(v, *, datemode_1904: bool = False) -> _dt.date | None:
    """A date from an Excel cell or text; None for blank; ValueError (Chinese reason) otherwise.

    Accepted: date/datetime objects; Excel serial numbers (1900 system, or 1904 with
    ``datemode_1904``); 8-digit numbers 20231228; text 2023-12-28, 2023.12.28, 2023/12/28,
    2023年12月28日, 20231228, "2023-12-28 00:00:00", 2023.1.5, full-width digits, and a
    5-digit serial written as text ("45288").
    """
    if v is None:
        return None
    t = type(v)
    if t is str:
        return _date_from_text(v, datemode_1904) if v else None
    if t is _dt.datetime:
        return v.date()
    if t is _dt.date:
        return v
    if t is bool:
        raise ValueError(MSG_BOOL.format(v=v, what="日期"))
    if t is float or t is int:
        return _date_from_number(v, datemode_1904)
    if isinstance(v, _dt.datetime):
        return v.date()
    if isinstance(v, _dt.date):
        return v
    return _date_from_text(str(v), datemode_1904)


# ---------------------------------------------------------------- numbers
_NUM_UNIT = re.compile(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)([^\d]*)")
_MONEY_SCALE = {"亿元": 10000.0, "亿": 10000.0, "万元": 1.0, "万": 1.0, "千元": 0.1, "元": 0.0001}
_COUNT_SCALE = {"亿": 1e8, "万": 1e4, "千": 1e3}
_FOREIGN = ("美元", "港元", "港币", "欧元", "日元", "英镑", "usd", "hkd", "eur", "$")
_UNIT_NOISE = str.maketrans("", "", "()[]（）【】 ,，:：")


def _split_number(v: str) -> tuple[float, str] | None:
    s = _nfkc(v).strip()
    if s.lower() in _BLANKS:
        return None
    try:
        x = float(s.replace(",", ""))
    except ValueError:
        pass
    else:
        if x - x != 0 or "_" in s:  # inf, or Python's 1_000 syntax
            raise ValueError(MSG_NUMBER.format(v=v))
        return x, ""
    s = s.translate(_UNIT_NOISE).lower()
    m = _NUM_UNIT.fullmatch(s)
    if not m:
        raise ValueError(MSG_NUMBER.format(v=v))
    unit = m[2].replace("人民币", "").replace("rmb", "").replace("cny", "")
    if any(c in unit for c in _FOREIGN):
        raise ValueError(MSG_NUMBER_CURRENCY.format(v=v))
    return float(m[1]), unit


@lru_cache(maxsize=4096)
def _number_from_text(v: str) -> float | None:
    parts = _split_number(v)
    if parts is None:
        return None
    x, unit = parts
    if unit:
        for u, scale in _MONEY_SCALE.items():
            if unit.startswith(u):
                return x * scale
    return x


def parse_number(v) -> float | None:
    """A number from a cell ("6,400(万元人民币)" -> 6400.0, "1.2亿" -> 12000.0); see the unit rule above."""
    t = type(v)
    if t is float:
        return None if v != v else v
    if t is int:
        return float(v)
    if v is None:
        return None
    if t is bool:
        raise ValueError(MSG_BOOL.format(v=v, what="数值"))
    if t is str:
        return _number_from_text(v) if v else None
    if isinstance(v, (int, float)):
        return float(v)
    raise ValueError(MSG_NUMBER.format(v=v))


def parse_quantity(v) -> float | None:
    """A number of things, whole or not ("0.8万" and "8,000家" -> 8000.0, "80家以上" -> 80.0, "1.5千个" -> 1500.0):
    万/千/亿 scale it as counts do (``parse_int``), not as money (``parse_number`` reads 万 as 万元: 0.8); an
    amount of money ("86亿元") is not one, nor a percentage ("80%") (ValueError)."""
    t = type(v)
    if t is bool:
        raise ValueError(MSG_BOOL.format(v=v, what="数值"))
    if t is not str:
        return parse_number(v)
    parts = _split_number(v) if v else None
    if parts is None:
        return None
    x, unit = parts
    if "元" in unit:
        raise ValueError(f"“{v}”是金额，不是家数/个数")
    if unit.startswith(("%", "‰")):        # a share typed for a target (80% of the district's) is not 80 firms
        raise ValueError(f"“{v}”是比例，不是家数/个数")
    return x * _count_scale(unit)


def _count_scale(unit: str) -> float:
    """The scale of a count's unit (1.2万人: 10,000; 80家: 1)."""
    return next((scale for u, scale in _COUNT_SCALE.items() if unit.startswith(u)), 1)


def parse_int(v) -> int | None:
    """A count ("120", "120人", "1.2万人" -> 12000, 35.0 -> 35); ValueError if not a whole number."""
    t = type(v)
    if t is int:
        return v
    if v is None:
        return None
    if t is bool:
        raise ValueError(MSG_BOOL.format(v=v, what="整数"))
    if t is str:
        if not v:
            return None
        if v.isdecimal():
            return int(v)
        parts = _split_number(v)
        if parts is None:
            return None
        x, unit = parts
        x *= _count_scale(unit)
    elif t is float or isinstance(v, (int, float)):
        x = float(v)
        if x != x:
            return None
        if x - x != 0:                             # infinite (a cell written as 1E+309)
            raise ValueError(MSG_INT.format(v=v))
    else:
        raise ValueError(MSG_INT.format(v=v))
    if not x.is_integer():
        rounded = round(x)
        if abs(x - rounded) > 1e-6:
            raise ValueError(MSG_INT.format(v=v))
        x = rounded
    return int(x)


# ---------------------------------------------------------------- what a firm's full name looks like
# Organisational-form endings of a registered name (GB/T 企业名称登记管理规定 and usual registry entries),
# longest first where one ends another. A name ending so is a firm's full name wherever it stands in a list.
FIRM_ENDINGS = ("有限责任公司", "股份有限公司", "有限公司", "分公司", "公司", "（有限合伙）", "（普通合伙）",
                "合伙企业", "个人独资企业", "集团", "厂", "店", "中心", "研究院", "研究所", "设计院", "合作社",
                "联合社", "事务所", "商行", "经营部", "门市部", "工作室", "实验室", "医院", "诊所", "学校", "学院",
                "大学", "幼儿园", "协会", "商会", "学会", "基金会", "银行", "支行", "分行", "酒店", "宾馆", "农场",
                "超市", "商店", "药房", "诊所", "书店", "合作联社", "服务部", "加工部")
_FIRM_ENDING = re.compile("(?:" + "|".join(re.escape(e) for e in FIRM_ENDINGS) + r")$")
_EN_FIRM = re.compile(r"(?:co\.?,?\s*ltd\.?|company|corp(?:oration)?\.?|inc\.?|limited|ltd\.?|llc|group|gmbh)$", re.I)


def looks_like_firm_name(name, *, cleaned: bool = False) -> bool:
    """Whether *name* reads as a firm's registered full name: an organisational-form ending
    (有限公司, 厂, 中心, 研究院, 合作社, 事务所 …, or Co., Ltd.), no colon, not a sentence.
    ``cleaned``: *name* is already a ``clean_name`` result."""
    s = name if cleaned else clean_name(name)
    if not 2 < len(s) <= 80 or "：" in s or ":" in s or "。" in s:
        return False
    if s.endswith(FIRM_ENDINGS):    # what _FIRM_ENDING finds, but for a line break after the ending
        return True
    return bool(s.endswith("\n") and _FIRM_ENDING.search(s) or _EN_FIRM.search(s))


def split_lines(v) -> list[str]:
    """The non-empty lines of a text cell (a cell holding "short name⏎full name" has two)."""
    if type(v) is not str or "\n" not in v and "\r" not in v:
        return []
    return [ln.strip() for ln in v.replace("\r", "\n").split("\n") if ln.strip()]


# ---------------------------------------------------------------- a date cell of a list, judged as such
MSG_YEAR_ONLY = "“{v}”只有年份，不是完整日期"
MSG_NOT_A_DATE = "“{v}”是数字，不像日期（按 Excel 日期序号读是 {d}）"
_YEAR_TEXT = re.compile(r"(\d{4})\s*年?")
_SERIAL_MIN = {False: 17899, True: 17899 - 1462}     # 1949-01-01 in the 1900 and 1904 date systems
_TEXT_SERIAL_MIN = 25569                              # 1970-01-01: a 5-digit text below it is not a serial


def bare_year(v) -> int | None:
    """The year of a cell holding only a year (2023, 2023.0, "2023", "2023年"), else None."""
    t = type(v)
    if t is bool:
        return None
    if t is int or t is float:
        return int(v) if v == v and float(v).is_integer() and 1900 <= v <= 2199 else None
    if t is str:
        m = _YEAR_TEXT.fullmatch(_nfkc(v).strip())
        return int(m[1]) if m and 1900 <= int(m[1]) <= 2199 else None
    return None


def parse_cell_date(v, *, datemode_1904: bool = False, years: bool = False) -> _dt.date | None:
    """``parse_date`` for a cell of a list's date column, refusing what only looks like a date to a naive
    reader: a bare year (2023 → 1905 as a serial) unless the column holds years (``years``: 1 January),
    a number that is no plausible date serial (1, 10000: before 1949), a 5-digit text below 1970 ("20231").
    """
    y = bare_year(v)
    if y is not None:
        if years:
            return _dt.date(y, 1, 1)
        raise ValueError(MSG_YEAR_ONLY.format(v=clean_text(v)))
    t = type(v)
    if (t is int or t is float) and not _YMD_NUMBERS[0] <= v <= _YMD_NUMBERS[1] and v == v:
        if 190001 <= v <= 219912 and float(v).is_integer() and 1 <= v % 100 <= 12:
            raise ValueError(MSG_DATE_PARTIAL.format(v=clean_text(v)))     # 202312: a year and a month
        if v < _SERIAL_MIN[datemode_1904]:
            try:
                shown = _date_from_number(v, datemode_1904).isoformat()   # a number is a date or ValueError
            except ValueError:
                shown = "无效日期"
            raise ValueError(MSG_NOT_A_DATE.format(v=clean_text(v), d=shown))
    elif t is str and _SERIAL_TEXT.fullmatch(_nfkc(v).strip()) and float(_nfkc(v).strip()) < _TEXT_SERIAL_MIN:
        raise ValueError(MSG_DATE.format(v=v))
    return parse_date(v, datemode_1904=datemode_1904)


# ---------------------------------------------------------------- a period in one cell: 有效期 2023.12.08-2026.12.07
MSG_PERIOD_BACKWARDS = "期间“{v}”的止日早于起日"
_DAY_TEXT = r"\d{4}\s*[-./年]\s*\d{1,2}\s*[-./月]\s*\d{1,2}\s*[日号]?|\d{8}"
# after NFKC: ～ is ~, － is -; the sides are whole dates, so a "-" between them is no date's own "-"
_PERIOD = re.compile(rf"({_DAY_TEXT})\s*(?:至|到|~|〜|-{{1,2}}|[—–―]{{1,2}})\s*({_DAY_TEXT})")


class Period(NamedTuple):
    """A cell's period: its first and its last valid day."""
    start: _dt.date
    end: _dt.date


def parse_period(v) -> Period | None:
    """The period a text cell holds as two whole dates ("2023.12.08-2026.12.07", "2023年12月8日～2026年12月7日",
    "2023/12/08 - 2026/12/07"), else None; ValueError for an impossible day or an end before the start."""
    if type(v) is not str:
        return None
    m = _PERIOD.fullmatch(_nfkc(v).strip())
    if m is None:
        return None
    start, end = parse_date(m[1]), parse_date(m[2])
    if start is None or end is None:
        return None
    if end < start:
        raise ValueError(MSG_PERIOD_BACKWARDS.format(v=clean_text(v)))
    return Period(start, end)


def display_value(v, *, date_field: bool = False, date1904: bool = False) -> str:
    """A cell as a person wrote it, for previews: 2024 (not 2024.0), a date without 00:00:00, and in a date
    column an Excel serial number as the date it stands for."""
    if v is None or v == "":
        return ""
    t = type(v)
    if date_field and (t is float or t is int) and not isinstance(v, bool):
        try:
            d = parse_cell_date(v, datemode_1904=date1904)
        except ValueError:
            d = None
        if d is not None:
            return d.isoformat()
    if t is str:
        return v
    return clean_text(v)
