"""The advisory locks an import of new firms takes on a shared ledger (db.plan_staleness.hold_keys).

A big list took one lock per bucket of its new rows' codes and names: 1,024 slots of the server's lock table (about
6,400 by default, for every connection): six such imports at once filled it, and every other transaction of the
server then failed ("out of shared memory"). A list with more than MANY buckets now takes one exclusive lock that
every import of new firms takes shared first; a small list still waits only for an import naming one of its firms.
"""
from __future__ import annotations

import threading

import psycopg

from db import plan_staleness as ps
from db.ledger import Ledger


def advisory_locks(url, granted: bool = True) -> int:
    with psycopg.connect(url) as conn:
        found = conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted = %s AND "
                             "database = (SELECT oid FROM pg_database WHERE datname = current_database())", (granted,))
        return found.fetchone()[0]


def holding(url, keys, until: threading.Event, held: threading.Event) -> threading.Thread:
    def run():
        with Ledger(url) as led, led.write("cli") as w:
            ps.hold_keys(w.conn, keys)
            held.set()
            until.wait(30)
    t = threading.Thread(target=run)
    t.start()
    return t


def test_a_big_list_takes_one_lock_and_a_small_one_a_lock_a_bucket(people):
    url = people["officer"]
    big = [f"武汉{i}科技有限公司" for i in range(5000)]
    for keys, expected in ((big, 1), (big[:3], 1 + len({ps.zlib.crc32(k.encode()) % ps.KEY_BUCKETS
                                                         for k in big[:3]}))):
        until, held = threading.Event(), threading.Event()
        t = holding(url, keys, until, held)
        assert held.wait(30)
        try:
            assert advisory_locks(people["super"]) == expected
        finally:
            until.set()
            t.join(30)


def test_a_small_list_waits_for_a_big_one_and_two_small_ones_with_other_firms_do_not(people):
    url, sup = people["officer"], people["super"]
    big = [f"武汉{i}科技有限公司" for i in range(5000)]
    until, held = threading.Event(), threading.Event()
    t = holding(url, big, until, held)
    assert held.wait(30)
    small_until, small_held = threading.Event(), threading.Event()
    small = holding(url, ["武汉另一家科技有限公司"], small_until, small_held)
    try:
        assert not small_held.wait(1.0), "a small list went on while a big one wrote its new firms"
        assert advisory_locks(sup, granted=False) == 1
    finally:
        until.set()
        t.join(30)
    assert small_held.wait(30)               # the big one ended: the small one goes on
    other_until, other_held = threading.Event(), threading.Event()
    other = holding(url, ["武汉第三家科技有限公司"], other_until, other_held)
    try:
        assert other_held.wait(5), "two small lists of different firms waited on each other"
    finally:
        small_until.set()
        other_until.set()
        small.join(30)
        other.join(30)
    assert advisory_locks(sup) == 0
