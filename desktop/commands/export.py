"""export: the ledger to .xlsx or .csv."""
from __future__ import annotations

from desktop.commands.common import DB_HELP, date_arg, open_ledger


def register(sub) -> None:
    p = sub.add_parser("export", help="导出台账为 .xlsx 或 .csv")
    p.add_argument("--db", required=True, help=DB_HELP)
    p.add_argument("--out", required=True, help="输出文件 FILE.xlsx 或 FILE.csv")
    p.add_argument("--street", help="只导出该街道")
    p.add_argument("--stage", help="只导出在 --as-of 当日持有该认定的企业")
    p.add_argument("--as-of", help="统计日期 YYYY-MM-DD（默认今天）")
    p.add_argument("--by-street", action="store_true", help="每个街道一个工作表（仅 .xlsx）")
    p.set_defaults(func=run)


def run(args) -> int:
    from importers.ledger_export import export_ledger
    as_of = date_arg(args.as_of, "--as-of")
    with open_ledger(args.db, readonly=True) as ledger:
        n = export_ledger(ledger, args.out, street=args.street, stage=args.stage, as_of=as_of,
                          by_street=args.by_street)
        allowed = getattr(ledger, "street_ids", None)
        mine = "、".join(name for sid, name in ledger.streets() if allowed and sid in allowed)
        whose = "您可查看的街道" if ledger.shared else "这份台账只含这些街道"
    print(f"已导出 {n} 家企业到 {args.out}" + (f"（只含 {mine} 的企业：{whose}）" if mine else ""))
    return 0
