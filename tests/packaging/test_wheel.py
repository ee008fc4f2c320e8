"""`pip install` of the wheel in a fresh virtualenv, then `xingtu init` and an import from another folder:
the catalogs travel as package data (importlib.resources), not as files beside a checkout.

The fresh venv gets only the wheel (--no-deps); the dependencies come from this interpreter's
site-packages through a .pth line (no download of Qt), which adds the folder without running its .pth
files, so this checkout's own editable install is not seen.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "main.py", "desktop", "ui", "pipeline", "db", "importers", "resources")


def _run(cmd, **kw):
    out = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=600, **kw)
    assert out.returncode == 0, f"{cmd}\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}"
    return out


@pytest.mark.slow
def test_the_wheel_installs_and_runs_init_and_an_import(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in SOURCES:
        s = ROOT / name
        if s.is_dir():
            shutil.copytree(s, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(s, src / name)
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, src])
    wheel, = wheels.glob("xingtu-*.whl")

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    site = Path(_run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "shared_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    _run([py, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel])

    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(XINGTU_DATA_DIR=str(tmp_path / "data"), QT_QPA_PLATFORM="offscreen")
    where = _run([py, "-c", "import desktop, resources; print(desktop.__file__); print(resources.__file__)"],
                 cwd=work, env=env).stdout.split()
    assert all(Path(p).is_relative_to(site) for p in where), where        # the wheel, not this checkout
    shipped = sorted(p.name for p in (site / "resources").iterdir() if p.suffix in (".json", ".png", ".ico"))
    assert shipped == ["catalog.json", "pinyin_table.json", "streets.json", "targets.json", "xingtu.ico", "xingtu.png"]

    xingtu = env_dir / "bin" / "xingtu"
    version = _run([xingtu, "--version"], cwd=work, env=env).stdout.strip()
    assert version == f"星图 {wheel.name.split('-')[1]}"
    init = _run([xingtu, "init", "--db", "x.db"], cwd=work, env=env)
    assert "21 个认定类别，14 个街道" in init.stdout
    shutil.copy(ROOT / "tests" / "data" / "roster_small.csv", work / "名单.csv")
    result = json.loads(_run([xingtu, "import", "名单.csv", "--db", "x.db", "--json"], cwd=work, env=env).stdout)
    assert (result["created"], result["errors"]) == (6, [])
    listing = json.loads(_run([xingtu, "catalog", "--db", "x.db", "--json", "list"], cwd=work, env=env).stdout)
    assert sum(len(t["stages"]) for t in listing["tracks"]) == 21
