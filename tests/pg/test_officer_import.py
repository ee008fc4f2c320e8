"""An officer's list on a shared ledger: rows about firms of other streets are errors of the plan, never dropped
and never planned as new firms; the same list planned by an admin, or on the file, has no such errors."""
import json
import multiprocessing
import sqlite3

import psycopg
import pytest

from db.ledger import Ledger
from db.pg import setup
from importers.plan import build_plan
from tests.cli.helpers import run

MINE = "积玉桥"


@pytest.fixture
def mixed_list(demo_db, tmp_path):
    """A list of: two firms of 积玉桥 (one moved to 杨园 by the list), a firm of 杨园 by its code, another by its
    name alone, a new firm in 积玉桥, one in 杨园 and one without a street. Returns (path, expected by name)."""
    conn = sqlite3.connect(demo_db)
    pick = ("SELECT f.name, f.code FROM firms f JOIN streets s ON s.id = f.street_id WHERE s.name = ? "
            "AND f.deleted_at IS NULL AND f.code IS NOT NULL ORDER BY f.id LIMIT ?")
    (own1, code1), (own2, code2) = conn.execute(pick, (MINE, 2)).fetchall()
    (yy1, yy_code), (yy2, _) = conn.execute(pick, ("杨园", 2)).fetchall()
    conn.close()
    rows = [(own1, code1, MINE), (own2, code2, "杨园"), (yy1, yy_code, "杨园"), (yy2, "", ""),
            ("积玉桥新办科技有限公司", "", MINE), ("杨园新办科技有限公司", "", "杨园"),
            ("无街道新办科技有限公司", "", "")]
    path = tmp_path / "名单.csv"
    path.write_text("企业名称,统一社会信用代码,所属街道,备注\n"
                    + "".join(f"{n},{c},{s},专员补充\n" for n, c, s in rows), encoding="utf-8")
    officer = {own1: ("update", None), own2: ("error", "本行的街道是杨园"), yy1: ("error", "这家企业属于杨园"),
               yy2: ("error", "这家企业属于杨园"), "积玉桥新办科技有限公司": ("new", None),
               "杨园新办科技有限公司": ("error", "本行的街道是杨园"), "无街道新办科技有限公司": ("error", "没有街道")}
    return path, officer


def planned(target, path):
    with Ledger(target, readonly=True) as led:
        plan = build_plan(led, path)
    return plan, {r.name: (r.status, " ".join(i.message for i in r.issues if i.level == "error")) for r in plan.rows}


def test_an_officers_plan_reports_the_rows_of_other_streets_as_errors(people, mixed_list):
    path, expected = mixed_list
    plan, rows = planned(people["officer"], path)
    assert set(rows) == set(expected) and len(plan.rows) == len(expected)       # every row shown, none dropped
    for name, (status, why) in expected.items():
        assert rows[name][0] == status, (name, rows[name])
        if why:
            assert why in rows[name][1] and ("不属于您负责的街道" in rows[name][1] or "没有街道" in why), rows[name]
    assert any("只导入您负责的街道（积玉桥）" in i.message for i in plan.file_issues)
    assert plan.summary(None)["created"] == 1 and len(plan.summary(None)["errors"]) >= 5


def test_a_refused_row_does_not_also_say_it_will_be_created(people, mixed_list):
    """无街道新办科技有限公司 has no code and no street: refused for the officer ("没有街道"), it also said
    "没有统一社会信用代码……将新建并标记待核实" (found by the README's walkthrough). An error row promises nothing."""
    plan = planned(people["officer"], mixed_list[0])[0]
    row = next(r for r in plan.rows if r.name == "无街道新办科技有限公司")
    assert row.status == "error" and [i.code for i in row.issues] == ["other_street"]
    assert not any("将新建" in i.message for r in plan.rows if r.status == "error" for i in r.issues)


def test_the_same_list_planned_by_an_admin_or_on_the_file_has_no_street_errors(people, mixed_list, demo_db):
    path, _ = mixed_list
    on_file, on_server = planned(str(demo_db), path)[1], planned(people["admin"], path)[1]
    assert on_file == on_server
    assert not any("不属于您负责的街道" in why for _, why in on_file.values())


def test_an_officers_import_lands_their_rows_and_only_theirs(people, mixed_list, capsys):
    path, expected = mixed_list
    code, out, err = run(capsys, "import", path, "--db", people["officer"], "--dry-run", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["batch"] is None and sum("不属于您负责的街道" in e["message"] for e in summary["errors"]) == 4
    code, out, err = run(capsys, "import", path, "--db", people["officer"], "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["batch"] and summary["created"] == 1 and summary["updated"] == 1
    with psycopg.connect(people["super"]) as conn:
        remarks = dict(conn.execute("SELECT f.name, f.remark FROM firms f WHERE f.name = ANY (%s)",
                                    (list(expected),)).fetchall())
        login = conn.execute("SELECT DISTINCT login FROM audit WHERE batch_id = %s", (summary["batch"],)).fetchall()
    landed = {n for n, (status, _) in expected.items() if status in ("new", "update")}
    assert {n for n, r in remarks.items() if r == "专员补充"} == landed
    assert login == [(people["logins"]["officer"],)]
    code, out, err = run(capsys, "undo", str(summary["batch"]), "--db", people["officer"], "--json")   # and back
    assert code == 0, err
    assert json.loads(out)["firms_removed"] == 1 and json.loads(out)["firms_restored"] == 1
    with psycopg.connect(people["super"]) as conn:
        after = dict(conn.execute("SELECT f.name, f.remark FROM firms f WHERE f.name = ANY (%s)",
                                  (list(expected),)).fetchall())
    assert not any(r == "专员补充" for r in after.values())


def _import(url: str, path: str, barrier, results) -> None:
    from db.ledger import Ledger
    from importers.plan import build_plan, commit_plan
    with Ledger(url) as led:
        plan = build_plan(led, path)
        barrier.wait(timeout=60)
        results.put((url, commit_plan(led, plan), plan.summary(None)["created"]))


def test_two_officers_importing_into_their_streets_at_once_both_land(pg_db, people, demo_db, tmp_path):
    server, name = pg_db
    setup.add_user(people["super"], f"{name}_yy_officer", "officer", ["杨园"])
    lists, known_total = [], 0
    for street, url in ((MINE, people["officer"]), ("杨园", server.url_for(name, user=f"{name}_yy_officer"))):
        conn = sqlite3.connect(demo_db)
        known = conn.execute("SELECT f.name, f.code FROM firms f JOIN streets s ON s.id = f.street_id WHERE s.name = ? "
                             "AND f.code IS NOT NULL ORDER BY f.id LIMIT 30", (street,)).fetchall()
        conn.close()
        known_total += len(known)
        path = tmp_path / f"{street}.csv"
        rows = [f"{n},{c},{street},并发导入测试行业" for n, c in known] + [f"{street}新企业{i}有限公司,,{street},软件"
                                                                 for i in range(40)]
        path.write_text("企业名称,统一社会信用代码,所属街道,行业\n" + "\n".join(rows) + "\n", encoding="utf-8")
        lists.append((url, str(path)))
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_import, args=(*args, barrier, results)) for args in lists]
    for p in procs:
        p.start()
    done = [results.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert len({batch for _, batch, _ in done}) == 2 and all(created == 40 for *_, created in done)
    with psycopg.connect(people["super"]) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT id) FROM firms WHERE name LIKE '%%新企业%%有限公司'"
                            ).fetchone() == (80, 80)
        assert conn.execute("SELECT count(*) FROM firms WHERE industry = '并发导入测试行业'").fetchone() == (
            known_total,)
