"""The command line on a shared ledger: init, users, push, pull, backup, restore with a postgresql:// URL in
--db; every command takes the URL (never a traceback, never a file named like the URL)."""
import argparse
import io
import re

import pytest

from desktop.cli import build_parser
from tests import pg_server
from tests.cli.helpers import run

FAKE_URL = "postgresql://someone@127.0.0.1:5432/ledger"


def commands_with_db():
    """(name, argv) for every sub-command that takes --db, its other required arguments filled in."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, p in sub.choices.items():
        nested = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
        for prefix, q in ([([name, n], c) for n, c in nested[0].choices.items()] if nested else [([name], p)]):
            if not any("--db" in a.option_strings for a in q._actions):
                continue
            argv = list(prefix)
            for a in q._actions:
                if not a.option_strings:
                    argv.append("1" if a.type is int else "x")
                elif a.required and "--db" not in a.option_strings:
                    argv += [a.option_strings[-1], str(a.choices[0]) if a.choices else
                             ("2023" if a.type is int else "x")]
            yield name, argv + ["--db", FAKE_URL]


def test_every_command_taking_db_is_listed():
    names = {n for n, _ in commands_with_db()}
    assert {"gui", "report", "import", "init", "users", "push", "pull", "backup", "restore", "audit"} <= names


@pytest.mark.parametrize("name,argv", [c for c in commands_with_db() if c[0] != "gui"],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_takes_a_url_and_says_in_one_chinese_line_when_it_cannot_be_used(name, argv, capsys, tmp_path,
                                                                                     monkeypatch):
    """No server at the address: one Chinese line and exit 2 (backups lists the folder without the server),
    nothing made on disk."""
    monkeypatch.chdir(tmp_path)
    nowhere = f"postgresql://someone@/ledger?host={tmp_path}&port=1"
    code, _, err = run(capsys, *[nowhere if a == FAKE_URL else a for a in argv])
    assert "Traceback" not in err and "暂不支持" not in err
    if name == "backups":
        assert code == 0
    else:
        assert code == 2 and len(err.strip().splitlines()) == 1 and re.search(r"[\u4e00-\u9fff]", err), err
    assert list(tmp_path.iterdir()) == []              # nothing made on disk


def test_a_server_that_does_not_answer_is_one_chinese_line(capsys, tmp_path):
    url = f"postgresql://postgres@/nowhere?host={tmp_path}&port=1"
    for argv in (["init", "--db", url], ["users", "list", "--db", url],
                 ["pull", "--db", url, "--to", tmp_path / "a.db"],
                 ["backup", "--db", url, "--to", tmp_path]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and "无法连接共享台账" in err and "Traceback" not in err, argv
        assert "服务器没有响应，请检查服务器地址和端口" in err, err       # what to check, before the driver's words
    code, _, err = run(capsys, "users", "list", "--db", "postgresql://postgres@127.0.0.1:5432")
    assert code == 2 and "没有数据库名" in err


def test_the_walkthrough_init_push_users_pull_backup_restore(pg_db, pg_url, demo_db, capsys, tmp_path, monkeypatch):
    server, name = pg_db
    assert run(capsys, "init", "--db", pg_url)[0] == 0
    code, _, err = run(capsys, "init", "--db", pg_url)
    assert code == 2 and "已经是星图共享台账" in err
    code, out, _ = run(capsys, "push", "--from", demo_db, "--db", pg_url)
    assert code == 0 and "企业 600 家" in out and "一致" in out
    code, _, err = run(capsys, "push", "--from", demo_db, "--db", pg_url)
    assert code == 2 and "已有数据" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("口令123\n"))
    code, out, _ = run(capsys, "users", "add", f"{name}_jyq", "--role", "officer", "--streets", "积玉桥，杨园",
                       "--password-stdin", "--db", pg_url)
    assert code == 0 and "积玉桥、杨园" in out
    code, out, _ = run(capsys, "users", "list", "--db", pg_url)
    assert code == 0 and f"{name}_jyq  专员  积玉桥、杨园" in out
    officer = server.url_for(name, user=f"{name}_jyq")
    code, _, err = run(capsys, "users", "add", f"{name}_x", "--role", "viewer", "--db", officer)
    assert code == 2 and "管理员" in err and "Traceback" not in err
    code, out, _ = run(capsys, "pull", "--db", officer, "--to", tmp_path / "mine.db")
    assert code == 0 and (tmp_path / "mine.db").exists()
    code, out, _ = run(capsys, "pull", "--db", pg_url, "--to", tmp_path / "yy.db", "--street", "杨园")
    assert code == 0 and "杨园街道的部分" in out
    code, out, _ = run(capsys, "backup", "--db", pg_url, "--to", tmp_path / "bk")
    assert code == 0 and "pg_restore --list" in out
    dump = next((tmp_path / "bk").glob("*.pgdump"))
    code, _, err = run(capsys, "restore", dump, "--db", pg_url)                      # not empty: refused
    assert code == 2 and "只能恢复到空数据库" in err
    code, _, err = run(capsys, "restore", dump, "--db", pg_url, "--other-ledger")
    assert code == 2 and "不用 --dir 或 --other-ledger" in err
    other = pg_server.create_database(server)
    try:
        code, out, err = run(capsys, "restore", dump, "--db", server.url_for(other))
        assert code == 0 and "企业 600 家" in out, err
    finally:
        pg_server.drop_database(server, other)
    code, _, err = run(capsys, "users", "remove", f"{name}_jyq", "--db", pg_url)
    assert code == 0


def test_a_file_that_is_not_a_shared_backup_is_refused(pg_url, capsys, tmp_path):
    junk = tmp_path / "junk.pgdump"
    junk.write_bytes(b"not a dump at all")
    code, _, err = run(capsys, "restore", junk, "--db", pg_url)
    assert code == 2 and "检查备份 junk.pgdump 失败" in err and "Traceback" not in err


def test_a_database_init_never_ran_on_is_named_as_such(pg_url, capsys, tmp_path):
    """users, pull and backup on an empty database say to run init first, never the server's 'relation … does not
    exist'; nothing is made on disk."""
    for argv in (["users", "list"], ["users", "remove", "someone"], ["pull", "--to", tmp_path / "a.db"],
                 ["backup", "--to", tmp_path / "bk"]):
        code, _, err = run(capsys, *argv, "--db", pg_url)
        assert code == 2 and "还不是星图共享台账" in err and "init --db" in err, argv
        assert "does not exist" not in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_a_refused_login_or_a_missing_database_says_which_in_chinese(pg_url, capsys):
    """The driver's English (FATAL: database "…" does not exist) came alone after 无法连接共享台账; now what to check
    comes first."""
    from psycopg.conninfo import conninfo_to_dict

    from db.pg.url import build_url
    p = conninfo_to_dict(pg_url)
    host, port = str(p.get("host") or "127.0.0.1"), int(p.get("port") or 5432)
    login = str(p.get("user") or "postgres")
    for url, said in ((build_url(host, port, "xingtu_no_such_db", login), "服务器上没有这个数据库"),
                      (build_url(host, port, str(p["dbname"]), "xingtu_no_such_login"), "服务器上没有这个登录名")):
        code, _, err = run(capsys, "users", "list", "--db", url)
        assert code == 2 and "无法连接共享台账" in err and said in err, err
