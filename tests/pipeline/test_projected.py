"""Figures as of a day after today are what the ledger holds now, projected (pipeline.dates.projected_note): the
dashboard, ``report`` and the PDF say so, where they were labelled 完成值 like figures of a day gone by."""
from datetime import date

from pipeline.dates import PROJECTED, projected_note

TODAY = date(2026, 12, 1)


def test_only_a_day_after_today_is_projected():
    assert projected_note(date(2026, 12, 2), TODAY) == PROJECTED
    assert projected_note("2026-12-31", TODAY) == PROJECTED
    assert projected_note(TODAY, TODAY) is None
    assert projected_note("2026-06-30", TODAY) is None
    assert "不是已完成的数" in PROJECTED
