"""report: the indicator table, funnel and conversions of a year."""
from __future__ import annotations

from datetime import date

from desktop.commands.common import DB_HELP, date_arg, open_ledger, print_json
from importers.errors import InputError
from pipeline.dates import check_as_of, default_as_of


def register(sub) -> None:
    p = sub.add_parser("report", help="年度指标完成情况（--json，或 --out 导出 .xlsx/.pdf）")
    p.add_argument("--db", required=True, help=DB_HELP)
    p.add_argument("--year", type=int, required=True, help="指标年度，如 2023")
    p.add_argument("--as-of", help="统计日期 YYYY-MM-DD，须在该年内（默认：今天；该年已过取年底，未到取 1 月 1 日）")
    p.add_argument("--street", help="只统计该街道（用该街道分解的目标）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("--out", help="导出到 FILE.xlsx 或 FILE.pdf")
    p.set_defaults(func=run)


def build_report(ledger, year: int, as_of: date, street: str | None) -> dict:
    from db import queries
    from db.pg.session import scope_refusal
    from pipeline import report
    from pipeline.indicators import for_street
    street_id = None
    if street:
        street_id = ledger.street_id(street)
        if street_id is None:
            raise InputError(f"未知的街道“{street}”，可用：{'、'.join(n for _, n in ledger.streets())}")
    refused = scope_refusal(ledger, street_id)
    if refused:
        raise InputError(refused)
    indicators = queries.targets(ledger.conn, year)
    if street:      # the street's shares, and the district rows it has no share of (as the 看板 and --out show)
        indicators = for_street(indicators + queries.targets(ledger.conn, year, street), street_id, street)
    facts = queries.load_facts(ledger.conn)
    return report.build(facts, ledger.catalog(), indicators, year, as_of, street, street_id)


def run(args) -> int:
    if not 1990 <= args.year <= 2100:
        raise InputError(f"--year {args.year} 不是有效年份")
    as_of = date_arg(args.as_of, "--as-of") or default_as_of(args.year)
    try:
        check_as_of(args.year, as_of)
    except ValueError as exc:
        raise InputError(f"--as-of {exc}") from None
    with open_ledger(args.db, readonly=True) as ledger:
        data = build_report(ledger, args.year, as_of, args.street)
        if args.out:
            from desktop.commands.report_out import write_report
            write_report(ledger, data, args.out)
            print(f"已导出报告到 {args.out}")
    if args.json:
        print_json(data)
    elif not args.out:
        _print_table(data)
    return 0


def _print_table(data: dict) -> None:
    head = f"{data['year']} 年指标完成情况（截至 {data['as_of']}"
    head += f"，{data['street']}街道）" if data["street"] else "，全区）"
    print(head)
    print(f"序时进度 {data['time_progress']:.1%}")
    if data["projected"]:
        print(data["projected"])
    if not data["indicators"]:           # not a table with no rows: say why there are none
        from importers.report_xlsx import no_targets_note
        print(no_targets_note(data["year"]))
        return
    print("指标 | 基期值 | 目标值 | 完成值 | 完成率 | 序时进度")
    for r in data["indicators"]:
        rate = "—" if r["rate"] is None else f"{r['rate']:.1%}"
        target = "—" if r["target"] is None else f"{r['target']:g}"
        base = f"{r['base']:g}" + ("*" if r.get("base_note") else "")
        print(f"{r['name']} | {base} | {target} | {r['actual']} | {rate} | {r['time_progress']:.1%}")
    for r in data["indicators"]:        # a stated 基期值 is never read as the ledger's
        if r.get("base_note"):
            print(f"* {r['name']}：{r['base_note']}")
