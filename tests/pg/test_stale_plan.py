"""An import previewed, then the ledger changed, then committed: it lands unless what the plan depends on changed
(importers/staleness.py), on both engines. On the server the previewer is an officer of 积玉桥; the other changes
are made by a colleague of the same street, an officer of 杨园 or the admin. On the file everything goes through
the one ledger (the file has one writer)."""
import multiprocessing
import sqlite3
from dataclasses import dataclass

import pytest

from db import catalog_store
from db.errors import LedgerError
from db.ledger import Ledger
from db.pg import setup
from importers.commit import MSG_STALE, commit
from importers.errors import InputError
from importers.plan import build_plan
from pipeline.uscc import make_code
from tests.cli.helpers import run

MINE, OTHER = "积玉桥", "杨园"
NEW_NAME = "积玉桥预览后新办科技有限公司"
NEW_CODE = make_code("9", "1", "420106", "87654321")


@dataclass
class Setting:
    me: Ledger                  # previews and commits
    colleague: Ledger           # another writer of 积玉桥
    neighbour: Ledger           # a writer of 杨园
    admin: Ledger               # changes the catalog
    colleague_url: str | None


def firms_of(demo_db, street, n):
    conn = sqlite3.connect(demo_db)
    rows = conn.execute("SELECT f.id, f.name, f.code FROM firms f JOIN streets s ON s.id = f.street_id "
                        "WHERE s.name = ? AND f.deleted_at IS NULL AND f.code IS NOT NULL ORDER BY f.id LIMIT ?",
                        (street, n)).fetchall()
    conn.close()
    return rows


@pytest.fixture(params=["sqlite", "pg"])
def setting(request, demo_copy):
    if request.param == "sqlite":
        led = Ledger(demo_copy)
        yield Setting(led, led, led, led, None)
        led.close()
        return
    people = request.getfixturevalue("people")
    server, name = request.getfixturevalue("pg_db")
    setup.add_user(people["super"], f"{name}_jyq2", "officer", [MINE])
    setup.add_user(people["super"], f"{name}_yyo", "officer", [OTHER])
    colleague = server.url_for(name, user=f"{name}_jyq2")
    opened = [Ledger(people["officer"]), Ledger(colleague), Ledger(server.url_for(name, user=f"{name}_yyo")),
              Ledger(people["admin"])]
    yield Setting(*opened, colleague)
    for led in opened:
        led.close()


@pytest.fixture
def the_list(demo_db, tmp_path):
    """A list of an existing 积玉桥 firm (a new remark: an update) and a new firm with a code. Returns (path, firm)."""
    (fid, name, code), = firms_of(demo_db, MINE, 1)
    path = tmp_path / "名单.csv"
    path.write_text(f"企业名称,统一社会信用代码,所属街道,备注\n{name},{code},{MINE},预览后导入\n"
                    f"{NEW_NAME},{NEW_CODE},{MINE},预览后导入\n", encoding="utf-8")
    return path, fid


def preview(setting, path):
    plan = build_plan(setting.me, path)
    assert plan.summary(None)["created"] == 1 and not plan.summary(None)["errors"]
    return plan


def landed(led, fid) -> bool:
    remark = led.conn.execute("SELECT remark FROM firms WHERE id = ?", (fid,)).fetchone()[0]
    made = led.conn.execute("SELECT count(*) FROM firms WHERE code = ?", (NEW_CODE,)).fetchone()[0]
    return remark == "预览后导入" and made == 1


def refused(setting, plan, why: str) -> None:
    with pytest.raises(InputError) as exc:
        commit(setting.me, plan)
    assert MSG_STALE in str(exc.value) and why in str(exc.value), str(exc.value)


def test_an_unrelated_change_lets_the_import_land(setting, the_list, demo_db):
    path, fid = the_list
    plan = preview(setting, path)
    (other_mine, *_), = firms_of(demo_db, MINE, 2)[1:]
    (neighbours, *_), = firms_of(demo_db, OTHER, 1)
    for led, firm in ((setting.colleague, other_mine), (setting.neighbour, neighbours)):
        with led.write("person") as w:
            w.update_firm(firm, remark="别人的修改")
            w.add_alias(firm, "别人加的曾用名有限公司")
    with setting.admin.write("person") as w:          # the admin's work on the district's targets
        w.conn.execute("UPDATE targets SET target = target + 1 WHERE id = (SELECT MIN(id) FROM targets)")
        w.audit("update", "target", 1, None, None, {"target": "+1"})
    commit(setting.me, plan)
    assert landed(setting.me, fid)


def test_a_change_of_a_matched_firm_refuses(setting, the_list):
    path, fid = the_list
    plan = preview(setting, path)
    with setting.colleague.write("person") as w:
        w.update_firm(fid, industry="同街道同事改了行业")
    refused(setting, plan, "在预览之后被修改")
    assert not landed(setting.me, fid)


def test_a_matched_firm_moved_to_another_street_refuses_as_stale(setting, the_list):
    """On the server the moved firm and its audit rows vanish from the officer's sight (found by review: the
    commit then failed with "no such firm"); on the file the move is a change like any other."""
    path, fid = the_list
    plan = preview(setting, path)
    with setting.admin.write("person") as w:
        w.update_firm(fid, street_id=setting.admin.street_id(OTHER))
    refused(setting, plan, "不在您可查看的街道内" if setting.colleague_url else "在预览之后被修改")
    assert setting.admin.conn.execute("SELECT count(*) FROM firms WHERE code = ?", (NEW_CODE,)).fetchone()[0] == 0


def test_a_designation_of_a_matched_firm_refuses(setting, the_list):
    path, fid = the_list
    plan = preview(setting, path)
    with setting.colleague.write("person") as w:
        w.add_designation(fid, "kexiao", "2024-05-01")
    refused(setting, plan, "在预览之后被修改")


@pytest.mark.parametrize("street", [MINE, OTHER])
def test_a_new_firm_with_the_code_of_a_new_row_refuses(setting, the_list, street):
    path, _ = the_list
    plan = preview(setting, path)
    who = setting.colleague if street == MINE else setting.neighbour
    with who.write("person") as w:
        w.insert_firm("另一个名字的科技有限公司", NEW_CODE, street_id=who.street_id(street))
    refused(setting, plan, "同代码或同名称")


def test_a_former_name_given_since_that_a_new_row_has_refuses(setting, the_list, demo_db):
    """A row planned as a new firm whose name has since become another firm's former name: it means that firm."""
    path, _ = the_list
    plan = preview(setting, path)
    (other_mine, *_), = firms_of(demo_db, MINE, 2)[1:]
    with setting.colleague.write("person") as w:
        w.add_alias(other_mine, NEW_NAME)
    refused(setting, plan, "同代码或同名称")


def test_a_firm_of_the_same_name_made_by_another_import_refuses(setting, the_list, tmp_path, capsys):
    path, _ = the_list
    plan = preview(setting, path)
    other = tmp_path / "同事的名单.csv"
    other.write_text(f"企业名称,统一社会信用代码,所属街道\n{NEW_NAME},,{MINE}\n", encoding="utf-8")
    if setting.colleague_url:
        code, _, err = run(capsys, "import", other, "--db", setting.colleague_url)
        assert code == 0, err
    else:
        commit(setting.colleague, build_plan(setting.colleague, other))
    refused(setting, plan, "同代码或同名称")


@pytest.mark.parametrize("change", ["stage", "stage, the catalog read again", "street"])
def test_a_change_of_the_catalog_refuses(setting, the_list, change):
    """Also when the previewer's ledger has read the catalog again since (the app's live refresh does)."""
    path, fid = the_list
    plan = preview(setting, path)
    with setting.admin.write("person") as w:
        if change.startswith("stage"):
            catalog_store.update_stage(w, "gaoqi", aliases=["预览后新加的别名"])
        else:
            catalog_store.set_street(w, MINE, active=True, rename_to="积玉桥新名")
    if "again" in change:
        setting.me.invalidate()
        setting.me.catalog()
    refused(setting, plan, "预览之后被")
    assert not landed(setting.me, fid)


def _colleague_imports(url: str, path: str, results) -> None:
    from desktop.cli import main
    results.put(main(["import", path, "--db", url]))


@pytest.mark.server_only("the file has one writer at a time: no other process imports meanwhile")
def test_a_colleagues_import_in_another_process_does_not_refuse_mine(setting, the_list, demo_db, tmp_path):
    """The race on the server: I preview; a colleague of my street imports another list (other firms of the
    street, new firms) from another process; I commit after, and mine lands too."""
    path, fid = the_list
    plan = preview(setting, path)
    theirs = firms_of(demo_db, MINE, 12)[2:]
    other = tmp_path / "同事的名单.csv"
    other.write_text("企业名称,统一社会信用代码,所属街道,行业\n" + "".join(
        f"{n},{c},{MINE},同事导入\n" for _, n, c in theirs) + f"积玉桥同事新办有限公司,,{MINE},软件\n",
        encoding="utf-8")
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    proc = ctx.Process(target=_colleague_imports, args=(setting.colleague_url, str(other), results))
    proc.start()
    assert results.get(timeout=180) == 0
    proc.join(timeout=60)
    assert proc.exitcode == 0
    commit(setting.me, plan)
    assert landed(setting.me, fid)
    count = setting.me.conn.execute("SELECT count(*) FROM firms WHERE industry = '同事导入'").fetchone()[0]
    assert count == len(theirs)


# A writer whose transaction was open at the preview and commits after it: its audit ids come from a sequence and may
# lie below the preview's mark (another writer took a higher id and committed first). The preview records the
# server's snapshot and counts such writers' rows as "after the preview" (db/plan_staleness.py).

def _open_write(led):
    """A write transaction left open (the caller ends it with ``_end``)."""
    cm = led.write("person")
    return cm, cm.__enter__()


def _end(cm) -> None:
    cm.__exit__(None, None, None)


def _left_open(led, nested: bool, write) -> object:
    """A write transaction of *led* left open after *write(w)*; with *nested*, the write is made inside a nested
    write (a SAVEPOINT: its rows carry the subtransaction's xid as xmin, which pg_current_snapshot() does not list;
    audit rows and batches record the top-level transaction, schema v6 ``xact``). The caller ends it (``_end``)."""
    cm, w = _open_write(led)
    if nested:
        with led.write("person") as inner:
            write(inner)
    else:
        write(w)
    return cm


OPEN_WRITES = pytest.mark.parametrize("nested", [False, True], ids=["top", "savepoint"])


def _a_later_write_commits_first(setting, demo_db) -> None:
    """The admin changes another firm of my street: an audit id above the open writer's that I can read (the mark
    is the last audit id the previewer reads), committed first."""
    (other_mine, *_), = firms_of(demo_db, MINE, 2)[1:]
    with setting.admin.write("person") as w:
        w.update_firm(other_mine, remark="管理员先提交的修改")


@OPEN_WRITES
@pytest.mark.server_only("the file has one writer: no transaction is open while another previews")
def test_a_change_open_at_the_preview_and_committed_after_refuses(setting, the_list, demo_db, nested):
    path, fid = the_list
    cm = _left_open(setting.colleague, nested, lambda w: w.update_firm(fid, industry="预览时尚未提交的修改"))
    _a_later_write_commits_first(setting, demo_db)
    plan = preview(setting, path)
    early = setting.admin.conn.execute("SELECT max(id) FROM audit WHERE firm_id = ?", (fid,)).fetchone()[0]
    assert early is None or early <= plan.audit_mark      # the open writer's audit row is not yet visible
    _end(cm)
    low = setting.admin.conn.execute("SELECT max(id) FROM audit WHERE firm_id = ?", (fid,)).fetchone()[0]
    assert low < plan.audit_mark, "the race this test is about: the late writer's audit id is below the mark"
    refused(setting, plan, "在预览之后被修改")
    assert not landed(setting.me, fid)


@OPEN_WRITES
@pytest.mark.server_only("the file has one writer: no transaction is open while another previews")
def test_a_namesake_made_by_a_write_open_at_the_preview_refuses(setting, the_list, demo_db, nested):
    """A colleague's write still running at my preview creates a firm with my new row's code."""
    path, _ = the_list
    cm = _left_open(setting.colleague, nested, lambda w: w.insert_firm(
        "同事尚未提交的科技有限公司", NEW_CODE, street_id=setting.colleague.street_id(MINE)))
    _a_later_write_commits_first(setting, demo_db)
    plan = preview(setting, path)
    _end(cm)
    refused(setting, plan, "同代码或同名称")


@pytest.mark.server_only("the file has one writer: no transaction is open while another previews")
def test_a_write_open_at_the_preview_and_rolled_back_does_not_refuse(setting, the_list, demo_db):
    path, fid = the_list
    cm, w = _open_write(setting.colleague)
    w.update_firm(fid, industry="预览时尚未提交、随后撤销的修改")
    _a_later_write_commits_first(setting, demo_db)
    plan = preview(setting, path)
    cm.__exit__(RuntimeError, RuntimeError("rolled back"), None)
    commit(setting.me, plan)
    assert landed(setting.me, fid)


@pytest.mark.server_only("the file has one writer: no transaction is open while another commits")
def test_review_a_namesake_committed_while_my_commit_waits_is_refused_in_chinese(setting, the_list):
    """Found by review: a colleague's write that creates my new row's code is still open when my commit checks
    (so the check cannot see it) and commits while my insert waits on the unique key: the import must fail in
    Chinese, as a stale plan, not with the server's English unique-key error."""
    import threading
    path, _ = the_list
    plan = preview(setting, path)
    cm, w = _open_write(setting.colleague)
    w.insert_firm("同事稍后提交的科技有限公司", NEW_CODE, street_id=setting.colleague.street_id(MINE))
    timer = threading.Timer(3.0, _end, (cm,))
    timer.start()
    try:
        with pytest.raises((InputError, LedgerError)) as exc:
            commit(setting.me, plan)
    finally:
        timer.join()
    assert "同代码" in str(exc.value) or "已属于" in str(exc.value), str(exc.value)
