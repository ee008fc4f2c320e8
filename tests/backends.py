"""The same tests on both engines: the ``ledger`` fixture of the db, importer and command-line tests, once on a
file and once on a shared ledger on the PostgreSQL server (issue 16: "every test of db/, importers/, the indicator
maths through the ledger, and the command line runs against SQLite and against PostgreSQL").

The shared ledgers are copies (``CREATE DATABASE … TEMPLATE``: about 0.1 s, against about 1.5 s for ``init`` of
an empty database) of one template made once per session by ``init`` and a ``push`` of a new file ledger (the
same default catalog, streets and targets as a new file); the copies keep the template's
role names (stored in the ledger's meta table), so a copy is dropped alone and the template with its roles at the
end of the session. Each copy is opened as the server's superuser, the shared ledger's administrator.

A test that is about the file itself (its backups, lock, pragmas, file copies) says so with
``@pytest.mark.file_only("why")``; it then runs on the file alone (tests/conftest.py leaves its shared-ledger run
out of the collection).
"""
from __future__ import annotations

import uuid

import pytest

from tests import pg_server

ENGINES = ("sqlite", "pg")
OFFICER = "测试专员"


class Template:
    """An initialised shared ledger to copy, and the copies made from it."""

    def __init__(self, server: pg_server.Server, folder) -> None:
        from db.ledger import Ledger
        from db.pg import setup, transfer
        self.server = server
        self.name = pg_server.create_database(server)
        url = server.url_for(self.name)
        setup.init(url)
        with Ledger(folder / "new.db"):     # a new file ledger: the default catalog, streets and targets
            pass
        transfer.push(folder / "new.db", url)

    def copy(self) -> str:
        """A fresh shared ledger: the name of a new copy of the template."""
        import psycopg
        from psycopg import sql
        name = f"{self.name}_{uuid.uuid4().hex[:6]}"
        with psycopg.connect(self.server.url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name),
                                                                          sql.Identifier(self.name)))
        return name

    def drop(self, name: str) -> None:
        import psycopg
        from psycopg import sql
        with psycopg.connect(self.server.url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def close(self) -> None:
        pg_server.drop_database(self.server, self.name)


@pytest.fixture(scope="session")
def pg_server_found():
    server = pg_server.server_or_stop()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def ledger_template(pg_server_found, tmp_path_factory):
    template = Template(pg_server_found, tmp_path_factory.mktemp("template"))
    yield template
    template.close()


@pytest.fixture(params=ENGINES)
def engine(request):
    """"sqlite" or "pg": the engine of this run of the test."""
    return request.param


@pytest.fixture
def ledger_address(engine, tmp_path, request):
    """Where a fresh, initialised ledger is: a file path, or the URL of a fresh shared ledger."""
    if engine == "sqlite":
        return tmp_path / "ledger.db"
    template = request.getfixturevalue("ledger_template")
    name = template.copy()
    request.addfinalizer(lambda: template.drop(name))
    return template.server.url_for(name)


@pytest.fixture(name="ledger")
def ledger_on_both(ledger_address):
    """A fresh ledger (as tests/conftest.py's), on the file and on the server."""
    from db.ledger import Ledger
    with Ledger(ledger_address, officer=OFFICER) as led:
        yield led


def engine_errors() -> tuple[type[BaseException], ...]:
    """What a refused statement raises on either engine (a trigger's RAISE, a constraint)."""
    import sqlite3
    errors: tuple[type[BaseException], ...] = (sqlite3.DatabaseError,)
    try:
        import psycopg
        errors += (psycopg.Error,)
    except ImportError:
        pass
    return errors


def recorded_person(ledger) -> str:
    """Who the audit names for this ledger's changes: the officer given on the file, the server login on a
    shared ledger (the server's word, not the client's)."""
    if getattr(ledger, "shared", False):
        return ledger.conn.execute("SELECT session_user").fetchone()[0]
    return OFFICER


def view_on(ledger):
    """The ledger table's reads over the ledger's own connection, of the ledger's engine."""
    from db.ledger_view import LedgerView
    return LedgerView.kind_for(ledger)(ledger.conn, ledger.catalog())


def contents(address) -> object:
    """What a ledger holds, to tell that a command wrote nothing: a file's bytes; every table of a shared ledger,
    row by row (the server's files are not ours to read)."""
    if not isinstance(address, str) or "://" not in address:
        return address.read_bytes()
    import psycopg
    with psycopg.connect(address) as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                             "ORDER BY tablename")]
        return {t: sorted(map(repr, conn.execute(f'SELECT * FROM "{t}"'))) for t in tables}


def commit_raw(ledger) -> None:
    """Commit what a test wrote on the ledger's connection behind the write API (the server's connection has
    no commit method: it is told COMMIT)."""
    if ledger.shared:
        ledger.conn.execute("COMMIT")
    else:
        ledger.conn.commit()
