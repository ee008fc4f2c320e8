"""backup, restore, backups, audit: nothing lost, and who changed what."""
from __future__ import annotations

from pathlib import Path

from desktop.commands.common import DB_HELP, damaged_backups, date_arg, existing_ledger, print_json
from importers.errors import InputError


def register(sub) -> None:
    p = sub.add_parser("backup", help="备份台账（SQLite 在线备份，写完即做完整性检查）")
    p.add_argument("--db", required=True, help=DB_HELP)
    p.add_argument("--to", help="备份文件夹；默认为台账设定的备份文件夹或用户数据文件夹下的 backups")
    p.add_argument("--remember", action="store_true", help="把 --to 记为此台账今后的备份文件夹")
    p.set_defaults(func=run_backup)
    p = sub.add_parser("restore", help="从备份恢复台账（恢复前先备份当前状态）")
    p.add_argument("backup", help="备份文件（见 backups 命令）")
    p.add_argument("--db", required=True, help=DB_HELP)
    p.add_argument("--dir", help="把“恢复前”备份放到此文件夹（默认同 backup）")
    p.add_argument("--other-ledger", action="store_true",
                   help="允许用另一个台账（或旧版本制作、无法确认归属）的备份替换本台账")
    p.set_defaults(func=run_restore)
    p = sub.add_parser("backups", help="列出台账的备份（时间、原因、企业数；共享台账：pg_dump 备份的时间与大小）")
    p.add_argument("--db", required=True, help=DB_HELP)
    p.add_argument("--dir", help="备份文件夹（默认同 backup）")
    p.add_argument("--check", action="store_true", help="逐个做完整性检查；有损坏的备份时退出码为 1")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=run_backups)
    p = sub.add_parser("audit", help="查看修改记录（谁、何时、改了什么、改前改后、来源）")
    p.add_argument("--db", required=True, help=DB_HELP)
    p.add_argument("--firm", help="只看这家企业（统一社会信用代码）")
    p.add_argument("--since", help="从该日起 YYYY-MM-DD")
    p.add_argument("--limit", type=int, default=500, help="最多显示最近多少条（默认 500；0 为全部）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=run_audit)
    p = sub.add_parser("unlock", help="清除台账的写入锁（仅当确认没有星图在写这个台账时；会先询问）")
    p.add_argument("--db", required=True, help=DB_HELP)
    p.add_argument("--yes", action="store_true", help="不询问，直接清除")
    p.set_defaults(func=run_unlock)


def run_backup(args) -> int:
    from db import backup as bk
    from db.pg.url import is_url
    if is_url(args.db):
        if args.remember:
            raise InputError("共享台账不记备份文件夹：请每次用 --to 指定（默认为用户数据文件夹下的 backups）")
        from desktop.commands.shared import run_backup_url
        return run_backup_url(args)
    path = existing_ledger(args.db)
    if args.remember:
        if not args.to:
            raise InputError("--remember 需要同时给出 --to 备份文件夹")
        from db.ledger import Ledger
        with Ledger(path, create=False) as ledger:
            bk.set_backup_dir(ledger, args.to)
    info = bk.backup(path, args.to, "manual")
    print(f"已备份到 {info.path}（企业 {info.firms} 家，{_size(info.size)}，已通过完整性检查）")
    return 0


def run_restore(args) -> int:
    import sys

    from db.pg.url import is_url
    from db.restore import restore_checked
    if is_url(args.db):
        from desktop.commands.shared import run_restore_url
        return run_restore_url(args)
    source = _backup_file(Path(args.backup), args)
    path = Path(args.db)
    report = restore_checked(source, path, args.dir, other_ledger=args.other_ledger, source="cli")
    if report.other_ledger:
        whose = (f"另一个台账（编号 {report.backup_ledger_id[:8]}…）" if report.backup_ledger_id
                 else "旧版本星图制作、无法确认归属的台账（未知台账）")
    else:
        whose = ""
    if whose:
        sys.stderr.write(f"注意：备份 {source.name} 属于{whose}，已按 --other-ledger 用它的内容替换台账 {path.name}；"
                         "台账编号不变，本台账的备份仍归本台账\n")
    if report.audit_guards_repaired:
        sys.stderr.write("警告：此备份中审计日志的保护触发器缺失或被改动过，已重建；备份中的审计记录可能被改写过，请核对\n")
    if report.kept_failed:
        sys.stderr.write("警告：恢复前的台账无法读取，备份之后的修改记录未能保留（恢复前的台账仍已备份，见下）\n")
    print(f"已从 {source.name} 恢复台账 {path}")
    for item in report.repaired:
        print(f"  结构修复：{item}")
    if report.kept_audit:
        print(f"保留了备份之后的 {report.kept_audit} 条修改记录（标为恢复前的记录），并记下这次恢复")
    if report.saved is not None:
        print(
            f"恢复前的台账已备份为 {report.saved.path}（企业 {report.saved.firms} 家），如需反悔可再用 restore 恢复它"
        )
    return 0


def _backup_file(source: Path, args) -> Path:
    """The backup to restore: a path, or a name as ``backups`` lists it, found in the ledger's backup folder (the
    one ``backups`` lists: --dir, else the folder set for the ledger, else the default)."""
    if source.is_file():
        return source
    if source.parent == Path() and Path(args.db).is_file():
        from db import backup as bk
        folder = Path(args.dir) if args.dir else bk.backup_dir_for(args.db)
        if (folder / source).is_file():
            return folder / source
        raise InputError(f"备份文件不存在：{source}（当前文件夹和备份文件夹 {folder} 中都没有）")
    raise InputError(f"备份文件不存在：{source}")


def run_backups(args) -> int:
    from db import backup as bk
    from db.pg.url import is_url
    if is_url(args.db):
        from desktop.commands.shared import run_backups_url
        return run_backups_url(args)
    path = existing_ledger(args.db)
    folder = Path(args.dir) if args.dir else bk.backup_dir_for(path)
    items = bk.list_backups(path, folder, check=args.check)
    if args.json:
        print_json({"folder": str(folder), "backups": [
            {"path": str(b.path), "created": b.created.isoformat(), "reason": b.reason, "firms": b.firms,
             "size": b.size, "ok": b.ok, "ledger_id": b.ledger_id} for b in items]})
        return damaged_backups(items)
    if not items:
        print(f"备份文件夹 {folder} 中没有 {path.stem} 的备份")
        return 0
    print(f"备份文件夹：{folder}")
    for b in items:
        check = "" if b.ok is None else ("  完好" if b.ok else "  已损坏！")
        firms = "无法读取" if b.firms is None else f"企业 {b.firms} 家"
        unknown = "  未知台账（旧版本备份，恢复需加 --other-ledger）" if b.ledger_id is None else ""
        print(f"{b.created:%Y-%m-%d %H:%M:%S}  {b.reason_text:<4}  {firms}  {_size(b.size)}  {b.path.name}{check}"
              f"{unknown}")
    return damaged_backups(items)


def run_audit(args) -> int:
    from db import audit_log
    from desktop.commands.common import open_ledger
    since = date_arg(args.since, "--since")
    if args.limit < 0:
        raise InputError("--limit 不能为负数")
    with open_ledger(args.db, readonly=True) as ledger:
        firm_id = None
        if args.firm:
            found = audit_log.firm_by_code(ledger.conn, args.firm)
            if found is None:
                hidden = "（或该企业不在您可查看的街道）" if getattr(ledger, "street_ids", None) else ""
                raise InputError(f"台账中没有统一社会信用代码为 {args.firm} 的企业{hidden}")
            firm_id = found[0]
        rows = audit_log.entries(ledger.conn, firm_id=firm_id, since=since, limit=args.limit or None)
        from db.restore import kept_ranges
        kept = kept_ranges(ledger.conn)
    if args.json:
        print_json([r.as_dict() for r in rows])
        return 0
    if not rows:
        print("没有符合条件的修改记录")
        return 0
    for r in rows:
        mark = "  （恢复前的记录，恢复时保留）" if any(a <= r.id <= b for a, b in kept) else ""
        print(r.summary() + mark)
    if args.limit and len(rows) == args.limit:
        print(f"（只显示最近 {args.limit} 条；用 --limit 0 显示全部，或用 --since/--firm 缩小范围）")
    return 0


def run_unlock(args) -> int:
    import sys

    from db import lock as ledger_lock
    from db.pg.url import is_url
    if is_url(args.db):
        from desktop.commands.shared import run_unlock_url
        return run_unlock_url(args)
    path = existing_ledger(args.db)
    lock_file = ledger_lock.lock_path(path)
    holder = ledger_lock.read_holder(lock_file)
    if holder is None:
        print(f"台账 {path.name} 没有写入锁，无需清除")
        return 0
    who = "锁文件是空的或内容残缺" if holder.pid == -1 else f"锁由 {holder.describe()} 持有"
    stale, why = ledger_lock.judge(holder)
    state = "看起来已失效" if stale else f"看起来仍有效（{why}）"
    warning = (f"{who}，{state}。清除后，如那个星图其实仍在写入，两处同时修改会弄乱台账；"
               "请先确认它已关闭。")
    if not args.yes:
        sys.stderr.write(warning + f"确定清除 {lock_file.name} 吗？输入 y 确认：")
        sys.stderr.flush()
        answer = sys.stdin.readline().strip().lower()
        if answer not in ("y", "yes", "是"):
            raise InputError("未确认，锁未清除（不询问直接清除请加 --yes）")
    ledger_lock.force_clear(path)
    print(f"已清除台账 {path.name} 的写入锁（{who}）")
    return 0


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"
