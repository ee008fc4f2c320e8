"""import and undo: a received list into the ledger as one batch, and a batch back out.

A usable file with some bad rows imports the good rows, reports the bad ones
(``errors`` in ``--json``, or ``--errors-out FILE.xlsx``) and exits 0; one whose
rows are all errors reports them, writes nothing and exits 1; an unusable file
or argument exits 2 with one Chinese line and writes nothing.
"""
from __future__ import annotations

import sys
from pathlib import Path

from desktop.commands.common import DB_HELP, date_arg, open_ledger, print_json
from importers.errors import SKIP_BLANK, InputError


def register(sub) -> None:
    p = sub.add_parser("import", help="导入名单或台账（.xlsx/.xls/.csv），一次导入为一个可撤销的批次")
    p.add_argument("file", metavar="FILE", help="要导入的文件")
    p.add_argument("--db", required=True, help=DB_HELP)
    p.add_argument("--as", dest="kind", choices=None, help="roster（企业台账）或 designation（认定名单）；默认自动判断")
    p.add_argument("--stage", help="认定名单的认定类别，如 高新技术企业、科技型中小企业")
    p.add_argument("--date", help="认定日期 YYYY-MM-DD（名单中没有日期列时）")
    p.add_argument("--sheet", help="工作表名称（默认自动选择含名单的工作表）")
    p.add_argument("--header-row", type=int, help="表头所在的 Excel 行号（默认自动查找）")
    p.add_argument("--map", dest="maps", action="extend", nargs="+", default=[], metavar="表头=字段",
                   help="指定列对应，如 --map 单位=name 地址=忽略")
    p.add_argument("--dry-run", action="store_true", help="只预览，不写入台账")
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    p.add_argument("--remember-map", action="store_true", help="记住本次的列对应，表头相同的文件以后自动沿用")
    p.add_argument("--errors-out", metavar="FILE.xlsx", help="把有问题的行和跳过的行连同说明写入 .xlsx")
    p.add_argument("--force", action="store_true", help="允许覆盖已存在的 --errors-out 文件")
    p.add_argument("--officer", help="记录在批次与审计中的专员姓名")
    p.add_argument("--only-known", action="store_true",
                   help="只导入台账中已有的企业：名单里台账没有的企业不新建，逐行列出（全省、全市的名单）")
    p.add_argument("--district", metavar="地名",
                   help="名单有“所在区”“所在市州”“省份”一类的列（或按区分组）时，只导入该列为此地的行"
                        "（如 武昌区、武汉市），其余逐行列出")
    p.set_defaults(func=run_import)

    u = sub.add_parser("undo", help="撤销一个导入批次")
    u.add_argument("batch", metavar="BATCH", type=int, help="批次编号")
    u.add_argument("--db", required=True, help=DB_HELP)
    u.add_argument("--force", action="store_true",
                   help="即使之后又有修改也撤销（保留那些修改，只撤回本批次单独决定的内容）")
    u.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    u.set_defaults(func=run_undo)


def run_import(args) -> int:
    from importers.mapping import parse_overrides
    from importers.plan import MSG_NOTHING_LANDS, build_plan, commit_plan
    if args.kind not in (None, "roster", "designation"):
        raise InputError(f"--as 应为 roster（企业台账）或 designation（认定名单），而不是“{args.kind}”")
    on_date = date_arg(args.date, "--date")
    overrides = parse_overrides(args.maps) if args.maps else None
    path = Path(args.file)
    if not path.exists():
        raise InputError(f"找不到要导入的文件：{path}")
    if args.errors_out:
        check_errors_out(path, Path(args.errors_out), force=args.force, ledger=args.db)
    with open_ledger(args.db, readonly=args.dry_run) as ledger:
        if args.officer:
            ledger.officer = args.officer
        plan = build_plan(ledger, path, kind=args.kind, stage=args.stage, on_date=on_date, sheet=args.sheet,
                          overrides=overrides, header_row=args.header_row)
        _leave_out(plan, args)
        batch = None
        refused = not args.dry_run and not plan.lands()        # every row an error: nothing written, exit 1
        if not args.dry_run and not refused:
            batch = commit_plan(ledger, plan, remember_mapping=args.remember_map)
    if args.errors_out:
        from importers.error_report import write_error_report
        write_error_report(plan, args.errors_out)
    summary = plan.summary(batch)
    if refused:
        summary["refused"] = MSG_NOTHING_LANDS.format(n=len(plan.store))
    if args.json:
        print_json(summary)
    else:
        _print_summary(plan, summary, args)
    return 1 if refused else 0


def _leave_out(plan, args) -> None:
    """--district and --only-known: the rows they leave out, each listed with its reason (``ImportPlan.leave_out``).
    A district the list does not name is refused before anything is written."""
    from importers.plan import LEFT_NEW
    if args.district is not None:
        plan.keep_district(args.district.strip())
    if args.only_known:
        plan.leave_out(plan.new_firm_rows(), LEFT_NEW)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and a.exists() and a.samefile(b))
    except OSError:
        return False


def check_errors_out(source: Path, out: Path, *, force: bool, ledger: str | None = None) -> None:
    """Refuse an ``--errors-out`` path that is the list being imported (or the ledger), or an existing file
    without ``--force``: nothing is written then."""
    if out.suffix.lower() != ".xlsx":
        raise InputError(f"--errors-out 应为 .xlsx 文件：{out}")
    if _same_file(source, out):
        raise InputError(f"--errors-out 不能是要导入的文件本身：{out}")
    if ledger and _same_file(Path(ledger), out):
        raise InputError(f"--errors-out 不能是台账文件：{out}")
    if out.exists() and not force:
        raise InputError(f"--errors-out 文件已存在：{out}；如要覆盖请加 --force")
    if not out.parent.exists():
        raise InputError(f"--errors-out 的文件夹不存在：{out.parent}")


def _print_summary(plan, s: dict, args) -> None:
    head = "预览（未写入台账）" if s["batch"] is None else f"已导入，批次 {s['batch']}（撤销：undo {s['batch']}）"
    head = s.get("refused") or head
    kind = {"roster": "企业台账", "designation": "认定名单"}[s["kind"]]
    sheet = f"，工作表“{plan.sheet}”" if plan.sheet else ""          # a CSV has no sheets
    print(f"{plan.file}{sheet}，表头在第 {plan.header_row} 行：{head}")
    print(f"类型：{kind}" + (f"（自动判断：{plan.kind_reason}）" if plan.kind_guessed else "")
          + (f"，认定类别：{plan.stage_name}" if plan.stage_name else ""))
    by = "，".join(f"{k} {n}" for k, n in s["skipped_by"].items())
    print(f"数据 {s['rows']} 行：新建 {s['created']}，更新 {s['updated']}，无变化 {s['unchanged']}，"
          f"跳过 {s['skipped']}{'（' + by + '）' if by else ''}，错误 {len(s['errors'])}，提醒 {len(s['warnings'])}")
    for label, items in (("错误", s["errors"]), ("提醒", s["warnings"])):
        for i in items[:20]:
            where = "，".join(x for x in (f"第 {i['row']} 行" if i["row"] else "", f"“{i['column']}”列" if i["column"]
                                         else "") if x)
            print(f"  {label}：{where + '：' if where else ''}{i['message']}")
        if len(items) > 20:
            print(
                f"  ……另有 {len(items) - 20} 条{label}" + ("，用 --errors-out 导出全部" if not args.errors_out else "")
            )
    left = s["left_out"]
    if left:
        print(f"按选择未导入 {len(left)} 行：")
    for r in left[:20]:
        print(f"  未导入：第 {r['row']} 行：{r['reason']}")
    if len(left) > 20:
        print(f"  ……另有 {len(left) - 20} 行未导入" + ("，用 --errors-out 导出全部" if not args.errors_out else ""))
    skipped = [r for r in s["skipped_rows"] if not r["reason"].startswith(SKIP_BLANK)]
    for r in skipped[:20]:
        print(f"  跳过：第 {r['row']} 行：{r['reason']}")
    if len(skipped) > 20:
        print(f"  ……另有 {len(skipped) - 20} 行跳过" + ("，用 --errors-out 导出全部" if not args.errors_out else ""))
    if args.remember_map:
        print("已记住本次的列对应" if s["batch"] is not None else "预览模式：未记住列对应")
    if args.errors_out:
        print(f"问题行已写入 {args.errors_out}")


def run_undo(args) -> int:
    from importers.undo import undo_batch
    with open_ledger(args.db) as ledger:
        out = undo_batch(ledger, args.batch, force=args.force)
    if args.json:
        print_json(out)
    else:
        print(f"已撤销批次 {args.batch}：删除新建企业 {out['firms_removed']} 家，恢复更新 {out['firms_restored']} 家，"
              f"删除认定 {out['designations_removed']} 条，删除曾用名 {out['aliases_removed']} 条")
        if out["conflicts"]:
            sys.stdout.write(f"（已用 --force：保留了 {len(out['conflicts'])} 家企业之后的修改）\n")
    return 0
