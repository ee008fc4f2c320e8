"""A firm's history where its batch's row audits its creation (db/creation.py): what it was created with, after
later changes by a person, by another list and by undo."""
import json

from db import audit_log, firm_file
from importers.plan import build_plan, commit_plan
from importers.undo import undo_batch
from tests.importers.undo_helpers import CODES, fresh, write_list


def _designated(led, folder):
    """A list that creates firm 2 with a 高新技术企业 designation; (batch, firm, designation)."""
    path = write_list(folder, 1, [(2, "甲", "杨园", "软件", "r1", None, None, "2024-01-01", "高新技术企业")])
    batch = commit_plan(led, build_plan(led, path))
    fid = led.conn.execute("SELECT id FROM firms WHERE code = ?", (CODES[2],)).fetchone()[0]
    did = led.conn.execute("SELECT id FROM designations WHERE firm_id = ?", (fid,)).fetchone()[0]
    return batch, fid, did


def _created(led, fid) -> dict:
    shown = [e for e in audit_log.entries(led.conn, firm_id=fid) if e.entity == "designation" and e.action == "insert"]
    assert len(shown) == 1
    return shown[0].after


def test_a_designation_added_in_bulk_shows_the_values_it_was_created_with_after_edits(tmp_path):
    led = fresh(tmp_path / "l.db")
    _batch, fid, did = _designated(led, tmp_path)
    made = _created(led, fid)
    with led.write() as w:
        w.update_designation(did, end_date="2025-06-30", evidence="证书甲")
    with led.write() as w:
        w.update_designation(did, evidence="证书乙")
    assert _created(led, fid) == made and made["evidence"] is None and made["end_date"] != "2025-06-30"
    shown = [x for x in firm_file.audit(led.conn, fid) if x["what"] == "新增认定"]
    assert json.loads(shown[0]["after"]) == made
    assert "证书甲" not in shown[0]["change"] and "证书乙" not in shown[0]["change"]


def test_a_designation_added_in_bulk_keeps_its_creation_values_through_a_later_list_and_its_undo(tmp_path):
    led = fresh(tmp_path / "l.db")
    _batch, fid, did = _designated(led, tmp_path)
    made = _created(led, fid)
    with led.write() as w:
        w.update_designation(did, end_date="2025-06-30")
    second = write_list(tmp_path, 2, [(2, "甲", None, None, "r2", None, None, "2024-06-01", "高新技术企业")])
    later = commit_plan(led, build_plan(led, second))
    assert _created(led, fid) == made
    undo_batch(led, later, force=True)
    assert _created(led, fid) == made
    led.close()


def test_a_firm_handed_over_to_a_later_list_keeps_its_creation_by_the_undone_batch_in_its_history(tmp_path):
    led = fresh(tmp_path / "l.db")
    first = commit_plan(led, build_plan(led, write_list(tmp_path, 1, [(2, "甲", "杨园", "软件", "r1", None, None,
                                                                      "2024-01-01", None)])))
    fid = led.conn.execute("SELECT id FROM firms WHERE code = ?", (CODES[2],)).fetchone()[0]
    second = commit_plan(led, build_plan(led, write_list(tmp_path, 2, [(2, "甲", None, "电子", "r2", None, None,
                                                                        "2024-01-01", None)])))
    assert undo_batch(led, first, force=True)["firms_handed_over"] == 1
    entries = audit_log.entries(led.conn, firm_id=fid)
    assert [(e.action, e.entity, e.batch_id) for e in entries] == [
        ("insert", "firm", first), ("update", "firm", second), ("undo", "firm", first)]
    assert f"由导入批次 {first} 从 名单1.csv 新建" in entries[0].summary()
    assert firm_file.audit(led.conn, fid)[-1]["change"] == f"由导入批次 {first} 从 名单1.csv 新建"
    led.close()


def test_a_purged_firm_an_import_created_keeps_its_creation_and_its_designations_in_its_history(tmp_path):
    """Purging removes the firm's designations with it: those an import added in bulk had no audit row of their own
    (their batch's row audits them), so without the purge recording them they left no trace at all."""
    led = fresh(tmp_path / "l.db")
    batch, fid, did = _designated(led, tmp_path)
    made = _created(led, fid)
    with led.write() as w:
        w.update_designation(did, evidence="证书甲")
    with led.write() as w:
        w.remove_firm(fid)
    with led.write() as w:
        w.purge_firm(fid)
    entries = audit_log.entries(led.conn, firm_id=fid)
    assert [(e.action, e.entity) for e in entries] == [("insert", "firm"), ("insert", "designation"),
                                                       ("update", "designation"), ("delete", "firm"),
                                                       ("purge", "designation"), ("purge", "firm")]
    assert f"由导入批次 {batch} 从 名单1.csv 新建" in entries[0].summary()
    assert entries[1].after == made and entries[4].before["evidence"] == "证书甲"
    led.close()


def test_a_purge_undone_by_restoring_a_backup_shows_the_firm_and_its_designations_once(tmp_path, monkeypatch):
    from db import backup as bk
    from db.ledger import Ledger
    from db.restore import restore_checked
    monkeypatch.setenv("XINGTU_DATA_DIR", str(tmp_path / "data"))
    led = fresh(tmp_path / "l.db")
    batch, fid, _did = _designated(led, tmp_path)
    saved = bk.backup(led.path, tmp_path / "bk", "manual")
    with led.write() as w:
        w.remove_firm(fid)
    with led.write() as w:
        w.purge_firm(fid)
    led.close()
    restore_checked(saved.path, tmp_path / "l.db")
    with Ledger(tmp_path / "l.db") as led:
        shown = [(e.action, e.entity) for e in audit_log.entries(led.conn, firm_id=fid)]
        assert shown[:2] == [("insert", "firm"), ("insert", "designation")]
        assert shown.count(("insert", "designation")) == 1 and shown.count(("insert", "firm")) == 1


def test_a_firm_never_gets_the_id_of_one_an_undo_or_a_purge_removed(tmp_path):
    """Its history is read by id: a new firm on a removed one's id showed that firm's changes under its name."""
    led = fresh(tmp_path / "l.db")
    first = commit_plan(led, build_plan(led, write_list(tmp_path, 1, [(2, "甲", "杨园", "软件", "r1", None, None,
                                                                      "2024-01-01", None)])))
    gone = led.conn.execute("SELECT id FROM firms WHERE code = ?", (CODES[2],)).fetchone()[0]
    undo_batch(led, first)
    third = commit_plan(led, build_plan(led, write_list(tmp_path, 3, [(3, "乙", "粮道", None, "r3", None, None,
                                                                      "2024-01-01", None)])))
    new = led.conn.execute("SELECT id FROM firms WHERE code = ?", (CODES[3],)).fetchone()[0]
    assert new != gone
    assert [(e.action, e.batch_id) for e in audit_log.entries(led.conn, firm_id=new)] == [("insert", third)]
    with led.write() as w:
        w.remove_firm(new)
    with led.write() as w:
        w.purge_firm(new)
    with led.write() as w:
        person = w.insert_firm("武汉丙科技有限公司")
    assert person not in (gone, new)
    assert [e.action for e in audit_log.entries(led.conn, firm_id=person)] == ["insert"]
    led.close()


def test_a_designation_never_gets_the_id_of_one_an_undo_removed(tmp_path):
    """List 1 gives firm 0 a star tier (placed one at a time: an insert row of its own), its undo removes it, list 2
    gives firm 0 a 高新技术企业 in bulk. On the removed one's id the new designation's creation was hidden (the
    firm file took the old insert row for its own) and the old one's undo row named it."""
    led = fresh(tmp_path / "l.db")
    fid = led.conn.execute("SELECT id FROM firms WHERE code = ?", (CODES[0],)).fetchone()[0]
    first = commit_plan(led, build_plan(led, write_list(tmp_path, 1, [(0, "原", None, None, None, None, "繁星",
                                                                      "2024-01-01", None)])))
    [gone] = [r[0] for r in led.conn.execute("SELECT id FROM designations WHERE firm_id = ?", (fid,))]
    undo_batch(led, first)
    second = commit_plan(led, build_plan(led, write_list(tmp_path, 2, [(0, "原", None, None, None, None, None,
                                                                       "2024-06-01", "高新技术企业")])))
    [new] = [r[0] for r in led.conn.execute("SELECT id FROM designations WHERE firm_id = ?", (fid,))]
    assert new != gone
    made = [(e.after["stage"], e.batch_id) for e in audit_log.entries(led.conn, firm_id=fid)
            if e.entity == "designation" and e.action == "insert"]
    assert made == [("fanxing", first), ("gaoqi", second)]
    led.close()


def test_an_import_reads_once_in_the_audit_line(tmp_path):
    """The batch's own audit row read 导入导入批次 in `audit` and the history window."""
    led = fresh(tmp_path / "l.db")
    _designated(led, tmp_path)
    lines = [e.summary() for e in audit_log.entries(led.conn) if e.entity == "batch"]
    assert lines and all("导入批次" in line and "导入导入" not in line for line in lines)
    led.close()
