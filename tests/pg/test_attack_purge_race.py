"""Two admins purging one firm from the recycle bin at once, on a shared ledger: both read the firm before either
deleted it; the second's DELETE waited, deleted nothing, and it audited the purge of the firm and of each of its
designations a second time (found by an attack). The purge locks the firm first: the second waits, finds it gone
and is refused, nothing written. Taking one firm out of the bin twice at once audited it twice, likewise."""
from __future__ import annotations

import threading

import pytest

from db.errors import LedgerError
from db.ledger import Ledger
from tests.pg.attack_helpers import one, race, street_firms


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

    race(sup, first, second, deleted, release)
    assert outcome["first"] is True
    assert one(sup, "SELECT count(*) FROM audit WHERE entity = 'firm' AND action = %s AND entity_id = %s",
               (action, fid)) == (1,), f"one firm's {action} audited twice"
    assert isinstance(outcome["second"], LedgerError) if action == "purge" else outcome["second"] is True


