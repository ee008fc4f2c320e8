"""An import on a shared ledger goes through COPY (db/pg/copy.py): rows into a temporary staging table, then one
INSERT … SELECT into the real table, where row-level security, the constraints and the NOTIFY triggers apply.

The same two lists (new firms with designations; then half of them again, with renames and street moves, and
300 new) imported into an empty file ledger and into the same ledger pushed to the server give the same firms,
former names, designations, batches, what each batch's list asserted and audit, whether the server login
rebuilds the indexes after the rows (a superuser, owner of the tables) or keeps them maintained (an admin),
and undoing both batches leaves the same ledger again.
An officer's write through the COPY path is refused for another street's firm: the policies still apply."""
import json

import psycopg
import pytest

from db import bulk
from db.ledger import Ledger
from db.pg import copy as pg_copy
from db.pg import setup, transfer
from importers.plan import build_plan, commit_plan
from importers.undo import undo_batch
from tests.importers.helpers import N
from tests.importers.helpers import two_lists as _lists
from tests.pg.copy_helpers import INDEXES, new_firm, street_id

FIRM_COLUMNS = ("id", "code", "code_raw", "code_status", "name", "name_key", "pinyin", "street_id", "industry",
                "officer", "contact_person", "contact_phone", "founded", "reg_capital", "revenue", "rd_spend",
                "employees", "remark", "needs_review", "batch_id", "deleted_at", "legal_form", "address",
                "name_sort")
QUERIES = {
    "firms": f"SELECT {', '.join(FIRM_COLUMNS)} FROM firms ORDER BY id",
    "aliases": "SELECT firm_id, name, name_key, seen_on, batch_id FROM firm_aliases ORDER BY firm_id, name_key",
    "designations": "SELECT id, firm_id, stage_id, start_date, end_date, evidence, list_name, source, batch_id, "
                    "deleted_at FROM designations ORDER BY id",
    "batches": "SELECT id, file_name, file_sha256, sheet, kind, stage_key, mapping, counts, undone_at IS NULL "
               "FROM batches ORDER BY id",
    "batch_rows": "SELECT batch_id, firm_id, fields FROM batch_rows ORDER BY batch_id, firm_id, fields",
    "audit": "SELECT action, entity, entity_id, firm_id, before, after, source, batch_id FROM audit "
             "WHERE action != 'init' ORDER BY id",
}
def ledger_rows(target) -> dict[str, list[tuple]]:
    with Ledger(target, readonly=True) as led:
        out = {k: [tuple(r) for r in led.conn.execute(q).fetchall()] for k, q in QUERIES.items()}
    out["audit"] = [_unstamped(r) for r in out["audit"]]
    return out


def _unstamped(row: tuple) -> tuple:
    """An undo's batch row without when and by whom (the file's clock and user, the server's)."""
    if row[:2] != ("undo", "batch"):
        return row
    after = {k: v for k, v in json.loads(row[5]).items() if k not in ("undone_at", "undone_by")}
    return (*row[:5], after, *row[6:])


@pytest.fixture
def empty_pair(pg_db, tmp_path):
    """An empty file ledger and the same ledger pushed into a fresh shared ledger; an admin login of it."""
    server, name = pg_db
    url = server.url_for(name)
    path = tmp_path / "file.db"
    Ledger(path).close()
    setup.init(url)
    transfer.push(path, url)
    setup.add_user(url, f"{name}_admin1", "admin", [])
    return path, url, server.url_for(name, user=f"{name}_admin1")


@pytest.mark.parametrize("who", ["superuser", "admin"])
def test_an_import_through_copy_leaves_the_ledger_the_file_import_leaves(empty_pair, tmp_path, monkeypatch, who):
    path, url, admin = empty_pair
    target = url if who == "superuser" else admin
    suspended, stepped = [], []
    suspend, step = pg_copy.suspend, pg_copy.bulk_insert
    monkeypatch.setattr(pg_copy, "suspend", lambda *a: suspended.append(suspend(*a)) or suspended[-1])
    monkeypatch.setattr(pg_copy, "bulk_insert", lambda *a: stepped.append((a[1], step(*a))) or stepped[-1][1])
    lists = _lists(tmp_path)
    with psycopg.connect(url, autocommit=True) as conn:
        indexes = conn.execute(INDEXES).fetchall()
    with psycopg.connect(url, autocommit=True) as listener:
        listener.execute("LISTEN xingtu_changes")
        for where in (path, target):
            with Ledger(where) as led:
                for listed in lists:
                    commit_plan(led, build_plan(led, listed))
        heard = [json.loads(n.payload) for n in listener.notifies(timeout=2, stop_after=6)]
    mine, theirs = ledger_rows(path), ledger_rows(target)
    # the first list (as many new firms as the table holds) rebuilt the indexes, nothing else did: by the
    # superuser itself (it owns the tables), for the admin by the owner's bulk step (db/pg/bulk_load.py)
    rebuilt = ([x.table if x else None for x in suspended] if who == "superuser"
               else [table if done["rebuilt"] else None for table, done in stepped])
    assert rebuilt == ["firms", "designations", None, None]
    assert not stepped if who == "superuser" else not suspended
    if who == "admin":                  # analysed after the rebuild (the rule for smaller batches: test_bulk_load)
        assert [done["analyzed"] for _, done in stepped][:2] == [True, True]
    assert len(theirs["firms"]) == N + 300 and len(theirs["designations"]) == N + 300
    for table in QUERIES:
        assert theirs[table] == mine[table], table
    assert not any(a[0] == "insert" and a[1] == "firm" for a in theirs["audit"])   # a creation: its batch's row
    assert {"t": "firms", "ids": "many"} in heard and {"t": "designations", "ids": "many"} in heard
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute(INDEXES).fetchall() == indexes         # indexes and keys rebuilt or kept, all
        assert not conn.execute("SELECT 1 FROM pg_class WHERE relname LIKE 'xingtu_stage_%'").fetchall()
    undone = []
    for where in (path, target):                  # undo the second list, then the first: the same again
        with Ledger(where) as led:
            undone.append([undo_batch(led, batch) for batch in (2, 1)])
    assert undone[0] == undone[1] and undone[0][1]["firms_removed"] == N
    mine, theirs = ledger_rows(path), ledger_rows(target)
    assert not theirs["firms"] and not theirs["designations"]
    for table in QUERIES:
        assert theirs[table] == mine[table], table


def test_an_officers_copy_cannot_write_another_streets_firms(people):
    officer, admin = people["officer"], people["super"]
    mine, theirs = street_id(admin, "积玉桥"), street_id(admin, "杨园")
    with Ledger(officer) as led:
        assert len(new_firm(led, mine, "积玉桥复制路径科技有限公司")) == 1
        with pytest.raises(Exception, match="row-level security|行级安全|权限|policy") as refused:
            new_firm(led, theirs, "杨园复制路径科技有限公司")
        assert "共享台账" in str(refused.value)
        with psycopg.connect(admin) as conn:
            other = conn.execute("SELECT f.id FROM firms f WHERE f.street_id = %s ORDER BY f.id LIMIT 1",
                                 (theirs,)).fetchone()[0]
            stage = conn.execute("SELECT id FROM stages ORDER BY id LIMIT 1").fetchone()[0]
        with pytest.raises(Exception, match="row-level security|行级安全|权限|policy"), led.write("import") as w:
            bulk.open_batch(w, file_name="名单.xlsx", sha256=None, sheet=None, kind="roster", stage_key=None,
                            mapping={}, counts={})
            bulk.insert_designations(w, [(other, stage, "2024-01-01", None, None, "复制路径")])
    with psycopg.connect(admin) as conn:
        landed = conn.execute("SELECT name FROM firms WHERE name LIKE '%%复制路径%%' ORDER BY name").fetchall()
        assert landed == [("积玉桥复制路径科技有限公司",)]
        assert not conn.execute("SELECT 1 FROM designations WHERE list_name = '复制路径'").fetchall()
