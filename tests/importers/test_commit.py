"""Committing: one batch, one transaction, audited; dry run = real run; cancel and stale plans write nothing."""
import json
from datetime import date

import pytest

from db import audit_log, firm_file
from db.creation import created_values, creation
from importers.errors import InputError
from importers.plan import Cancelled, build_plan, commit_plan
from tests.backends import recorded_person
from tests.importers import fixtures as fx
from tests.importers.helpers import HEAD, C, dump, seed, xlsx


def test_batch_row_records_file_hash_kind_mapping_counts(ledger, tmp_path):
    path = fx.write_hightech_xlsx(tmp_path)
    plan = build_plan(ledger, path)
    batch = commit_plan(ledger, plan)
    row = ledger.conn.execute("SELECT file_name, file_sha256, sheet, kind, stage_key, mapping, counts, os_user, "
                              "officer FROM batches WHERE id = ?", (batch,)).fetchone()
    import hashlib
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert row[:5] == ("拟认定名单.xlsx", sha, "公示名单", "designation", "gaoqi")
    assert json.loads(row[5])["统一社会信用代码"] == "code"
    assert json.loads(row[6]) == {"rows": 6, "created": 6, "updated": 0, "unchanged": 0, "skipped": 9, "errors": 0,
                                  "warnings": 3}         # a hidden row; the file: a 拟认定 list, a serial date
    assert row[7] and row[8] == recorded_person(ledger)
    audit = ledger.conn.execute("SELECT action, entity, source, COUNT(*) FROM audit WHERE batch_id = ? "
                                "GROUP BY action, entity, source ORDER BY entity", (batch,)).fetchall()
    assert audit == [("import", "batch", "import", 1)]
    # a created firm's audit is its batch row (db/creation.py), not a row of its own; so is a new designation's
    fid = ledger.conn.execute("SELECT id FROM firms WHERE code = ?", (fx.CODES[0],)).fetchone()[0]
    assert creation(ledger.conn, fid) == (ledger.conn.execute(
        "SELECT id FROM audit WHERE entity = 'batch' AND entity_id = ?", (batch,)).fetchone()[0], batch)
    after = created_values(ledger.conn, fid, 0)
    assert after["name"] == "武汉星图科技有限公司" and after["code"] == fx.CODES[0] and after["reg_capital"] == 6400.0
    entries = audit_log.entries(ledger.conn, firm_id=fid)
    assert [(e.action, e.entity, e.batch_id) for e in entries] == [("insert", "firm", batch),
                                                                   ("insert", "designation", batch)]
    assert f"由导入批次 {batch} 从 拟认定名单.xlsx 新建" in entries[0].summary()
    assert entries[1].after["stage"] == "gaoqi" and entries[1].after["evidence"]
    shown = firm_file.audit(ledger.conn, fid)              # newest first
    assert shown[-1]["change"] == f"由导入批次 {batch} 从 拟认定名单.xlsx 新建" and shown[0]["what"] == "新增认定"


def test_dry_run_summary_equals_real_run_summary(ledger, tmp_path):
    seed(ledger, ("甲公司", C[0], {"industry": "软件"}))
    path = xlsx(tmp_path, [HEAD, [1, "甲公司", C[0], "杨园", "电子"], [2, "乙公司", "bad", None, None],
                           [3, "丙公司", C[2], "不存在街", None]])
    before = dump(ledger)
    dry = build_plan(ledger, path).summary(None)
    assert dump(ledger) == before
    plan = build_plan(ledger, path)
    batch = commit_plan(ledger, plan)
    real = plan.summary(batch)
    assert {**dry, "batch": batch} == real
    assert (real["created"], real["updated"], real["unchanged"]) == (1, 1, 0)
    assert real["errors"] == [{"row": 3, "column": "统一社会信用代码",
                               "message": "统一社会信用代码无效：统一社会信用代码应为 18 位，实为 3 位；"
                                          "台账中也没有同名企业，无法导入"}]
    assert real["warnings"] == [{"row": 4, "column": "所在街道", "message": "街道“不存在街”不在街道目录中，未填入"}]


def test_cancel_mid_commit_leaves_ledger_unchanged(ledger, tmp_path):
    seed(ledger, ("甲公司", C[0], {}))
    rows = [["企业名称", "统一社会信用代码"]] + [[f"企业{i}", None] for i in range(7000)]
    path = xlsx(tmp_path, rows, "many.xlsx")
    plan = build_plan(ledger, path)
    before = dump(ledger)
    audits = ledger.conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    seen = []
    with pytest.raises(Cancelled):
        commit_plan(ledger, plan, progress=lambda d, t: seen.append((d, t)), cancel=lambda: len(seen) >= 1)
    assert seen == [(5000, 7000)]
    assert dump(ledger) == before
    assert ledger.conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == audits
    assert ledger.conn.execute("SELECT COUNT(*) FROM batches").fetchone()[0] == 0
    batch = commit_plan(ledger, plan)                # the same plan still commits afterwards
    assert batch == 1 or ledger.shared               # (a server's sequence does not give back a number rolled back)
    assert ledger.conn.execute("SELECT id FROM batches").fetchall() == [(batch,)]
    assert ledger.conn.execute("SELECT COUNT(*) FROM firms").fetchone()[0] == 7001


def test_stale_plan_is_refused(ledger, tmp_path):
    plan = build_plan(ledger, xlsx(tmp_path, [HEAD, [1, "甲公司", C[0], None, None]]))
    seed(ledger, ("甲公司", C[1], {}))        # a firm of the name the plan would create (importers/staleness.py)
    with pytest.raises(InputError, match="重新预览"):
        commit_plan(ledger, plan)


def test_unticked_warning_rows_are_skipped(ledger, tmp_path):
    plan = build_plan(ledger, xlsx(tmp_path, [HEAD, [1, "甲公司", C[0], None, None], [2, "乙公司", C[1], None, None]]))
    plan.rows[1].include = False
    assert plan.counts()["skipped"] == 1 and plan.counts()["created"] == 1
    commit_plan(ledger, plan)
    assert [r[0] for r in ledger.conn.execute("SELECT name FROM firms")] == ["甲公司"]


def test_build_plan_reports_progress_and_can_be_cancelled(ledger, tmp_path):
    path = xlsx(tmp_path, [["企业名称", "统一社会信用代码"]] + [[f"企业{i}", None] for i in range(6000)])
    seen = []
    plan = build_plan(ledger, path, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(5000, 6000), (6000, 6000)] and len(plan.rows) == 6000
    with pytest.raises(Cancelled):
        build_plan(ledger, path, cancel=lambda: True)


def test_designation_date_from_option(ledger, tmp_path):
    path = xlsx(tmp_path, [["企业名称", "统一社会信用代码"], ["甲公司", C[0]]])
    plan = build_plan(ledger, path, kind="designation", stage="小巨人", on_date=date(2024, 7, 1))
    commit_plan(ledger, plan)
    assert ledger.conn.execute("SELECT start_date, end_date, list_name FROM designations").fetchall() == [
        ("2024-07-01", "2027-07-01", "名单")]
