"""One writer per ledger: a lock file beside the ledger.

``ledger.db.lock`` holds JSON {pid, host, user, started, token}. The first
process (or window) to create it writes; a second one opens the ledger
read-only with a Chinese reason, or is refused when it demanded writing.

Stale locks:
- same computer, the process is gone (or the lock predates the last boot,
  the usual picture after a power cut): cleared and taken over silently;
- another computer (a shared network folder): treated as live, because we
  cannot see its processes, unless its heartbeat (the file's modification
  time, refreshed every minute by the holder) is older than
  FOREIGN_STALE_AFTER; then it is taken over and ``Lock.note`` says so.

- an empty or half-written lock file (a process killed between creating
  and writing it): waited for HALF_WRITTEN_GRACE seconds, then cleared;
- same computer, the process number alive but taken by a process that
  started after the lock was written (the number was reused): cleared.
A lock that still looks live is refused with who holds it (user, computer,
process number and what that process is) and how to clear it by hand:
``python main.py unlock --db L`` (asks for confirmation).

SQLite's own file locks stay in force underneath; this file adds the
person-facing "who has it open" and protects network folders, where
SQLite's locking cannot be trusted.
"""
from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from db.errors import LedgerError, command, describe_failure, os_user  # noqa: F401  (describe_failure: old name)

HEARTBEAT_SECONDS = 60.0
FOREIGN_STALE_AFTER = 12 * 3600.0   # seconds without a heartbeat from another computer
HALF_WRITTEN_GRACE = 2.0            # an empty lock file older than this was left by a killed process
REUSE_TOLERANCE = 5.0               # seconds of clock slack between a process's start and its lock

_held: dict[str, "Lock"] = {}        # lock path -> Lock held by this process
# re-entrant: a Ledger dropped without close() is released by a weakref finalizer, which the garbage collector
# may run in this very thread while it holds the guard (inside try_acquire): a plain Lock deadlocked there
_held_guard = threading.RLock()


def lock_path(ledger_path: str | Path) -> Path:
    """Beside the ledger's file itself: a ledger opened through a symbolic link (or a path with ``..``) got a lock
    beside the link, and a second program opened it to write through the other path (found by an attack)."""
    p = Path(ledger_path)
    try:
        p = p.resolve()
    except (OSError, RuntimeError):     # a loop of links, a path that cannot be followed: as it was given
        pass
    return p.with_name(p.name + ".lock")


@dataclass
class Holder:
    pid: int
    host: str
    user: str
    started: str
    token: str
    mtime: float = 0.0

    def describe(self) -> str:
        when = self.started[:16].replace("T", " ") if self.started else "未知时间"
        return f"{self.user} 在电脑 {self.host} 上（进程 {self.pid}，{when} 起）"


@dataclass
class Lock:
    path: Path
    token: str
    note: str = ""                  # set when a stale lock was taken over
    lost: bool = False              # another process took the lock away (we slept past the stale limit)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def refresh(self) -> bool:
        """Touch the lock file if it is still ours; False (and ``lost``) if not."""
        holder = read_holder(self.path)
        if holder is None or holder.token != self.token:
            self.lost = True
            return False
        try:
            os.utime(self.path)
        except OSError:
            pass
        return True

    def check(self) -> None:
        """Raise LedgerError when the lock is no longer ours: writing now could clash."""
        if self.lost or not self.refresh():
            raise LedgerError(f"本程序对台账的写入锁已被接管（{self.path.name}），为避免两处同时写入，"
                              "请关闭后重新打开台账")

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            if not self.refresh():
                return


def read_holder(path: Path) -> Holder | None:
    """The lock's content, or None when there is no lock file. An unreadable one counts as a holder."""
    try:
        st = path.stat()
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError:
        return Holder(-1, "?", "?", "", "", 0.0)   # unreadable: no age to wait for
    try:
        data = json.loads(raw)
        return Holder(int(data["pid"]), str(data["host"]), str(data["user"]), str(data["started"]),
                      str(data["token"]), st.st_mtime)
    except (ValueError, KeyError, TypeError):
        # half-written by a process killed between create and write: judged by age below
        return Holder(-1, "?", "?", "", "", st.st_mtime)


def host_name() -> str:
    return socket.gethostname() or "unknown"


def _on_windows() -> bool:
    return sys.platform == "win32"


def _kernel32():  # pragma: no cover - Windows only; tests put a stand-in here
    import ctypes
    return ctypes.windll.kernel32  # type: ignore[attr-defined]  # typeshed has windll on win32 only


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if _on_windows():
        return _pid_alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    try:  # a killed child not yet reaped is a zombie: gone for our purposes
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return True


def _pid_alive_windows(pid: int) -> bool:
    import ctypes
    kernel32 = _kernel32()
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


@dataclass(frozen=True)
class ProcessInfo:
    started: float | None       # epoch seconds, None when it cannot be told
    name: str                   # command line or program file, "" when unknown


def process_info(pid: int) -> ProcessInfo:
    """When the live process *pid* started and what it is, as far as this computer tells."""
    try:
        if _on_windows():
            return _process_info_windows(pid)
        return _process_info_proc(pid)
    except (OSError, ValueError, IndexError, AttributeError):
        return ProcessInfo(None, "")


def _process_info_proc(pid: int) -> ProcessInfo:
    started = None
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            ticks = int(fh.read().rsplit(")", 1)[1].split()[19])   # field 22: start time, clock ticks after boot
        booted = boot_time()
        if booted is not None:
            started = booted + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        pass
    name = ""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            name = fh.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        pass
    return ProcessInfo(started, name[:120])


def _process_info_windows(pid: int) -> ProcessInfo:
    import ctypes
    from ctypes import wintypes
    kernel32 = _kernel32()
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ProcessInfo(None, "")
    try:
        times = [wintypes.FILETIME() for _ in range(4)]  # creation, exit, kernel, user
        started = None
        if kernel32.GetProcessTimes(handle, *(ctypes.byref(t) for t in times)):
            ft = times[0]
            hundred_ns = (ft.dwHighDateTime << 32) | ft.dwLowDateTime
            started = hundred_ns / 1e7 - 11644473600.0   # FILETIME counts from 1601-01-01
        buf = ctypes.create_unicode_buffer(1024)
        size = wintypes.DWORD(len(buf))
        name = buf.value if kernel32.QueryFullProcessImageNameW(handle, 0, buf, ctypes.byref(size)) else ""
        return ProcessInfo(started, name)
    finally:
        kernel32.CloseHandle(handle)


def boot_time() -> float | None:
    """When this computer last started (epoch seconds), or None when unknown."""
    try:
        if _on_windows():
            import ctypes
            get_ticks = _kernel32().GetTickCount64
            get_ticks.restype = ctypes.c_ulonglong
            return time.time() - get_ticks() / 1000.0
        with open("/proc/stat", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("btime "):
                    return float(line.split()[1])
    except (OSError, ValueError, AttributeError):
        return None
    return None


def _started_epoch(holder: Holder) -> float | None:
    try:
        return datetime.fromisoformat(holder.started).timestamp()
    except ValueError:
        return None


def judge(holder: Holder, *, now: float | None = None) -> tuple[bool, str]:
    """(stale, explanation) for a lock found on the ledger."""
    now = time.time() if now is None else now
    if holder.pid == -1 and not holder.token:
        # empty, unreadable or half-written: a live writer fills it within milliseconds
        if now - holder.mtime > HALF_WRITTEN_GRACE:
            return True, "锁文件是空的或内容残缺（上次程序在加锁时中断），已清除"
        return False, "锁文件正在写入"
    if holder.host == host_name():
        if holder.pid == os.getpid():  # not among our held locks (checked first): a leftover under a reused pid
            return True, "遗留的锁（进程号已被重用）已清除"
        if not pid_alive(holder.pid):
            return True, f"上次 {holder.describe()} 的星图已异常退出，遗留的锁已清除"
        booted = boot_time()
        started = _started_epoch(holder)
        if booted is not None and started is not None and started < booted - 60:
            return True, f"锁由 {holder.describe()} 创建于本机上次开机之前，已清除"
        info = process_info(holder.pid)
        if info.started is not None and started is not None and info.started > started + REUSE_TOLERANCE:
            what = f"（现为 {info.name}）" if info.name else ""
            return True, (f"锁中的进程 {holder.pid} 已结束，其进程号已被另一程序重用{what}；"
                          f"{holder.describe()} 遗留的锁已清除")
        return False, "进程仍在运行"
    age = now - holder.mtime
    if age > FOREIGN_STALE_AFTER:
        return True, (f"另一台电脑 {holder.host} 上的锁已 {age / 3600:.0f} 小时没有更新"
                      f"（超过 {FOREIGN_STALE_AFTER / 3600:.0f} 小时），"
                      "视为该电脑上的星图已异常退出，本程序已接管写入。"
                      f"如那台电脑上的星图其实仍开着，请立即关闭它")
    return False, f"另一台电脑上的锁 {age / 60:.0f} 分钟前仍有更新"


def held_message(ledger_path: str | Path, holder: Holder) -> str:
    """Who holds the lock on the ledger, what that process is, and how to clear the lock by hand."""
    name = Path(ledger_path).name
    what = ""
    if holder.host == host_name():
        info = process_info(holder.pid)
        what = f"；该进程现在是：{info.name}" if info.name else ""
        check = "如确认星图并未在运行（进程号可能已被其他程序占用）"
    else:
        check = f"如确认电脑 {holder.host} 上的星图已关闭"
    return (f"台账 {name} 正由 {holder.describe()} 使用，不能两处同时修改{what}。"
            f"{check}，可运行 {command('unlock')} --db \"{ledger_path}\" 清除锁文件 {lock_path(ledger_path).name}")


def _create(path: Path) -> Lock:
    token = uuid.uuid4().hex
    data = {"pid": os.getpid(), "host": host_name(), "user": os_user(),
            "started": datetime.now().astimezone().isoformat(timespec="seconds"), "token": token,
            "app": "星图"}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, json.dumps(data, ensure_ascii=False).encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return Lock(path, token)


def _clear_stale(path: Path, seen: Holder) -> None:
    """Remove the stale lock *seen*, without ever removing a fresh one someone else made meanwhile."""
    aside = path.with_name(f"{path.name}.stale-{uuid.uuid4().hex[:8]}")
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return  # someone else cleared it first
    moved = read_holder(aside)
    if moved is not None and moved.token != seen.token:
        # a fresh lock replaced the stale one between our look and our move: put it back
        try:
            os.link(aside, path)
        except OSError:
            pass
    try:
        os.remove(aside)
    except OSError:
        pass


def try_acquire(ledger_path: str | Path) -> tuple[Lock | None, str]:
    """(Lock, note) when this process may write; (None, Chinese reason) when it may not.

    A lock file being written right now (empty or half-written) is waited for, at most
    HALF_WRITTEN_GRACE seconds: then it is either complete or judged left by a killed process."""
    path = lock_path(ledger_path)
    name = Path(ledger_path).name
    linked = other_names(ledger_path)
    if linked:
        return None, (f"台账文件 {name} 另有 {linked} 个硬链接（同一个文件的其他名字）：通过不同的名字同时写入，"
                      "各自的预写日志互不相见，会损坏台账，所以这里只能查看。请复制一份台账（而不是建立链接）后再打开")
    note = ""
    deadline = time.monotonic() + HALF_WRITTEN_GRACE + 0.5
    with _held_guard:
        if str(path.resolve()) in _held:
            return None, f"台账 {name} 已在本程序的另一个窗口中打开并可编辑，这里只能查看"
        for _attempt in range(100):
            try:
                lock = _create(path)
            except FileExistsError:
                holder = read_holder(path)
                if holder is None:
                    continue
                stale, why = judge(holder)
                if not stale:
                    if holder.pid == -1:
                        if time.monotonic() < deadline:
                            time.sleep(0.1)
                            continue
                        return None, (f"台账 {name} 正被另一程序打开（锁文件 {path.name} 正在写入），请稍后再试；"
                                      f"如一直如此，可运行 {command('unlock')} --db \"{ledger_path}\" 清除")
                    return None, held_message(ledger_path, holder)
                _clear_stale(path, holder)
                note = why
                continue
            except PermissionError:
                return None, f"台账所在文件夹 {path.parent} 没有写入权限（只读），只能查看"
            except OSError as exc:
                return None, f"无法在台账所在文件夹 {path.parent} 建立写入锁（{exc.strerror or exc}），只能查看"
            lock.note = note
            _held[str(path.resolve())] = lock
            lock._thread = threading.Thread(target=lock._beat, name=f"lock-heartbeat {name}", daemon=True)
            lock._thread.start()
            return lock, note
    return None, f"台账 {name} 的锁文件反复变化，请稍后再试"


def force_clear(ledger_path: str | Path) -> Holder | None:
    """Remove the ledger's lock file whoever holds it (the ``unlock`` command, after a person confirmed).
    Returns the holder it named (None: there was no lock). A lock held by this very process is refused."""
    path = lock_path(ledger_path)
    holder = read_holder(path)
    if holder is None:
        return None
    with _held_guard:
        mine = _held.get(str(path.resolve()))
        if mine is not None and mine.token == holder.token:
            raise LedgerError(f"台账 {Path(ledger_path).name} 的锁属于本程序自己，请关闭台账而不是清除锁")
    try:
        os.remove(path)
    except FileNotFoundError:
        return holder
    except OSError as exc:
        raise LedgerError(f"无法删除锁文件 {path}（{exc.strerror or exc}）") from exc
    return holder


def release(lock: Lock | None) -> None:
    if lock is None:
        return
    lock._stop.set()
    with _held_guard:
        key = str(lock.path.resolve())
        if _held.get(key) is lock:
            del _held[key]
        holder = read_holder(lock.path)
        if holder is not None and holder.token == lock.token:
            try:
                os.remove(lock.path)
            except OSError:
                pass


def other_names(ledger_path: str | Path) -> int:
    """How many other hard links the ledger's file has (0: none, or the file does not exist yet). SQLite names its
    -wal and -shm files after the name it was opened by, so two programs writing one file by two names would each
    keep their own log and overwrite each other's pages (found by an attack); the lock file, named likewise, cannot
    stop that: a file with other names is opened read-only instead. A symbolic link is followed (``lock_path``)."""
    try:
        return max(os.stat(ledger_path).st_nlink - 1, 0)
    except OSError:
        return 0


def file_id(path: str | Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if st.st_ino else None


def guard_write(ledger) -> None:
    """Before each write transaction: refuse, saying why, when writing now would lose the change.

    The ledger file deleted or moved while open (on Windows a network share can do this) would take
    every later change with it when the connection closes; the lock taken over by another computer
    means two writers. Nothing has been written when this raises; the caller keeps what was typed.
    """
    expected = getattr(ledger, "file_id", None)
    if expected is not None and file_id(ledger.path) != expected:
        raise LedgerError(f"台账文件 {ledger.path} 已被删除、移动或替换，本次修改未保存。"
                          "已打开的数据仍在本程序中：请用“抢救台账”另存一份（或把文件放回原处）后重新打开")
    lock = getattr(ledger, "lock", None)
    if lock is not None and lock.lost:
        lock.check()
