"""The catalog is data: the 2026 re-cut (科技和创新型中小企业) needs no code change."""
import json
from datetime import date

from db import queries
from db.ledger import Ledger
from desktop.cli import main


def test_recut_stage_without_code(ledger, capsys, ledger_address):
    path = str(ledger_address)
    ledger.close()
    assert main(["catalog", "--db", path, "add-stage", "kexiao", "kjcx", "科技和创新型中小企业", "--years", "1",
                 "--alias", "科技型和创新型"]) == 0
    assert main(["catalog", "--db", path, "edit-stage", "创新型中小企业", "--deactivate"]) == 0
    assert (
        main(["catalog", "--db", path, "edit-stage", "高企", "--months", "36", "--alias", "高企", "--alias", "国高"])
        == 0
    )
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


def test_bad_catalog_edit_is_refused(ledger, capsys, ledger_address):
    path = str(ledger_address)
    ledger.close()
    assert main(["catalog", "--db", path, "edit-stage", "没有这个", "--months", "3"]) == 2
    assert "未知的认定类别" in capsys.readouterr().err
    assert main(["catalog", "--db", path, "add-stage", "gaoqi", "gaoqi2", "高新技术企业", "--months", "36"]) == 2
    assert "重名" in capsys.readouterr().err


def _catalog_state(path):
    from db.ledger import Ledger
    with Ledger(path, readonly=True) as led:
        conn = led.conn
        return ([tuple(r) for r in conn.execute("SELECT key, name, aliases, active FROM stages ORDER BY id")],
                [tuple(r) for r in conn.execute("SELECT name, active FROM streets ORDER BY id")],
                conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0])


def test_catalog_refuses_stolen_and_duplicate_names_and_bad_streets(ledger, capsys, ledger_address):
    """Issue 12 item 13: each refusal is exit 2 with a Chinese line, and nothing is written."""
    path = str(ledger_address)
    ledger.close()
    before = _catalog_state(path)
    refusals = [
        (["add-stage", "gaoqi", "gq2", "新高企", "--alias", "高企"], "已被认定类别“高新技术企业（gaoqi）”使用"),
        (["add-stage", "gaoqi", "gq2", "新高企", "--alias", "高新技术企业"], "已被认定类别"),
        (["add-stage", "gaoqi", "gq2", "新高企", "--alias", "gaoqi"], "已被认定类别"),
        (["add-stage", "gaoqi", "gq2", "高 企"], "名称“高 企”已被认定类别"),   # folds to the alias 高企
        (["add-stage", "gaoqi", "gq2", "新高企", "--alias", "甲", "--alias", "甲"], "别名“甲”重复给出"),
        (["add-stage", "gaoqi", "gq2", "新高企", "--alias", " "], "别名不能为空"),
        (["edit-stage", "科技型中小企业", "--alias", "高企"], "已被认定类别“高新技术企业（gaoqi）”使用"),
        (["edit-stage", "科技型中小企业", "--name", "高新技术企业"], "已被认定类别"),
        (["street", "  "], "街道名称不能为空"),
        (["street", "杨园", "--rename", ""], "新的街道名称不能为空"),
        (["street", "不存在街", "--rename", "新街"], "没有名为“不存在街”的街道，无法改名"),
        (["street", "杨园", "--rename", "粮道"], "已有名为“粮道”的街道"),
    ]
    for argv, message in refusals:
        assert main(["catalog", "--db", path, *argv]) == 2, argv
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1 and "Traceback" not in err, (argv, err)
    assert _catalog_state(path) == before
    with Ledger(path) as led:
        assert led.catalog().find("高企").key == "gaoqi"
    # the legitimate edits still work
    assert main(["catalog", "--db", path, "street", "杨园", "--rename", "杨园街"]) == 0
    assert main(["catalog", "--db", path, "edit-stage", "高企", "--alias", "高企", "--alias", "国高"]) == 0


def test_a_deactivated_stage_is_named_as_such_on_import(ledger, capsys, ledger_address, tmp_path):
    """A list or a --stage naming a deactivated stage says 已停用, not 未知 (which sent officers to the catalog)."""
    from tests.importers import fixtures as fx
    from tests.importers.helpers import C
    path = str(ledger_address)
    ledger.close()
    assert main(["catalog", "--db", path, "edit-stage", "创新型中小企业", "--deactivate"]) == 0
    listed = fx.write_simple_xlsx(tmp_path, "名单.xlsx", [["企业名称", "统一社会信用代码", "认定日期"],
                                                          ["甲公司", C[0], "2025-03-01"]])
    capsys.readouterr()
    assert main(["import", str(listed), "--db", path, "--as", "designation", "--stage", "创新型中小企业"]) == 2
    err = capsys.readouterr().err
    assert "认定类别“创新型中小企业”已停用" in err and "未知" not in err
    roster = fx.write_simple_xlsx(tmp_path, "台账.xlsx", [["企业名称", "统一社会信用代码", "认定类别", "认定日期"],
                                                         ["乙公司", C[1], "创新型中小企业、火星企业", "2025-03-01"],
                                                         ["丙公司", C[2], "高新技术企业", "2025-03-01"],
                                                         ["丁公司", C[3], "专精特新中小企业", "2025-03-01"]])
    assert main(["import", str(roster), "--db", path, "--as", "roster", "--dry-run", "--json"]) == 0
    said = capsys.readouterr().out
    assert "“火星企业”不是已知的认定类别；“创新型中小企业”是已停用的认定类别，已忽略" in said
