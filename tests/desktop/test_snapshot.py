"""python main.py snapshot renders the five screens at 1366×768 (issue 14) and leaves the ledger untouched."""
from __future__ import annotations

import hashlib

import pytest

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")]


def test_snapshot_renders_png_files(demo_copy, tmp_path, qapp, capsys):
    from PySide6.QtGui import QImage

    from desktop.cli import main
    before = hashlib.sha256(demo_copy.read_bytes()).hexdigest()
    assert main(["snapshot", "--db", str(demo_copy), "--out", str(tmp_path / "shots")]) == 0
    names = sorted(p.name for p in (tmp_path / "shots").iterdir())
    assert names == ["dashboard.png", "firm.png", "help.png", "import.png", "ledger.png"]
    for name in names:
        img = QImage(str(tmp_path / "shots" / name))
        assert (img.width(), img.height()) == (1366, 768)
    assert hashlib.sha256(demo_copy.read_bytes()).hexdigest() == before
    assert "已生成" in capsys.readouterr().out
