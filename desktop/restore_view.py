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
