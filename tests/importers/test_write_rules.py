"""The write-side rules of an import (issues 11, 12, 13): former names from a 曾用名 column, one tier of a ladder
at a time, one backup per import, the ledger's identity checked at COMMIT, and every mappable field stored."""
import json

import pytest

from db import backup as bk
from db.connection import LedgerError
from db.ledger_view import LedgerQuery
from importers.mapping import FIELDS
from importers.plan import build_plan, commit_plan
from importers.undo import undo_batch
from pipeline.fields import BY_KEY
from tests.backends import view_on
from tests.importers.helpers import C, seed, xlsx


@pytest.fixture
def own_backups(tmp_path, monkeypatch):
    monkeypatch.setenv("XINGTU_DATA_DIR", str(tmp_path / "data"))


def tiers(ledger, code):
    return ledger.conn.execute(
        "SELECT s.key, d.start_date, d.end_date FROM designations d JOIN firms f ON f.id = d.firm_id "
        "JOIN stages s ON s.id = d.stage_id WHERE f.code = ? AND d.deleted_at IS NULL AND s.key IN "
        "('fanxing', 'xinxing', 'liangxing', 'mingxing') ORDER BY d.start_date, d.id", (code,)).fetchall()


def held_on(ledger, code, day):
    return [t for t in tiers(ledger, code) if t[1] <= day and (t[2] is None or t[2] > day)]


# 曾用名 ------------------------------------------------------------------------------------------------------
def test_former_name_column_becomes_searchable_audited_former_names_and_undo_takes_them_back(ledger, tmp_path):
    seed(ledger, ("武汉甲科技有限公司", C[0], {}))
    rows = [["企业名称", "统一社会信用代码", "曾用名"],
            ["武汉甲科技有限公司", C[0], "武汉老甲信息有限公司"],              # nothing else changes
            ["武汉乙科技有限公司", C[1], "武汉老乙有限公司、武汉更老乙有限公司"]]   # a new firm, two former names
    plan = build_plan(ledger, xlsx(tmp_path, rows))
    assert plan.mapping[2] == "former_name"
    batch = commit_plan(ledger, plan)
    names = ledger.conn.execute("SELECT a.name FROM firm_aliases a JOIN firms f ON f.id = a.firm_id "
                                "ORDER BY a.id").fetchall()
    assert [n for (n,) in names] == ["武汉老甲信息有限公司", "武汉老乙有限公司", "武汉更老乙有限公司"]
    hit = view_on(ledger).ids(LedgerQuery(search="老甲信息"))
    assert hit == [ledger.conn.execute("SELECT id FROM firms WHERE code = ?", (C[0],)).fetchone()[0]]  # former name
    audited = ledger.conn.execute("SELECT COUNT(*) FROM audit WHERE batch_id = ? AND entity = 'alias' "
                                  "AND action = 'insert'", (batch,)).fetchone()[0]
    assert audited == 3
    undo_batch(ledger, batch)
    assert ledger.conn.execute("SELECT COUNT(*) FROM firm_aliases").fetchone()[0] == 0
    assert view_on(ledger).ids(LedgerQuery(search="老甲信息")) == []


# the star ladder -----------------------------------------------------------------------------------------------
def test_two_tiers_for_one_firm_in_one_list_leave_one_tier_per_day(ledger, tmp_path):
    rows = [["企业名称", "统一社会信用代码", "星级", "认定日期"], ["甲公司", C[0], "繁星、新星", "2024-05-01"]]
    commit_plan(ledger, build_plan(ledger, xlsx(tmp_path, rows)))
    for day in ("2024-05-01", "2024-06-01", "2030-01-01"):
        assert len(held_on(ledger, C[0], day)) <= 1
    assert held_on(ledger, C[0], "2024-05-01")[0][0] == "xinxing"


def test_import_over_an_existing_tier_on_the_same_date_replaces_it(ledger, tmp_path):
    (fid,) = seed(ledger, ("甲公司", C[0], {}))
    with ledger.write() as w:
        w.add_designation(fid, "fanxing", "2024-05-01")
    rows = [["企业名称", "统一社会信用代码", "星级", "认定日期"], ["甲公司", C[0], "新星", "2024-05-01"]]
    batch = commit_plan(ledger, build_plan(ledger, xlsx(tmp_path, rows)))
    assert tiers(ledger, C[0]) == [("xinxing", "2024-05-01", None)]            # not two tiers on 2024-05-01
    undo_batch(ledger, batch)
    assert tiers(ledger, C[0]) == [("fanxing", "2024-05-01", None)]


def test_the_write_api_and_an_earlier_tier_under_a_later_one(ledger):
    (fid,) = seed(ledger, ("甲公司", C[0], {}))
    with ledger.write() as w:
        w.add_designation(fid, "liangxing", "2024-06-01")
        w.add_designation(fid, "xinxing", "2024-01-01")          # entered late: it ends when the later tier starts
        w.add_designation(fid, "liangxing", "2024-06-01")        # the same tier again the same day: replaced
    assert tiers(ledger, C[0]) == [("xinxing", "2024-01-01", "2024-06-01"), ("liangxing", "2024-06-01", None)]


# one backup per import ----------------------------------------------------------------------------------------
def import_backups(ledger):
    return [
        b for b in bk.list_backups(ledger.path, bk.backup_dir_for(ledger.path, ledger.conn)) if b.reason == "import"
    ]


@pytest.mark.file_only("the file's own backup and its path; a shared ledger's backups are pg_dump's")
def test_one_backup_per_import_from_commit_plan(own_backups, ledger, tmp_path):
    seed(ledger, ("甲公司", C[0], {}))
    commit_plan(ledger, build_plan(ledger, xlsx(tmp_path, [["企业名称", "统一社会信用代码"], ["乙公司", C[1]]])))
    assert len(import_backups(ledger)) == 1


def test_one_backup_per_import_from_the_command_line(own_backups, tmp_path, capsys):
    from db.ledger import Ledger
    from desktop.cli import main
    db = tmp_path / "ledger.db"
    with Ledger(db) as led:
        seed(led, ("甲公司", C[0], {}))
    assert (
        main(["import", str(xlsx(tmp_path, [["企业名称", "统一社会信用代码"], ["乙公司", C[1]]])), "--db", str(db)])
        == 0
    )
    with Ledger(db) as led:
        assert len(import_backups(led)) == 1


@pytest.mark.file_only("the file's own backup and its path; a shared ledger's backups are pg_dump's")
# the ledger's identity at COMMIT -------------------------------------------------------------------------------
def test_a_ledger_deleted_during_the_commit_is_not_reported_imported(own_backups, ledger, tmp_path):
    seed(ledger, ("甲公司", C[0], {}))
    rows = [["企业名称", "所属行业"]] + [[f"武汉星{i}科技有限公司", "软件"] for i in range(600)]
    plan = build_plan(ledger, xlsx(tmp_path, rows))
    gone = []

    def progress(done, total):
        if not gone:
            ledger.path.unlink()                      # someone deletes the file half-way through the commit
            gone.append(done)
    with pytest.raises(LedgerError, match="台账文件已被移动或删除，本次导入未保存"):
        commit_plan(ledger, plan, progress=progress)
    assert gone and not ledger.conn.in_transaction
    assert ledger.conn.execute("SELECT COUNT(*) FROM firms").fetchone()[0] == 1     # rolled back


# every mappable field is stored --------------------------------------------------------------------------------
SAMPLE = {"name": "武汉全字段科技有限公司", "code": C[3], "street": "杨园", "industry": "软件", "officer": "王芳",
          "contact_person": "李雷", "contact_phone": "13800000000", "founded": "2015-03-04", "reg_capital": "500",
          "revenue": "1200", "rd_spend": "80", "employees": "35", "legal_form": "有限责任公司",
          "address": "武汉市武昌区杨园街1号", "cert_no": "GR202342000001", "date": "2023-12-28",
          "expires": "2026-12-27", "stage": "高新技术企业", "star": "新星", "list_name": "2023年第二批",
          "former_name": "武汉旧全字段有限公司", "remark": "全字段"}


def test_every_field_the_mapper_can_target_is_stored(ledger, tmp_path):
    assert set(SAMPLE) == set(FIELDS), "add the new field to SAMPLE and to the write path"
    keys = [k for k in SAMPLE if k != "star"]          # a row's certificate belongs to its one stage column
    plan = build_plan(ledger, xlsx(tmp_path, [[FIELDS[k] for k in keys], [SAMPLE[k] for k in keys]]),
                      overrides={FIELDS[k]: k for k in keys}, kind="roster")
    assert not [i.message for i in plan.issues() if i.level == "error"]
    batch = commit_plan(ledger, plan)
    keys = ["name", "code", "star", "date"]
    plan = build_plan(ledger, xlsx(tmp_path, [[FIELDS[k] for k in keys], [SAMPLE[k] for k in keys]], "星级.xlsx"),
                      overrides={FIELDS[k]: k for k in keys}, kind="roster")
    commit_plan(ledger, plan)
    conn = ledger.conn
    cur = conn.execute("SELECT f.*, s.name AS street FROM firms f LEFT JOIN streets s ON s.id = f.street_id")
    firm = dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))
    des = conn.execute("SELECT s.key, d.start_date, d.end_date, d.evidence, d.list_name FROM designations d "
                       "JOIN stages s ON s.id = d.stage_id ORDER BY d.id").fetchall()
    aliases = [n for (n,) in conn.execute("SELECT name FROM firm_aliases")]
    stored = {}
    for key, f in BY_KEY.items():
        if f.scope in ("identity", "firm", "street"):
            stored[key] = firm["street"] if f.scope == "street" else firm[f.column or key]
        elif f.scope == "alias":
            stored[key] = aliases
    assert stored["name"] == SAMPLE["name"] and stored["code"] == SAMPLE["code"] and stored["street"] == "杨园"
    for key in ("industry", "officer", "contact_person", "contact_phone", "founded", "legal_form", "address", "remark"):
        assert stored[key] == SAMPLE[key], key
    for key in ("reg_capital", "revenue", "rd_spend", "employees"):
        assert float(stored[key]) == float(SAMPLE[key]), key
    assert stored["former_name"] == [SAMPLE["former_name"]]
    assert ("gaoqi", "2023-12-28", "2026-12-28", "GR202342000001", "2023年第二批") in des      # stage, dates, cert
    assert ("xinxing", "2023-12-28", None, None, "星级") in des                              # star (list: the file)
    assert json.loads(conn.execute("SELECT counts FROM batches WHERE id = ?", (batch,)).fetchone()[0])["created"] == 1


@pytest.mark.file_only("the file's own backup and its path; a shared ledger's backups are pg_dump's")
def test_a_ledger_replaced_by_another_file_during_a_write_is_refused(own_backups, ledger, tmp_path):
    from db.ledger import Ledger
    other = tmp_path / "other.db"
    Ledger(other).close()
    with pytest.raises(LedgerError, match="台账文件已被移动或删除，本次修改未保存"):
        with ledger.write() as w:
            w.insert_firm("甲公司")
            ledger.path.unlink()
            other.rename(ledger.path)                      # the path now holds another ledger
    assert not ledger.conn.in_transaction
