"""Where the dashboard's data comes from: the ledger's facts, targets and streets (through db/)."""
from __future__ import annotations

from datetime import date

from db import dashboard_queries, facts_cache
from pipeline import dates
from pipeline.dashboard import Dashboard


def build(ledger) -> Dashboard:
    """Load every live designation once and wrap it in a Dashboard (the slow step: once per reload;
    from the columnar cache while the ledger has not changed, db.facts_cache, else read column-wise,
    db.dashboard_queries.load_facts), with the indexes an earlier run built from the same facts."""
    return open_dashboard(ledger)[0]


def open_dashboard(ledger) -> tuple[Dashboard, facts_cache.Loaded]:
    """``build``, and how the facts were found (for ``keep``)."""
    ledger.invalidate()
    if getattr(ledger, "shared", False):                 # a shared ledger: read from the server, no file cache
        loaded = facts_cache.Loaded(dashboard_queries.load_facts(ledger.conn))
    else:
        loaded = facts_cache.load(ledger.conn, ledger.path, file_id=getattr(ledger, "file_id", None))
    streets = ledger.streets()
    allowed = getattr(ledger, "street_ids", None)         # a shared ledger's login reading some streets only: the
    if allowed:                                            # others' figures would be zero, not theirs: left out
        streets = [(sid, name) for sid, name in streets if sid in allowed]
    dash = Dashboard(loaded.facts, ledger.catalog(), dashboard_queries.all_targets(ledger.conn), streets)
    if loaded.derived is not None and not dash.adopt(*loaded.derived):
        loaded.derived = None
    return dash, loaded


def may_edit_targets(ledger) -> bool:
    """Targets are changed by whoever may write a file ledger, and by a shared ledger's admin alone."""
    return not ledger.readonly and (not getattr(ledger, "shared", False) or ledger.role == "admin")


def scope_note(ledger) -> str | None:
    """For a login that reads some streets only (a shared ledger), or a file pulled with some streets only: what the
    dashboard then shows, in Chinese."""
    allowed = getattr(ledger, "street_ids", None)
    if not allowed:
        return None
    mine = "、".join(name for sid, name in ledger.streets() if sid in allowed)
    who = f"您只能查看 {mine} 的企业" if getattr(ledger, "shared", False) else \
        f"这份台账是从共享台账导出的一部分，只含 {mine} 的企业"
    return (f"{who}：看板只显示这些街道，不显示全区；年底预测中的续认定比例按这些街道"
            "上年的情况估计（全区的比例可能不同）")


def keep(ledger, dash: Dashboard, loaded: facts_cache.Loaded, *, background: bool = False):
    """After a view is shown: save what the dashboard built for the next open of the unchanged ledger, unless
    everything was there already. True when it was saved. ``background``: the file is written by a thread
    (1M firms: 1-1.8 s for 660 MB, the window stays responsive), which is returned (None: nothing to save). A
    write to the ledger meanwhile removes the token the file is saved under, so it is never read as current."""
    meta, arrays = dash.state()
    if not arrays or (loaded.derived is not None and set(arrays) <= set(loaded.derived[1])):
        return None if background else False
    if not background:
        if not facts_cache.keep_derived(ledger.conn, loaded, meta, arrays):
            return False
        loaded.derived = (meta, arrays)
        return True
    if not facts_cache.still_current(ledger.conn, loaded):
        return None
    import threading

    def save() -> None:
        if facts_cache.save_derived(facts_cache.derived_file(loaded.file), loaded.token, meta, arrays):
            loaded.derived = (meta, arrays)
    thread = threading.Thread(target=save, name="xingtu-dashboard-cache")
    thread.start()
    return thread


def firm_names(ledger, ids) -> dict:
    return dashboard_queries.firm_names(ledger.conn, ids)


def year_choices(dash: Dashboard, today: date | None = None) -> list[int]:
    """The years with targets, and always the current year (which may have none yet)."""
    today = today or date.today()
    return sorted(set(dash.years()) | {today.year})


def default_year(dash: Dashboard, today: date | None = None) -> int:
    """The dashboard opens on the current year, with or without targets (it then offers to create them)."""
    return (today or date.today()).year


def previous_year(dash: Dashboard, year: int) -> int | None:
    """The latest year before *year* that has targets (to copy as a draft)."""
    earlier = [y for y in dash.years() if y < year]
    return max(earlier) if earlier else None


def default_as_of(year: int, today: date | None = None) -> date:
    return dates.default_as_of(year, today)
