"""The program's version and its data folder, for ``--version``, the About box and the logs.

The version is written once, in pyproject.toml. Where it is read from:
- a source checkout (``python main.py``, ``make run``): pyproject.toml beside the packages, so a
  checkout never reports the version of some other install in the same virtualenv;
- an installed wheel or the frozen app: the distribution's metadata (``importlib.metadata``; the
  PyInstaller build bundles it with ``copy_metadata("xingtu")`` and checks it matches pyproject.toml).
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

DISTRIBUTION = "xingtu"
UNKNOWN = "未知版本"
_PROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def pyproject_version(text: str) -> str | None:
    """``version = "…"`` of the [project] table of a pyproject.toml whose name is xingtu, else None."""
    table = re.search(r"(?ms)^\[project\]\s*$(.*?)(?=^\[|\Z)", text)
    if not table:
        return None
    body = table.group(1)
    name = re.search(r'(?m)^name\s*=\s*"([^"]+)"', body)
    version = re.search(r'(?m)^version\s*=\s*"([^"]+)"', body)
    if not name or name.group(1) != DISTRIBUTION or not version:
        return None
    return version.group(1)


def version() -> str:
    """The version of this program, e.g. "0.1.0" (UNKNOWN when it cannot be found)."""
    if not getattr(sys, "frozen", False) and _PROJECT.is_file():
        found = pyproject_version(_PROJECT.read_text(encoding="utf-8"))
        if found:
            return found
    from importlib import metadata
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return UNKNOWN


def data_folder() -> Path:
    """The user data folder: the default ledger, its backups and the logs (XINGTU_DATA_DIR overrides it)."""
    from db.paths import data_dir
    return data_dir()


def describe() -> str:
    """One line for ``--version``."""
    return f"星图 {version()}"


def about_text() -> str:
    """帮助 → 关于星图."""
    return (f"星图：企业梯度培育台账\n版本 {version()}\n区科经局与街道企业服务专员使用。\n"
            "帮助 → 使用指南 有简短的操作说明。")
