"""A stage retired from the catalog (the 2026 re-cut: ``catalog edit-stage 科技型中小企业 --deactivate``) is
history: the years whose targets and funnels name it still count its designations."""
from datetime import date

from db import catalog_store, queries
from desktop.commands.report import build_report
from pipeline.dashboard import Dashboard


def test_a_retired_stage_still_counts_in_the_years_that_name_it(ledger):
    """A year's report failed with KeyError 'kexiao' (the 累计 target and the 培育链 funnel name it) once 科技型中小企业
    was deactivated, and the 看板 could not be drawn; the ledger table and the firm file lost its designations."""
    with ledger.write() as w:
        a = w.insert_firm("甲公司")
        w.add_designation(a, "kexiao", "2024-03-01")
        b = w.insert_firm("乙公司")
        w.add_designation(b, "gaoqi", "2024-05-01")
        w.set_target(2024, "累计", "cumulative", ["kexiao", "gaoqi"], 10, base_year=2019)
    with ledger.write() as w:
        catalog_store.update_stage(w, "kexiao", active=False)
    cat = ledger.catalog()
    assert cat.find("科技型中小企业") is None and "kexiao" not in [s.key for s in cat.stages]   # not offered
    as_of = date(2024, 12, 31)
    rows = build_report(ledger, 2024, as_of, None)["indicators"]
    assert [(r["name"], r["actual"]) for r in rows] == [("累计", 2)]
    dash = Dashboard(queries.load_facts(ledger.conn), cat, {2024: queries.targets(ledger.conn, 2024)},
                     ledger.streets())
    view = dash.compute(2024, as_of)
    assert view["indicators"][0]["actual"] == 2
    chain = next(f for f in view["funnels"] if f["key"] == "chain")
    assert [s["count"] for s in chain["steps"]][:2] == [1, 1]


def test_the_firm_file_keeps_a_retired_stage_s_history(ledger):
    """科技型中小企业 is a track of one stage: retired, its track is gone, and the firm file (which looks up each
    designation's track) must still list the firm's 科小 years."""
    from db.firm_file import timeline
    with ledger.write() as w:
        a = w.insert_firm("甲公司")
        w.add_designation(a, "kexiao", "2023-03-01")
        w.add_designation(a, "gaoqi", "2023-05-01")
    with ledger.write() as w:
        catalog_store.update_stage(w, "kexiao", active=False)
    events = [(e.day, e.stage) for e in timeline(ledger.conn, ledger.catalog(), a, date(2024, 6, 1))]
    assert ("2023-03-01", "科技型中小企业") in events and ("2023-05-01", "高新技术企业") in events
