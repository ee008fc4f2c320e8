"""`--version` prints the version written in pyproject.toml; desktop.version.version() is what the About box shows."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import version as v
from desktop.cli import main

tomllib = pytest.importorskip("tomllib")      # Python 3.11+
ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def test_version_is_the_one_in_pyproject():
    assert v.version() == PYPROJECT


def test_cli_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"星图 {PYPROJECT}\n"


def test_main_py_version_from_another_folder(tmp_path):
    env = {**os.environ, "XINGTU_DATA_DIR": str(tmp_path / "data")}
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "--version"], capture_output=True, text=True,
                         cwd=tmp_path, env=env, timeout=60)
    assert (out.returncode, out.stdout, out.stderr) == (0, f"星图 {PYPROJECT}\n", "")


def test_pyproject_version_reads_only_xingtus_project_table():
    assert v.pyproject_version('[project]\nname = "xingtu"\nversion = "1.2.3"\n[tool.x]\nversion = "9"\n') == "1.2.3"
    assert v.pyproject_version('[project]\nname = "other"\nversion = "1.2.3"\n') is None
    assert v.pyproject_version('[tool.poetry]\nname = "xingtu"\nversion = "1.2.3"\n') is None
    assert v.pyproject_version('[project]\nname = "xingtu"\n') is None


def test_the_frozen_app_and_a_wheel_read_the_installed_metadata(monkeypatch):
    from importlib import metadata
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(metadata, "version", lambda name: {"xingtu": "7.8.9"}[name])
    assert v.version() == "7.8.9"

    def missing(name):
        raise metadata.PackageNotFoundError(name)
    monkeypatch.setattr(metadata, "version", missing)
    assert v.version() == v.UNKNOWN


def test_data_folder_follows_xingtu_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XINGTU_DATA_DIR", str(tmp_path / "数据"))
    assert v.data_folder() == tmp_path / "数据" and (tmp_path / "数据").is_dir()
