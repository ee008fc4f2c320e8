"""Remembered column mappings (issue 11 point 3, issue 12 item 4): only on request, audited, listed and
forgotten with `mappings`, and an undone import leaves no mapping behind."""
import json

from db.ledger import Ledger
from importers import mapping_store
from importers.plan import build_plan, commit_plan
from importers.undo import undo_batch
from tests.cli.helpers import run
from tests.importers.helpers import C, xlsx

ROWS = [["单位", "代码", "地址"], ["甲公司", C[0], "杨园"]]
MAP = {"单位": "name", "代码": "code", "地址": "street"}


def test_a_one_off_map_is_not_remembered(ledger, tmp_path):
    commit_plan(ledger, build_plan(ledger, xlsx(tmp_path, ROWS), overrides=MAP))
    assert mapping_store.list_all(ledger.conn) == []
    again = build_plan(ledger, xlsx(tmp_path, [ROWS[0], ["乙公司", C[1], "粮道"]], "b.xlsx"))
    assert again.mapping != {0: "name", 1: "code", 2: "street"}


def test_remembered_on_request_audited_and_forgotten_by_undo(ledger, tmp_path):
    batch = commit_plan(ledger, build_plan(ledger, xlsx(tmp_path, ROWS), overrides=MAP), remember_mapping=True)
    (m,) = mapping_store.list_all(ledger.conn)
    assert m["mapping"] == {"单位": "name", "代码": "code", "地址": "street"}
    assert ledger.conn.execute("SELECT COUNT(*) FROM audit WHERE entity = 'mapping' AND action = 'remember' "
                               "AND batch_id = ?", (batch,)).fetchone()[0] == 1
    undo_batch(ledger, batch)
    assert mapping_store.list_all(ledger.conn) == []
    assert mapping_store.recall(ledger.conn, ROWS[0]) is None


def test_mappings_command_lists_and_forgets(tmp_path, capsys):
    db = tmp_path / "ledger.db"
    with Ledger(db) as led:
        sig = mapping_store.remember(led, ROWS[0], {0: "name", 1: "code", 2: "street"})
        mapping_store.remember(led, ["名称", "信用代码"], {0: "name", 1: "code"})
    code, out, _ = run(capsys, "mappings", "--db", db, "--json")
    assert code == 0 and {m["signature"] for m in json.loads(out)} >= {sig}
    code, out, _ = run(capsys, "mappings", "--db", db)
    assert code == 0 and sig in out and "单位 → 企业名称" in out
    code, _, err = run(capsys, "mappings", "--db", db, "--forget", "nosuchsig")
    assert code == 2 and "没有签名" in err
    code, out, _ = run(capsys, "mappings", "--db", db, "--forget", sig)
    assert code == 0 and "已忘记 1 个" in out
    code, out, _ = run(capsys, "mappings", "--db", db, "--forget", "all")
    assert code == 0 and "已忘记 1 个" in out
    code, out, _ = run(capsys, "mappings", "--db", db)
    assert "没有记住的列对应关系" in out
    with Ledger(db) as led:
        actions = [a for (a,) in led.conn.execute("SELECT action FROM audit WHERE entity = 'mapping' ORDER BY id")]
    assert actions == ["remember", "remember", "forget", "forget"]
