"""Live changes of a shared ledger (db/pg/notify.py): what the server sends on a commit, to whom, and the
listener thread that hands it on (reconnecting, polling where the triggers are missing)."""
import json
import queue
import time

import psycopg
import pytest

from db.ledger import Ledger
from db.pg import notify

STREET_FIRM = "SELECT f.id, f.name FROM firms f JOIN streets s ON s.id = f.street_id WHERE s.name = %s ORDER BY f.id"


class Inbox:
    """What a listener handed on, with the time each batch arrived."""

    def __init__(self) -> None:
        self.batches: queue.Queue = queue.Queue()

    def __call__(self, changes) -> None:
        self.batches.put((time.monotonic(), changes))

    def next(self, timeout: float = 2.0):
        return self.batches.get(timeout=timeout)

    def empty_for(self, seconds: float) -> bool:
        try:
            self.batches.get(timeout=seconds)
        except queue.Empty:
            return True
        return False


@pytest.fixture
def listen(people):
    started = []

    def start(url, mode="listen"):
        inbox = Inbox()
        listener = notify.Listener(url, inbox, mode).start()
        started.append(listener)
        assert listener.connected.wait(5)
        return listener, inbox
    yield start
    for listener in started:
        listener.stop()
        assert not listener.running


def firm_of(url: str, street: str) -> tuple[int, str]:
    with psycopg.connect(url) as conn:
        return conn.execute(STREET_FIRM, (street,)).fetchone()


def test_a_commit_by_another_login_reaches_a_listener_within_2s(people, listen):
    _, inbox = listen(people["viewer"])                       # a viewer of 杨园 listens
    fid, _ = firm_of(people["super"], "积玉桥")
    with Ledger(people["officer"]) as led:                    # an officer of 积玉桥 writes (the trigger runs as them)
        with led.write() as w:
            w.update_firm(fid, remark="走访")
            w.add_designation(fid, "xinxing", "2024-01-01")
        committed = time.monotonic()
    arrived, changes = inbox.next()
    while {c.table for c in changes} != {"firms", "designations"}:      # the two tables may come in two batches
        changes = changes + inbox.next()[1]
    assert {c.firm_ids for c in changes} == {frozenset({fid})}
    assert arrived - committed < 2.0
    assert all(c.pid for c in changes)


def test_a_rollback_sends_nothing(people, listen):
    _, inbox = listen(people["all"])
    first, _ = firm_of(people["super"], "积玉桥")
    second, _ = firm_of(people["super"], "杨园")
    with psycopg.connect(people["admin"]) as conn:
        conn.execute("UPDATE firms SET remark = 'x' WHERE id = %s", (first,))
        conn.rollback()
        conn.execute("UPDATE firms SET remark = 'y' WHERE id = %s", (second,))
        conn.commit()
    _, changes = inbox.next()
    assert changes == [notify.Change("firms", frozenset({second}), changes[0].pid)]
    assert inbox.empty_for(0.5)


def test_an_officer_is_sent_ids_only_never_names_or_values(people):
    """Notifications bypass row-level security: an officer of 积玉桥 hears of a 杨园 firm's change, by id only."""
    fid, name = firm_of(people["super"], "杨园")
    with psycopg.connect(people["officer"], autocommit=True) as officer, Ledger(people["admin"]) as admin:
        assert officer.execute("SELECT count(*) FROM firms WHERE id = %s", (fid,)).fetchone() == (0,)
        officer.execute(f"LISTEN {notify.CHANNEL}")
        with admin.write() as w:
            w.update_firm(fid, remark="机密备注", contact_phone="13800000000")
            w.rename_firm(fid, "改名后的秘密名称有限公司")
        payloads = [n.payload for n in officer.notifies(timeout=2, stop_after=3)]
    assert payloads
    for payload in payloads:
        data = json.loads(payload)
        assert set(data) <= {"t", "ids"} and data["t"] in notify.FIRM_TABLES
        assert data["ids"] == [fid]
        for secret in (name, "改名后的秘密名称有限公司", "机密备注", "13800000000"):
            assert secret not in payload


def test_a_large_transaction_says_many_once(people, listen):
    _, inbox = listen(people["super"])
    with psycopg.connect(people["admin"]) as conn:
        for _ in range(3):
            conn.execute("UPDATE firms SET remark = 'batch'")       # 600 firms: over MANY, three statements
        conn.execute("UPDATE streets SET sort = sort")
        conn.commit()
    _, changes = inbox.next()
    assert sorted((c.table, c.firm_ids) for c in changes) == [("firms", None), ("streets", None)]
    assert inbox.empty_for(0.3)


def test_the_listener_reconnects_when_the_server_drops_it(people, listen):
    listener, inbox = listen(people["viewer"])
    fid, _ = firm_of(people["super"], "杨园")
    with psycopg.connect(people["super"], autocommit=True) as su:
        dropped = su.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s "
                             "AND query LIKE 'LISTEN%%'", (people["logins"]["viewer"],)).fetchall()
        assert dropped == [(True,)]
        _, changes = inbox.next(timeout=5)
        assert changes == [notify.RESYNC]                    # anything may have changed while it was away
        assert listener.connected.wait(5)
        su.execute("UPDATE firms SET remark = 'after' WHERE id = %s", (fid,))
    assert inbox.next()[1][0].firm_ids == frozenset({fid})


def test_a_ledger_made_before_the_triggers_polls_until_a_superuser_opens_it(people, listen):
    with psycopg.connect(people["super"], autocommit=True) as su:
        for table in (*notify.FIRM_TABLES, *notify.OTHER_TABLES):
            su.execute(f"DROP TRIGGER IF EXISTS xingtu_notify_any ON {table}")
            for op in ("insert", "update", "delete", "truncate"):
                su.execute(f"DROP TRIGGER IF EXISTS xingtu_notify_{op} ON {table}")
        su.execute("DROP FUNCTION xingtu_notify(), xingtu_notify_id(), xingtu_notify_firm_id()")
    with Ledger(people["officer"]) as officer:
        assert officer.live_mode == "poll"                   # not the owner: cannot install, reads the audit
        _, inbox = listen(people["officer"], "poll")
        fid, _ = firm_of(people["super"], "积玉桥")
        with officer.write() as w:
            w.update_firm(fid, remark="轮询")
        assert inbox.next(timeout=3)[1] == [notify.Change("audit", frozenset({fid}))]
    with Ledger(people["super"], readonly=True) as looking:
        assert looking.live_mode == "poll"                   # a read-only opening changes nothing
    with Ledger(people["super"]) as su:
        assert su.live_mode == "listen"
    with Ledger(people["viewer"], readonly=True) as viewer:
        assert viewer.live_mode == "listen"


def test_a_foreign_payload_means_something_changed():
    assert notify.parse("not json") == notify.Change("?", None)
    assert notify.parse('{"t": "firms", "ids": "many"}', 7) == notify.Change("firms", None, 7)
    assert notify.parse('{"t": "firms", "ids": [3, 1]}').firm_ids == frozenset({1, 3})


def test_a_failing_callback_does_not_end_the_listener(people, caplog):
    seen = []

    def callback(changes):
        seen.append(changes)
        if len(seen) == 1:
            raise RuntimeError("坏掉的刷新")
    listener = notify.Listener(people["all"], callback).start()
    try:
        assert listener.connected.wait(5)
        fid, _ = firm_of(people["super"], "杨园")
        with psycopg.connect(people["super"], autocommit=True) as su:
            su.execute("UPDATE firms SET remark = 'a' WHERE id = %s", (fid,))
            deadline = time.monotonic() + 2
            while not seen and time.monotonic() < deadline:
                time.sleep(0.02)
            su.execute("UPDATE firms SET remark = 'b' WHERE id = %s", (fid,))
        deadline = time.monotonic() + 2
        while len(seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        listener.stop()
    assert len(seen) == 2 and "坏掉的刷新" in caplog.text
