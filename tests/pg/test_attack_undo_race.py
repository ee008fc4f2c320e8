"""An undo of an import on a shared ledger while another login is writing the same firms.

1. An officer's import updating a firm that the admin's batch created was still writing when the admin undid that
   batch: the undo read no later change (not committed yet), waited on the firm's row to delete it, and deleted it
   once the import committed: the officer's update and list row went with it, no conflict named, the officer's
   batch left live (found by an attack). One at a time, the undo names the conflict and, forced, hands the firm
   over to the officer's batch. The undo now locks the batch's firms before it reads: it waits for the import,
   then does what it would have done after it.
2. Two admins undoing one batch at once: both read it live before their write; the second now waits for the
   first, then finds the batch undone and writes nothing.
"""
from __future__ import annotations

import threading

import psycopg

import importers.undo as undo_api
from db.ledger import Ledger
from importers.errors import InputError
from importers.plan import build_plan, commit_plan
from importers.undo import undo_batch
from tests.pg.attack_helpers import one, race

NAME = "武汉撤销竞争测试有限公司"


def _admin_batch(people, tmp_path) -> tuple[int, int]:
    path = tmp_path / "管理员名单.csv"
    path.write_text(f"企业名称,所在街道,备注\n{NAME},积玉桥,管理员\n", encoding="utf-8")
    with Ledger(people["admin"]) as led:
        batch = commit_plan(led, build_plan(led, path))
    return batch, one(people["super"], "SELECT id FROM firms WHERE name = %s", (NAME,))[0]


def test_an_undo_waits_for_an_import_still_writing_a_firm_of_its_batch(people, tmp_path):
    batch, fid = _admin_batch(people, tmp_path)
    path = tmp_path / "专员名单.csv"
    path.write_text(f"企业名称,所在街道,备注\n{NAME},积玉桥,专员\n", encoding="utf-8")
    officer, admin = Ledger(people["officer"]), Ledger(people["admin"])
    plan = build_plan(officer, path)
    writing, release = threading.Event(), threading.Event()
    out: dict[str, object] = {}

    def hold(_done, _total):            # the officer's update is written, not committed, until released
        writing.set()
        release.wait(30)

    def run(key, fn):
        try:
            out[key] = fn()
        except Exception as exc:        # noqa: BLE001  (told below)
            out[key] = exc

    race(people["super"], lambda: run("import", lambda: commit_plan(officer, plan, progress=hold)),
         lambda: run("undo", lambda: undo_batch(admin, batch, force=True)), writing, release)
    officer.close()
    admin.close()
    assert isinstance(out["import"], int), out["import"]
    assert isinstance(out["undo"], dict), out["undo"]
    now = one(people["super"], "SELECT remark, batch_id FROM firms WHERE id = %s", (fid,))
    assert now == ("专员", out["import"]), "the undo deleted a firm an import, committed meanwhile, had matched"
    assert out["undo"]["firms_handed_over"] == 1 and [c["firm_id"] for c in out["undo"]["conflicts"]] == [fid]


def test_two_undos_of_one_batch_at_once_undo_it_once(people, tmp_path, monkeypatch):
    batch, fid = _admin_batch(people, tmp_path)
    inside, release = threading.Event(), threading.Event()
    real = undo_api.undo_store.undo

    def slow(w, batch_id):              # the first undo holds its transaction open here
        out = real(w, batch_id)
        if threading.current_thread().name == "first":
            inside.set()
            release.wait(30)
        return out

    monkeypatch.setattr(undo_api.undo_store, "undo", slow)
    results: dict[str, object] = {}

    def run(name):
        with Ledger(people["admin"]) as led:
            try:
                results[name] = undo_batch(led, batch)
            except InputError as exc:
                results[name] = exc

    race(people["super"], lambda: run("first"), lambda: run("second"), inside, release)
    assert isinstance(results["first"], dict) and results["first"]["firms_removed"] == 1
    assert isinstance(results["second"], InputError) and "不能重复撤销" in str(results["second"])
    with psycopg.connect(people["super"]) as conn:
        rows = conn.execute("SELECT count(*) FROM audit WHERE action = 'undo' AND entity = 'batch' AND entity_id = %s",
                            (batch,)).fetchone()[0]
    assert rows == 1, "one batch undone twice: two undo rows"


