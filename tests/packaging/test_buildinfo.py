"""packaging/buildinfo.py: which Qt files the one-folder app keeps (Linux and Windows layouts), the Windows
version resource stamped from pyproject.toml, and the zip that keeps links and the programs' modes."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))
import buildinfo  # noqa: E402

LINUX = "PySide6/Qt/plugins"
WINDOWS = "PySide6\\plugins"


@pytest.mark.parametrize("dest", [
    f"{LINUX}/platforms/libqxcb.so", f"{LINUX}/platforms/libqoffscreen.so",
    f"{LINUX}/xcbglintegrations/libqxcb-glx-integration.so",
    f"{LINUX}/platforminputcontexts/libibusplatforminputcontextplugin.so",
    f"{WINDOWS}\\platforms\\qwindows.dll", f"{WINDOWS}\\platforms\\qoffscreen.dll",
    f"{WINDOWS}\\styles\\qmodernwindowsstyle.dll",
    "PySide6/Qt/translations/qtbase_zh_CN.qm", "PySide6\\translations\\qtbase_zh_CN.qm",
    "PySide6/Qt/lib/libQt6Widgets.so.6", "PySide6\\Qt6Gui.dll", "PySide6/Qt/lib/libQt6OpenGL.so.6",
    "numpy/core/_multiarray_umath.so", "resources/catalog.json", "libpython3.11.so.1.0",
])
def test_kept(dest):
    assert buildinfo.keep(dest)


@pytest.mark.parametrize("dest", [
    f"{LINUX}/platforms/libqwayland.so", f"{LINUX}/platforms/libqvnc.so", f"{LINUX}/platformthemes/libqgtk3.so",
    f"{LINUX}/imageformats/libqjpeg.so", f"{LINUX}/imageformats/libqsvg.so", f"{LINUX}/sqldrivers/libqsqlite.so",
    f"{LINUX}/tls/libqopensslbackend.so", f"{LINUX}/printsupport/libcupsprintersupport.so",
    f"{WINDOWS}\\platforms\\qminimal.dll", f"{WINDOWS}\\imageformats\\qico.dll",
    f"{WINDOWS}\\generic\\qtuiotouchplugin.dll",
    "PySide6/Qt/translations/qtbase_de.qm", "PySide6/Qt/translations/qtbase_zh_TW.qm",
    "PySide6\\translations\\assistant_zh_CN.qm", "PySide6/Qt/lib/libQt6Pdf.so.6", "PySide6\\Qt6Network.dll",
    "PySide6/Qt/lib/libQt6WaylandClient.so.6", "PySide6/Qt/qml/QtQuick/qmldir",
])
def test_dropped(dest):
    assert not buildinfo.keep(dest)


def test_keep_toc_filters_pyinstaller_entries():
    toc = [("PySide6/Qt/plugins/platforms/libqxcb.so", "/src/a", "BINARY"),
           ("PySide6/Qt/plugins/platforms/libqeglfs.so", "/src/b", "BINARY")]
    assert buildinfo.keep_toc(toc) == toc[:1]


def test_windows_version_resource_is_stamped_from_pyproject():
    version = buildinfo.project_version()
    text = buildinfo.windows_version_info(version)
    nums = buildinfo.version_tuple(version)
    assert f"filevers={nums}" in text and f"prodvers={nums}" in text
    assert f"StringStruct('ProductVersion', '{version}')" in text
    assert "StringStruct('OriginalFilename', 'xingtu.exe')" in text
    assert buildinfo.version_tuple("1.2") == (1, 2, 0, 0) and buildinfo.version_tuple("2.10.3rc1") == (2, 10, 3, 1)


def test_zip_names():
    assert buildinfo.zip_name("0.3.0", "linux") == "xingtu-0.3.0-linux-x86_64.zip"
    assert buildinfo.zip_name("0.3.0", "win32") == "xingtu-0.3.0-windows-x86_64.zip"


def test_zip_keeps_links_and_modes(tmp_path):
    folder = tmp_path / "xingtu"
    (folder / "_internal" / "lib").mkdir(parents=True)
    (folder / "xingtu").write_bytes(b"\x7fELF program")
    (folder / "xingtu").chmod(0o755)
    (folder / "_internal" / "lib" / "libQt6Core.so.6").write_bytes(b"qt" * 1000)
    os.symlink("lib/libQt6Core.so.6", folder / "_internal" / "libQt6Core.so.6")
    target = tmp_path / "x.zip"
    assert buildinfo.make_zip(folder, target) == 3
    out = tmp_path / "out"
    buildinfo.extract_zip(target, out)
    link = out / "xingtu" / "_internal" / "libQt6Core.so.6"
    assert link.is_symlink() and os.readlink(link) == "lib/libQt6Core.so.6" and link.read_bytes() == b"qt" * 1000
    assert os.access(out / "xingtu" / "xingtu", os.X_OK)


def test_the_version_resource_is_a_well_formed_vsversioninfo():
    """PyInstaller evaluates the text with its versioninfo classes (which need pefile, Windows only); the same
    evaluation with recording stand-ins checks its structure here."""
    def record(kind):
        return lambda *args, **kwargs: (kind, args, kwargs)
    names = ("VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable", "StringStruct", "VarFileInfo",
             "VarStruct")
    info = eval(buildinfo.windows_version_info("1.4.2"), {n: record(n) for n in names})  # noqa: S307
    kind, _, parts = info
    assert kind == "VSVersionInfo"
    assert parts["ffi"][2]["filevers"] == (1, 4, 2, 0)
    string_file, var_file = parts["kids"]
    table = string_file[1][0][0]
    assert table[1][0] == "080404b0"                          # Simplified Chinese, Unicode
    strings = dict(s[1] for s in table[1][1])
    assert strings["FileVersion"] == strings["ProductVersion"] == "1.4.2" and strings["ProductName"] == "星图"
    assert var_file[1][0][0][1] == ("Translation", [2052, 1200])
