"""Shared set-up for the GUI tests: a small ledger whose answers are known by hand; the import wizard's steps."""
from __future__ import annotations

from datetime import date

C1, C2, C3 = "91420106123456788R", "91420106223456785U", "914201113234567825"


def small_ledger(ledger) -> tuple[int, ...]:
    sid = {n: i for i, n in ledger.streets()}
    with ledger.write() as w:
        a = w.insert_firm("武汉星辰科技有限公司", C1, street_id=sid["积玉桥"], officer="张敏", industry="软件")
        b = w.insert_firm("武昌旧名称科技有限公司", C2, street_id=sid["杨园"], officer="张敏")
        w.rename_firm(b, "湖北光谷智能装备有限公司", date(2024, 1, 5))
        c = w.insert_firm("武汉长江数据有限公司", C3, street_id=sid["积玉桥"], officer="李强")
        d = w.insert_firm("星辰新材料有限公司", None, street_id=sid["杨园"])
        w.add_designation(a, "gaoqi", date(2022, 3, 1), evidence="GR202242000001")
        w.add_designation(b, "fanxing", date(2023, 1, 1))
        w.add_designation(b, "xinxing", date(2024, 5, 1))
    return a, b, c, d


def firm_file(qtbot, ledger, *, show: bool = False):
    """The firm file of the small ledger's renamed firm (b), its undo stack reloading it as the window's does:
    (dialog, undo manager, firm id). The caller deletes the undo manager when done."""
    from desktop.undo import UndoManager  # noqa: PLC0415  (Qt: only the GUI tests)
    from ui.firm.dialog import FirmFileDialog  # noqa: PLC0415
    _a, b, _c, _d = small_ledger(ledger)
    undo = UndoManager(report=lambda m: None)
    dlg = FirmFileDialog(ledger, b, undo.push)
    qtbot.add_widget(dlg)
    undo.changed.connect(lambda ids: dlg.reload())
    if show:
        dlg.show()
        qtbot.waitExposed(dlg)
    return dlg, undo, b


def settle(qtbot, model) -> None:
    """Wait for a background search to deliver its first page."""
    qtbot.waitUntil(lambda: not model.busy, timeout=10000)


def to_mapping(qtbot, wiz) -> None:
    wiz.next()
    qtbot.waitUntil(lambda: not wiz.building, timeout=20000)


def fields(wiz) -> list:
    return [c.currentData() for c in wiz.mapping.combos]


def commit(qtbot, wiz) -> None:
    wiz.next()                                     # → preview
    wiz.next()                                     # → commit
    qtbot.waitUntil(lambda: wiz.over, timeout=20000)


def names(ledger) -> list[str]:
    return [r[0] for r in ledger.conn.execute("SELECT name FROM firms ORDER BY id")]


def window_on_small_ledger(qtbot, tmp_path, monkeypatch, *, informs: bool = False):
    """A generator for a fixture: the main window shown on a small file ledger in *tmp_path* (its own data
    folder), yielding (window, the warnings shown, and with *informs* the notices too); closed after the test."""
    from db.ledger import Ledger
    from desktop import dialogs
    from desktop.main_window import MainWindow
    from desktop.settings import Settings
    monkeypatch.setenv("XINGTU_DATA_DIR", str(tmp_path / "data"))
    ledger = Ledger(tmp_path / "ledger.db", officer="测试专员")
    small_ledger(ledger)
    win = MainWindow(ledger, Settings())
    qtbot.add_widget(win)
    win.show()
    warned: list[tuple[str, str]] = []
    monkeypatch.setattr(dialogs, "warn", lambda parent, title, text: warned.append((title, text)))
    if informs:
        monkeypatch.setattr(dialogs, "inform", lambda parent, title, text: warned.append((title, text)))
    yield win, warned
    win.close()
    win.ledger.close()
