"""A PostgreSQL server for the tests, and a fresh database per test.

Where the server comes from, first that answers: the URL in ``XINGTU_TEST_PG`` (a superuser's URL, any database
of the server); the machine's own server (socket /var/run/postgresql, then 127.0.0.1:5432, user postgres); else a
throwaway cluster started here from Debian's postgresql binaries (/usr/lib/postgresql/*/bin: initdb, pg_ctl) in a
temporary folder, listening only on its own socket, stopped at the end of the session. initdb refuses to run as
root, so as root the cluster is made and run by the ``postgres`` user.

Each test database is created from template0 with UTF-8 encoding and the C.UTF-8 character type (what pg_trgm
needs to cut Chinese into trigrams), and dropped afterwards with the roles named after it.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

LOCAL_CANDIDATES = ("postgresql://postgres@/postgres?host=/var/run/postgresql",
                    "postgresql://postgres@127.0.0.1:5432/postgres")
SERVICE_USER = "postgres"


@dataclass
class Server:
    url: str                              # a superuser's URL to a maintenance database
    where: str                            # how it was found: env, local, throwaway
    cluster: Path | None = None           # the throwaway cluster's folder, when we started one
    _pg_ctl: str | None = field(default=None, repr=False)

    def url_for(self, dbname: str, user: str | None = None) -> str:
        """A postgresql:// URL of *dbname* on this server, as the server's superuser or as *user*."""
        from urllib.parse import quote

        from psycopg.conninfo import conninfo_to_dict
        params = conninfo_to_dict(self.url)
        login = quote(str(user if user is not None else params.get("user", SERVICE_USER)), safe="")
        if user is None and params.get("password"):
            login += ":" + quote(str(params["password"]), safe="")
        host, port = str(params.get("host", "")), params.get("port")
        if host.startswith("/") or not host:
            query = f"?host={host}" + (f"&port={port}" if port else "") if host else ""
            return f"postgresql://{login}@/{quote(dbname, safe='')}{query}"
        return f"postgresql://{login}@{host}{f':{port}' if port else ''}/{quote(dbname, safe='')}"

    def stop(self) -> None:
        if self.cluster is None or self._pg_ctl is None:
            return
        _as_service_user([self._pg_ctl, "-D", str(self.cluster / "data"), "-m", "fast", "-w", "stop"])
        shutil.rmtree(self.cluster, ignore_errors=True)
        self.cluster = None


def ci() -> bool:
    """Under CI a PostgreSQL test that cannot get a server fails; elsewhere it is skipped."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def server_or_stop(find=None) -> Server:
    """The session's server; when none can be had, the test fails under CI (a skip there would hide that the
    shared ledger went untested) and is skipped elsewhere."""
    import pytest
    server, why = (find or find_server)()
    if server is None:
        message = f"找不到也无法启动 PostgreSQL 服务器：{why}"
        if ci():
            pytest.fail(message)
        pytest.skip(message)
    return server


def answers(url: str) -> bool:
    import psycopg
    try:
        with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def find_server() -> tuple[Server | None, str]:
    """The server the tests use, and what was tried (for the failure message when none)."""
    tried = []
    env = os.environ.get("XINGTU_TEST_PG")
    if env:
        if answers(env):
            return Server(env, "env"), ""
        tried.append(f"XINGTU_TEST_PG={env} 无法连接")
    else:
        for url in LOCAL_CANDIDATES:
            if answers(url):
                return Server(url, "local"), ""
            tried.append(f"{url} 无应答")
    try:
        return start_cluster(), ""
    except ClusterError as exc:
        tried.append(str(exc))
    return None, "；".join(tried)


class ClusterError(RuntimeError):
    pass


def postgres_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_service_user(cmd: list[str]) -> subprocess.CompletedProcess:
    if os.name == "posix" and os.geteuid() == 0:
        runner = shutil.which("runuser")
        cmd = [runner, "-u", SERVICE_USER, "--", *cmd] if runner else ["su", SERVICE_USER, "-c", " ".join(cmd)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def start_cluster() -> Server:
    """A new cluster in a temporary folder, on a private socket and a free port number; stopped by Server.stop."""
    bindir = postgres_bindir()
    if bindir is None:
        raise ClusterError("没有 /usr/lib/postgresql/*/bin/initdb（请安装 postgresql 包：sh .ci/sysdeps.sh）")
    root = Path(tempfile.mkdtemp(prefix="xingtu-pg-"))
    root.chmod(0o755)
    if os.name == "posix" and os.geteuid() == 0:
        shutil.chown(root, SERVICE_USER)
    data, port = root / "data", _free_port()
    done = _as_service_user([str(bindir / "initdb"), "-D", str(data), "-U", SERVICE_USER, "-A", "trust",
                             "-E", "UTF8", "--locale=C.UTF-8"])
    if done.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise ClusterError(f"initdb 失败：{done.stderr.strip()[-500:]}")
    options = f"-c listen_addresses='' -k {root} -p {port}"
    done = _as_service_user([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"),
                             "-o", options, "-w", "start"])
    if done.returncode != 0:
        log = (root / "server.log").read_text(errors="replace")[-500:] if (root / "server.log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise ClusterError(f"pg_ctl start 失败：{done.stderr.strip()[-300:]} {log}")
    return Server(f"postgresql://{SERVICE_USER}@/postgres?host={root}&port={port}", "throwaway", root,
                  str(bindir / "pg_ctl"))


def create_database(server: Server) -> str:
    """A fresh UTF-8 database with a C.UTF-8 character type where the server has that locale; its name."""
    import psycopg
    from psycopg import sql
    name = f"xt_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.url, autocommit=True) as conn:
        base = sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(name))
        try:
            conn.execute(base + sql.SQL(" LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"))
        except psycopg.errors.InvalidParameterValue:      # no C.UTF-8 locale on this server: its default one
            conn.execute(base)
    return name


def drop_database(server: Server, name: str) -> None:
    """Drop the database and every role whose name begins with it (the ledger's roles and the test logins)."""
    import psycopg
    from psycopg import sql
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        roles = [r[0] for r in conn.execute("SELECT rolname FROM pg_roles WHERE starts_with(rolname, %s) "
                                            "ORDER BY rolname DESC", (name,))]
        for role in roles:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
