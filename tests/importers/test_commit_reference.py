"""The set-wise write path of an import leaves the ledger exactly as the row-by-row path does (issue 17).

The same lists go into two ledgers: one through the bulk path (indexes rebuilt, the search index filled by one
statement with FTS5 merging held back, no audit row per created firm), one through the reference path the
write API keeps for small batches (every index and the search trigger maintained row by row). Firms, values,
former names, designations, what each batch's list asserted, the audit and the search index and its results
must be the same; so must a creation as the firm file and the undo model read it.
"""
from datetime import date

import pytest

import db.ledger
from db import bulk
from db.creation import created_values, creation
from db.ledger import FIRM_FIELDS, Ledger
from db.ledger_view import search_condition
from importers.plan import build_plan, commit_plan
from tests.importers.helpers import N, dump
from tests.importers.helpers import two_lists as _lists


def _import_both(tmp_path, monkeypatch, paths):
    monkeypatch.setattr(db.ledger, "now", lambda: "2024-05-06T10:00:00+08:00")   # the same stamps in both
    out = []
    for name, reference in (("bulk.db", False), ("reference.db", True)):
        if reference:
            monkeypatch.setattr(bulk, "BULK", 10 ** 9)
            monkeypatch.setattr(bulk, "is_bulk", lambda new, existing: False)
        led = Ledger(tmp_path / name, officer="测试专员")
        for path in paths:
            commit_plan(led, build_plan(led, path, on_date=date(2024, 5, 6)))
        out.append(led)
    return out


def _audit(led) -> list:
    return led.conn.execute("SELECT action, entity, entity_id, firm_id, before, after, source, batch_id FROM audit "
                            "WHERE action != 'init' ORDER BY id").fetchall()


def _found(led, text) -> list[int]:
    cond, params = search_condition(text)
    return [r[0] for r in led.conn.execute(f"SELECT f.id FROM firms f WHERE {cond} ORDER BY f.id", params)]


@pytest.fixture()
def pair(tmp_path, monkeypatch):
    leds = _import_both(tmp_path, monkeypatch, _lists(tmp_path))
    yield leds
    for led in leds:
        led.close()


def test_bulk_and_row_by_row_paths_leave_the_same_ledger(pair):
    fast, ref = pair
    assert fast.conn.execute("SELECT COUNT(*) FROM firms").fetchone()[0] == N + 300
    mine, theirs = dump(fast), dump(ref)
    del mine["migrations"], theirs["migrations"]           # applied when each ledger was made
    assert mine == theirs                                 # firms, aliases, designations, search text
    for table in ("batches", "batch_rows"):
        assert (fast.conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
                == ref.conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall())
    assert _audit(fast) == _audit(ref)
    assert fast.conn.execute("SELECT COUNT(*) FROM firm_aliases").fetchone()[0] > N // 7
    assert fast.conn.execute("SELECT COUNT(*) FROM designations").fetchone()[0] == N + 300
    assert not fast.conn.execute("SELECT 1 FROM audit WHERE entity = 'firm' AND action = 'insert'").fetchone()


def test_search_finds_the_same_firms_through_both_paths(pair):
    fast, ref = pair
    name, pinyin = fast.conn.execute("SELECT name, pinyin FROM firms WHERE id = 321").fetchone()
    terms = [name[2:6], name[:2], pinyin.split()[0][:4], pinyin.split()[1][3:9], "旧名14", "更名", "xgs", "科技"]
    for term in terms:
        found = _found(fast, term)
        assert found and found == _found(ref, term), term
    assert 321 in _found(fast, name[2:6]) and 321 in _found(fast, pinyin.split()[1][3:9])


def test_a_created_firm_reads_as_created_by_its_batch(pair):
    fast, _ref = pair
    conn = fast.conn
    batch_row = conn.execute("SELECT id FROM audit WHERE entity = 'batch' AND entity_id = 1").fetchone()[0]
    for fid in (1, N // 3, N):
        assert creation(conn, fid) == (batch_row, 1)
    renamed = conn.execute("SELECT firm_id FROM audit WHERE entity = 'firm' AND action = 'update' AND "
                           "json_extract(before, '$.name') IS NOT NULL AND batch_id = 2 LIMIT 1").fetchone()[0]
    values = created_values(conn, renamed, batch_row)    # as the per-firm insert row used to record them
    first_name = conn.execute("SELECT json_extract(before, '$.name') FROM audit WHERE firm_id = ? AND "
                              "action = 'update'", (renamed,)).fetchone()[0]
    assert values["name"] == first_name and set(values) == set(FIRM_FIELDS)
