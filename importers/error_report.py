"""The error report: the problem rows exactly as they were, plus 问题说明, as .xlsx.

An officer fixes the cells and re-imports the report: its header is the
original header (the extra columns 问题说明 and 原行号 are not ledger fields,
so they are ignored on re-import). A second sheet 跳过的行 lists every row that
was skipped as not data (blank, repeated header, group sub-header, notes),
with its Excel row and reason, and every row a choice left out (只导入台账中已有的企业, 只导入某地的企业),
so nothing left out goes unreported; the importer reads the first sheet.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from importers.errors import InputError
from importers.export import Column, write_table

LEVEL = {"error": "错误", "warning": "提醒"}


def _same(message: str) -> str:
    return message


def _reason(row, wording) -> str:
    parts = []
    for i in row.issues:
        where = f"“{i.column}”列：" if i.column else ""
        parts.append(f"{LEVEL.get(i.level, i.level)}：{where}{wording(i.message)}")
    if row.status == "error":
        parts.append("本行未导入")
    return "；".join(parts)


def write_error_report(plan, out_path, wording=_same) -> int:
    """Write the rows of *plan* that have errors or warnings to *out_path* (.xlsx); returns the row count. Each
    message is said through *wording* (the wizard's names its fields where the command line's names an option)."""
    out = Path(out_path)
    if out.suffix.lower() != ".xlsx":
        raise InputError(f"问题报告应保存为 .xlsx：{out.name}")
    columns = [Column(h or f"第{i + 1}列", "text") for i, h in enumerate(plan.headers)]
    columns += [Column("问题说明", width=60), Column("原行号", "int", width=8)]
    rows: list[list] = []
    for i in plan.file_issues:
        rows.append([None] * len(plan.headers) + [f"{LEVEL.get(i.level, i.level)}：{wording(i.message)}", None])
    for r in plan.rows:
        if not r.issues:
            continue
        cells = [_cell(v) for v in r.raw[:len(plan.headers)]]
        cells += [None] * (len(plan.headers) - len(cells))
        rows.append(cells + [_reason(r, wording), r.excel_row])
    left = plan.left_out_rows()
    if not plan.skipped and not left:
        return write_table(out, columns, rows, sheet="问题行")
    blank = [None] * len(plan.headers)
    notes = getattr(plan, "note_rows", {}) or {}
    said = sorted([(er, f"跳过：{wording(why)}" + (f"：{notes[er]}" if er in notes else ""))
                   for er, why in plan.skipped] + [(er, f"未导入：{wording(why)}") for er, why in left])
    skipped = [blank + [why, er] for er, why in said]
    return write_table(out, columns, [], sheets={"问题行": rows, "跳过的行": skipped}) - len(skipped)


def _cell(v):
    """Keep the cell as it was: text as text (a long code stays exact), a date as its ISO text."""
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v) if not isinstance(v, str) else v
