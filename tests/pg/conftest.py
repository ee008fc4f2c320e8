"""PostgreSQL fixtures: one server for the session (tests/pg_server.py), a fresh database per test.

Under CI=true a PostgreSQL test must run: when no server can be found or started the test fails, never skips."""
from __future__ import annotations

import pytest

from tests import pg_server


@pytest.fixture
def pg_db(pg_server_found):
    """(server, database name) of a fresh, empty UTF-8 database, dropped after the test with its roles."""
    name = pg_server.create_database(pg_server_found)
    yield pg_server_found, name
    pg_server.drop_database(pg_server_found, name)


@pytest.fixture
def pg_url(pg_db) -> str:
    """A superuser's URL of a fresh, empty database."""
    server, name = pg_db
    return server.url_for(name)


@pytest.fixture
def shared_demo(pg_url, demo_db):
    """A shared ledger made by init and filled by push from the small demo district (600 firms)."""
    from db.pg import setup, transfer
    setup.init(pg_url)
    transfer.push(demo_db, pg_url)
    return pg_url


@pytest.fixture
def people(pg_db, shared_demo):
    """Logins (named after the test database, so they are dropped with it): an admin, an officer of 积玉桥,
    a viewer of 杨园 and a viewer of every street; and a URL for each."""
    from db.pg import setup
    server, name = pg_db
    logins = {"admin": f"{name}_admin1", "officer": f"{name}_jyq", "viewer": f"{name}_yy", "all": f"{name}_boss"}
    setup.add_user(shared_demo, logins["admin"], "admin", [])
    setup.add_user(shared_demo, logins["officer"], "officer", ["积玉桥"], password="秘密 pw")
    setup.add_user(shared_demo, logins["viewer"], "viewer", ["杨园"])
    setup.add_user(shared_demo, logins["all"], "viewer", [])
    return {k: server.url_for(name, user=v) for k, v in logins.items()} | {"super": shared_demo, "logins": logins}
