"""An officer's undo of their own import after an admin moved a firm of that import to another street.

The officer reads only the firms of their streets: the undo passed by the firms it could not see (a firm the batch
created stayed, with its batch; a designation it added in bulk stayed), wrote no row about them and marked the batch
undone: the ledger then held what its audit said was taken back (found by an attack). The undo is refused, naming
how many firms and where they are now; nothing is written, and the admin's undo still works."""
from __future__ import annotations

import csv

import psycopg
import pytest

from db.ledger import Ledger
from importers.plan import build_plan, commit_plan
from importers.undo import UndoRefused, undo_batch
from tests.pg.attack_helpers import import_list, one, street_firms


def _move(people, fid: int, street: str) -> None:
    sid = one(people["super"], "SELECT id FROM streets WHERE name = %s", (street,))[0]
    with Ledger(people["admin"]) as led, led.write() as w:
        w.update_firm(fid, street_id=sid)


def _snapshot(url, fid: int, batch: int):
    with psycopg.connect(url) as conn:
        return (conn.execute("SELECT * FROM firms WHERE id = %s", (fid,)).fetchall(),
                conn.execute("SELECT id, stage_id, start_date, deleted_at FROM designations WHERE firm_id = %s "
                             "ORDER BY id", (fid,)).fetchall(),
                conn.execute("SELECT undone_at FROM batches WHERE id = %s", (batch,)).fetchall(),
                conn.execute("SELECT count(*) FROM audit").fetchall())


def _refused(people, batch: int, fid: int) -> None:
    sup = people["super"]
    before = _snapshot(sup, fid, batch)
    with Ledger(people["officer"]) as led, pytest.raises(UndoRefused, match="杨园") as caught:
        undo_batch(led, batch)
    assert [f for f, _n in caught.value.firms] == [fid]
    assert _snapshot(sup, fid, batch) == before, "the refused undo wrote something"


def test_an_officers_undo_does_not_pass_by_a_firm_it_created_that_an_admin_moved_away(people, tmp_path):
    batch = import_list(people["officer"], tmp_path, "专员名单", [["武汉专员新建测试有限公司", "", "积玉桥", "专员"]])
    fid = one(people["super"], "SELECT id FROM firms WHERE batch_id = %s", (batch,))[0]
    _move(people, fid, "杨园")
    _refused(people, batch, fid)
    with Ledger(people["admin"]) as led:             # the admin sees the firm: the undo is theirs to decide
        assert led.engine.out_of_reach(led.conn, batch) == []


def test_an_officers_undo_does_not_pass_by_a_designation_it_added_to_a_firm_an_admin_moved_away(people, tmp_path):
    (fid, name, code), = street_firms(people["super"], "积玉桥", 1)
    path = tmp_path / "专员高企名单.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["企业名称", "统一社会信用代码", "所在街道", "认定日期", "层级"])
        out.writerow([name, code, "积玉桥", "2025-12-01", "高新技术企业"])
    with Ledger(people["officer"]) as led:
        batch = commit_plan(led, build_plan(led, path))
    assert one(people["super"], "SELECT count(*) FROM designations WHERE batch_id = %s", (batch,)) == (1,)
    _move(people, fid, "杨园")
    _refused(people, batch, fid)


def test_an_officers_undo_of_firms_still_in_their_streets_is_not_refused(people, tmp_path):
    batch = import_list(people["officer"], tmp_path, "专员名单", [["武汉专员新建测试有限公司", "", "积玉桥", "专员"]])
    with Ledger(people["officer"]) as led:
        assert led.engine.out_of_reach(led.conn, batch) == []
        assert undo_batch(led, batch)["firms_removed"] == 1
