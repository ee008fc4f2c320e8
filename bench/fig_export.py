"""Export of the ledger (``importers.ledger_export.export_ledger``) against a bare xlsxwriter write.

The baseline writes exactly the cells the export writes (the rows of ``ledger_rows`` fetched
beforehand, dates already converted to dates) with xlsxwriter in constant_memory mode, one
``write_string``/``write_number``/``write_datetime`` a cell and nothing else: no query, no
formats beyond the date format, no header styling, no autofilter.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from bench import generate
from bench.measure import FAILED, Context, Row, cpu_note, missing, not_measured, paired, profile_to

KEYS = ("export_vs_xlsxwriter",)
NEEDS = ("importers.ledger_export", "importers.export")


def cells_of(ledger) -> tuple[list, list]:
    from importers.ledger_export import ledger_columns, ledger_rows
    columns = ledger_columns(ledger)
    kinds = [c.kind for c in columns]
    rows = []
    for row in ledger_rows(ledger):
        out = []
        for kind, v in zip(kinds, row, strict=False):
            if kind == "date" and isinstance(v, str) and v:
                v = date.fromisoformat(v[:10])
            out.append(v)
        rows.append(out)
    return [c.title for c in columns], rows


def bare_write(path: Path, titles: list, rows: list) -> None:
    import xlsxwriter
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("台账")
    fmt_date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, titles)
    generate.write_cells(ws, rows, 1, fmt_date)
    wb.close()


def run(ctx: Context) -> list[Row]:
    rows = []
    absent = missing(*NEEDS)
    for n in ctx.sizes:
        rounds = ctx.rounds_for(n)
        row = Row("export_vs_xlsxwriter", "导出台账（.xlsx）vs xlsxwriter 直写", n, "s", goal="≤ 1.2×", max_ratio=1.2,
                  baseline_name="xlsxwriter constant_memory 逐格写入同样的单元格（数据已预先取出）", rounds=rounds)
        if absent:
            rows.append(not_measured(row, detail="、".join(absent)))
            continue
        from db.ledger import Ledger
        from importers.ledger_export import export_ledger
        db = generate.ensure_ledger(n, ctx.log)
        ctx.log(f"导出 {n:,} 家企业 × {rounds} 轮 …")
        try:
            with Ledger(db, readonly=True) as ledger:
                titles, data = cells_of(ledger)
                ours_out, base_out = ctx.work / "export.xlsx", ctx.work / "bare.xlsx"
                row.ours, row.baseline, row.samples = paired(
                    lambda out=ours_out: export_ledger(ledger, out),
                    lambda out=base_out, t=titles, d=data: bare_write(out, t, d), rounds)
                row.note = f"{len(data):,} 行 × {len(titles)} 列；{cpu_note(row.samples)}"
                if ctx.profile and n == max(ctx.sizes):
                    saved = profile_to(ctx.work.parent / "profiles" / f"export-{n}.txt",
                                       lambda out=ours_out: export_ledger(ledger, out))
                    ctx.log(f"剖析：{saved}")
                del data
        except Exception as exc:  # noqa: BLE001  (a failed figure is reported in the results, the run goes on)
            rows.append(not_measured(row, FAILED, repr(exc)[:200]))
            continue
        rows.append(row)
    return rows
