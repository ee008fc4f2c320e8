"""企业 → 迁出或注销 on both engines: the designations held that day end then, earlier figures stay as reported
(移入回收站 takes a firm out of past years too), and undo puts the ends back."""
from datetime import date


def _stock(ledger, day: date) -> int:
    from db import queries
    from pipeline import indicators
    cat = ledger.catalog()
    facts = queries.load_facts(ledger.conn)
    return len(indicators.holders(facts, [cat.stage("gaoqi").id], day))


def test_a_firm_that_left_keeps_its_past_and_the_undo_puts_its_ends_back(ledger):
    from ui.commands import EndDesignations
    with ledger.write() as w:
        a = w.insert_firm("武汉迁出科技有限公司")
        b = w.insert_firm("武汉留下科技有限公司")
        for f in (a, b):
            w.add_designation(f, "gaoqi", "2022-03-01")
        w.add_designation(a, "fanxing", "2023-01-01")
    assert (_stock(ledger, date(2023, 12, 31)), _stock(ledger, date(2024, 9, 1))) == (2, 2)
    command = EndDesignations(ledger, [a], date(2024, 9, 1))
    command.redo()
    assert (_stock(ledger, date(2023, 12, 31)), _stock(ledger, date(2024, 8, 31)), _stock(ledger, date(2024, 9, 1))) \
        == (2, 2, 1)
    ends = sorted(str(r[0]) for r in ledger.conn.execute(
        "SELECT end_date FROM designations WHERE firm_id = ? AND deleted_at IS NULL", (a,)))
    assert ends == ["2024-09-01", "2024-09-01"]
    command.undo()
    assert _stock(ledger, date(2024, 9, 1)) == 2
    ends = sorted(str(r[0]) for r in ledger.conn.execute(
        "SELECT end_date FROM designations WHERE firm_id = ? AND deleted_at IS NULL", (a,)))
    assert ends == ["2025-03-01", "None"]
