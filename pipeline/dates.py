"""Date arithmetic of the ledger: ISO text in the database, ordinals for maths."""
from __future__ import annotations

import calendar
from datetime import date

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


def year_start(year: int) -> date:
    return date(year, 1, 1)


def year_end(year: int) -> date:
    return date(year, 12, 31)


def time_progress(year: int, as_of: date) -> float:
    """序时进度: the share of *year* elapsed on *as_of*, the day itself included."""
    if as_of < year_start(year):
        return 0.0
    if as_of >= year_end(year):
        return 1.0
    days = 366 if calendar.isleap(year) else 365
    return (as_of - year_start(year)).days / days + 1 / days
