"""init and demo: a new ledger, and the demo district."""
from __future__ import annotations

from pathlib import Path

from importers.errors import InputError


def register(sub) -> None:
    p = sub.add_parser("init", help="新建空台账（含默认目录与 2023 年目标）")
    p.add_argument("--db", required=True, help="新台账文件路径，或空数据库的共享台账地址 postgresql://…")
    p.set_defaults(func=run_init)
    p = sub.add_parser("demo", help="生成示例城区台账（共享台账：生成后导入刚 init 的空共享台账）")
    p.add_argument("--db", required=True, help="台账文件路径（须为新文件或空台账），或刚 init 的空共享台账地址")
    p.add_argument("--firms", type=int, default=8000, help="企业数（默认 8000）")
    p.add_argument("--seed", type=int, default=2023, help="随机种子（相同种子生成相同数据）")
    p.set_defaults(func=run_demo)


def run_init(args) -> int:
    from db.ledger import Ledger
    from db.pg.url import is_url
    if is_url(args.db):
        from desktop.commands.shared import run_init_url
        return run_init_url(args)
    path = Path(args.db)
    if path.exists() and path.stat().st_size:
        raise InputError(f"文件已存在：{path}，不会覆盖")
    with Ledger(path) as ledger:
        print(f"已新建台账 {path}：{len(ledger.catalog().stages)} 个认定类别，{len(ledger.streets())} 个街道")
    return 0


def run_demo(args) -> int:
    from db import demo_store
    from db.ledger import Ledger
    from db.pg.url import is_url
    if args.firms < 100 or args.firms > 2_000_000:
        raise InputError("--firms 应在 100 到 2000000 之间")
    if is_url(args.db):
        from desktop.commands.shared import run_demo_url
        return run_demo_url(args)
    path = Path(args.db)
    with Ledger(path) as ledger:
        counts = demo_store.generate_into(ledger, args.firms, args.seed)
    print(f"已生成示例城区 {path}：企业 {counts['firms']} 家，认定记录 {counts['designations']} 条，"
          f"服务记录 {counts['services']} 条，目标 {counts['targets']} 条")
    return 0
