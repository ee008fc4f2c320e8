"""Two admins purging one firm from the recycle bin at once, on a shared ledger: both read the firm before either
deleted it; the second's DELETE waited, deleted nothing, and it audited the purge of the firm and of each of its
designations a second time (found by an attack). The purge locks the firm first: the second waits, finds it gone
and is refused, nothing written."""
from __future__ import annotations

import threading
import time

import psycopg

from db.errors import LedgerError
from db.ledger import Ledger
from tests.pg.test_attack_batch_rows import one, street_firms


def test_two_purges_of_one_firm_at_once_purge_it_once(people):
    sup = people["super"]
    (fid, _name, _code), = street_firms(sup, "积玉桥", 1)
    with Ledger(people["admin"]) as led, led.write() as w:
        w.remove_firm(fid)
    deleted, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first():
        with Ledger(people["admin"]) as led:
            with led.write() as w:
                w.purge_firm(fid)
                deleted.set()
                release.wait(30)
        outcome["first"] = True

    def second():
        with Ledger(people["admin"]) as led:
            try:
                with led.write() as w:
                    w.purge_firm(fid)
                outcome["second"] = True
            except LedgerError as exc:
                outcome["second"] = exc

    a = threading.Thread(target=first)
    a.start()
    assert deleted.wait(30)
    b = threading.Thread(target=second)
    b.start()
    deadline = time.monotonic() + 10
    while b.is_alive() and time.monotonic() < deadline:
        with psycopg.connect(sup) as conn:
            if conn.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()[0]:
                break
        time.sleep(0.05)
    release.set()
    a.join(30)
    b.join(30)
    assert outcome["first"] is True
    assert one(sup, "SELECT count(*) FROM audit WHERE entity = 'firm' AND action = 'purge' AND entity_id = %s",
               (fid,)) == (1,), "one firm's purge audited twice"
    assert isinstance(outcome["second"], LedgerError)


