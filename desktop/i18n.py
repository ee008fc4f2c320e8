"""Chinese throughout, whatever the system locale: Qt's own texts (standard buttons, file dialogs, the
right-click menu of text fields) from the translations PySide6 ships, and a Chinese default locale
(dates, numbers, the calendar popup)."""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

CATALOGS = ("qtbase_zh_CN", "qt_zh_CN")       # Qt's widgets and dialogs; the older combined file as a fallback
# Strings newer Qt releases changed and the shipped zh_CN catalog does not have yet (Qt 6.12's file dialog).
MISSING = {("QFileDialog", "&Look in:"): "查找范围(&L)：", ("QFileDialog", "Files of &type:"): "文件类型(&T)：",
           ("QFileDialog", "Look in:"): "查找范围：", ("QFileDialog", "Files of type:"): "文件类型："}


class Missing(QTranslator):
    """The few strings the shipped catalog lacks; asked only when it has no answer (installed before it)."""

    def translate(self, context, source, disambiguation=None, n=-1):  # noqa: D102  (Qt's virtual)
        return MISSING.get((context, source), "")

    def isEmpty(self) -> bool:  # noqa: N802
        return False


def install_chinese(app=None) -> list[QTranslator]:
    """Install Qt's Chinese translations into *app* (once) and make zh_CN the default locale."""
    app = app or QCoreApplication.instance()
    QLocale.setDefault(QLocale(QLocale.Chinese, QLocale.China))
    existing = getattr(app, "_xingtu_translators", None)
    if existing:
        return existing
    folder = QLibraryInfo.path(QLibraryInfo.TranslationsPath)
    missing = Missing(app)
    app.installTranslator(missing)    # searched last: Qt asks the most recently installed translator first
    installed = [missing]
    for name in CATALOGS:
        translator = QTranslator(app)
        if translator.load(name, folder):
            app.installTranslator(translator)
            installed.append(translator)
            break                     # qtbase_zh_CN holds every string the app shows
    else:
        import logging
        logging.getLogger(__name__).warning("找不到 Qt 的中文翻译（%s）：标准对话框将显示英文", folder)
    app._xingtu_translators = installed
    return installed
