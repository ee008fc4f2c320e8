"""企业 menu actions that change designations of the selected firms: 星级晋升/下调, 添加认定, 迁出或注销, and
合并为一家企业 (two records of one firm)."""
from __future__ import annotations

from datetime import date


def _names(ledger, ids: list[int]) -> dict[int, str]:
    """The selected firms' names, read once for a dialog's previews (they do not change with its date)."""
    from db.dashboard_queries import firm_names
    return {fid: v[0] for fid, v in firm_names(ledger.conn, ids).items()}


def leave(window, ids: list[int]) -> None:
    """Ask the day (the dialog previews what ends), then end those designations as one undoable command."""
    from ui.bulk import LeaveDialog
    from ui.commands import EndDesignations, plan_leave
    ledger = window.ledger
    names = _names(ledger, ids)

    def preview(day: date) -> list[tuple[str, list[str]]]:
        return [(names.get(fid, str(fid)), [stage.name for _did, stage, _s, _e in held])
                for fid, held in plan_leave(ledger, ledger.conn, ids, day)]
    dlg = LeaveDialog(len(ids), preview, parent=window)
    if window.menu_actions._exec(dlg):
        window.undo.push(EndDesignations(ledger, ids, dlg.values()["day"]))


def move_star(window, ids: list[int], step: int) -> None:
    """星级晋升 (+1) / 星级下调 (-1): the dialog previews each firm's tier after, the command applies that plan."""
    from ui.bulk import StarMoveDialog
    from ui.commands import MoveStar, plan_star_moves
    ledger = window.ledger
    names = _names(ledger, ids)

    def preview(day: date) -> list[tuple]:
        return [(names.get(fid, str(fid)), cur.name if cur else "无星级", tgt.name if tgt else None)
                for fid, cur, tgt in plan_star_moves(ledger, ledger.conn, ids, step, day)]
    dlg = StarMoveDialog(step, len(ids), preview=preview, parent=window)
    if window.menu_actions._exec(dlg):
        v = dlg.values()
        window.undo.push(MoveStar(ledger, ids, step, v["day"], v["evidence"]))


def add_designation(window, ids: list[int]) -> None:
    """添加认定: one stage, its dates and evidence, for every selected firm."""
    from ui.bulk import DesignationDialog
    from ui.commands import AddDesignation
    ledger = window.ledger
    dlg = DesignationDialog(ledger.catalog(), len(ids), parent=window)
    if window.menu_actions._exec(dlg):
        v = dlg.values()
        window.undo.push(AddDesignation(ledger, ids, v["stage_key"], v["start"], v["end"],
                                        evidence=v["evidence"], list_name=v["list_name"]))


MSG_MERGED = ("{firms}。\n合并时它的认定、曾用名和服务记录已并入保留的一条，恢复后这家企业会在每个数字中被算两次。"
              "要取消合并，请用 编辑 → 撤销（Ctrl+Z）；仍要恢复吗？")
MSG_TWO = "合并为一家企业：请在台账中选中同一家企业的两条记录（按住 Ctrl 点选），当前选中了 {n} 条。"


def merge(window, ids: list[int]) -> None:
    """合并为一家企业: the dialog shows what merging either way does (db.merge.plan); the command applies it."""
    from db import merge as plan_merge
    from db.catalog_store import all_streets
    from db.errors import LedgerError
    from desktop import dialogs
    from ui.commands import MergeFirms
    from ui.merge_dialog import MergeDialog, describe
    if len(ids) != 2:
        dialogs.inform(window, "合并为一家企业", MSG_TWO.format(n=len(ids)))
        return
    ledger = window.ledger
    catalog = ledger.catalog()
    streets = {sid: name for sid, name, _active in all_streets(ledger.conn)}     # a deactivated one by its name too
    try:
        firms = [plan_merge.firm_row(ledger.conn, fid) for fid in ids]
        keep, _gone = plan_merge.keeper(ledger.conn, *ids)
    except LedgerError as exc:              # gone meanwhile (another window, a colleague)
        dialogs.warn(window, "合并为一家企业", str(exc))
        return

    def preview(keep_id: int, gone_id: int) -> list[tuple[str, str]]:
        return describe(plan_merge.plan(ledger.conn, catalog, keep_id, gone_id), catalog, streets)
    dlg = MergeDialog(firms, keep, preview, parent=window)
    if window.menu_actions._exec(dlg):
        v = dlg.values()
        window.undo.push(MergeFirms(ledger, v["keep"], v["gone"]))


def restore_from_bin(window, ids: list[int]) -> None:
    """从回收站恢复所选: a record merged into another (合并为一家企业) is restored only once the person, told it
    would then count twice, says so."""
    from db.merge import merged_into
    from desktop import dialogs
    from ui.commands import RestoreFirms
    if not ids:
        return
    merged = merged_into(window.ledger.conn, ids)
    if merged:
        names = _names(window.ledger, list(merged))
        firms = "；".join(f"“{names.get(fid, fid)}”已并入 {into}" for fid, into in merged.items())
        if not dialogs.ask(window, "从回收站恢复", MSG_MERGED.format(firms=firms), yes="仍要恢复"):
            return
    window.undo.push(RestoreFirms(window.ledger, ids))
