"""The demo district agrees with the published figures and is deterministic."""
from datetime import date

from db import demo_store, queries
from db.ledger import Ledger
from pipeline import demo
from pipeline.indicators import holders


def test_published_high_tech_figures(tmp_path):
    with Ledger(tmp_path / "d.db") as led:
        demo_store.store(led, demo.generate([n for _, n in led.streets()], 8000, 2023))
        facts = queries.load_facts(led.conn)
        gaoqi = led.catalog().stage("gaoqi").id
        stock = {y: len(holders(facts, [gaoqi], date(y, 12, 31))) for y in (2015, 2021, 2023)}
        assert stock[2015] == 74
        assert 320 <= stock[2021] <= 360
        assert stock[2023] > 800
        assert queries.firm_count(led.conn) == 8000
        streets = led.conn.execute("SELECT COUNT(DISTINCT street_id) FROM firms").fetchone()[0]
        assert streets == 14
        # targets decomposed to streets add up to the district's
        for year in (2023, 2024, 2025):
            for t in queries.targets(led.conn, year):
                parts = led.conn.execute("SELECT SUM(target) FROM targets WHERE year = ? AND indicator = ? "
                                         "AND street_id IS NOT NULL", (year, t.name)).fetchone()[0]
                assert parts == t.target


def test_deterministic_for_a_seed():
    streets = ["甲", "乙", "丙"]
    a = demo.generate(streets, 300, 5)
    b = demo.generate(streets, 300, 5)
    assert [f.name for f in a.firms] == [f.name for f in b.firms]
    assert a.designations == b.designations
    assert demo.generate(streets, 300, 6).designations != a.designations


def test_split_adds_up():
    assert sum(demo.split(80, {"a": 1, "b": 2, "c": 3.5}).values()) == 80
