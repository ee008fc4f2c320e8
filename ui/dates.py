"""The date field of the app: a QDateEdit (calendar popup, shown as 2023-06-30) that also takes a date
typed as 20230630, 2023/6/30, 2023.6.30 or 2023年6月30日 (``pipeline.dates.parse_typed``, the one parser)."""
from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDateEdit, QWidget

from pipeline.dates import parse_typed

DISPLAY = "yyyy-MM-dd"


def to_qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def to_date(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class DateEdit(QDateEdit):
    def __init__(self, value: QDate | date | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat(DISPLAY)
        if isinstance(value, date):
            value = to_qdate(value)
        self.setDate(value if value is not None else QDate.currentDate())

    def validate(self, text: str, pos: int):  # noqa: D102  (Qt's virtual)
        try:
            parse_typed(text)
        except ValueError:
            ok = all(ch.isdigit() or ch in "-/.年月日 " for ch in text) and len(text) <= 12
            return QValidator.Intermediate if ok else QValidator.Invalid, text, pos
        return QValidator.Acceptable, text, pos

    def dateTimeFromText(self, text: str) -> QDateTime:  # noqa: N802  (Qt's virtual)
        try:
            return QDateTime(to_qdate(parse_typed(text)), QTime(0, 0))
        except ValueError:
            return self.dateTime()

    def focusNextPrevChild(self, forward: bool) -> bool:  # noqa: N802  (Qt's virtual)
        """Tab leaves the field, as every other field's does (QDateEdit's stepped through year, month and day first:
        three Tabs to get past one date); the arrow keys still move between them, and a whole date can be typed."""
        return QWidget.focusNextPrevChild(self, forward)

    def fixup(self, text: str) -> str:
        return self.date().toString(DISPLAY)

    def py_date(self) -> date:
        return to_date(self.date())
