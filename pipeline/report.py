"""The report of a year as of a date: indicators, funnel, conversions (a plain dict)."""
from __future__ import annotations

from datetime import date

from pipeline import funnel as funnel_maths
from pipeline.catalog import Catalog
from pipeline.dates import check_as_of, projected_note, time_progress
from pipeline.facts import Facts
from pipeline.indicators import Indicator, evaluate


def build(facts: Facts, catalog: Catalog, indicators: list[Indicator], year: int, as_of: date,
          street: str | None = None, street_id: int | None = None, today: date | None = None) -> dict:
    """``projected``: what figures as of a day after *today* are (``pipeline.dates.projected_note``), else None,
    so that ``report --json`` says so as the printed table, the .xlsx, the PDF and the 看板 do."""
    check_as_of(year, as_of)
    rows = [evaluate(facts, catalog, ind, year, as_of) for ind in indicators]
    period_start = date(year - 1, 12, 31)
    funnels, conversions = [], []
    for f in catalog.funnels:
        funnels.append({"key": f.key, "name": f.name,
                        "steps": funnel_maths.counts(facts, catalog, f, as_of, street_id)})
        conversions.append({"key": f.key, "name": f.name, "from": period_start.isoformat(), "to": as_of.isoformat(),
                            "steps": funnel_maths.conversions(facts, catalog, f, period_start, as_of, street_id)})
    return {
        "year": year,
        "as_of": as_of.isoformat(),
        "street": street,
        "time_progress": round(time_progress(year, as_of), 4),
        "projected": projected_note(as_of, today),
        "indicators": rows,
        "funnel": funnels,
        "conversions": conversions,
    }
