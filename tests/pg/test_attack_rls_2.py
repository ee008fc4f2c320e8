"""Attacks on the shared ledger's street security by a logged-in officer (connecting with psycopg directly).

Each test here is a finding: it fails while the hole is open.

1. An officer may INSERT audit rows naming any batch (the audit insert policy checks login, entity and firm_id,
   not batch_id, source or entity_id). db/undo.py trusts the batch's audit rows: when the admin undoes that
   batch, a forged 'designation insert' row deletes another street's designation, and a forged 'designation
   update' row writes its "before" values into another street's designation (here: moves it to the officer's
   firm).
2. The keys of a forged row's "before" JSON become column names in undo's UPDATE (db/undo.py ``_undo_row``):
   SQL run by the admin's login. An officer makes themselves an admin login.
3. ``xingtu_role`` / ``xingtu_read_streets`` / ``xingtu_read_all`` take any login name and are granted to every
   group: an officer reads every person's role and streets (app_users, which only admins may read).
"""
import json

import psycopg

from db.ledger import Ledger
from importers.plan import build_plan, commit_plan
from importers.undo import undo_batch


def one(url, sql, params=()):
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchone()


FORGE = ("INSERT INTO audit (at, os_user, action, entity, entity_id, firm_id, before, after, source, batch_id) "
         "VALUES ('2099-01-01', '导入', %s, 'designation', %s, NULL, %s, '{}', 'import', %s)")
STREET_DESIGNATION = ("SELECT d.id FROM designations d JOIN firms f ON f.id = d.firm_id JOIN streets s "
                      "ON s.id = f.street_id WHERE s.name = %s AND d.deleted_at IS NULL ORDER BY d.id LIMIT 2")


def _admin_batch(people, tmp_path) -> int:
    """An ordinary import by the admin (one new firm of 杨园); its batch id."""
    path = tmp_path / "管理员名单.csv"
    path.write_text("企业名称,所属街道\n管理员新办测试有限公司,杨园\n", encoding="utf-8")
    with Ledger(people["admin"]) as led:
        commit_plan(led, build_plan(led, path))
        return led.conn.execute("SELECT max(id) FROM batches").fetchone()[0]


def _forge(url, *rows) -> None:
    """The officer adds audit rows; whether the server refuses them or not, the admin's undo must stay sound."""
    with psycopg.connect(url, autocommit=True) as conn:
        for row in rows:
            try:
                conn.execute(FORGE, row)
            except psycopg.Error:
                pass


def test_an_officers_forged_audit_rows_do_not_make_an_admins_undo_change_another_street(people, tmp_path):
    sup, off = people["super"], people["officer"]
    batch = _admin_batch(people, tmp_path)
    with psycopg.connect(sup, autocommit=True) as conn:
        gone, moved = (r[0] for r in conn.execute(STREET_DESIGNATION, ("杨园",)).fetchall())
    mine = one(sup, "SELECT f.id FROM firms f JOIN streets s ON s.id = f.street_id WHERE s.name = '积玉桥' "
                    "ORDER BY f.id LIMIT 1")[0]
    before = one(sup, "SELECT firm_id, start_date, end_date FROM designations WHERE id = %s", (moved,))
    assert one(off, "SELECT count(*) FROM designations WHERE id IN (%s, %s)", (gone, moved)) == (0,)  # not theirs
    _forge(off, ("insert", gone, None, batch), ("update", moved, json.dumps({"firm_id": mine}), batch))
    with Ledger(people["admin"]) as led:
        undo_batch(led, batch)
    assert one(sup, "SELECT count(*) FROM designations WHERE id = %s", (gone,)) == (1,), \
        "the admin's undo deleted a designation of 杨园 named by the officer's forged audit row"
    assert one(sup, "SELECT firm_id, start_date, end_date FROM designations WHERE id = %s", (moved,)) == before, \
        "the admin's undo moved a designation of 杨园 into the officer's firm"


def test_an_officers_forged_audit_row_runs_no_sql_as_the_admin(people, pg_db, tmp_path):
    _, name = pg_db
    sup, off = people["super"], people["officer"]
    batch = _admin_batch(people, tmp_path)
    any_designation = one(off, "SELECT id FROM designations ORDER BY id LIMIT 1")[0]
    evil = f"{name}_evil"
    key = f"evidence = (SELECT xingtu_add_user('{evil}', 'admin', '{{}}', NULL))::text, list_name"
    _forge(off, ("update", any_designation, json.dumps({key: "x"}), batch))
    with Ledger(people["admin"]) as led:
        try:
            undo_batch(led, batch)
        except Exception:       # noqa: BLE001  (refusing is fine; running the officer's SQL is not)
            pass
    assert one(sup, "SELECT count(*) FROM pg_roles WHERE rolname = %s", (evil,)) == (0,), \
        "the officer's JSON key ran as SQL in the admin's undo and made an admin login"
    assert one(sup, "SELECT count(*) FROM app_users WHERE login = %s", (evil,)) == (0,)


def test_an_officer_cannot_read_other_peoples_roles_and_streets(people):
    off, logins = people["officer"], people["logins"]
    other = logins["viewer"]            # the viewer of 杨园: not the officer's business
    with psycopg.connect(off, autocommit=True) as conn:
        leaked = []
        for fn in ("xingtu_role(%s)", "xingtu_read_streets(%s)::text", "xingtu_read_all(%s)::text",
                   "xingtu_write_all(%s)::text"):
            try:
                value = conn.execute(f"SELECT {fn}", (logins["admin"] if "all" in fn else other,)).fetchone()[0]
            except psycopg.errors.InsufficientPrivilege:
                continue
            if value not in (None, "{}", "false"):
                leaked.append((fn, value))
    assert not leaked, f"an officer reads app_users through the helpers: {leaked}"
