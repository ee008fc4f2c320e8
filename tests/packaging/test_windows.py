"""What only runs on Windows, checked here with a monkeypatched platform: the data folder under
%LOCALAPPDATA%, Windows' Chinese fonts chosen first, the lock's process and boot-time checks through
kernel32, and the windowed program's missing console."""
from __future__ import annotations

import ctypes
import io
import sys
from pathlib import Path

import pytest

from desktop import streams

# data folder ------------------------------------------------------------------------------------------------

def test_data_folder_is_under_localappdata(tmp_path, monkeypatch):
    import platformdirs
    from platformdirs import windows

    from db.paths import data_dir, default_backup_dir, default_ledger_path
    folders = {"CSIDL_LOCAL_APPDATA": str(tmp_path / "AppData" / "Local"),
               "CSIDL_APPDATA": str(tmp_path / "AppData" / "Roaming")}
    monkeypatch.delenv("XINGTU_DATA_DIR", raising=False)
    monkeypatch.setattr(platformdirs, "PlatformDirs", windows.Windows)
    monkeypatch.setattr(windows, "get_win_folder", folders.__getitem__)
    expected = tmp_path / "AppData" / "Local" / "xingtu"           # not Roaming, not xingtu\xingtu
    assert data_dir() == expected and expected.is_dir()
    assert default_ledger_path() == expected / "ledger.db"
    assert default_backup_dir() == expected / "backups"


# fonts ------------------------------------------------------------------------------------------------------

WINDOWS_FONTS = ["Arial", "Segoe UI", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "SimHei", "SimSun",
                 "Microsoft YaHei", "Microsoft YaHei UI"]


def test_windows_fonts_come_before_any_other_cjk_font():
    from ui.fonts import cjk_families
    assert cjk_families(WINDOWS_FONTS)[:4] == ["Microsoft YaHei UI", "Microsoft YaHei", "SimSun", "SimHei"]
    without_yahei = [f for f in WINDOWS_FONTS if "YaHei" not in f]
    assert cjk_families(without_yahei)[0] == "SimSun"
    assert cjk_families(["Noto Sans CJK SC", "WenQuanYi Micro Hei"]) == ["Noto Sans CJK SC", "WenQuanYi Micro Hei"]


@pytest.fixture
def windows_font_database(qapp, monkeypatch):
    from PySide6.QtGui import QFontDatabase
    monkeypatch.setattr(QFontDatabase, "families", staticmethod(lambda *a: list(WINDOWS_FONTS)))
    font = qapp.font()
    yield
    qapp.setFont(font)


def test_the_app_and_the_pdf_report_pick_microsoft_yahei(windows_font_database, qapp):
    from desktop.app import setup_application
    from ui.dashboard.charts import cjk_font
    setup_application()
    assert qapp.font().families()[:3] == ["Microsoft YaHei UI", "Microsoft YaHei", "SimSun"]
    assert cjk_font().family() == "Microsoft YaHei UI"      # the charts


def test_the_pdf_report_writes_in_microsoft_yahei(windows_font_database, tmp_path):
    from ui.report_pdf import _Doc
    doc = _Doc(tmp_path / "报告.pdf", "测试")
    try:
        assert doc.family == "Microsoft YaHei UI"
    finally:
        doc.p.end()


# the lock's Windows branch (db/lock.py) ---------------------------------------------------------------------

STILL_ACTIVE = 259


class FakeKernel32:
    def __init__(self, *, handle=7, exit_code=STILL_ACTIVE, ticks_ms=3_600_000):
        self.handle, self.exit_code, self.ticks_ms = handle, exit_code, ticks_ms
        self.calls = []

    def OpenProcess(self, access, inherit, pid):  # noqa: N802 (the Win32 name)
        self.calls.append(("OpenProcess", access, pid))
        return self.handle

    def GetExitCodeProcess(self, handle, code_ref):  # noqa: N802
        code_ref._obj.value = self.exit_code
        return 1

    def CloseHandle(self, handle):  # noqa: N802
        self.calls.append(("CloseHandle", handle))
        return 1

    class _Ticks:
        restype = None

        def __init__(self, outer):
            self.outer = outer

        def __call__(self):
            return self.outer.ticks_ms

    @property
    def GetTickCount64(self):  # noqa: N802
        return self._Ticks(self)


@pytest.fixture
def on_windows(monkeypatch):
    def use(kernel32):
        monkeypatch.setattr(sys, "platform", "win32")
        monkeypatch.setattr(ctypes, "windll", type("WinDLL", (), {"kernel32": kernel32})(), raising=False)
        return kernel32
    return use


def test_lock_sees_a_running_windows_process(on_windows):
    from db import lock
    k = on_windows(FakeKernel32(exit_code=STILL_ACTIVE))
    assert lock.pid_alive(4242) is True
    assert k.calls == [("OpenProcess", 0x1000, 4242), ("CloseHandle", 7)]


def test_lock_sees_an_exited_or_unknown_windows_process_as_gone(on_windows):
    from db import lock
    on_windows(FakeKernel32(exit_code=0))
    assert lock.pid_alive(4242) is False
    on_windows(FakeKernel32(handle=0))                      # no such process (OpenProcess fails)
    assert lock.pid_alive(4242) is False
    assert lock.pid_alive(0) is False


def test_lock_boot_time_on_windows(on_windows, monkeypatch):
    import time

    from db import lock
    on_windows(FakeKernel32(ticks_ms=2 * 3600 * 1000))      # up for two hours
    monkeypatch.setattr(time, "time", lambda: 1_000_000.0)
    assert lock.boot_time() == pytest.approx(1_000_000.0 - 7200.0)


def test_a_stale_lock_of_a_dead_windows_process_is_taken_over(on_windows, tmp_path):
    from db import lock
    on_windows(FakeKernel32(exit_code=0))
    holder = lock.Holder(pid=4242, host=lock.host_name(), user="张三", started="2026-01-05T09:00:00", token="t")
    stale, why = lock.judge(holder)
    assert stale and "异常退出" in why


# the windowed program's streams (desktop/streams.py) --------------------------------------------------------

@pytest.fixture
def no_streams(monkeypatch):
    """A windowed program's streams. Set inside the test (pytest's capture puts its own back between phases)."""
    def take_away():
        monkeypatch.setattr(sys, "stdout", None)
        monkeypatch.setattr(sys, "stderr", None)
    return take_away


def test_windowed_subcommand_writes_to_the_parent_console(no_streams, monkeypatch):
    console = io.StringIO()
    attached = []
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(streams, "_attach_parent_console", lambda: attached.append(True) or True)
    monkeypatch.setattr(streams, "_open_console", lambda: console)
    no_streams()
    assert streams.ensure_streams(["import", "名单.xlsx", "--db", "x.db"]) == "console"
    assert attached == [True] and sys.stdout is console and sys.stderr is console


def test_windowed_app_without_console_gets_devnull_streams(no_streams, monkeypatch):
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(streams, "_attach_parent_console", lambda: pytest.fail("the desktop app attaches to nothing"))
    no_streams()
    assert streams.ensure_streams([]) == "devnull"
    sys.stdout.write("不会出错\n")
    sys.stderr.write("也不会出错\n")
    sys.stdout.close()
    sys.stderr.close()


def test_windowed_subcommand_started_by_double_click_has_no_console_to_attach(no_streams, monkeypatch):
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(streams, "_attach_parent_console", lambda: False)
    no_streams()
    assert streams.ensure_streams(["report", "--db", "x.db", "--year", "2024"]) == "devnull"
    assert Path(sys.stdout.name).name in ("null", "nul")
    sys.stdout.close()
    sys.stderr.close()


def test_streams_left_alone_when_they_exist():
    before = sys.stdout
    assert streams.ensure_streams(["--version"]) == ""
    assert sys.stdout is before
