"""One writer per ledger: the lock file, read-only fall-back, stale locks."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from db import lock as ledger_lock
from db.connection import LedgerError
from db.ledger import Ledger

ROOT = Path(__file__).resolve().parents[2]


def _write_lock(path: Path, *, pid: int, host: str, started: str = "2025-03-01T09:00:00+08:00",
                age: float = 0.0) -> None:
    lp = ledger_lock.lock_path(path)
    lp.write_text(json.dumps({"pid": pid, "host": host, "user": "张三", "started": started, "token": "t" * 32}),
                  encoding="utf-8")
    if age:
        t = time.time() - age
        os.utime(lp, (t, t))


def test_lock_file_holds_pid_host_user_and_is_removed_on_close(tmp_path):
    path = tmp_path / "a.db"
    led = Ledger(path)
    data = json.loads(ledger_lock.lock_path(path).read_text(encoding="utf-8"))
    assert data["pid"] == os.getpid()
    assert data["host"] == ledger_lock.host_name()
    assert data["user"] == led.user
    assert data["started"][:4].isdigit()
    assert led.readonly is False and led.lock is not None
    led.close()
    assert not ledger_lock.lock_path(path).exists()


def test_a_ledger_dropped_while_another_opens_does_not_deadlock(tmp_path):
    """A Ledger dropped without close() is released by its finalizer; the garbage collector may run it in the
    thread that is opening another ledger, inside the lock table's guard (it hung the stateful test)."""
    lock, _ = ledger_lock.try_acquire(tmp_path / "a.db")
    done = threading.Event()

    def finalizer_inside_acquire():
        with ledger_lock._held_guard:          # what try_acquire holds when the collector runs the finalizer
            ledger_lock.release(lock)
        done.set()

    t = threading.Thread(target=finalizer_inside_acquire, daemon=True)
    t.start()
    t.join(10)
    assert done.is_set(), "release() inside the guard deadlocked"
    assert not ledger_lock.lock_path(tmp_path / "a.db").exists()


def test_second_window_in_same_process_falls_back_to_readonly(tmp_path):
    path = tmp_path / "a.db"
    with Ledger(path):
        with Ledger(path, readonly=None) as second:
            assert second.readonly is True
            assert "另一个窗口" in second.readonly_reason
            with pytest.raises(LedgerError, match="只读"):
                with second.write("person"):
                    pass
        with pytest.raises(LedgerError, match="另一个窗口"):
            Ledger(path)  # the command line demands writing: a clear refusal
    # the first one closed: writing is possible again
    with Ledger(path) as again:
        assert again.readonly is False


def test_second_process_is_refused_with_holder_named(tmp_path):
    path = tmp_path / "a.db"
    Ledger(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; sys.path.insert(0, sys.argv[2]); from db.ledger import Ledger; "
         "led = Ledger(sys.argv[1]); print('ready', flush=True); sys.stdin.readline(); led.close()",
         str(path), str(ROOT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(LedgerError) as info:
            Ledger(path)
        assert f"进程 {holder.pid}" in str(info.value)
        assert ledger_lock.host_name() in str(info.value)
        with Ledger(path, readonly=None) as led:
            assert led.readonly and f"进程 {holder.pid}" in led.readonly_reason
    finally:
        holder.communicate("\n", timeout=20)
    assert holder.returncode == 0
    assert not ledger_lock.lock_path(path).exists()


def test_lock_left_by_a_dead_process_is_cleared(tmp_path):
    path = tmp_path / "a.db"
    Ledger(path).close()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    _write_lock(path, pid=dead.pid, host=ledger_lock.host_name())
    with Ledger(path) as led:
        assert led.readonly is False
        assert "异常退出" in led.lock_note and str(dead.pid) in led.lock_note
        assert json.loads(ledger_lock.lock_path(path).read_text(encoding="utf-8"))["pid"] == os.getpid()
    assert [p.name for p in tmp_path.iterdir() if ".lock" in p.name] == []


def test_lock_from_before_the_last_boot_is_cleared(tmp_path, monkeypatch):
    path = tmp_path / "a.db"
    Ledger(path).close()
    _write_lock(path, pid=1, host=ledger_lock.host_name(), started="2001-01-01T08:00:00+08:00")
    monkeypatch.setattr(ledger_lock, "pid_alive", lambda pid: True)  # the pid was reused after a power cut
    monkeypatch.setattr(ledger_lock, "boot_time", lambda: time.time() - 3600)
    with Ledger(path) as led:
        assert "开机之前" in led.lock_note


def test_other_computer_is_live_until_its_heartbeat_is_old(tmp_path):
    path = tmp_path / "a.db"
    Ledger(path).close()
    _write_lock(path, pid=4242, host="科经局-办公室2", age=3 * 3600)
    with pytest.raises(LedgerError, match="科经局-办公室2"):
        Ledger(path)
    _write_lock(path, pid=4242, host="科经局-办公室2", age=ledger_lock.FOREIGN_STALE_AFTER + 3600)
    with Ledger(path) as led:
        assert led.readonly is False
        assert "科经局-办公室2" in led.lock_note and "13 小时" in led.lock_note


def test_stale_clear_never_removes_a_fresh_lock(tmp_path):
    path = tmp_path / "a.db"
    _write_lock(path, pid=999999, host=ledger_lock.host_name())
    seen = ledger_lock.read_holder(ledger_lock.lock_path(path))
    # between our look and our clearing, another process replaced it with its own fresh lock
    ledger_lock.lock_path(path).write_text(json.dumps(
        {"pid": 1, "host": "x", "user": "李四", "started": "2025-01-01T00:00:00", "token": "f" * 32}), encoding="utf-8")
    ledger_lock._clear_stale(ledger_lock.lock_path(path), seen)
    assert ledger_lock.read_holder(ledger_lock.lock_path(path)).user == "李四"


def test_lost_lock_is_detected(tmp_path):
    path = tmp_path / "a.db"
    with Ledger(path) as led:
        assert led.lock.refresh() is True
        _write_lock(path, pid=1, host="别的电脑")  # taken over while this laptop slept
        with pytest.raises(LedgerError, match="接管"):
            led.lock.check()
    assert ledger_lock.read_holder(ledger_lock.lock_path(path)).host == "别的电脑"  # not ours: left alone


def test_readonly_folder_falls_back_to_readonly(tmp_path, monkeypatch):
    path = tmp_path / "a.db"
    Ledger(path).close()
    real_open = os.open

    def deny(p, flags, *a):
        if str(p).endswith(".lock"):
            raise PermissionError(13, "Permission denied", str(p))
        return real_open(p, flags, *a)
    monkeypatch.setattr(ledger_lock.os, "open", deny)
    with Ledger(path, readonly=None) as led:
        assert led.readonly and "没有写入权限" in led.readonly_reason
    with pytest.raises(LedgerError, match="没有写入权限"):
        Ledger(path)


# issue 12 item 14: empty locks, reused process numbers, a named holder and `unlock` ------------------------

def test_empty_lock_file_does_not_block(tmp_path):
    path = tmp_path / "a.db"
    Ledger(path).close()
    lp = ledger_lock.lock_path(path)
    lp.write_bytes(b"")
    old = time.time() - 10
    os.utime(lp, (old, old))                  # left by a process killed between create and write
    t0 = time.monotonic()
    with Ledger(path) as led:
        assert led.readonly is False and "空的或内容残缺" in led.lock_note
    lp.write_bytes(b"")                       # just now: waited for, never 120 s
    with Ledger(path) as led:
        assert led.readonly is False and "空的或内容残缺" in led.lock_note
    assert time.monotonic() - t0 < ledger_lock.HALF_WRITTEN_GRACE + 3


def test_lock_naming_a_reused_pid_is_cleared(tmp_path):
    path = tmp_path / "a.db"
    Ledger(path).close()
    other = subprocess.Popen(["sleep", "60"])   # a live process that is not 星图, started after the lock
    try:
        cmdline = Path(f"/proc/{other.pid}/cmdline")
        deadline = time.monotonic() + 10          # until the child has become `sleep` (a CI run read it before its
        while cmdline.exists() and b"sleep" not in cmdline.read_bytes() and time.monotonic() < deadline:   # exec)
            time.sleep(0.01)
        started = datetime.fromtimestamp(time.time() - 30).astimezone().isoformat(timespec="seconds")
        _write_lock(path, pid=other.pid, host=ledger_lock.host_name(), started=started)
        with Ledger(path) as led:
            assert led.readonly is False
            assert "已被另一程序重用" in led.lock_note and "sleep 60" in led.lock_note
    finally:
        other.kill()
        other.wait()


def test_live_holder_is_named_and_unlock_clears_it_after_confirmation(tmp_path, monkeypatch, capsys):
    import io

    from desktop.cli import main
    path = tmp_path / "a.db"
    Ledger(path).close()
    parent = os.getppid()                     # alive, and started before the lock: cannot be told from 星图
    _write_lock(path, pid=parent, host=ledger_lock.host_name(),
                started=datetime.now().astimezone().isoformat(timespec="seconds"))
    with pytest.raises(LedgerError) as info:
        Ledger(path)
    text = str(info.value)
    assert f"进程 {parent}" in text and "unlock --db" in text and "该进程现在是：" in text
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    assert main(["unlock", "--db", str(path)]) == 2
    err = capsys.readouterr().err
    assert "仍有效" in err and "未确认，锁未清除" in err and ledger_lock.lock_path(path).exists()
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    assert main(["unlock", "--db", str(path)]) == 0
    assert "已清除" in capsys.readouterr().out and not ledger_lock.lock_path(path).exists()
    with Ledger(path) as led:
        assert led.readonly is False
    _write_lock(path, pid=parent, host="别的电脑")
    assert main(["unlock", "--db", str(path), "--yes"]) == 0
    assert main(["unlock", "--db", str(path), "--yes"]) == 0
    assert "没有写入锁" in capsys.readouterr().out
    with Ledger(path) as led, pytest.raises(LedgerError, match="本程序自己"):
        ledger_lock.force_clear(path)


class _FakeKernel32:
    """Stands in for ctypes.windll.kernel32, filling the out-parameters the way Windows does."""

    def __init__(self, pid: int, alive: bool, created: float, exe: str) -> None:
        self.pid, self.alive, self.created, self.exe, self.closed = pid, alive, created, exe, 0

        def ticks():
            return 3_600_000                  # up for an hour
        self.GetTickCount64 = ticks

    def OpenProcess(self, access, inherit, pid):  # noqa: N802 (the Windows names)
        return 77 if pid == self.pid else 0

    def CloseHandle(self, handle):  # noqa: N802
        self.closed += 1
        return 1

    def GetExitCodeProcess(self, handle, code):  # noqa: N802
        code._obj.value = 259 if self.alive else 0
        return 1

    def GetProcessTimes(self, handle, creation, exited, kernel, user):  # noqa: N802
        ft = int((self.created + 11644473600.0) * 1e7)
        creation._obj.dwLowDateTime, creation._obj.dwHighDateTime = ft & 0xFFFFFFFF, ft >> 32
        return 1

    def QueryFullProcessImageNameW(self, handle, flags, buf, size):  # noqa: N802
        buf.value = self.exe
        return 1


def test_windows_paths_with_a_stand_in_kernel32(tmp_path, monkeypatch):
    fake = _FakeKernel32(4242, True, time.time() - 5, r"C:\Windows\notepad.exe")
    monkeypatch.setattr(ledger_lock, "_on_windows", lambda: True)
    monkeypatch.setattr(ledger_lock, "_kernel32", lambda: fake)
    assert ledger_lock.pid_alive(4242) is True and ledger_lock.pid_alive(4243) is False
    assert abs(ledger_lock.boot_time() - (time.time() - 3600)) < 5
    info = ledger_lock.process_info(4242)
    assert info.name == r"C:\Windows\notepad.exe" and abs(info.started - fake.created) < 0.01
    assert fake.closed == 2                   # every handle opened was closed
    path = tmp_path / "a.db"
    started = datetime.fromtimestamp(time.time() - 60).astimezone().isoformat(timespec="seconds")
    _write_lock(path, pid=4242, host=ledger_lock.host_name(), started=started)
    stale, why = ledger_lock.judge(ledger_lock.read_holder(ledger_lock.lock_path(path)))
    assert stale and "notepad.exe" in why     # the number now belongs to notepad, started after the lock
    fake.alive = False
    assert ledger_lock.judge(ledger_lock.read_holder(ledger_lock.lock_path(path)))[0] is True
