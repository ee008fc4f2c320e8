"""Two admins purging one firm from the recycle bin at once, on a shared ledger: both read the firm before either
deleted it; the second's DELETE waited, deleted nothing, and it audited the purge of the firm and of each of its
designations a second time (found by an attack). The purge locks the firm first: the second waits, finds it gone
and is refused, nothing written. Taking one firm out of the bin twice at once audited it twice, likewise."""
from __future__ import annotations

import threading
import time

import psycopg
import pytest

from db.errors import LedgerError
from db.ledger import Ledger
from tests.pg.attack_helpers import one, street_firms


@pytest.mark.parametrize("action", ["purge", "restore"])
def test_two_people_purging_or_restoring_one_firm_at_once_audit_it_once(people, action):
    sup = people["super"]
    (fid, _name, _code), = street_firms(sup, "积玉桥", 1)
    with Ledger(people["admin"]) as led, led.write() as w:
        w.remove_firm(fid)
    deleted, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first():
        with Ledger(people["admin"]) as led:
            with led.write() as w:
                getattr(w, f"{action}_firm")(fid)
                deleted.set()
                release.wait(30)
        outcome["first"] = True

    def second():
        with Ledger(people["admin"]) as led:
            try:
                with led.write() as w:
                    getattr(w, f"{action}_firm")(fid)
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
    assert one(sup, "SELECT count(*) FROM audit WHERE entity = 'firm' AND action = %s AND entity_id = %s",
               (action, fid)) == (1,), f"one firm's {action} audited twice"
    assert isinstance(outcome["second"], LedgerError) if action == "purge" else outcome["second"] is True


