"""``init`` of a shared ledger in an empty database, and the people who use it (users add / list / remove)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from db.pg import access, bulk_load, notify, schema
from db.pg.url import SharedLedgerError, connect, connect_ledger, dbname, explain, q, role_names

MSG_NOT_EMPTY = "数据库 {db} 不是空的（已有 {n} 个表或视图，如 {first}），不会在其中建立共享台账；请新建一个空数据库"
MSG_ALREADY = "数据库 {db} 已经是星图共享台账，无需再 init"


@dataclass
class User:
    login: str
    role: str
    streets: list[str]
    added_at: datetime
    added_by: str

    def describe(self) -> str:
        where = "、".join(self.streets) if self.streets else ("全部街道" if self.role != "officer" else "（无）")
        return f"{self.login}  {access.ROLE_NAMES.get(self.role, self.role)}  {where}"


def init(url: str) -> dict[str, str]:
    """Create the shared ledger in the empty database at *url*, connected as a superuser. Returns its role names."""
    name = dbname(url)
    roles = role_names(name)
    with connect(url) as conn:
        try:
            with conn.cursor() as cur:
                _check_can_init(cur, name, roles)
                _create(cur, roles)
        except SharedLedgerError:
            raise
        except Exception as exc:
            import psycopg
            if not isinstance(exc, psycopg.Error):
                raise
            raise SharedLedgerError(f"建立共享台账失败，数据库未改动：{explain(exc)}") from exc
    return roles


def _check_can_init(cur, name: str, roles: dict[str, str]) -> None:
    superuser = cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]
    if not superuser:
        raise SharedLedgerError("建立共享台账需要用数据库超级用户登录（例如 postgres），因为要建立台账自己的角色")
    tables = [r[0] for r in cur.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg_toast%' ORDER BY c.relname")]
    if "app_users" in tables and "firms" in tables:
        raise SharedLedgerError(MSG_ALREADY.format(db=name))
    if tables:
        raise SharedLedgerError(MSG_NOT_EMPTY.format(db=name, n=len(tables), first="、".join(tables[:3])))
    encoding, ctype = cur.execute(
        "SELECT pg_encoding_to_char(encoding), datctype FROM pg_database WHERE datname = current_database()"
    ).fetchone()
    if encoding != "UTF8" or ctype.upper() in ("C", "POSIX"):
        raise SharedLedgerError(
            f"数据库 {name} 的编码为 {encoding}、字符类型为 {ctype}：中文检索需要 UTF-8 编码和 UTF-8 字符类型；"
            f"请这样新建：CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' "
            "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
    taken = [r[0] for r in cur.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY (%s)",
                                       (list(roles.values()),))]
    if taken:
        raise SharedLedgerError(
            f"服务器上已有同名角色 {'、'.join(taken)}（另一个同名台账留下的？），请先删除它们或换一个数据库名")


def _create(cur, roles: dict[str, str]) -> None:
    owner = q(roles["owner"])
    cur.execute(f"CREATE ROLE {owner} NOLOGIN CREATEROLE")
    cur.execute(f"GRANT CREATE, USAGE ON SCHEMA public TO {owner}")
    cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    cur.execute(f"SET LOCAL ROLE {owner}")
    for key in access.ROLES:
        cur.execute(f"CREATE ROLE {q(roles[key])} NOLOGIN")
    schema.create(cur)
    cur.execute(access.APP_USERS)
    cur.execute(access.HELPERS)
    cur.execute(access.user_functions(roles))
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    cur.execute("INSERT INTO meta (key, value) VALUES ('ledger_id', %s), ('shared_schema', %s), "
                "('sqlite_schema', %s), ('role_prefix', %s)",
                (uuid.uuid4().hex, str(schema.VERSION), str(schema.SQLITE_EQUIVALENT),
                 roles["owner"].removesuffix("_owner")))
    cur.execute("INSERT INTO migrations (version, name, applied_at) VALUES (%s, %s, %s)",
                (schema.VERSION, f"shared ledger (PostgreSQL), as SQLite schema v{schema.SQLITE_EQUIVALENT}", now))
    for statement in access.row_security() + access.policies() + access.privileges(roles) + access.street_check(roles):
        cur.execute(statement)
    if schema.VERSION >= bulk_load.VERSION:         # the owner's bulk step (schema v7) and who may run it
        for statement in access.bulk_access(roles):
            cur.execute(statement)
    if schema.VERSION >= schema.REACH_VERSION:      # an officer's undo asks for its batch's firms elsewhere (v12)
        for statement in access.reach_access(roles):
            cur.execute(statement)
    notify.install(cur)                 # live changes for the open windows (db/pg/notify.py)
    cur.execute("RESET ROLE")


def _call(url: str, sql: str, params=()):
    """Run one statement on the shared ledger as the login in *url*; a Chinese SharedLedgerError on refusal."""
    import psycopg
    with connect_ledger(url) as conn:
        try:
            rows = conn.execute(sql, params).fetchall()
        except psycopg.errors.InsufficientPrivilege as exc:   # not in the admin group: no right to the function
            text = explain(exc)
            raise SharedLedgerError(text if "管理员" in text else f"只有管理员可以管理用户（{text}）") from exc
        except psycopg.Error as exc:
            raise SharedLedgerError(explain(exc)) from exc
    return rows


def password_verifier(url: str, login: str, password: str) -> str:
    """The password as the server stores it (SCRAM), computed here: the clear text never reaches the server."""
    with connect(url) as conn:
        algorithm = conn.execute("SHOW password_encryption").fetchone()[0]
        return conn.pgconn.encrypt_password(password.encode(), login.encode(), algorithm.encode()).decode()


def add_user(url: str, login: str, role: str, streets: list[str], password: str | None = None) -> list[int]:
    """A new person: a login role in the role's group, with their streets (names). Returns the street ids."""
    if role not in access.ROLES:
        raise SharedLedgerError(f"未知的角色“{role}”，可用：admin、officer、viewer")
    if not login.strip() or len(login.encode()) > 63:
        raise SharedLedgerError("登录名不能为空，且不能超过 63 个字节")
    verifier = password_verifier(url, login, password) if password else None
    return _call(url, "SELECT xingtu_add_user(%s, %s, %s, %s)", (login, role, streets, verifier))[0][0]


def remove_user(url: str, login: str) -> None:
    _call(url, "SELECT xingtu_remove_user(%s)", (login,))


def list_users(url: str) -> list[User]:
    rows = _call(url, "SELECT u.login, u.role, coalesce(array(SELECT s.name FROM streets s "
                      "WHERE s.id = ANY (u.streets) ORDER BY s.sort, s.id), '{}'), u.added_at, u.added_by "
                      "FROM app_users u ORDER BY u.role, u.login")
    return [User(r[0], r[1], list(r[2]), r[3], r[4]) for r in rows]
