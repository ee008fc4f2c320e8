"""The test server itself: a fresh UTF-8 database per test whose character type cuts Chinese into trigrams,
and the fallback that starts a throwaway cluster from Debian's postgresql binaries."""
import psycopg
import pytest

from tests import pg_server


def _trigram_search_works(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        conn.execute("CREATE TABLE t (name text)")
        conn.execute("INSERT INTO t VALUES ('武汉积玉桥科技有限公司'), ('杨园数据有限公司')")
        conn.execute("CREATE INDEX ON t USING gin (name gin_trgm_ops)")
        conn.execute("SET enable_seqscan = off")
        found = [r[0] for r in conn.execute("SELECT name FROM t WHERE name LIKE '%积玉桥%'")]
        plan = " ".join(r[0] for r in conn.execute("EXPLAIN SELECT name FROM t WHERE name LIKE '%积玉桥%'"))
        return found == ["武汉积玉桥科技有限公司"] and "Bitmap Index Scan" in plan and bool(
            conn.execute("SELECT show_trgm('积玉桥')").fetchone()[0])


def test_each_test_gets_a_fresh_utf8_database(pg_db, pg_url):
    _, name = pg_db
    with psycopg.connect(pg_url, autocommit=True) as conn:
        enc, ctype = conn.execute("SELECT pg_encoding_to_char(encoding), datctype FROM pg_database "
                                  "WHERE datname = current_database()").fetchone()
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]
        assert conn.execute("SELECT current_database()").fetchone()[0] == name
    assert enc == "UTF8" and tables == 0
    assert ctype.upper().replace("-", "").endswith("UTF8")
    assert _trigram_search_works(pg_url)


def test_the_database_and_its_roles_are_dropped(pg_server_found):
    name = pg_server.create_database(pg_server_found)
    with psycopg.connect(pg_server_found.url, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{name}_alice" LOGIN')
    pg_server.drop_database(pg_server_found, name)
    with psycopg.connect(pg_server_found.url, autocommit=True) as conn:
        left = conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (name,)).fetchone()[0]
        roles = conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s", (f"{name}_alice",)).fetchone()[0]
    assert (left, roles) == (0, 0)


@pytest.mark.slow
def test_a_throwaway_cluster_starts_serves_chinese_search_and_stops():
    """The fallback on a machine without a running server: initdb and pg_ctl from /usr/lib/postgresql (as the
    postgres user when we are root), a private socket, stopped and removed at the end."""
    if pg_server.postgres_bindir() is None:
        if pg_server.ci():
            pytest.fail("CI 上没有 postgresql 包（.ci/sysdeps.sh 应已安装）")
        pytest.skip("没有 /usr/lib/postgresql/*/bin/initdb")
    server = pg_server.start_cluster()
    try:
        assert server.where == "throwaway" and server.cluster is not None
        name = pg_server.create_database(server)
        assert _trigram_search_works(server.url_for(name))
        folder = server.cluster
    finally:
        server.stop()
    assert not pg_server.answers(server.url)
    assert not folder.exists()


def test_xingtu_test_pg_names_the_server(pg_server_found, monkeypatch):
    monkeypatch.setenv("XINGTU_TEST_PG", pg_server_found.url)
    server, _ = pg_server.find_server()
    assert server is not None and (server.where, server.url) == ("env", pg_server_found.url)


def test_an_unreachable_xingtu_test_pg_is_not_replaced_by_the_local_server(monkeypatch, tmp_path):
    """A named server that does not answer falls through to a throwaway cluster (or none), never silently to
    the machine's own server."""
    monkeypatch.setenv("XINGTU_TEST_PG", f"postgresql://postgres@/postgres?host={tmp_path}&port=1")
    monkeypatch.setattr(pg_server, "start_cluster", lambda: (_ for _ in ()).throw(pg_server.ClusterError("无")))
    server, why = pg_server.find_server()
    assert server is None and "XINGTU_TEST_PG" in why


@pytest.mark.parametrize("ci_value,outcome", [("true", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_without_a_server_a_test_fails_under_ci_and_is_skipped_elsewhere(monkeypatch, ci_value, outcome):
    monkeypatch.setenv("CI", ci_value)
    with pytest.raises(outcome, match="找不到也无法启动 PostgreSQL"):
        pg_server.server_or_stop(lambda: (None, "没有服务器"))
