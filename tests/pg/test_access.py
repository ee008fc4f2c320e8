"""Street permissions enforced by the server: direct psycopg connections as each kind of login."""
import psycopg
import pytest

from db.pg import setup
from db.pg.url import SharedLedgerError


def one(url, sql, params=()):
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchone()


def refused(url, sql, params=()) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        try:
            conn.execute(sql, params)
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.RaiseException):
            return True
    return False


def changed(url, sql, params=()) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql, params).rowcount


STREET_FIRMS = "SELECT count(*) FROM firms f JOIN streets s ON s.id = f.street_id WHERE s.name = %s"
A_FIRM = "SELECT f.id FROM firms f JOIN streets s ON s.id = f.street_id WHERE s.name = %s ORDER BY f.id LIMIT 1"
STREET = "SELECT id FROM streets WHERE name = %s"


def test_an_officer_reads_and_changes_only_the_firms_of_their_street(people):
    sup, off = people["super"], people["officer"]
    jyq, yy = one(sup, STREET_FIRMS, ("积玉桥",))[0], one(sup, STREET_FIRMS, ("杨园",))[0]
    assert jyq and yy
    assert one(off, "SELECT count(*) FROM firms") == (jyq,)
    assert one(off, STREET_FIRMS, ("杨园",)) == (0,)
    mine, theirs = one(sup, A_FIRM, ("积玉桥",))[0], one(sup, A_FIRM, ("杨园",))[0]
    assert changed(off, "UPDATE firms SET remark = '改' WHERE id = %s", (theirs,)) == 0
    assert changed(off, "DELETE FROM firms WHERE id = %s", (theirs,)) == 0
    assert one(sup, "SELECT remark IS DISTINCT FROM '改' FROM firms WHERE id = %s", (theirs,)) == (True,)
    assert changed(off, "UPDATE firms SET remark = '改' WHERE id = %s", (mine,)) == 1
    yy_id = one(sup, STREET, ("杨园",))[0]
    assert refused(off, "UPDATE firms SET street_id = %s WHERE id = %s", (yy_id, mine))      # no moving it away
    assert refused(off, "INSERT INTO firms (name, name_key, street_id, created_at, updated_at) "
                        "VALUES ('新公司', '新公司', %s, '2024-01-01', '2024-01-01')", (yy_id,))


def test_an_officer_reaches_only_their_firms_designations_services_and_aliases(people):
    sup, off = people["super"], people["officer"]
    for table in ("designations", "service_records", "firm_aliases"):
        mine = one(sup, f"SELECT count(*) FROM {table} t JOIN firms f ON f.id = t.firm_id "
                        "JOIN streets s ON s.id = f.street_id WHERE s.name = '积玉桥'")[0]
        assert one(off, f"SELECT count(*) FROM {table}") == (mine,), table
    theirs = one(sup, A_FIRM, ("杨园",))[0]
    stage = one(sup, "SELECT id FROM stages ORDER BY id LIMIT 1")[0]
    assert refused(off, "INSERT INTO designations (firm_id, stage_id, start_date, created_at) "
                        "VALUES (%s, %s, '2024-01-01', '2024-01-01')", (theirs, stage))
    assert refused(off, "INSERT INTO service_records (firm_id, date, created_at) VALUES (%s, '2024-01-01', 'x')",
                   (theirs,))
    assert changed(off, "UPDATE designations SET evidence = 'x' WHERE firm_id = %s", (theirs,)) == 0
    mine = one(sup, A_FIRM, ("积玉桥",))[0]
    assert changed(off, "INSERT INTO service_records (firm_id, date, created_at) VALUES (%s, '2024-01-01', 'x')",
                   (mine,)) == 1


def test_an_officer_cannot_touch_targets_catalog_or_users_nor_rewrite_audit(people):
    off = people["officer"]
    assert refused(off, "UPDATE targets SET target = 1")
    assert refused(off, "INSERT INTO streets (name) VALUES ('新街道')")
    assert refused(off, "UPDATE stages SET name = name || '改'")
    assert refused(off, "DELETE FROM tracks")
    assert refused(off, "UPDATE audit SET action = 'x'")
    assert refused(off, "DELETE FROM audit")
    assert refused(off, "SELECT * FROM app_users")
    with pytest.raises(SharedLedgerError, match="管理员"):
        setup.add_user(off, "someone_else", "officer", ["杨园"])


def test_a_viewer_reads_their_streets_or_all_and_writes_nothing(people):
    sup, viewer, boss = people["super"], people["viewer"], people["all"]
    assert one(viewer, "SELECT count(*) FROM firms") == one(sup, STREET_FIRMS, ("杨园",))
    assert one(boss, "SELECT count(*) FROM firms") == one(sup, "SELECT count(*) FROM firms")
    theirs = one(sup, A_FIRM, ("杨园",))[0]
    for url in (viewer, boss):
        assert refused(url, "UPDATE firms SET remark = 'x' WHERE id = %s", (theirs,))
        assert refused(url, "DELETE FROM service_records")
        assert refused(url, "INSERT INTO audit (at, os_user, action, entity, source) VALUES ('x', 'x', 'x', 'x', 'x')")
        assert refused(url, "UPDATE targets SET target = 1")


def test_an_admin_does_everything_but_rewrite_audit(people):
    admin, sup = people["admin"], people["super"]
    assert one(admin, "SELECT count(*) FROM firms") == one(sup, "SELECT count(*) FROM firms")
    assert changed(admin, "UPDATE targets SET target = target + 1 WHERE year = 2023") > 0
    assert changed(admin, "INSERT INTO streets (name, sort) VALUES ('新街道', 99)") == 1
    theirs = one(sup, A_FIRM, ("杨园",))[0]
    assert changed(admin, "UPDATE firms SET remark = '管理员改' WHERE id = %s", (theirs,)) == 1
    assert refused(admin, "UPDATE audit SET action = 'x'") and refused(admin, "DELETE FROM audit")
    assert refused(sup, "UPDATE audit SET action = 'x'") and refused(sup, "DELETE FROM audit")  # the trigger
    assert refused(sup, "TRUNCATE audit")


def test_audit_rows_carry_the_server_login_and_time_whatever_the_client_sends(people):
    off, sup = people["officer"], people["super"]
    mine = one(sup, A_FIRM, ("积玉桥",))[0]
    with psycopg.connect(off, autocommit=True) as conn:
        row = conn.execute("INSERT INTO audit (at, os_user, action, entity, firm_id, source, login, server_at) "
                           "VALUES ('2000-01-01', '冒名', 'update', 'firm', %s, 'person', 'postgres', '2000-01-01') "
                           "RETURNING login, server_at > now() - interval '1 hour'", (mine,)).fetchone()
    assert row == (people["logins"]["officer"], True)
    theirs = one(sup, A_FIRM, ("杨园",))[0]
    assert refused(off, "INSERT INTO audit (at, os_user, action, entity, firm_id, source) "
                        "VALUES ('x', 'x', 'update', 'firm', %s, 'person')", (theirs,))
    add = "INSERT INTO audit (at, os_user, action, entity, source) VALUES ('x', 'x', 'remember', %s, 'person')"
    assert changed(off, add, ("mapping",)) == 1                  # remembering a column mapping is an officer's
    assert refused(off, add, ("target",)) and refused(off, add, ("street",))
    assert changed(off, "INSERT INTO meta (key, value) VALUES ('mapping:abc', '{}')") == 1
    assert refused(off, "INSERT INTO meta (key, value) VALUES ('funnels', '[]')")


def test_users_are_listed_and_removed_by_an_admin(people):
    logins = people["logins"]
    users = {u.login: u for u in setup.list_users(people["admin"])}
    assert users[logins["officer"]].streets == ["积玉桥"] and users[logins["all"]].streets == []
    assert "专员" in users[logins["officer"]].describe()
    setup.remove_user(people["admin"], logins["viewer"])
    assert logins["viewer"] not in {u.login for u in setup.list_users(people["super"])}
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(people["viewer"]).close()
    with pytest.raises(SharedLedgerError, match="不能删除自己"):
        setup.remove_user(people["admin"], logins["admin"])
    with pytest.raises(SharedLedgerError, match="没有这些街道：火星"):
        setup.add_user(people["admin"], f"{logins['admin']}x", "officer", ["火星"])
    with pytest.raises(SharedLedgerError, match="--streets"):
        setup.add_user(people["admin"], f"{logins['admin']}y", "officer", [])
    with pytest.raises(SharedLedgerError, match="已存在"):
        setup.add_user(people["admin"], logins["officer"], "officer", ["杨园"])


def test_the_password_is_stored_as_a_scram_verifier(people):
    login = people["logins"]["officer"]
    stored = one(people["super"], "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (login,))[0]
    assert stored.startswith("SCRAM-SHA-256$") and "秘密" not in stored


def test_the_tables_belong_to_the_owner_role_not_to_any_login(people, pg_db):
    _, name = pg_db
    owners = {r for r in one(people["super"], "SELECT array_agg(DISTINCT tableowner) FROM pg_tables "
                                               "WHERE schemaname = 'public'")[0]}
    forced = one(people["super"], "SELECT bool_and(relforcerowsecurity AND relrowsecurity) FROM pg_class "
                                  "WHERE relname IN ('firms', 'designations', 'audit', 'targets', 'batches')")[0]
    assert owners == {f"{name}_owner"} and forced


def test_the_permission_is_not_something_the_client_can_set(people, pg_db):
    """Switching to the officers' group role (current_user then names no person) shows nothing; switching to
    the admins' is refused; settings change nothing."""
    _, name = pg_db
    with psycopg.connect(people["officer"], autocommit=True) as conn:
        conn.execute("SET app.role = 'admin'")
        conn.execute("SET app.streets = '1,2,3,4,5,6,7,8,9,10,11,12,13,14'")
        mine = conn.execute("SELECT count(*) FROM firms").fetchone()[0]
        conn.execute(f'SET ROLE "{name}_officer"')
        assert conn.execute("SELECT count(*) FROM firms").fetchone()[0] == 0
        conn.execute("RESET ROLE")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f'SET ROLE "{name}_admin"')
    assert mine == one(people["super"], STREET_FIRMS, ("积玉桥",))[0]
    assert refused(people["officer"], f'SET ROLE "{name}_owner"')


def test_an_admin_login_adds_people(people, pg_db):
    _, name = pg_db
    setup.add_user(people["admin"], f"{name}_new", "viewer", ["杨园"])
    assert {u.login: u.streets for u in setup.list_users(people["admin"])}[f"{name}_new"] == ["杨园"]


def _import(url, path) -> int:
    """An import by the login of *url*; the id of its batch."""
    from db.ledger import Ledger
    from importers.plan import build_plan, commit_plan
    with Ledger(url) as led:
        commit_plan(led, build_plan(led, path))
        return led.conn.execute("SELECT max(id) FROM batches").fetchone()[0]


def test_a_batch_is_read_by_its_maker_and_the_readers_of_a_firm_it_made_or_named(people, tmp_path):
    """The batches policy (db/pg/access.py BATCH_READ): the officer of 积玉桥 reads the admin's batch that made a
    firm of 积玉桥 and the one whose list named one, not the one that made a firm of 杨园 only; the manager of every
    street reads all."""
    made_here, made_there, named_here = (tmp_path / f"{k}.csv" for k in ("made_here", "made_there", "named_here"))
    made_here.write_text("企业名称,所属街道\n积玉桥批次可见新办有限公司,积玉桥\n", encoding="utf-8")
    made_there.write_text("企业名称,所属街道\n杨园批次不可见新办有限公司,杨园\n", encoding="utf-8")
    name = one(people["super"], "SELECT f.name FROM firms f JOIN streets s ON s.id = f.street_id WHERE s.name = %s "
               "ORDER BY f.id LIMIT 1", ("积玉桥",))[0]
    named_here.write_text(f"企业名称,备注\n{name},批次所列的已有企业\n", encoding="utf-8")
    batches = {k: _import(people["admin"], p) for k, p in
               (("made_here", made_here), ("made_there", made_there), ("named_here", named_here))}
    mine = one(people["officer"], "SELECT array_agg(id) FROM batches")[0] or []
    assert batches["made_here"] in mine and batches["named_here"] in mine
    assert batches["made_there"] not in mine
    every = one(people["all"], "SELECT array_agg(id) FROM batches")[0]
    assert set(batches.values()) <= set(every)
    assert one(people["viewer"], "SELECT count(*) FROM batches WHERE id = %s", (batches["made_there"],))[0] == 1
