"""Where the dashboard's data comes from: the ledger's facts, targets and streets (through db/)."""
from __future__ import annotations

from datetime import date

from db import dashboard_queries, queries
from pipeline.dashboard import Dashboard


def build(ledger) -> Dashboard:
    """Load every live designation once and wrap it in a Dashboard (the slow step: once per reload)."""
    ledger.invalidate()
    facts = queries.load_facts(ledger.conn)
    return Dashboard(facts, ledger.catalog(), dashboard_queries.all_targets(ledger.conn), ledger.streets())


def firm_names(ledger, ids) -> dict:
    return dashboard_queries.firm_names(ledger.conn, ids)


def default_year(dash: Dashboard, today: date | None = None) -> int:
    today = today or date.today()
    years = dash.years()
    if not years:
        return today.year
    return today.year if today.year in years else max(y for y in years if y <= today.year) \
        if any(y <= today.year for y in years) else years[0]


def default_as_of(year: int, today: date | None = None) -> date:
    today = today or date.today()
    return min(today, date(year, 12, 31))
