"""Issue 14: Qt's own texts in Chinese whatever the system locale, and argparse's help and errors in Chinese."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QLocale

from desktop.cli import build_parser, main

pytestmark = pytest.mark.gui


def test_qt_translations_are_installed_whatever_the_locale(qapp, monkeypatch):
    from desktop.app import setup_application
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    QLocale.setDefault(QLocale(QLocale.English, QLocale.UnitedStates))
    app = setup_application()
    assert app is qapp and app._xingtu_translators
    assert QCoreApplication.translate("QPlatformTheme", "OK") == "确定"
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
    assert QCoreApplication.translate("QLineEdit", "&Undo").startswith("撤")
    assert QCoreApplication.translate("QLineEdit", "&Paste").startswith("粘贴")
    assert QCoreApplication.translate("QFileDialog", "Look in:") == "查找范围："
    assert QLocale().language() == QLocale.Chinese and QLocale().territory() == QLocale.China


def test_a_standard_button_says_it_in_chinese(qtbot, qapp):
    from PySide6.QtWidgets import QDialogButtonBox

    from desktop.app import setup_application
    setup_application()
    box = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
    qtbot.add_widget(box)
    assert box.button(QDialogButtonBox.Ok).text() == "确定"
    assert box.button(QDialogButtonBox.Cancel).text() == "取消"


def test_cli_help_is_chinese(capsys):
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("用法：main.py export")
    assert "显示帮助信息并退出" in out and "选项" in out
    assert "usage" not in out and "show this help" not in out and "options:" not in out
    help_text = build_parser().format_help()
    assert "位置参数" in help_text and "positional arguments" not in help_text


def test_cli_errors_are_chinese(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["export", "--db", "x.db"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err == "参数错误：缺少必需的参数：--out（用 --help 查看用法）\n"


def test_the_file_dialog_says_everything_in_chinese(qtbot, qapp):
    """Qt 6.12 renamed two labels of its own file dialog; the shipped catalog lacks them, the app supplies them."""
    from PySide6.QtWidgets import QFileDialog, QLabel

    from desktop.app import setup_application
    setup_application()
    dlg = QFileDialog(None, "选择要导入的名单", "")
    dlg.setOption(QFileDialog.DontUseNativeDialog, True)
    qtbot.add_widget(dlg)
    labels = [w.text() for w in dlg.findChildren(QLabel)]
    assert labels and all(not any("a" <= ch.lower() <= "z" for ch in t.replace("&", "")[:-3]) for t in labels), labels
    assert "查找范围(&L)：" in labels and "文件类型(&T)：" in labels
