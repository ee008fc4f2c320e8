"""Date arithmetic of the ledger: ISO text in the database, ordinals for maths."""
from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date, timedelta

OPEN_END = date(9999, 12, 31).toordinal()  # an open-ended interval ends "never"


def parse_iso(text: str | date | None) -> date | None:
    if text is None or text == "":
        return None
    if isinstance(text, date):
        return text
    return date.fromisoformat(str(text)[:10])


def iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def add_months(d: date, months: int) -> date:
    """Same day *months* later; the last day of the month when that day does not exist."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def validity_end(start: date, months: int) -> date:
    """The exclusive end of a validity of *months* from *start* (a certificate issued 2021-07-01 for 36 months
    holds until 2024-06-30, ends 2024-07-01): the same day *months* later, or the first of the month after when
    that month has no such day. A certificate issued 2020-02-29 holds on 2023-02-28 (有效期至 2023-02-28) and
    ends 2023-03-01; ``add_months`` would end it on 2023-02-28, a day short."""
    end = add_months(start, months)
    if end.day < start.day:             # the day does not exist in that month: held through its last day
        end = date(end.year, end.month, calendar.monthrange(end.year, end.month)[1]) + timedelta(days=1)
    return end


def year_start(year: int) -> date:
    return date(year, 1, 1)


def year_end(year: int) -> date:
    return date(year, 12, 31)


def check_as_of(year: int, as_of: date) -> None:
    """The figures of *year* are counted as of a day of that year: ValueError (a Chinese message) otherwise.

    As of a later day, 存量 and 净增 would be that day's (新增 stops at 31 December: the rows disagree) under
    the year's name at 序时进度 100%; as of an earlier day, 净增 would compare two days of the year before.
    The figures of the year's end are those as of its 31 December."""
    if as_of.year != year:
        raise ValueError(f"统计日期 {as_of.isoformat()} 不在 {year} 年内：{year} 年的指标按 {year}-01-01 至 "
                         f"{year}-12-31 之间的日期统计（年末数请用 {year}-12-31）")


def default_as_of(year: int, today: date | None = None) -> date:
    """The as-of date of *year*'s figures when none is chosen: today, kept within the year (its 31 December
    once it is over, its 1 January before it begins: ``check_as_of``)."""
    today = today or date.today()
    return min(max(today, year_start(year)), year_end(year))


PROJECTED = ("统计日期在今天之后：完成值只按台账现有的记录推算（其间到期的已扣除，今天以后的新认定尚不可知），"
             "不是已完成的数")


def projected_note(as_of: date | str, today: date | None = None) -> str | None:
    """What figures as of a day after today are (``PROJECTED``), else None: the ledger knows the end of every
    certificate it holds but none of the recognitions still to come, so they are what it holds now, projected."""
    day = date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    return PROJECTED if day > (today or date.today()) else None


def time_progress(year: int, as_of: date) -> float:
    """序时进度: the share of *year* elapsed on *as_of*, the day itself included: one division (days gone / days),
    so that a figure exactly on pace (3 of 365 on 3 January, 8 of 73 on 9 February) equals it and is not behind
    (elapsed / days + 1 / days came out an ulp above the rate on 35 days of 2023)."""
    if as_of < year_start(year):
        return 0.0
    if as_of >= year_end(year):
        return 1.0
    days = 366 if calendar.isleap(year) else 365
    return ((as_of - year_start(year)).days + 1) / days


_TYPED = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
MSG_TYPED = "“{text}”不是日期：请写成 2023-06-30、2023/6/30、2023.6.30 或 20230630"


def parse_typed(text: str) -> date:
    """A date a person typed in the app: 20230630, 2023/6/30, 2023.6.30, 2023-06-30, 2023年6月30日
    (full-width digits too). ValueError with a Chinese message otherwise."""
    t = unicodedata.normalize("NFKC", str(text)).strip()
    m = _TYPED.fullmatch(t) or _COMPACT.fullmatch(t)
    if not m:
        raise ValueError(MSG_TYPED.format(text=text))
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValueError(f"“{text}”不是有效日期（没有这一天）") from None
