"""What goes into the one-folder app, decided in plain Python so tests can check it without PyInstaller.

packaging/xingtu.spec imports this module: the version stamped into the build, the modules left out,
the Qt plugins and translations kept (everything else Qt ships is dropped), and the Windows version
resource. ``python packaging/buildinfo.py version`` prints the version (for make and build-windows.ps1).

packaging/ is a folder of build scripts, deliberately without ``__init__.py``: a package named ``packaging``
on the path would shadow PyPI's ``packaging`` library that pip, setuptools, pytest and PyInstaller import.
"""
from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
NAME = "xingtu"              # the folder, the program (xingtu / xingtu.exe) and the distribution
CLI_NAME = "xingtu-cli"      # Windows only: the console twin of xingtu.exe for the sub-commands

# Modules the app never imports at run time; PyInstaller would otherwise follow optional imports into them.
EXCLUDES = [
    # tests and development tools
    "tests", "bench", "pytest", "_pytest", "pytestqt", "hypothesis", "importlinter", "grimp", "pyinstrument",
    "pypdfium2", "xlwt", "mypy", "ruff", "PyInstaller", "setuptools", "pkg_resources", "pip", "wheel",
    "IPython", "jedi", "pydoc_data",
    # other GUI toolkits and unused Qt modules
    "tkinter", "_tkinter", "PyQt5", "PyQt6", "PySide2", "matplotlib",
    "PySide6.QtNetwork", "PySide6.QtSvg", "PySide6.QtSvgWidgets",
    "PySide6.QtPrintSupport", "PySide6.QtTest", "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtDBus",
    "PySide6.QtPdf", "PySide6.QtConcurrent", "PySide6.QtXml",
    # pyqtgraph's parts the charts do not use
    "pyqtgraph.opengl", "pyqtgraph.examples", "pyqtgraph.jupyter", "pyqtgraph.canvas", "pyqtgraph.console",
    "pyqtgraph.flowchart", "pyqtgraph.exporters.HDF5Exporter",
    "cupy", "h5py", "scipy", "OpenGL", "numba", "colorcet",
    # installed (sqlite-utils, pandas, openpyxl) but not imported by the app
    "sqlite_utils", "pandas", "openpyxl", "click", "tabulate",
]

# Qt plugins kept, by folder: every other plugin (and folder) is dropped.
PLUGINS = {
    # the screen: X11 (xcb) and Windows; offscreen for `snapshot` and tests without a screen
    "platforms": {"qxcb", "qoffscreen", "qwindows"},
    "xcbglintegrations": {"qxcb-glx-integration", "qxcb-egl-integration"},
    # typing Chinese on Linux desktops (ibus; compose keys). Windows' input methods work through qwindows.
    "platforminputcontexts": {"ibusplatforminputcontextplugin", "composeplatforminputcontextplugin"},
    # Windows 10/11 look
    "styles": {"qmodernwindowsstyle", "qwindowsvistastyle"},
}
# PNG is built into QtGui; the app reads and writes no other image format, so no imageformats plugin.
# The PDF report is drawn with QPdfWriter (QtGui): no printsupport plugin either.
TRANSLATIONS = {"qtbase_zh_CN.qm"}
# Qt libraries only the dropped plugins needed (kept out so the folder does not carry them)
DROPPED_QT_LIBS = ("Qt6Pdf", "Qt6Svg", "Qt6Network", "Qt6Wayland", "Qt6Quick", "Qt6Qml",
                   "Qt6VirtualKeyboard", "Qt6EglFS", "Qt6Multimedia", "Qt6Concurrent", "Qt6Xml", "Qt6PrintSupport")


def project_version(pyproject: Path = ROOT / "pyproject.toml") -> str:
    sys.path.insert(0, str(ROOT))
    try:
        from desktop.version import pyproject_version
    finally:
        sys.path.remove(str(ROOT))
    found = pyproject_version(pyproject.read_text(encoding="utf-8"))
    if not found:
        raise SystemExit(f"{pyproject} 中没有 [project] version")
    return found


def _qt_relative(dest: str) -> PurePosixPath | None:
    """The part of a bundle path under Qt's folder (Linux: PySide6/Qt/…, Windows: PySide6/…), else None."""
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if len(parts) < 2 or parts[0] != "PySide6":
        return None
    rest = parts[2:] if parts[1] == "Qt" else parts[1:]
    return PurePosixPath(*rest) if rest else None


def _plugin_name(filename: str) -> str:
    stem = filename.split(".")[0]                        # libqxcb.so / qwindows.dll -> libqxcb / qwindows
    return stem[3:] if stem.startswith("lib") else stem


def keep(dest: str) -> bool:
    """Whether a file PyInstaller collected (its path inside the bundle) stays in the folder."""
    rel = _qt_relative(dest)
    if rel is None:
        return True
    if rel.parts[0] == "plugins" and len(rel.parts) >= 3:
        return _plugin_name(rel.parts[-1]) in PLUGINS.get(rel.parts[1], set())
    if rel.parts[0] == "translations":
        return rel.name in TRANSLATIONS
    if rel.parts[0] in ("qml", "resources", "libexec", "metatypes", "typesystems", "include", "glue", "scripts"):
        return False
    name = rel.name
    return not any(name.startswith((lib, "lib" + lib)) for lib in DROPPED_QT_LIBS)


def keep_toc(toc):
    """A PyInstaller TOC (list of (dest, src, kind)) without the files ``keep`` drops."""
    return [entry for entry in toc if keep(entry[0])]


def version_tuple(version: str) -> tuple[int, int, int, int]:
    numbers = [int(n) for n in re.findall(r"\d+", version)[:4]]
    return tuple(numbers + [0] * (4 - len(numbers)))  # type: ignore[return-value]


def windows_version_info(version: str) -> str:
    """The Windows version resource (PyInstaller's text form) stamped into xingtu.exe and xingtu-cli.exe."""
    nums = version_tuple(version)
    strings = {
        "CompanyName": "星图 (Xingtu)",
        "FileDescription": "星图 企业梯度培育台账",
        "FileVersion": version,
        "InternalName": NAME,
        "LegalCopyright": "星图 (Xingtu)",
        "OriginalFilename": f"{NAME}.exe",
        "ProductName": "星图",
        "ProductVersion": version,
    }
    items = ",\n          ".join(f"StringStruct({k!r}, {v!r})" for k, v in strings.items())
    return f"""# generated by packaging/buildinfo.py from pyproject.toml: do not edit
VSVersionInfo(
  ffi=FixedFileInfo(filevers={nums}, prodvers={nums}, mask=0x3f, flags=0x0, OS=0x40004, fileType=0x1,
                    subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('080404b0', [
          {items}])]),
    VarFileInfo([VarStruct('Translation', [2052, 1200])])
  ]
)
"""


def zip_name(version: str, platform: str | None = None) -> str:
    platform = platform or sys.platform
    system = "windows" if platform.startswith("win") else "macos" if platform == "darwin" else "linux"
    return f"{NAME}-{version}-{system}-x86_64.zip"


def has_debug_info(path: Path) -> bool:
    """Whether an ELF file carries a .debug_info section (binutils' readelf)."""
    with open(path, "rb") as fh:
        if fh.read(4) != b"\x7fELF":
            return False
    out = subprocess.run(["readelf", "-S", "-W", str(path)], capture_output=True, text=True, check=False)
    return ".debug_info" in out.stdout


def strip_debug_info(folder: Path) -> list[Path]:
    """Linux: remove debugging information from the libraries that carry it (a Python built from source, as
    pyenv does, ships 25 MB of it in libpython and its extension modules). Only ``--strip-debug``, and only
    those files: stripping everything breaks numpy's OpenBLAS. Returns the files stripped."""
    if not (shutil.which("readelf") and shutil.which("strip")):
        return []
    done = []
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and not path.is_symlink() and ".so" in path.name and has_debug_info(path):
            subprocess.run(["strip", "--strip-debug", str(path)], check=True)
            done.append(path)
    return done


def make_zip(folder: Path, target: Path) -> int:
    """Zip *folder* (as its own top folder) into *target*; symbolic links stay links and the programs stay
    executable (Info-ZIP's Unix attributes, which unzip and desktop archive tools restore). Returns the file count."""
    folder, count = Path(folder), 0
    target.unlink(missing_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for path in sorted(folder.rglob("*")):
            arcname = str(PurePosixPath(folder.name, *path.relative_to(folder).parts))
            if path.is_symlink():
                info = zipfile.ZipInfo(arcname)
                info.create_system = 3
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                zf.writestr(info, os.readlink(path))
            elif path.is_file():
                zf.write(path, arcname)
            else:
                continue
            count += 1
    return count


def extract_zip(source: Path, dest: Path) -> None:
    """The inverse of make_zip (symbolic links and modes restored), for machines without unzip."""
    with zipfile.ZipFile(source) as zf:
        for info in zf.infolist():
            out = Path(dest, *PurePosixPath(info.filename).parts)
            out.parent.mkdir(parents=True, exist_ok=True)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                out.symlink_to(zf.read(info).decode())
            elif not info.is_dir():
                out.write_bytes(zf.read(info))
                if mode & 0o777:
                    out.chmod(mode & 0o777)


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "version"
    if what == "version":
        print(project_version())
    elif what == "zip-name":
        print(zip_name(project_version(), sys.argv[2] if len(sys.argv) > 2 else None))
    elif what == "zip":
        n = make_zip(Path(sys.argv[2]), Path(sys.argv[3]))
        print(f"已打包 {n} 个文件到 {sys.argv[3]}（{Path(sys.argv[3]).stat().st_size / 1e6:.0f} MB）")
    elif what == "unzip":
        extract_zip(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        raise SystemExit(
            "用法：python packaging/buildinfo.py version | zip-name [平台] | zip 文件夹 压缩包 | unzip 压缩包 目标"
        )
