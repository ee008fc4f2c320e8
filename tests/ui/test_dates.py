"""Issue 14: every date field of the app takes 20230630, 2023/6/30, 2023.6.30 and 2023-06-30 (one parser)."""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from pipeline.dates import parse_typed
from ui.dates import DateEdit

pytestmark = pytest.mark.gui
TYPED = ["20230630", "2023/6/30", "2023.6.30", "2023-06-30", "2023/06/30", " 2023.06.30 "]


@pytest.mark.parametrize("text", TYPED + ["2023年6月30日", "２０２３０６３０"])
def test_the_one_parser(text):
    assert parse_typed(text) == date(2023, 6, 30)


@pytest.mark.parametrize("text", ["2023-02-30", "20231", "abc", "2023.13.1", ""])
def test_the_parser_refuses_in_chinese(text):
    with pytest.raises(ValueError, match="日期"):
        parse_typed(text)


@pytest.mark.parametrize("typed", [t.strip() for t in TYPED])
def test_a_date_field_takes_each_form_typed(qtbot, typed):
    w = DateEdit(date(2020, 1, 1))
    qtbot.add_widget(w)
    w.lineEdit().selectAll()
    qtbot.keyClicks(w, typed)          # typed key by key, as a person does
    qtbot.keyClick(w, Qt.Key_Return)
    assert w.py_date() == date(2023, 6, 30)
    assert w.text() == "2023-06-30"


def test_a_date_field_takes_chinese_dates_pasted(qtbot):
    w = DateEdit(date(2020, 1, 1))
    qtbot.add_widget(w)
    w.lineEdit().setText("2023年6月30日")      # QTest cannot type non-ASCII keys: paste it
    w.interpretText()
    assert w.py_date() == date(2023, 6, 30)


def test_every_date_field_of_the_app_is_the_one_date_field():
    """No plain QDateEdit left in ui/ or desktop/ (outside the import wizard, engineer B's)."""
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    offenders = [str(p.relative_to(root)) for folder in ("ui", "desktop") for p in (root / folder).rglob("*.py")
                 if "QDateEdit(" in p.read_text(encoding="utf-8") and p.name != "dates.py"
                 and "importer" not in p.parts]
    assert offenders == []


@pytest.mark.parametrize("text", TYPED)
def test_the_command_line_takes_the_same_forms(text):
    from desktop.commands.common import date_arg
    assert date_arg(text.strip(), "--as-of") == date(2023, 6, 30)
