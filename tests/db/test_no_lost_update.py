"""No lost update on the file: an edit that carries the values the person saw is refused once the row changed,
with who changed it, when, and the current values; the same check runs on a shared ledger (tests/pg)."""
import pytest

from db.conflict import EditConflict
from db.ledger import Ledger


@pytest.fixture
def firm(ledger):
    with ledger.write() as w:
        fid = w.insert_firm("武汉甲乙科技有限公司", industry="软件", street_id=ledger.street_id("积玉桥"))
        did = w.add_designation(fid, "gaoqi", "2023-01-01")
    return fid, did


def test_an_edit_of_what_nobody_changed_is_saved(ledger, firm):
    fid, did = firm
    with ledger.write() as w:
        seen = w.firm(fid)
        assert w.update_firm(fid, seen=seen, industry="硬件") == {"industry": ("软件", "硬件")}
        assert w.rename_firm(fid, "武汉甲乙丙科技有限公司", seen=w.firm(fid)) is not None
        w.update_designation(did, seen=w.designation(did), evidence="证书")
        w.add_designation(fid, "kexiao", "2023-03-01", seen=w.firm(fid))
    assert ledger.conn.execute("SELECT industry, name FROM firms WHERE id = ?", (fid,)).fetchone() == (
        "硬件", "武汉甲乙丙科技有限公司")


@pytest.mark.file_only("on the server: tests/pg/test_no_lost_update_pg.py races two logins")
def test_an_edit_of_a_firm_changed_since_it_was_read_is_refused(tmp_path, ledger, firm):
    fid, did = firm
    seen = ledger.conn.execute("SELECT * FROM firms WHERE id = ?", (fid,)).fetchone()
    cols = [r[1] for r in ledger.conn.execute("PRAGMA table_info(firms)")]
    seen = dict(zip(cols, seen, strict=True))
    seen_designation = dict(zip([r[1] for r in ledger.conn.execute("PRAGMA table_info(designations)")],
                                ledger.conn.execute("SELECT * FROM designations WHERE id = ?", (did,)).fetchone(),
                                strict=True))
    ledger.officer = "李四"
    with ledger.write() as w:                        # somebody else saves first
        w.update_firm(fid, industry="医药")
        w.update_designation(did, evidence="第二人")
        stamp = w.stamp
    ledger.officer = "张三"
    for attempt in (lambda w: w.update_firm(fid, seen=seen, industry="硬件", remark="不能丢"),
                    lambda w: w.rename_firm(fid, "别的名字有限公司", seen=seen),
                    lambda w: w.remove_firm(fid, seen=seen),
                    lambda w: w.add_designation(fid, "kexiao", "2023-03-01", seen=seen)):
        with pytest.raises(EditConflict) as refused:
            with ledger.write() as w:
                attempt(w)
        message = str(refused.value)
        assert "已被 李四" in message and stamp[:19].replace("T", " ") in message
        assert "行业：医药（您看到的是：软件）" in message and "未保存" in message
        assert refused.value.current["industry"] == "医药" and "industry" in refused.value.changed
    with pytest.raises(EditConflict, match="认定“高新技术企业”.*依据：第二人（您看到的是：（空））"):
        with ledger.write() as w:
            w.delete_designation(did, seen=seen_designation)
    row = ledger.conn.execute("SELECT industry, remark, name, deleted_at FROM firms WHERE id = ?", (fid,)).fetchone()
    assert row == ("医药", None, "武汉甲乙科技有限公司", None)          # the first save kept, nothing half-done
    assert ledger.conn.execute("SELECT count(*) FROM designations WHERE firm_id = ? AND deleted_at IS NULL",
                               (fid,)).fetchone() == (1,)


def test_without_seen_values_an_edit_applies_as_before(tmp_path):
    with Ledger(tmp_path / "l.db") as led, led.write() as w:
        fid = w.insert_firm("某某有限公司")
        w.update_firm(fid, industry="甲")
        assert w.update_firm(fid, industry="乙") == {"industry": ("甲", "乙")}
