"""Two people merging the same two records at once, each keeping the other one, on a shared ledger."""
from __future__ import annotations

import threading

from db import merge
from db.errors import LedgerError
from db.ledger import Ledger
from tests.db.merge_helpers import live
from tests.pg.attack_helpers import race


def test_two_people_merging_two_records_each_into_the_other_at_once_never_fail_with_a_traceback(people):
    """One merges 甲 into 乙 while the other merges 乙 into 甲: each locked its kept record first, then waited for the
    other's: a deadlock, and the server's error surfaced as it came. Locked in id order, the second waits, finds the
    first's merge done and is refused in Chinese (that record is in the recycle bin now)."""
    sup = people["super"]
    with Ledger(people["officer"]) as led, led.write() as w:
        street = led.street_id("积玉桥")
        a = w.insert_firm("合并竞争甲", street_id=street)
        b = w.insert_firm("合并竞争乙", street_id=street)
        w.add_designation(a, "gaoqi", "2023-01-01")
    holding, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first():
        try:
            with Ledger(people["officer"]) as led, led.write() as w:
                lock = w.firm_to_change

                def paused(fid, seen=None):         # the first record locked, the other not yet
                    row = lock(fid, seen)
                    if not holding.is_set():
                        holding.set()
                        release.wait(30)
                    return row
                w.firm_to_change = paused
                merge.merge(w, b, a)
            outcome["first"] = True
        except Exception as exc:  # noqa: BLE001
            outcome["first"] = exc

    def second():
        try:
            with Ledger(people["officer"]) as led, led.write() as w:
                merge.merge(w, a, b)
            outcome["second"] = True
        except Exception as exc:  # noqa: BLE001
            outcome["second"] = exc

    race(sup, first, second, holding, release)
    results = [outcome["first"], outcome["second"]]
    assert results[0] is True and isinstance(results[1], LedgerError), results
    assert "回收站" in str(results[1])          # not the server's "deadlock detected"
    with Ledger(sup) as led:
        firms = live(led)["firms"]
    assert sorted(firms[f][-1] for f in (a, b)) == [0, 1]
