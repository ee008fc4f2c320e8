"""文件 → 从备份恢复: the question asked before a backup that is not this ledger's replaces it."""
from __future__ import annotations

from pathlib import Path

MSG_SAVED_FIRST = "当前台账会先自动备份一份。"


def restore_question(backup_path: str, ledger_path) -> str | None:
    """The question for a backup that is not this ledger's (another ledger's, or one made before backups carried
    the ledger's identity), or None for the ledger's own: the command line's --other-ledger, asked in words."""
    from db.backup import backup_problems, ledger_id_of
    theirs, ours = ledger_id_of(backup_path), ledger_id_of(ledger_path)
    if ours is None or theirs == ours or (theirs is None and backup_problems(backup_path)):
        return None                   # its own, or a damaged file: the restore says what is wrong with it
    whose = ("由旧版本星图制作，没有台账编号，无法确认它是本台账的备份" if theirs is None
             else f"属于另一个台账（编号 {theirs[:8]}…），不是本台账的备份")
    return (f"备份 {Path(backup_path).name} {whose}。\n仍要用它的内容替换当前台账 {Path(ledger_path).name}？"
            f"\n{MSG_SAVED_FIRST}本台账保留自己的编号和备份。")


MSG_RESTORING = "正在从备份 {name} 恢复：先备份当前台账，再检查备份并换入……\n完成前请勿关闭星图。"


def restore_in_background(window, backup_path: str, target: str, other: bool, on_over) -> None:
    """Restore *backup_path* over the closed ledger file *target* on *window*'s workers, a busy dialog over the
    window meanwhile (a city's ledger takes a while to back up, check and copy; the window froze, 未响应). No
    取消: the restore finishes or leaves the ledger as it was. *on_over(message)* runs on the UI thread, message
    None when restored, else why not."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QProgressDialog

    from db.backup import restore

    class Busy(QProgressDialog):
        def reject(self) -> None:          # Esc: the restore cannot stop halfway
            pass

        def closeEvent(self, event) -> None:  # noqa: N802  (Qt's virtual)
            event.ignore()

    dialog = Busy(MSG_RESTORING.format(name=Path(backup_path).name), "", 0, 0, window)
    dialog.setCancelButton(None)
    dialog.setWindowTitle("从备份恢复")
    dialog.setWindowModality(Qt.WindowModal)
    dialog.setMinimumDuration(0)           # at once: it is what keeps the window (with no ledger now) from input
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setValue(0)
    dialog.show()

    def over(message: str | None) -> None:
        dialog.hide()
        dialog.deleteLater()
        window.workers.pool.waitForDone(10000)       # the job is over; its thread is returning to the pool
        on_over(message)

    window.workers.start(lambda _progress, _cancelled: restore(backup_path, target, other_ledger=other),
                         on_done=lambda _saved: over(None), on_failed=lambda message: over(message))
