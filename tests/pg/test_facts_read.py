"""The shared ledger's dashboard read on two server processes (db/pg/facts_read.py): the facts one connection
reads, for each kind of login (row security binds both connections), from one snapshot, and the one-connection
read when a second connection cannot be had."""
import psycopg
import pytest

from db import dashboard_queries
from db.ledger import Ledger
from db.pg import facts_read


@pytest.fixture(autouse=True)
def any_size(monkeypatch):
    """Two processes for the small demo district too (a big ledger's case; small ones read on one)."""
    monkeypatch.setattr(facts_read, "MIN_PAGES", 0)


def columns(led):
    return [c.tolist() for c in dashboard_queries.fact_columns(led.conn)]


def one_connection(led, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(facts_read, "read", lambda *args: None)
        return columns(led)


@pytest.mark.parametrize("who", ["super", "officer", "viewer", "all"])
def test_two_server_processes_read_what_one_reads(people, monkeypatch, who):
    taken = []
    both = facts_read._both
    monkeypatch.setattr(facts_read, "_both", lambda *args: taken.append(1) or both(*args))
    with Ledger(people[who], readonly=True) as led:
        got = columns(led)
        assert taken == [1]
        assert got == one_connection(led, monkeypatch)
    with Ledger(people["super"]) as led:
        everything = one_connection(led, monkeypatch)
    assert 0 < len(got[0]) <= len(everything[0])
    assert (len(got[0]) < len(everything[0])) == (who in ("officer", "viewer"))   # their streets only


def test_both_processes_read_one_snapshot(people, monkeypatch):
    """A commit landing after the first connection's snapshot, before the second one reads its half: neither sees
    it (without the shared snapshot, the second half would have none of its designations)."""
    fetch = facts_read._fetch

    def late(conn, query, got):
        with psycopg.connect(people["super"], autocommit=True) as other:
            other.execute("UPDATE designations SET deleted_at = '2030-01-01' WHERE deleted_at IS NULL")
        fetch(conn, query, got)
    with Ledger(people["super"]) as led:
        before = one_connection(led, monkeypatch)
        monkeypatch.setattr(facts_read, "_fetch", late)
        assert columns(led) == before
        monkeypatch.setattr(facts_read, "_fetch", fetch)
        assert columns(led)[0] == []


def test_without_a_second_connection_one_reads_all(people, monkeypatch):
    with Ledger(people["officer"]) as led:
        want = one_connection(led, monkeypatch)

        def refused(*args, **kwargs):
            raise psycopg.OperationalError("too many clients already")
        with monkeypatch.context() as m:
            m.setattr(psycopg, "connect", refused)
            assert columns(led) == want


def test_a_small_ledger_is_read_on_one_connection(people, monkeypatch):
    monkeypatch.setattr(facts_read, "MIN_PAGES", 4096)
    opened = []
    with Ledger(people["super"]) as led:
        with monkeypatch.context() as m:
            m.setattr(psycopg, "connect", lambda *args, **kwargs: opened.append(args))
            got = columns(led)
        assert got == one_connection(led, monkeypatch)
    assert opened == []
