"""Live changes of a shared ledger: the server tells every open window what another person committed
(PostgreSQL LISTEN/NOTIFY on the channel ``xingtu_changes``), and a listener thread hands them to a callback.

Server side: statement-level triggers on the tables a window shows (firms and their aliases, designations and
service records; batches; the catalog and targets) call ``xingtu_notify()``, which sends ids only: the table and
the firm ids a statement touched (``{"t": "firms", "ids": [12, 40]}``), or no ids where any firm may be concerned
(``{"t": "stages"}``, a TRUNCATE, or ``"ids": "many"`` once a transaction has named MANY firm ids: then one more
notification per table, which the server's own de-duplication keeps to one). Never a name or a value, because a
notification is delivered to every listener of the database whatever row-level security lets it read: an officer
of one street learns that firm 40 changed, never what firm 40 is. The server sends nothing for a rollback, and
delivers a transaction's notifications at its commit.

Who installs the triggers: ``init`` (db/pg/setup.py), and ``ensure`` when a Ledger opens a shared ledger made
before them, but only when the login may (a superuser, acting as the ledger's owner role, which owns the
tables). Any other login (the people: admins, officers and viewers are not the owner and cannot create triggers)
logs a warning and its listener *polls* instead: every POLL_SECONDS it reads the audit rows added since (the audit
is append-only, written with every change through db/, and row-level security shows each login only the rows
about the firms it may read), so the windows still follow, within POLL_SECONDS, until a superuser opens the
ledger once.

Client side: ``Listener`` runs on its own psycopg connection (autocommit) in a daemon thread, batches what
arrives together and calls ``on_changes(list[Change])`` from that thread (the desktop bridges it to the GUI
thread: desktop/live.py). When the server drops the connection it reconnects (backing off up to 5 s) and then
reports a RESYNC change (anything may have changed meanwhile). ``stop()`` ends the thread and closes its
connection. A malformed payload (anyone may NOTIFY the channel) counts as "something changed", never as data.
"""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

CHANNEL = "xingtu_changes"
MANY = 300                  # firm ids a transaction names before it says "many"
VERSION = "xingtu live v1"  # the trigger function's comment: what ensure() checks
POLL_SECONDS = 1.0
WAIT_SECONDS = 0.25         # how long the thread waits before it looks at stop() again
GATHER_SECONDS = 0.05       # what else arrives this soon after a notification joins its batch
FIRM_TABLES = {"firms": "id", "firm_aliases": "firm_id", "designations": "firm_id", "service_records": "firm_id"}
OTHER_TABLES = ("batches", "streets", "tracks", "stages", "targets")
MSG_POLL = "共享台账 %s 尚未安装即时通知（需用数据库超级用户打开一次），改为每 %.0f 秒查看一次他人的修改"

NO_IDS = f"""
CREATE OR REPLACE FUNCTION xingtu_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', json_build_object('t', TG_TABLE_NAME)::text);
    RETURN NULL;
END $$;
COMMENT ON FUNCTION xingtu_notify() IS '{VERSION}';
"""
# static SQL over the transition tables (planned once per session; EXECUTE would plan on every statement)
WITH_IDS = f"""
CREATE OR REPLACE FUNCTION xingtu_notify_{{col}}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sent integer := coalesce(nullif(current_setting('xingtu.notified', true), ''), '0')::integer;
    ids bigint[];
BEGIN
    IF sent > {MANY} THEN       -- the same payload again: the server sends it once per transaction
        PERFORM pg_notify('{CHANNEL}', json_build_object('t', TG_TABLE_NAME, 'ids', 'many')::text);
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT {{col}} ORDER BY {{col}}) INTO ids FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT {{col}} ORDER BY {{col}}) INTO ids FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT x ORDER BY x) INTO ids
            FROM (SELECT {{col}} AS x FROM new_rows UNION ALL SELECT {{col}} FROM old_rows) u;
    END IF;
    IF ids IS NULL THEN         -- the statement touched no row
        RETURN NULL;
    END IF;
    sent := sent + cardinality(ids);
    PERFORM set_config('xingtu.notified', sent::text, true);
    IF sent > {MANY} THEN
        PERFORM pg_notify('{CHANNEL}', json_build_object('t', TG_TABLE_NAME, 'ids', 'many')::text);
    ELSE
        PERFORM pg_notify('{CHANNEL}', json_build_object('t', TG_TABLE_NAME, 'ids', ids)::text);
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION xingtu_notify_{{col}}() IS '{VERSION}';
"""
FUNCTIONS = [NO_IDS] + [WITH_IDS.format(col=col) for col in sorted(set(FIRM_TABLES.values()))]


def trigger_statements() -> list[str]:
    """Each trigger, dropped first (so install() also replaces an older set)."""
    out = []
    for table, col in FIRM_TABLES.items():
        for op, ref in (("INSERT", "NEW TABLE AS new_rows"), ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                        ("DELETE", "OLD TABLE AS old_rows")):
            name = f"xingtu_notify_{op.lower()}"
            out += [f"DROP TRIGGER IF EXISTS {name} ON {table}",
                    f"CREATE TRIGGER {name} AFTER {op} ON {table} REFERENCING {ref} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION xingtu_notify_{col}()"]
        out += [f"DROP TRIGGER IF EXISTS xingtu_notify_truncate ON {table}",
                f"CREATE TRIGGER xingtu_notify_truncate AFTER TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION xingtu_notify()"]
    for table in OTHER_TABLES:
        out += [f"DROP TRIGGER IF EXISTS xingtu_notify_any ON {table}",
                f"CREATE TRIGGER xingtu_notify_any AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION xingtu_notify()"]
    return out


EXPECTED_TRIGGERS = 4 * len(FIRM_TABLES) + len(OTHER_TABLES)


def install(cur) -> None:
    """The function and the triggers, on a cursor of the role that owns the tables (init's, or ensure's)."""
    for function in FUNCTIONS:
        cur.execute(function)
    for statement in trigger_statements():
        cur.execute(statement)


def installed(raw) -> bool:
    row = raw.execute(
        "SELECT (SELECT count(*) FROM pg_proc p WHERE p.proname LIKE 'xingtu\\_notify%%' "
        "AND obj_description(p.oid, 'pg_proc') = %s), "
        "(SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'xingtu\\_notify\\_%%' AND NOT tgisinternal)",
        (VERSION,)).fetchone()
    return row[0] == len(FUNCTIONS) and row[1] == EXPECTED_TRIGGERS


def ensure(raw, superuser: bool, readonly: bool) -> str:
    """On opening a shared ledger (*raw*: its autocommit psycopg connection): "listen" when the triggers are
    there, or were installed now (a superuser opening it to write); "poll" otherwise (logged)."""
    import psycopg
    if installed(raw):
        return "listen"
    if superuser and not readonly:
        try:
            with raw.transaction():
                raw.execute("SELECT pg_advisory_xact_lock(hashtext('xingtu_notify'))")
                if not installed(raw):
                    owner = raw.execute("SELECT tableowner FROM pg_tables WHERE schemaname = 'public' "
                                        "AND tablename = 'firms'").fetchone()[0]
                    raw.execute(f"SET LOCAL ROLE {_quote(owner)}")
                    install(raw.cursor())
            return "listen"
        except psycopg.Error as exc:
            log.warning("安装即时通知失败：%s", exc)
    log.warning(MSG_POLL, raw.info.dbname, POLL_SECONDS)
    return "poll"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Change:
    """What a notification says: a table, and the firms concerned (None: any firm may be)."""
    table: str
    firm_ids: frozenset[int] | None
    pid: int = 0            # the server process of the connection that committed it (0: not known)


RESYNC = Change("*", None)


def parse(payload: str, pid: int = 0) -> Change:
    try:
        data = json.loads(payload)
        table, ids = str(data["t"]), data.get("ids")
        if isinstance(ids, list):
            return Change(table, frozenset(int(i) for i in ids), pid)
        return Change(table, None, pid)
    except (ValueError, TypeError, KeyError, AttributeError):
        return Change("?", None, pid)


class Listener:
    """Listens (or polls, *mode* "poll") on its own connection to *url* in a thread; ``on_changes`` is called
    from that thread with each batch. ``connected`` is set once it listens."""

    def __init__(self, url: str, on_changes: Callable[[list[Change]], None], mode: str = "listen") -> None:
        self.url, self.on_changes, self.mode = url, on_changes, mode
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="xingtu-live", daemon=True)

    def start(self) -> Listener:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        import psycopg
        backoff, first = 0.2, True
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=5, keepalives=1,
                                     keepalives_idle=10, keepalives_interval=5, keepalives_count=3) as conn:
                    if not first:
                        self._hand_on([RESYNC])        # what was committed while we were away is not told again
                    first, backoff = False, 0.2
                    (self._listen if self.mode == "listen" else self._poll)(conn)
            except psycopg.Error as exc:
                self.connected.clear()
                if self._stop.is_set():
                    break
                log.warning("即时通知的连接中断，%.1f 秒后重连：%s", backoff, exc)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
        self.connected.clear()

    def _hand_on(self, changes: list[Change]) -> None:
        """A failing callback is logged with its traceback; the thread goes on listening."""
        try:
            self.on_changes(changes)
        except Exception:  # noqa: BLE001  (the listener must outlive one bad refresh)
            log.exception("处理他人的修改通知时出错")

    def _listen(self, conn) -> None:
        conn.execute(f"LISTEN {CHANNEL}")
        self.connected.set()
        while not self._stop.is_set():
            batch = list(conn.notifies(timeout=WAIT_SECONDS, stop_after=1))
            if not batch:
                continue
            batch += conn.notifies(timeout=GATHER_SECONDS)
            self._hand_on([parse(n.payload, n.pid) for n in batch])

    def _poll(self, conn) -> None:
        """Without the triggers: the audit rows added since the last look (a row's id is taken before its
        transaction commits, so the ids of the last few hundred rows are remembered, not only the highest)."""
        last = conn.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()[0]
        seen = {i for (i,) in conn.execute("SELECT id FROM audit WHERE id > %s", (last - MANY,))}
        self.connected.set()
        while not self._stop.wait(POLL_SECONDS):
            rows = conn.execute("SELECT id, firm_id FROM audit WHERE id > %s ORDER BY id",
                                (last - MANY,)).fetchall()
            new = [(i, f) for i, f in rows if i not in seen]
            if not new:
                continue
            seen = {i for i, _ in rows}
            last = max(last, max(i for i, _ in new))
            firms = {f for _, f in new}
            self._hand_on([Change("audit", None if None in firms else frozenset(firms))])
