"""The indicator table as officials file it: 指标 | 基期值 | 目标值 | 完成值 | 完成率 | 序时进度.

The district's block first, then one block per street (each street against its own share).
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from pipeline.dates import projected_note
from pipeline.indicators import stated_base_note
from pipeline.streets import outside_text

HEADERS = ["指标", "基期值", "目标值", "完成值", "完成率", "序时进度"]


def blocks(dash, year: int, as_of: date, street_id: int | None = None) -> list[tuple[str, list[dict]]]:
    """[(heading, indicator rows)]: 全区 then every street, or only *street_id* when given."""
    out = []
    if street_id is None:
        out.append(("全区", dash.compute(year, as_of)["indicators"]))
    for sid, name in dash.streets:
        if street_id is None or sid == street_id:
            out.append((f"{name}街道", dash.compute(year, as_of, sid)["indicators"]))
    return out


def no_targets_note(year: int) -> str:
    """What the printed table, the .xlsx and the PDF say for a year nobody has set targets for."""
    return f"{year} 年还没有指标：在星图的“指标”页新建（或把上一年的指标复制为草稿）"


def base_note(row: dict) -> str | None:
    """What a dashboard row's stated 基期值 is against the ledger's own (``stated_base_note``), or None."""
    ids = row.get("base_ids")
    return None if ids is None else stated_base_note(row["kind"], row.get("base"), len(ids))


def write_indicator_table(path, dash, year: int, as_of: date, street_id: int | None = None) -> Path:
    import xlsxwriter
    path = Path(path)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("指标完成情况")
    title = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
    block = wb.add_format({"bold": True, "font_size": 12, "bg_color": "#e8eef7"})
    head = wb.add_format({"bold": True, "border": 1, "align": "center", "bg_color": "#dde8f5"})
    text = wb.add_format({"border": 1, "num_format": "@"})
    num = wb.add_format({"border": 1, "num_format": "#,##0.##"})
    pct = wb.add_format({"border": 1, "num_format": "0.0%"})
    behind = wb.add_format({"border": 1, "num_format": "0.0%", "font_color": "#c0392b"})
    ws.merge_range(0, 0, 0, len(HEADERS) - 1, f"{year}年指标完成情况（截至 {as_of.isoformat()}）", title)
    r = 2
    ahead = projected_note(as_of)
    if ahead:           # as of a day after today: the 完成值 are projected, as the PDF and the 看板 say
        ws.merge_range(1, 0, 1, len(HEADERS) - 1, ahead, wb.add_format({"font_color": "#c0392b", "text_wrap": True}))
        ws.set_row(1, 32)
        r = 3
    parts = list(blocks(dash, year, as_of, street_id))
    if not any(rows for _heading, rows in parts):       # a year without targets: say so, not 15 empty tables
        ws.merge_range(r, 0, r, len(HEADERS) - 1, no_targets_note(year), wb.add_format({"font_color": "#c0392b"}))
        parts = []
    for heading, rows in parts:
        ws.merge_range(r, 0, r, len(HEADERS) - 1, heading, block)
        ws.write_row(r + 1, 0, HEADERS, head)
        r += 2
        for row in rows:
            ws.write_string(r, 0, str(row["name"]), text)
            for c, key in ((1, "base"), (2, "target"), (3, "actual")):
                v = row.get(key)
                ws.write(r, c, v if v is not None else "—", num if v is not None else text)
            note = base_note(row)
            if note:            # a stated 基期值 is never read as the ledger's: the cell's comment says both
                ws.write_comment(r, 1, note, {"x_scale": 2.5, "y_scale": 1.2})
            rate = row.get("rate")
            if rate is None:
                ws.write_string(r, 4, "—", text)
            else:
                ws.write_number(r, 4, rate, behind if row.get("ahead") is False else pct)
            ws.write_number(r, 5, row["time_progress"], pct)
            r += 1
        r += 1
    left_out = outside_text(dash.compute(year, as_of)["streets_outside"]) if street_id is None else None
    if left_out:                # the street blocks do not add up to 全区: say why
        ws.merge_range(r, 0, r, len(HEADERS) - 1, left_out, wb.add_format({"text_wrap": True}))
        ws.set_row(r, 32)
    ws.set_column(0, 0, 36)
    ws.set_column(1, 5, 12)
    ws.freeze_panes(1, 0)
    wb.close()
    return path
