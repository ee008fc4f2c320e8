"""Opening a shared ledger for ``db.ledger.Ledger``: connect as the login in the URL, check that the database is
a 星图 shared ledger, and learn who the login is (its role and streets) from the server, which alone decides
what it may read and change (row-level security, db/pg/access.py)."""
from __future__ import annotations

from pathlib import Path

from db.engine import PgConnection
from db.pg import notify, schema
from db.pg.url import SharedLedgerError, connect_ledger, dbname, explain, safe

MSG_NO_USER = "登录名 {login} 不是共享台账 {db} 的用户：请管理员用 users add 添加"
MSG_VIEWER = "您是共享台账的查看者（{login}），只能查看，不能修改"
ROLE_OF = ("SELECT current_user::text, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user), "
           "xingtu_role(current_user::text), xingtu_read_streets(current_user::text)")


def scope_refusal(ledger, street_id: int | None) -> str | None:
    """Why a login that reads only some streets, or a file pulled with some streets only, cannot have the report asked
    for (the district's, or another street's): its figures would count only the firms it holds. None when it can."""
    allowed = getattr(ledger, "street_ids", None)
    if not allowed or street_id in allowed:
        return None
    mine = "、".join(name for sid, name in ledger.streets() if sid in allowed)
    what = "全区的报表" if street_id is None else "该街道的报表"
    who = f"您（{ledger.login}）只能查看 {mine} 的企业" if getattr(ledger, "shared", False) else \
        f"这份台账是从共享台账导出的一部分，只含 {mine} 的企业"
    return f"{who}，{what}会漏算其他企业；请用 --street 指定其中的街道，如 --street {mine.split('、')[0]}"


def other_street_firms(conn, codes: list[str], keys: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """The streets of the live firms outside the login's streets that have one of *codes*, or one of the name
    keys *keys* as their name or a former name: ({code: street}, {name key: street}). Only the street is told
    (db/pg/access.street_check)."""
    by_code: dict[str, str] = {}
    by_key: dict[str, str] = {}
    if not codes and not keys:
        return by_code, by_key
    for code, key, street in conn.execute("SELECT code, name_key, street FROM xingtu_other_street_firms(?, ?)",
                                          (list(codes), list(keys))):
        if code is not None:
            by_code[code] = street or "（未填街道）"
        else:
            by_key.setdefault(key, street or "（未填街道）")
    return by_code, by_key


def open_shared(ledger, url: str, readonly: bool | None) -> PgConnection:
    """Connect *ledger* (a db.ledger.Ledger) to the shared ledger at *url*. Sets ``ledger.login``,
    ``ledger.role`` (admin, officer or viewer; a superuser counts as admin), ``ledger.street_ids`` (the streets
    the login may read, empty for all), ``ledger.officer`` (the login: who the audit names), ``ledger.readonly``
    and ``ledger.readonly_reason``. readonly=False (the command line writing) refuses a viewer."""
    import psycopg
    name = dbname(url)
    raw = connect_ledger(url, autocommit=True)
    try:
        login, superuser, role, streets = raw.execute(ROLE_OF).fetchone()
    except psycopg.errors.InsufficientPrivilege as exc:     # not in any of the ledger's groups
        login = raw.info.user
        raw.close()
        raise SharedLedgerError(MSG_NO_USER.format(login=login, db=name)) from exc
    except psycopg.Error as exc:
        raw.close()
        raise SharedLedgerError(f"无法读取共享台账 {safe(url)}：{explain(exc)}") from exc
    except BaseException:
        raw.close()
        raise
    if role is None and not superuser:
        raw.close()
        raise SharedLedgerError(MSG_NO_USER.format(login=login, db=name))
    ledger.path = Path(name)          # what messages call the ledger (a file's name on the file)
    ledger.login, ledger.role = login, ("admin" if superuser else role)
    ledger.street_ids = [] if ledger.role == "admin" else list(streets or [])
    ledger.officer = login
    ledger.lock, ledger.lock_note, ledger.readonly_reason = None, "", ""
    ledger.readonly = bool(readonly)
    if ledger.role == "viewer" and not readonly:
        if readonly is False:
            raw.close()
            raise SharedLedgerError(MSG_VIEWER.format(login=login))
        ledger.readonly, ledger.readonly_reason = True, MSG_VIEWER.format(login=login)
    ledger.live_mode = notify.ensure(raw, bool(superuser), ledger.readonly)   # "listen", or "poll" (db/pg/notify.py)
    schema.upgrade(raw, bool(superuser), ledger.readonly)       # a ledger made before the latest indexes
    return PgConnection(raw)
