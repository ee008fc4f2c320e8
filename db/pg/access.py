"""Who may read and change what in a shared ledger, enforced by the server.

Roles (names from db.pg.url.role_names, per database): the *owner* owns every table and function and never logs
in; each person is a login role in one of three groups, *admin*, *officer* or *viewer*, which carry the
privileges (what kind of statement). Which rows: row-level security on every table, FORCE'd so the owner is held
too, keyed on ``current_user`` through the table ``app_users`` (login → role, street ids), which only the owner's
functions read and only the admin functions below change: a client cannot set it for itself.

- admin: everything, and alone the catalog (streets, tracks, stages), targets, meta and the people;
- officer: reads and changes the firms of their streets and those firms' aliases, designations, service records
  and batches; reads those firms' list rows (batch_rows) and adds them under their own batches only, never changes
  or deletes one (they go with their firm); adds audit rows about them; remembers and forgets column mappings
  (meta keys ``mapping:…``: undoing an import that remembered one forgets it);
- viewer: reads the firms of their streets, or all firms when given none, and changes nothing.
Nobody is granted UPDATE or DELETE on the audit table, and its triggers refuse both (db/pg/schema.py).
"""
from __future__ import annotations

from db.pg.schema import APP_TABLES, CATALOG, FIRM_CHILDREN
from db.pg.url import q

ROLES = ("admin", "officer", "viewer")
ROLE_NAMES = {"admin": "管理员", "officer": "专员", "viewer": "查看者"}

APP_USERS = """
CREATE TABLE app_users (
    login text PRIMARY KEY,
    role text NOT NULL CHECK (role IN ('admin', 'officer', 'viewer')),
    streets bigint[] NOT NULL DEFAULT '{}',
    added_at timestamptz NOT NULL DEFAULT now(),
    added_by text NOT NULL DEFAULT session_user
);
"""

# who the login is: the owner's functions read app_users, so nobody else needs to (or may) read it. Each answers for
# the session's own login, and for any login to an admin or a superuser: an officer read every person's role and
# streets by naming them (found by an attack). The policies ask for current_user, the session's login; inside the
# owner's functions they ask for the owner, who is no person (nothing, as before). Made again on every upgrade.
_ASKS = ("(who = session_user::text OR EXISTS (SELECT 1 FROM app_users a WHERE a.login = session_user::text "
         "AND a.role = 'admin') OR coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false))")
HELPERS = f"""
CREATE OR REPLACE FUNCTION xingtu_role(who text) RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp AS $$ SELECT role FROM app_users WHERE login = who AND {_ASKS} $$;
CREATE OR REPLACE FUNCTION xingtu_read_all(who text) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp AS $$
    SELECT coalesce(bool_or(role = 'admin' OR (role = 'viewer' AND cardinality(streets) = 0)), false)
    FROM app_users WHERE login = who AND {_ASKS} $$;
CREATE OR REPLACE FUNCTION xingtu_read_streets(who text) RETURNS bigint[] LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp AS $$
    SELECT coalesce((SELECT streets FROM app_users WHERE login = who AND {_ASKS}), '{{}}') $$;
CREATE OR REPLACE FUNCTION xingtu_write_all(who text) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM app_users WHERE login = who AND role = 'admin' AND {_ASKS}) $$;
CREATE OR REPLACE FUNCTION xingtu_write_streets(who text) RETURNS bigint[] LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp AS $$
    SELECT coalesce((SELECT streets FROM app_users WHERE login = who AND role = 'officer' AND {_ASKS}), '{{}}') $$;
"""

# a subselect around each helper: evaluated once per statement (an InitPlan), not once per row
READ_ALL = "(SELECT xingtu_read_all(current_user::text))"
READ_STREETS = "(SELECT xingtu_read_streets(current_user::text))::bigint[]"
WRITE_ALL = "(SELECT xingtu_write_all(current_user::text))"
WRITE_STREETS = "(SELECT xingtu_write_streets(current_user::text))::bigint[]"
FIRM_READ = f"({READ_ALL} OR street_id = ANY ({READ_STREETS}))"
FIRM_WRITE = f"({WRITE_ALL} OR street_id = ANY ({WRITE_STREETS}))"
# firms' own policy filters the subquery; a login that reads every street skips it (one InitPlan, evaluated first):
# per row it was an index probe into firms, 4.8M of them when a manager's dashboard read the designations (32 s)
CHILD_READ = f"({READ_ALL} OR EXISTS (SELECT 1 FROM firms f WHERE f.id = firm_id))"
CHILD_WRITE = (f"({WRITE_ALL} OR EXISTS (SELECT 1 FROM firms f WHERE f.id = firm_id "
               f"AND f.street_id = ANY ({WRITE_STREETS})))")
# a batch is read by whoever made it, and by the readers of a firm it made or named (its list rows). The batches that
# made a firm of the login's streets are gathered once per statement (an InitPlan over the index (street_id,
# batch_id)): as a per-batch EXISTS the planner scanned all firms for each batch that made none of the login's (its
# estimate of a batch's firms is the table over the number of batches): an officer's staleness check took 1 s on
# 1M firms with four batches, and would take that for every other street's batch
BATCH_READ = (f"({READ_ALL} OR login = current_user "
              "OR batches.id = ANY ((SELECT array_agg(DISTINCT f.batch_id) FROM firms f "
              f"WHERE f.street_id = ANY ({READ_STREETS}))::bigint[]) "
              "OR EXISTS (SELECT 1 FROM batch_rows r WHERE r.batch_id = batches.id))")
IS_OFFICER = f"cardinality({WRITE_STREETS}) > 0"
# what an import's list said about a firm it matched (batch_rows): undo reads it to know which later batch still
# asserts a value (db/undo.py). The app only inserts them (db/bulk.py record_rows), under the batch being imported;
# they go only with their firm (ON DELETE CASCADE, run as the tables' owner). Up to v10 an officer could update and
# delete the list rows of their firms under anyone's batch (found by review): a forged row of the admin's later list
# made the admin's undo of an earlier batch set the officer's value, a deleted one drop the value it confirmed.
# So an officer inserts them for their own firms and changes none; an admin, as before, any. That an officer's row
# names a batch of their own login is the batch guard's rule (db/pg/schema.py V8, a statement trigger), not repeated
# here (it made each row of an officer's import ~0.25 ms slower)

# what an officer's own changes audit (db/ledger.py, db/bulk.py, db/undo.py, db/mappings.py); the catalog, targets
# and settings are the admin's
OFFICER_ENTITIES = ("firm", "designation", "alias", "service", "batch", "mapping")
OFFICER_AUDIT = (f"({IS_OFFICER} AND login = current_user "
                 f"AND entity IN ({', '.join(repr(e) for e in OFFICER_ENTITIES)}) "
                 "AND (firm_id IS NULL OR EXISTS (SELECT 1 FROM firms f WHERE f.id = firm_id "
                 f"AND f.street_id = ANY ({WRITE_STREETS}))))")


def policies() -> list[str]:
    """The row-level security of every table."""
    out = []

    def policy(table: str, name: str, command: str, using: str | None, check: str | None = None) -> None:
        text = f"CREATE POLICY {name} ON {table} FOR {command}"
        text += f" USING ({using})" if using else ""
        text += f" WITH CHECK ({check})" if check else ""
        out.append(text)

    policy("firms", "firms_read", "SELECT", FIRM_READ)
    policy("firms", "firms_insert", "INSERT", None, FIRM_WRITE)
    policy("firms", "firms_update", "UPDATE", FIRM_WRITE, FIRM_WRITE)
    policy("firms", "firms_delete", "DELETE", FIRM_WRITE)
    for table in FIRM_CHILDREN:
        listed = table == "batch_rows"
        policy(table, f"{table}_read", "SELECT", CHILD_READ)
        policy(table, f"{table}_insert", "INSERT", None, CHILD_WRITE)
        policy(table, f"{table}_update", "UPDATE", *[WRITE_ALL if listed else CHILD_WRITE] * 2)
        policy(table, f"{table}_delete", "DELETE", WRITE_ALL if listed else CHILD_WRITE)
    policy("batches", "batches_read", "SELECT", BATCH_READ)
    policy("batches", "batches_insert", "INSERT", None, f"({WRITE_ALL} OR ({IS_OFFICER} AND login = current_user))")
    policy("batches", "batches_update", "UPDATE", f"({WRITE_ALL} OR login = current_user)",
           f"({WRITE_ALL} OR login = current_user)")
    policy("batches", "batches_delete", "DELETE", WRITE_ALL)
    policy("audit", "audit_read", "SELECT", f"({READ_ALL} OR login = current_user OR {CHILD_READ})")
    policy("audit", "audit_insert", "INSERT", None, f"({WRITE_ALL} OR {OFFICER_AUDIT})")
    for table in (*CATALOG, "targets", "migrations", "meta"):
        policy(table, f"{table}_read", "SELECT", "true")
        policy(table, f"{table}_admin", "ALL", WRITE_ALL, WRITE_ALL)
    mapping = f"({IS_OFFICER} AND key LIKE 'mapping:%')"
    policy("meta", "meta_officer_insert", "INSERT", None, mapping)
    policy("meta", "meta_officer_update", "UPDATE", mapping, mapping)
    policy("meta", "meta_officer_delete", "DELETE", mapping)
    return out


def privileges(roles: dict[str, str]) -> list[str]:
    """What kind of statement each group may run (the rows are the policies' business)."""
    admin, officer, viewer = (q(roles[k]) for k in ROLES)
    groups = f"{admin}, {officer}, {viewer}"
    tables = ", ".join(APP_TABLES)
    officer_tables = ", ".join(("firms", *(t for t in FIRM_CHILDREN if t != "batch_rows"), "batches"))
    editable = ", ".join(t for t in APP_TABLES if t != "audit")
    return [
        f"REVOKE ALL ON {tables}, app_users FROM PUBLIC",
        f"GRANT SELECT ON {tables} TO {groups}",
        f"GRANT INSERT, UPDATE, DELETE ON {officer_tables} TO {officer}",
        f"GRANT INSERT ON batch_rows TO {officer}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON batch_rows FROM {officer}",     # granted up to v10
        f"GRANT INSERT ON audit TO {officer}, {admin}",
        f"GRANT INSERT, UPDATE, DELETE ON meta TO {officer}",
        f"GRANT INSERT, UPDATE, DELETE, TRUNCATE ON {editable} TO {admin}",
        f"GRANT SELECT ON app_users TO {admin}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {officer}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {admin}",
        "REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION xingtu_role(text), xingtu_read_all(text), xingtu_read_streets(text), "
        f"xingtu_write_all(text), xingtu_write_streets(text), "
        f"xingtu_find_firms(text, boolean, boolean, bigint) TO {groups}",
        f"GRANT EXECUTE ON FUNCTION xingtu_add_user(text, text, text[], text), xingtu_remove_user(text) TO {admin}",
    ]


def street_check(roles: dict[str, str]) -> list[str]:
    """What an officer's import needs to say "不属于您负责的街道" instead of creating a second copy of a firm it
    cannot see: for the codes and name keys (or former names') of its list, the street of each live firm outside
    the login's streets, and nothing else of it. The owner reads firms and former names only inside this
    function (a policy for the owner, which never logs in); the caller is ``session_user``."""
    owner = q(roles["owner"])
    return [
        f"CREATE POLICY firms_owner_read ON firms FOR SELECT TO {owner} USING (true)",
        f"CREATE POLICY firm_aliases_owner_read ON firm_aliases FOR SELECT TO {owner} USING (true)",
        """CREATE FUNCTION xingtu_other_street_firms(codes text[], keys text[])
    RETURNS TABLE (code text, name_key text, street text) LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp AS $$
    WITH outside AS (SELECT f.id, f.code, f.name_key, s.name AS street FROM firms f
                     LEFT JOIN streets s ON s.id = f.street_id
                     WHERE f.deleted_at IS NULL AND NOT xingtu_write_all(session_user::text)
                     AND NOT coalesce(f.street_id = ANY (xingtu_write_streets(session_user::text)), false))
    SELECT o.code, NULL, o.street FROM outside o WHERE o.code = ANY (codes)
    UNION ALL SELECT NULL, o.name_key, o.street FROM outside o WHERE o.name_key = ANY (keys)
    UNION ALL SELECT NULL, a.name_key, o.street FROM outside o JOIN firm_aliases a ON a.firm_id = o.id
        WHERE a.name_key = ANY (keys) $$""",
        "REVOKE EXECUTE ON FUNCTION xingtu_other_street_firms(text[], text[]) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION xingtu_other_street_firms(text[], text[]) TO {q(roles['officer'])}, "
        f"{q(roles['admin'])}",
    ]


def bulk_access(roles: dict[str, str]) -> list[str]:
    """Who may run the owner's bulk step (db/pg/bulk_load.py, schema v7): the admins and officers; and what it
    may insert: inside it the owner inserts, so the owner's INSERT policies on firms and designations are the
    people's write rules (FIRM_WRITE, CHILD_WRITE) for ``session_user``, the login that called it; and what the
    owner reads when it checks the keys it added back: every row. Idempotent."""
    from db.pg.bulk_load import FUNCTIONS
    owner = q(roles["owner"])
    write_all = "(SELECT xingtu_write_all(session_user::text))"
    write_streets = "(SELECT xingtu_write_streets(session_user::text))::bigint[]"
    checks = {"firms": f"({write_all} OR street_id = ANY ({write_streets}))",
              "designations": f"({write_all} OR EXISTS (SELECT 1 FROM firms f WHERE f.id = firm_id "
                              f"AND f.street_id = ANY ({write_streets})))"}
    out = []
    for table, check in checks.items():
        out += [f"DROP POLICY IF EXISTS {table}_owner_bulk ON {table}",
                f"CREATE POLICY {table}_owner_bulk ON {table} FOR INSERT TO {owner} WITH CHECK ({check})"]
    # the keys added back are checked by one query run as the owner, under FORCE'd row security: a designation
    # of a missing firm was hidden from it by the read policy (CHILD_READ) and passed; the owner reads all the
    # rows a key joins (firms already: street_check), only ever inside its own functions
    for table in ("designations", "batches"):
        out += [f"DROP POLICY IF EXISTS {table}_owner_read ON {table}",
                f"CREATE POLICY {table}_owner_read ON {table} FOR SELECT TO {owner} USING (true)"]
    return out + [f"REVOKE ALL ON FUNCTION {FUNCTIONS} FROM PUBLIC",
                  f"GRANT EXECUTE ON FUNCTION {FUNCTIONS} TO {q(roles['admin'])}, {q(roles['officer'])}"]


def reach_access(roles: dict[str, str]) -> list[str]:
    """Who may ask ``xingtu_batch_out_of_reach`` (officers and admins), and what its owner reads: the list rows of
    every firm (firms and their former names it reads already: ``street_check``). Idempotent."""
    owner = q(roles["owner"])
    return ["DROP POLICY IF EXISTS batch_rows_owner_read ON batch_rows",
            f"CREATE POLICY batch_rows_owner_read ON batch_rows FOR SELECT TO {owner} USING (true)",
            f"GRANT EXECUTE ON FUNCTION xingtu_batch_out_of_reach(bigint) TO {q(roles['admin'])}, "
            f"{q(roles['officer'])}"]


def row_security() -> list[str]:
    return [f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY" for t in APP_TABLES] + [
        f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY" for t in APP_TABLES]


def user_functions(roles: dict[str, str]) -> str:
    """users add / users remove, run by an admin (or a superuser) with the owner's right to create roles."""
    groups = ", ".join(f"'{k}', '{v.replace(chr(39), chr(39) * 2)}'" for k, v in roles.items() if k in ROLES)
    return f"""
CREATE FUNCTION xingtu_caller_is_admin() RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM app_users WHERE login = session_user AND role = 'admin')
        OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = session_user AND rolsuper) $$;
CREATE FUNCTION xingtu_add_user(who text, what text, street_names text[], verifier text) RETURNS bigint[]
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    ids bigint[];
    unknown text;
    grp text := (json_build_object({groups})) ->> what;
BEGIN
    IF NOT xingtu_caller_is_admin() THEN
        RAISE EXCEPTION '只有管理员可以管理用户' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF grp IS NULL THEN
        RAISE EXCEPTION '未知的角色“%”，可用：admin、officer、viewer', what USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = who) THEN
        RAISE EXCEPTION '登录名“%”在此数据库服务器上已存在', who USING ERRCODE = 'duplicate_object';
    END IF;
    SELECT string_agg(n, '、') INTO unknown FROM unnest(street_names) n
        WHERE NOT EXISTS (SELECT 1 FROM streets s WHERE s.name = n);
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION '台账中没有这些街道：%', unknown USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT coalesce(array_agg(s.id ORDER BY s.sort, s.id), '{{}}') INTO ids FROM streets s
        WHERE s.name = ANY (street_names);
    IF what = 'officer' AND cardinality(ids) = 0 THEN
        RAISE EXCEPTION '专员必须用 --streets 指定负责的街道' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF what = 'admin' AND cardinality(ids) > 0 THEN
        RAISE EXCEPTION '管理员管理全部街道，不能指定 --streets' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF verifier IS NULL THEN
        EXECUTE format('CREATE ROLE %I LOGIN IN ROLE %I', who, grp);
    ELSE
        EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE %I', who, verifier, grp);
    END IF;
    INSERT INTO app_users (login, role, streets) VALUES (who, what, ids);
    RETURN ids;
END $$;
CREATE FUNCTION xingtu_remove_user(who text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT xingtu_caller_is_admin() THEN
        RAISE EXCEPTION '只有管理员可以管理用户' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF who = session_user THEN
        RAISE EXCEPTION '不能删除自己的登录名' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    DELETE FROM app_users WHERE login = who;
    IF NOT FOUND THEN
        RAISE EXCEPTION '此台账没有用户“%”', who USING ERRCODE = 'undefined_object';
    END IF;
    EXECUTE format('DROP ROLE %I', who);
END $$;
"""
