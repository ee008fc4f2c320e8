"""The decomposition table (任务分解表): one row per indicator, the district's target and each street's share.

Layout (export writes it, import reads it; a title row above the header is fine):

    指标 | 类型 | 统计阶段 | 须同时具备 | 起算年份 | 单位 | 全区 | 积玉桥 | 杨园 | …

- 类型: 存量 / 新增 / 净增 / 累计; 统计阶段 and 须同时具备: stage names, keys or aliases of the
  catalog separated by 、，,；;+ ; 起算年份 only for 累计;
- a street column's header may say 杨园, 杨园街, 杨园街道 …; an empty cell leaves that share out;
- a target counts firms: 0.8万 is 8000, 80家以上 is 80, an amount of money is refused.
Import is all-or-nothing: the first unusable cell stops it with an InputError that names the file,
sheet, Excel row and column, and nothing is written. ``apply`` writes through the audited Writer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from importers.clean import match_street, parse_quantity
from importers.errors import InputError
from importers.read import open_table_at, read_preview
from pipeline.catalog import Catalog
from pipeline.indicators import KINDS

FIXED = ["指标", "类型", "统计阶段", "须同时具备", "起算年份", "单位"]
DISTRICT = "全区"
DERIVED = ("街道合计", "差额（全区−合计）", "合计", "全区目标")   # written by the export, ignored by the import
KIND_OF = {v: k for k, v in KINDS.items()} | {k: k for k in KINDS} | {"总量": "stock", "年末存量": "stock"}
SPLIT = re.compile(r"[、，,；;+＋/\s]+")


@dataclass
class TargetRow:
    indicator: str
    kind: str
    stages: list[str]
    require: list[str] = field(default_factory=list)
    base_year: int | None = None
    unit: str = "家"
    district: float | None = None
    shares: dict[str, float] = field(default_factory=dict)      # street name -> share


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _stages(text: str, catalog: Catalog, where: dict) -> list[str]:
    out = []
    for name in [t for t in SPLIT.split(text) if t]:
        stage = catalog.find(name)
        if stage is None:
            raise InputError(f"“{name}”不是目录中的阶段（可用：{'、'.join(s.name for s in catalog.stages)}）", **where)
        out.append(stage.key)
    return out


def read_decomposition(path, catalog: Catalog, streets: list[str], *, sheet: str | None = None) -> list[TargetRow]:
    name = Path(path).name
    preview = read_preview(path, sheet, 30)
    header_row = next((i + 1 for i, row in enumerate(preview) if "指标" in [_text(v) for v in row]), None)
    if header_row is None:
        raise InputError(
            "前 30 行中找不到表头“指标”，请按任务分解表格式填写（导出一份作为模板）", file=name, sheet=sheet
        )
    table = open_table_at(path, sheet=sheet, header_row=header_row)
    plan = getattr(table, "_plan", None)
    if plan is not None:        # street columns are shares, not group labels: an empty cell means no share
        plan.fill = []
    heads = [_text(h) for h in table.headers]
    col = {h: i for i, h in enumerate(heads)}
    for need in ("指标", "类型", "统计阶段"):
        if need not in col:
            raise InputError(f"缺少“{need}”列", file=table.file, sheet=table.sheet, row=table.header_row)
    street_cols: dict[int, str] = {}
    for i, h in enumerate(heads):
        if h in FIXED or h == DISTRICT or h in DERIVED or not h:
            continue
        street = match_street(h, streets)
        if street is None:
            raise InputError(f"列名“{h}”不是本区街道（可用：{'、'.join(streets)}）", file=table.file,
                             sheet=table.sheet, row=table.header_row, column=h)
        street_cols[i] = street
    district_col = col.get(DISTRICT, col.get("全区目标"))
    out: list[TargetRow] = []
    seen: set[str] = set()
    for chunk in table.iter_rows():
        for raw in chunk:
            vals = raw.values

            def where(h, row=raw.excel_row):
                return {"file": table.file, "sheet": table.sheet, "row": row, "column": h}
            indicator = _text(vals[col["指标"]])
            if not indicator:
                continue
            if indicator in seen:
                raise InputError(f"指标“{indicator}”重复出现", **where("指标"))
            seen.add(indicator)
            kind = KIND_OF.get(_text(vals[col["类型"]]))
            if kind is None:
                raise InputError(f"类型“{_text(vals[col['类型']])}”无法识别，应为 存量/新增/净增/累计", **where("类型"))
            stages = _stages(_text(vals[col["统计阶段"]]), catalog, where("统计阶段"))
            if not stages:
                raise InputError("统计阶段为空", **where("统计阶段"))
            require = (
                _stages(_text(vals[col["须同时具备"]]), catalog, where("须同时具备")) if "须同时具备" in col else []
            )
            base_year = None
            if "起算年份" in col and _text(vals[col["起算年份"]]):
                try:
                    base_year = int(float(_text(vals[col["起算年份"]])))
                except ValueError:
                    raise InputError(f"起算年份“{_text(vals[col['起算年份']])}”不是年份", **where("起算年份")) from None
            unit = _text(vals[col["单位"]]) if "单位" in col else ""

            def number(i, h, vals=vals):
                try:
                    return parse_quantity(vals[i])      # a count of firms: 0.8万 is 8000, not 0.8 (万元)
                except ValueError as exc:
                    raise InputError(str(exc), **where(h)) from None
            row = TargetRow(indicator, kind, stages, require, base_year, unit or "家")
            if district_col is not None:
                row.district = number(district_col, heads[district_col])
            for i, street in street_cols.items():
                v = number(i, heads[i])
                if v is not None:
                    row.shares[street] = v
            out.append(row)
    if not out:
        raise InputError("表中没有指标行", file=table.file, sheet=table.sheet)
    return out


def apply(ledger, year: int, rows: list[TargetRow], source: str = "import") -> int:
    """Write the rows' district targets and street shares in one audited transaction; returns rows written."""
    ids = dict((name, sid) for sid, name in ledger.streets())
    written = 0
    with ledger.write(source) as w:
        for sort, r in enumerate(rows):
            common = dict(require=r.require, base_year=r.base_year, unit=r.unit, sort=sort)
            if r.district is not None:
                w.set_target(year, r.indicator, r.kind, r.stages, r.district, **common)
                written += 1
            for street, value in r.shares.items():
                w.set_target(year, r.indicator, r.kind, r.stages, value, street_id=ids[street], **common)
                written += 1
    return written


def rows_of(target_rows: list[dict], streets: list[str]) -> list[TargetRow]:
    """The decomposition of a year from db.dashboard_queries.target_rows."""
    out: dict[str, TargetRow] = {}
    for t in target_rows:
        r = out.get(t["indicator"])
        if r is None:
            r = out[t["indicator"]] = TargetRow(t["indicator"], t["kind"], t["stages"], t["require"], t["base_year"],
                                                t["unit"])
        if t["street"] is None:
            r.district = t["target"]
        else:
            r.shares[t["street"]] = t["target"]
    return list(out.values())


def export_decomposition(path, year: int, rows: list[TargetRow], catalog: Catalog, streets: list[str]) -> Path:
    import xlsxwriter
    path = Path(path)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("任务分解表")
    title = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
    head = wb.add_format({"bold": True, "bg_color": "#dde8f5", "border": 1, "align": "center", "text_wrap": True})
    text = wb.add_format({"border": 1, "num_format": "@"})
    num = wb.add_format({"border": 1, "num_format": "0.##"})
    headers = FIXED + [DISTRICT] + streets + list(DERIVED[:2])
    ws.merge_range(0, 0, 0, len(headers) - 1, f"{year}年目标任务分解表", title)
    ws.write_row(1, 0, headers, head)
    names = {s.key: s.name for s in catalog.stages}
    for i, r in enumerate(rows, start=2):
        ws.write_string(i, 0, r.indicator, text)
        ws.write_string(i, 1, KINDS.get(r.kind, r.kind), text)
        ws.write_string(i, 2, "、".join(names.get(k, k) for k in r.stages), text)
        ws.write_string(i, 3, "、".join(names.get(k, k) for k in r.require), text)
        ws.write(i, 4, r.base_year if r.base_year else "", num)
        ws.write_string(i, 5, r.unit or "家", text)
        ws.write(i, 6, r.district if r.district is not None else "", num)
        for j, street in enumerate(streets):
            v = r.shares.get(street)
            ws.write(i, 7 + j, v if v is not None else "", num)
        total = sum(r.shares.values())
        ws.write(i, 7 + len(streets), total, num)
        ws.write(i, 8 + len(streets), (r.district - total) if r.district is not None else "", num)
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 6)
    ws.set_column(2, 3, 22)
    ws.set_column(4, len(headers), 9)
    ws.freeze_panes(2, 1)
    wb.close()
    return path
