"""The catalog is data: the 2026 re-cut (科技和创新型中小企业) needs no code change."""
import json
from datetime import date

from db import queries
from db.ledger import Ledger
from desktop.cli import main


def test_recut_stage_without_code(ledger, capsys):
    path = str(ledger.path)
    ledger.close()
    assert main(["catalog", "--db", path, "add-stage", "kexiao", "kjcx", "科技和创新型中小企业", "--years", "1",
                 "--alias", "科技型和创新型"]) == 0
    assert main(["catalog", "--db", path, "edit-stage", "创新型中小企业", "--deactivate"]) == 0
    assert main(["catalog", "--db", path, "edit-stage", "高企", "--months", "36", "--alias", "高企", "--alias", "国高"]) == 0
    capsys.readouterr()
    assert main(["catalog", "--db", path, "--json", "list"]) == 0
    data = json.loads(capsys.readouterr().out)
    kexiao = next(t for t in data["tracks"] if t["key"] == "kexiao")
    assert [s["name"] for s in kexiao["stages"]] == ["科技型中小企业", "科技和创新型中小企业"]
    zjtx = next(t for t in data["tracks"] if t["key"] == "zjtx")
    assert "创新型中小企业" not in [s["name"] for s in zjtx["stages"]]
    with Ledger(path) as led:
        assert led.catalog().find("国高").key == "gaoqi"
        assert led.catalog().stage("kjcx").end_for(date(2026, 5, 1)) == date(2027, 1, 1)
        with led.write() as w:
            fid = w.insert_firm("甲公司")
            w.add_designation(fid, "kjcx", "2026-05-01")
        assert len(queries.load_facts(led.conn)) == 1
        actions = [r[0] for r in led.conn.execute("SELECT entity FROM audit WHERE entity = 'stage'")]
        assert len(actions) == 3


def test_bad_catalog_edit_is_refused(ledger, capsys):
    path = str(ledger.path)
    ledger.close()
    assert main(["catalog", "--db", path, "edit-stage", "没有这个", "--months", "3"]) == 2
    assert "未知的认定类别" in capsys.readouterr().err
    assert main(["catalog", "--db", path, "add-stage", "gaoqi", "gaoqi2", "高新技术企业", "--months", "36"]) == 2
    assert "重名" in capsys.readouterr().err
