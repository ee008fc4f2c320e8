"""One test of "this database is a shared ledger" (db/pg/url.LEDGER_MADE), for the commands and the app alike."""
import psycopg
import pytest

from db.ledger import Ledger
from db.pg.url import SharedLedgerError, connect_ledger


@pytest.mark.parametrize("made", ["", "CREATE TABLE meta (key text PRIMARY KEY, value text); "
                                      "CREATE TABLE app_users (login text)"])
def test_a_database_init_did_not_make_is_refused_the_same_way_by_commands_and_the_app(pg_url, made):
    if made:                                  # half a ledger: the tables a command looked for once, no firms
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(made)
    for opening in (lambda: connect_ledger(pg_url), lambda: Ledger(pg_url, readonly=True)):
        with pytest.raises(SharedLedgerError, match="还不是星图共享台账.*请先由管理员运行 init --db"):
            opening()


def test_a_shared_ledger_opens_both_ways(shared_demo):
    connect_ledger(shared_demo).close()
    with Ledger(shared_demo, readonly=True) as led:
        assert led.shared and led.role == "admin"
