"""A star tier promoted and set back on the same day: the firm stayed where it was."""
from datetime import date


def test_a_promotion_undone_the_same_day_is_no_move_in_the_firm_file(ledger):
    """新星 promoted to 亮星 on 2024-05-01 and demoted again that day (the promotion a mistake): the ladder
    replaces 亮星 with 新星 from that day, and the firm file said 降级 新星 → 新星 though the firm never moved; the
    star funnel counts it at 新星 throughout."""
    from db import queries
    from db.firm_file import timeline
    from pipeline import funnel
    from ui.commands import MoveStar
    with ledger.write() as w:
        a = w.insert_firm("甲公司")
        w.add_designation(a, "xinxing", "2023-01-01")
    MoveStar(ledger, [a], +1, date(2024, 5, 1)).redo()
    MoveStar(ledger, [a], -1, date(2024, 5, 1)).redo()
    events = [(e.day, e.kind, e.stage) for e in timeline(ledger.conn, ledger.catalog(), a, date(2024, 6, 1))]
    assert events == [("2023-01-01", "获得", "新星")]
    cat = ledger.catalog()
    star = next(f for f in cat.funnels if f.key == "star")
    counts = {s["step"]: s["count"] for s in funnel.counts(queries.load_facts(ledger.conn), cat, star,
                                                           date(2024, 5, 1))}
    assert counts == {"繁星": 0, "新星": 1, "亮星": 0, "明星": 0}
