"""The shared ledger (PostgreSQL): users, push, pull; ``init``, ``demo``, ``backup``, ``backups``, ``restore`` and
``unlock`` hand a URL in --db to the functions here (every other command opens it as a ``Ledger``). Every failure
is one Chinese line and a non-zero exit (db.pg.url.SharedLedgerError is a LedgerError, which desktop.cli reports)."""
from __future__ import annotations

import sys
from pathlib import Path

from importers.errors import InputError

URL_HELP = "共享台账地址，如 postgresql://登录名@主机:5432/数据库名（套接字目录用 ?host=/路径）"


def register(sub) -> None:
    p = sub.add_parser("users", help="共享台账的用户：add 新增、list 列出、remove 删除（仅管理员）")
    actions = p.add_subparsers(dest="action", metavar="操作", parser_class=type(p))
    a = actions.add_parser("add", help="新增用户（一个数据库登录名）")
    a.add_argument("login", help="登录名")
    a.add_argument("--role", required=True, choices=("admin", "officer", "viewer"),
                   help="admin 管理员（全部权限）、officer 专员（读写所负责街道）、viewer 查看者（只读）")
    a.add_argument("--streets", default="", help="负责的街道，逗号分隔，如 积玉桥,杨园（查看者不填则可看全部街道）")
    a.add_argument("--password-stdin", action="store_true", help="从标准输入读密码（不填则不设密码）")
    a.add_argument("--db", required=True, help=URL_HELP)
    a.set_defaults(func=run_users_add)
    a = actions.add_parser("list", help="列出用户")
    a.add_argument("--db", required=True, help=URL_HELP)
    a.set_defaults(func=run_users_list)
    a = actions.add_parser("remove", help="删除用户（同时删除其登录名）")
    a.add_argument("login", help="登录名")
    a.add_argument("--db", required=True, help=URL_HELP)
    a.set_defaults(func=run_users_remove)
    p.set_defaults(func=lambda args, users=p: _no_action(users))   # bound now: p is rebound below (push, pull)
    p = sub.add_parser("push", help="把台账文件导入空的共享台账（核对各表行数与报表）")
    p.add_argument("--from", dest="source", required=True, help="台账文件")
    p.add_argument("--db", required=True, help=URL_HELP)
    p.set_defaults(func=run_push)
    p = sub.add_parser("pull", help="把共享台账（或一个街道的部分）导出为本地台账文件")
    p.add_argument("--db", required=True, help=URL_HELP)
    p.add_argument("--to", required=True, help="新台账文件（不能已存在）")
    p.add_argument("--street", help="只导出该街道的企业及其记录")
    p.set_defaults(func=run_pull)


def _no_action(parser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _url(text: str) -> str:
    from db.pg.url import is_url
    if not is_url(text):
        raise InputError(f"--db 应为共享台账地址（postgresql://…），而不是“{text}”")
    return text


def run_init_url(args) -> int:
    from db.pg import setup
    from db.pg.url import dbname
    roles = setup.init(_url(args.db))
    print(f"已在数据库 {dbname(args.db)} 建立共享台账（所有者角色 {roles['owner']}）。"
          "下一步：push --from 台账文件 --db 同一地址 导入数据，再用 users add 添加用户")
    return 0


def run_demo_url(args) -> int:
    """The demo district into a shared ledger: made as a file in a temporary folder (the one generator), then
    pushed (push's checks: an admin's login, a ledger init made and nothing in it yet; the counts and reports
    compared before anything is kept)."""
    import tempfile

    from db.pg import transfer
    from db.pg.url import connect_ledger
    from desktop.commands.ledger import run_demo
    url = _url(args.db)
    connect_ledger(url).close()          # a wrong address or a database init never ran on: said before the work
    with tempfile.TemporaryDirectory(prefix="xingtu-demo-") as work:
        made = Path(work) / "示例城区.db"
        run_demo(type(args)(db=str(made), firms=args.firms, seed=args.seed))
        moved = transfer.push(made, url)
    print(f"已导入共享台账：企业 {moved.counts['firms']} 家（示例数据；核对：{len(moved.reports)} 份年度报表一致）")
    return 0


def run_users_add(args) -> int:
    from db.pg import setup
    from db.pg.access import ROLE_NAMES
    streets = [s.strip() for s in args.streets.replace("，", ",").split(",") if s.strip()]
    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InputError("标准输入中没有密码")
    setup.add_user(_url(args.db), args.login, args.role, streets, password)
    where = "、".join(streets) if streets else "全部街道"
    print(f"已新增用户 {args.login}（{ROLE_NAMES[args.role]}，{where}）")
    return 0


def run_users_list(args) -> int:
    from db.pg import setup
    users = setup.list_users(_url(args.db))
    if not users:
        print("共享台账还没有用户（超级用户之外）；用 users add 添加")
    for user in users:
        print(user.describe())
    return 0


def run_users_remove(args) -> int:
    from db.pg import setup
    setup.remove_user(_url(args.db), args.login)
    print(f"已删除用户 {args.login}")
    return 0


def run_push(args) -> int:
    from db.pg import transfer
    moved = transfer.push(Path(args.source), _url(args.db))
    print(f"已导入共享台账：企业 {moved.counts['firms']} 家，认定记录 {moved.counts['designations']} 条，"
          f"服务记录 {moved.counts['service_records']} 条，修改记录 {moved.counts['audit']} 条")
    print(f"核对：{len(moved.counts) - 1} 个表的行数一致，{len(moved.reports)} 份年度报表（全区与各街道）一致")
    return 0


def run_pull(args) -> int:
    from db.pg import pull
    moved = pull.pull(_url(args.db), Path(args.to), args.street)
    part = f"{args.street}街道的部分" if args.street else "全部"
    print(f"已把共享台账{part}导出到 {args.to}：企业 {moved.counts['firms']} 家，"
          f"认定记录 {moved.counts['designations']} 条；核对：{len(moved.reports)} 份年度报表一致")
    return 0


def run_backup_url(args) -> int:
    from db import paths
    from db.pg import backup
    info = backup.backup(_url(args.db), args.to or paths.default_backup_dir())
    print(f"已备份共享台账到 {info.path}（{info.size // 1024 or 1} KB，pg_restore --list 读出 {info.entries} 项）")
    return 0


def run_backups_url(args) -> int:
    """The shared ledger's dumps in the backup folder (told by their names: the server is not asked, so the
    list is there when the server is not)."""
    from db import paths
    from db.pg import backup
    from db.pg.url import dbname
    from desktop.commands.common import damaged_backups, print_json
    folder = Path(args.dir) if args.dir else paths.default_backup_dir()
    items = backup.list_backups(_url(args.db), folder, check_each=args.check)
    if args.json:
        print_json({"folder": str(folder), "backups": [
            {"path": str(b.path), "created": b.created.isoformat(), "size": b.size, "ok": b.ok,
             "entries": b.entries} for b in items]})
        return damaged_backups(items)
    if not items:
        print(f"备份文件夹 {folder} 中没有共享台账 {dbname(args.db)} 的备份"
              "（用 backup --db 地址 制作；其他文件夹中的用 --dir 文件夹 列出）")
        return 0
    print(f"备份文件夹：{folder}（共享台账 {dbname(args.db)}；恢复：restore 备份文件 --db 空数据库的地址）")
    for b in items:
        check = "" if b.ok is None else (f"  完好（{b.entries} 项）" if b.ok else "  已损坏！")
        print(f"{b.created:%Y-%m-%d %H:%M:%S}  {max(1, b.size // 1024)} KB  {b.path.name}{check}")
    return damaged_backups(items)


MSG_NO_LOCK = ("共享台账没有写入锁，无需清除：服务器逐行加锁，程序关闭或断线时由服务器自动释放。"
               "如有人的修改一直在等待，请管理员在数据库服务器上查看 pg_stat_activity")


def run_unlock_url(args) -> int:
    """Nothing to clear on a shared ledger; the address is checked first, so a wrong one is not told 'no lock'."""
    from db.pg.url import connect_ledger
    connect_ledger(_url(args.db)).close()
    print(MSG_NO_LOCK)
    return 0


def run_restore_url(args) -> int:
    from db.pg import backup
    if args.dir or args.other_ledger:
        raise InputError("恢复共享台账只恢复到空数据库，不用 --dir 或 --other-ledger")
    firms = backup.restore(Path(args.backup), _url(args.db))
    print(f"已把 {Path(args.backup).name} 恢复到共享台账（企业 {firms} 家）")
    return 0
