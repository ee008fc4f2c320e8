"""A shared ledger's address: telling a PostgreSQL URL from a file path, connecting with a Chinese error, and
the names of the ledger's own roles (derived from the database name: roles are shared by a whole server)."""
from __future__ import annotations

import hashlib
import re

from db.engine import is_url  # noqa: F401  (told here, where the address is read; the rule lives in db.engine)
from db.errors import LedgerError


class SharedLedgerError(LedgerError):
    """A shared ledger cannot be used as asked: one Chinese sentence, no traceback."""


def dbname(url: str) -> str:
    from psycopg.conninfo import conninfo_to_dict
    try:
        params = conninfo_to_dict(url)
    except Exception as exc:  # noqa: BLE001  (psycopg raises ProgrammingError for a malformed URL)
        raise SharedLedgerError(f"共享台账地址无法识别：{url}（{exc}）") from exc
    name = params.get("dbname")
    if not name:
        raise SharedLedgerError(f"共享台账地址中没有数据库名：{url}（应写成 postgresql://登录名@主机:端口/数据库名）")
    return str(name)


def connect(url: str, *, autocommit: bool = False):
    """A psycopg connection to the shared ledger at *url*; a Chinese SharedLedgerError when the address is wrong,
    the server does not answer, or the login is refused."""
    import psycopg
    dbname(url)
    try:
        return psycopg.connect(url, autocommit=autocommit, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise SharedLedgerError(f"无法连接共享台账 {safe(url)}：{connect_reason(exc)}") from exc
    except psycopg.Error as exc:
        raise SharedLedgerError(f"共享台账地址无法使用 {safe(url)}：{first_line(exc)}") from exc


# why a connection failed, in words an officer can act on (the driver's English first line stays after it, for
# whoever keeps the server): the first pattern found in the driver's message wins
_CONNECT_REASONS = (
    (r"password authentication failed|no password supplied", "登录名或密码不对"),
    (r'role "[^"]*" does not exist', "服务器上没有这个登录名，请向管理员确认"),
    (r'database "[^"]*" does not exist', "服务器上没有这个数据库，请检查数据库名"),
    (r"no pg_hba\.conf entry", "服务器不允许从这台电脑登录，请管理员放行（pg_hba.conf）"),
    (r"could not translate host name|Name or service not known|nodename nor servname",
     "找不到这个服务器，请检查服务器地址"),
    (r"timeout expired|timed out", "连接超时，请检查网络和服务器地址"),
    (r"Connection refused|No such file or directory|could not connect|server closed the connection",
     "服务器没有响应，请检查服务器地址和端口，或请管理员确认数据库服务已启动"),
)


def connect_reason(exc: BaseException) -> str:
    """A failed connection's reason in Chinese, the driver's first line after it (``_CONNECT_REASONS``)."""
    raw = first_line(exc)
    for pattern, reason in _CONNECT_REASONS:
        if re.search(pattern, str(exc), re.IGNORECASE):
            return f"{reason}（{raw}）"
    return raw


MSG_NOT_LEDGER = "{url} 还不是星图共享台账（数据库中没有台账的表）：请先由管理员运行 init --db {url}"
# what init made (db/pg/setup.py): the one test of "this database is a shared ledger"; to_regclass and
# to_regprocedure need no privilege on what they name
LEDGER_MADE = ("SELECT to_regclass('public.app_users') IS NOT NULL AND to_regclass('public.meta') IS NOT NULL "
               "AND to_regclass('public.firms') IS NOT NULL "
               "AND to_regprocedure('public.xingtu_role(text)') IS NOT NULL")


def connect_ledger(url: str, *, autocommit: bool = False):
    """``connect``, then a Chinese SharedLedgerError when the database holds no shared ledger (``init`` never ran
    on it): a command on such a database says so instead of the server's 'relation … does not exist'. Every
    command and the app (db/pg/session.open_shared) open a shared ledger through here."""
    conn = connect(url, autocommit=autocommit)
    try:
        made = conn.execute(LEDGER_MADE).fetchone()[0]
        if not autocommit:
            conn.rollback()
    except BaseException:
        conn.close()
        raise
    if not made:
        conn.close()
        raise SharedLedgerError(MSG_NOT_LEDGER.format(url=safe(url)))
    return conn


def safe(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def explain(exc: BaseException) -> str:
    """A server error in one Chinese sentence: our own messages are Chinese already; the server's refusals say
    what was refused."""
    diag = getattr(exc, "diag", None)
    text = (getattr(diag, "message_primary", None) or first_line(exc)) if diag is not None else first_line(exc)
    state = getattr(exc, "sqlstate", None) or ""
    if re.search(r"[\u4e00-\u9fff]", text):
        return text
    if state == "42501" or "row-level security" in text:
        return f"权限不足，服务器拒绝了此操作（{text}）"
    if state.startswith("08"):
        return f"与数据库服务器的连接中断（{text}）"
    return f"数据库服务器报错：{text}"


def q(name: str) -> str:
    """A role or table name quoted as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def role_prefix(database: str) -> str:
    """The prefix of the ledger's roles: the database name, shortened with a hash when a role name would pass
    PostgreSQL's 63-byte limit."""
    if len(database.encode()) <= 48:
        return database
    digest = hashlib.sha256(database.encode()).hexdigest()[:8]
    cut = database.encode()[:36].decode(errors="ignore")
    return f"{cut}_{digest}"


def role_names(database: str) -> dict[str, str]:
    """owner (owns every table, never logs in) and the three groups each person's login role joins."""
    p = role_prefix(database)
    return {"owner": f"{p}_owner", "admin": f"{p}_admin", "officer": f"{p}_officer", "viewer": f"{p}_viewer"}


def build_url(host: str, port: int, database: str, login: str, password: str | None = None) -> str:
    """The URL of *database* on a server, for *login*: a host starting with '/' is a socket directory
    (``?host=``). The password, when given, goes into the URL percent-encoded: keep such a URL in memory only
    (``safe`` hides it in messages)."""
    from urllib.parse import quote
    who = quote(login, safe="") + (f":{quote(password, safe='')}" if password else "")
    db = quote(database, safe="")
    host = host.strip()
    if host.startswith("/"):
        return f"postgresql://{who}@/{db}?host={quote(host, safe='/')}&port={int(port)}"
    shown = f"[{host}]" if ":" in host else host                    # an IPv6 address
    return f"postgresql://{who}@{shown}:{int(port)}/{db}"
