"""The decomposition table (任务分解表): one row per indicator, the district's target and each street's share.

Layout (export writes it, import reads it; a title row above the header is fine):

    指标 | 类型 | 统计阶段 | 须同时具备 | 起算年份 | 单位 | 全区 | 积玉桥 | 杨园 | …

- 类型: 存量 / 新增 / 净增 / 累计; 统计阶段 and 须同时具备: stage names, keys or aliases of the
  catalog separated by 、，,；;+ ; 起算年份 only for 累计;
- a street column's header may say 杨园, 杨园街, 杨园街道 …; an empty cell leaves that share out;
- a target counts firms: 0.8万 is 8000, 80家以上 is 80, an amount of money is refused, so is a negative or
  fractional count;
- a table that contradicts itself is refused, never half-trusted: a street headed twice, a 合计 column or
  row, or a 全区目标 beside 全区, that disagrees with the cells it sums (``_Layout``, ``_check_skipped``).
Import is all-or-nothing: the first unusable cell stops it with an InputError that names the file,
sheet, Excel row and column, and nothing is written. ``apply`` writes through the audited Writer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from db import dashboard_queries
from importers import errors as E
from importers.clean import parse_quantity
from importers.clean_streets import match_street
from importers.errors import InputError
from importers.read import list_sheets, open_table_at, read_preview
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


_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


def _header_row(preview: list[list]) -> int | None:
    return next((i + 1 for i, row in enumerate(preview) if "指标" in [_text(v) for v in row]), None)


def _years(rows) -> set[int]:
    """The years (2024年) named in *rows* (a title above the header) or in one text."""
    return {int(y) for row in rows for v in (row if isinstance(row, list) else [row]) if v
            for y in _YEAR.findall(str(v))}


def _pick_sheet(path, name: str, year: int | None) -> str | None:
    """The sheet holding the table: the first sheet when it alone holds one (a CSV has none); of several, the one
    whose name or title names *year*; else an InputError naming them."""
    sheets = list_sheets(path)
    if len(sheets) < 2:
        return None
    found = {}
    for sh in sheets:
        preview = read_preview(path, sh, 30)
        row = _header_row(preview)
        if row is not None:
            found[sh] = _years([sh, *preview[:row - 1]])
    if len(found) < 2:
        return next(iter(found), None)
    mine = [sh for sh, years in found.items() if year is not None and years == {year}]
    if len(mine) == 1:
        return mine[0]
    hint = f"，或只在其中一张的标题写明 {year} 年" if year is not None else ""
    raise InputError(f"工作簿中有 {len(found)} 张任务分解表（工作表“{'”“'.join(found)}”），无法确定导入哪一张；"
                     f"请只保留要导入的一张{hint}", file=name)


def read_decomposition(path, catalog: Catalog, streets: list[str], *, sheet: str | None = None,
                       year: int | None = None) -> list[TargetRow]:
    """The rows of a decomposition table. *year*: the year the rows are for (the one the person chose); a title
    above the header naming another year (2024年目标任务分解表 imported as 2026's) is refused, and so is a
    workbook holding several tables (one sheet a year) unless exactly one of them names *year*: the targets
    were written silently under the chosen year, from whichever sheet came first."""
    name = Path(path).name
    if sheet is None:
        sheet = _pick_sheet(path, name, year)
    preview = read_preview(path, sheet, 30)
    header_row = _header_row(preview)
    if header_row is None:
        raise InputError(
            "前 30 行中找不到表头“指标”，请按任务分解表格式填写（导出一份作为模板）", file=name, sheet=sheet
        )
    named = _years(preview[:header_row - 1])
    if year is not None and named and named != {year}:
        raise InputError(f"表格标题写的是 {'、'.join(map(str, sorted(named)))} 年，与所选的 {year} 年不符；"
                         f"请选择对应年度，或改正标题后再导入", file=name, sheet=sheet, row=header_row - 1)
    table = open_table_at(path, sheet=sheet, header_row=header_row)
    plan = getattr(table, "_plan", None)
    if plan is not None:        # street columns are shares, not group labels: an empty cell means no share
        plan.fill = []
    layout = _Layout(table, streets)
    out: list[TargetRow] = []
    sums: dict[int, list[float]] = {}      # Excel row -> the number columns' sums over the indicator rows above it
    running = [0.0] * len(layout.numbers)
    for chunk in table.iter_rows():
        for raw in chunk:
            row = _read_row(raw, layout, catalog, {r.indicator for r in out})
            if row is None:
                continue
            out.append(row)
            for k, i in enumerate(layout.numbers):
                running[k] += layout.value(raw, i) or 0
            sums[raw.excel_row] = list(running)
    if not out:
        raise InputError("表中没有指标行", file=table.file, sheet=table.sheet)
    _check_skipped(path, table, layout, sums)
    return out


class _Layout:
    """Which column of a decomposition table holds what; the checks of its columns against one another.

    Judgement calls (a table is all-or-nothing, so a doubt stops it rather than being trusted or dropped):
    two columns naming the same street (杨园 and 杨园街道) are refused, not one silently winning; 全区 and
    全区目标 both filled with different numbers are refused; a 合计/街道合计 column must equal the sum of the
    street cells of its row and a 差额（全区−合计）column the 全区 less that sum, else the row is refused (the
    export writes both, so a table edited by hand after export is caught); a street's share may be less
    than the 全区 figure (part of the target is the lead unit's) and is not checked against it.
    """

    def __init__(self, table, streets: list[str]) -> None:
        self.table = table
        heads = self.heads = [_text(h) for h in table.headers]
        self.col = {h: i for i, h in enumerate(heads)}
        for need in ("指标", "类型", "统计阶段"):
            if need not in self.col:
                raise InputError(f"缺少“{need}”列", file=table.file, sheet=table.sheet, row=table.header_row)
        self.street_cols: dict[int, str] = {}
        for i, h in enumerate(heads):
            if h in FIXED or h == DISTRICT or h in DERIVED or not h:
                continue
            street = match_street(h, streets)
            if street is None:
                raise InputError(f"列名“{h}”不是本区街道（可用：{'、'.join(streets)}）", **self.where(None, h))
            if street in self.street_cols.values():
                first = heads[next(j for j, s in self.street_cols.items() if s == street)]
                raise InputError(f"“{h}”列与“{first}”列是同一个街道（{street}），请合并为一列", **self.where(None, h))
            self.street_cols[i] = street
        self.district_cols = [self.col[h] for h in (DISTRICT, "全区目标") if h in self.col]
        self.total_cols = [self.col[h] for h in ("街道合计", "合计") if h in self.col]
        self.gap_col = self.col.get(DERIVED[1])
        self.numbers = self.district_cols + list(self.street_cols)

    def where(self, row: int | None, h: str) -> dict:
        return {"file": self.table.file, "sheet": self.table.sheet, "row": row or self.table.header_row, "column": h}

    def value(self, raw, i: int) -> float | None:
        """The count in column *i*: 0.8万 is 8000, not 0.8 (万元); a negative or fractional count is refused."""
        h = self.heads[i]
        try:
            v = parse_quantity(raw.values[i])
        except ValueError as exc:
            raise InputError(str(exc), **self.where(raw.excel_row, h)) from None
        if v is not None and (v < 0 or not float(v).is_integer()):
            raise InputError(f"目标“{_text(raw.values[i])}”不是家数（应为 0 或正整数）", **self.where(raw.excel_row, h))
        return v

    def district(self, raw) -> float | None:
        found = [(i, v) for i in self.district_cols if (v := self.value(raw, i)) is not None]
        if len({v for _, v in found}) > 1:
            (i, a), (j, b) = found
            raise InputError(f"“{self.heads[i]}”为 {a:g}，“{self.heads[j]}”为 {b:g}，不一致",
                             **self.where(raw.excel_row, self.heads[j]))
        return found[0][1] if found else None

    def check_totals(self, raw, district: float | None, shares: dict[str, float]) -> None:
        total = sum(shares.values())
        for i in self.total_cols:
            v = self.value(raw, i)
            if v is not None and v != total:
                raise InputError(f"“{self.heads[i]}”为 {v:g}，而各街道之和为 {total:g}", **self.where(raw.excel_row,
                                                                                                  self.heads[i]))
        g = self.gap_col
        if g is None or district is None or raw.values[g] in (None, ""):
            return
        try:
            gap = parse_quantity(raw.values[g])
        except ValueError:
            gap = None
        if gap != district - total:
            raise InputError(f"“{self.heads[g]}”为 {_text(raw.values[g])}，而全区 {district:g} 减各街道之和 "
                             f"{total:g} 为 {district - total:g}", **self.where(raw.excel_row, self.heads[g]))


def _base_year(text: str, where: dict) -> int | None:
    """起算年份 as written: 2019, 2019.0 (a number cell) or 2019年; 2019.5 or 19 is refused, never cut to a year."""
    if not text:
        return None
    try:
        value = float(text.removesuffix("年"))
    except ValueError:
        value = float("nan")
    if not value.is_integer() or not 1900 <= value <= 2200:
        raise InputError(f"起算年份“{text}”不是年份（应为四位整数，如 2024）", **where)
    return int(value)


def _read_row(raw, layout: _Layout, catalog: Catalog, seen: set[str]) -> TargetRow | None:
    """One indicator row; None for a row without an indicator; InputError naming the cell for a bad one."""
    vals, col = raw.values, layout.col

    def where(h):
        return layout.where(raw.excel_row, h)
    indicator = _text(vals[col["指标"]])
    if not indicator:               # a row filled in but for its name was left out unseen
        if any(_text(v) for v in vals):
            raise InputError("这一行填了内容，但“指标”为空；请填写指标名称，或删除这一行", **where("指标"))
        return None
    if indicator in seen:
        raise InputError(f"指标“{indicator}”重复出现", **where("指标"))
    kind = KIND_OF.get(_text(vals[col["类型"]]))
    if kind is None:
        raise InputError(f"类型“{_text(vals[col['类型']])}”无法识别，应为 存量/新增/净增/累计", **where("类型"))
    stages = _stages(_text(vals[col["统计阶段"]]), catalog, where("统计阶段"))
    if not stages:
        raise InputError("统计阶段为空", **where("统计阶段"))
    require = _stages(_text(vals[col["须同时具备"]]), catalog, where("须同时具备")) if "须同时具备" in col else []
    base_year = _base_year(_text(vals[col["起算年份"]]), where("起算年份")) if "起算年份" in col else None
    unit = _text(vals[col["单位"]]) if "单位" in col else ""
    row = TargetRow(indicator, kind, stages, require, base_year, unit or "家")
    row.district = layout.district(raw)
    for i, street in layout.street_cols.items():
        v = layout.value(raw, i)
        if v is not None:
            row.shares[street] = v
    if row.district is None and not row.shares:
        raise InputError(f"指标“{indicator}”没有填写全区或任何街道的目标", **where(DISTRICT))
    layout.check_totals(raw, row.district, row.shares)
    return row


_HARMLESS = frozenset({E.SKIP_BLANK, E.SKIP_REPEATED_HEADER, E.SKIP_NOTE})


def _check_skipped(path, table, layout: _Layout, sums: dict[int, list[float]]) -> None:
    """Rows the list reader leaves out are checked, never dropped unseen: a 合计/小计 row must equal, column by
    column, the sum of the indicator rows above it (else it is refused, naming the cell: which figure is right
    is for a person to say); any other row left out but a blank, a repeated header or a note below the table
    (a note in the middle, a group title) is refused, naming it."""
    totals = [er for er, why in table.skipped if why == E.SKIP_TOTAL]
    grid = read_preview(path, table.sheet or None, max(totals)) if totals else []
    for er, why in table.skipped:
        if why in _HARMLESS:
            continue
        if why != E.SKIP_TOTAL:
            raise InputError(f"这一行不是指标行（{why}），请删除或补全后再导入", **layout.where(er, "指标"))
        cells = grid[er - 1] if er - 1 < len(grid) else []
        above = next((sums[r] for r in sorted(sums, reverse=True) if r < er), [0.0] * len(layout.numbers))
        for k, i in enumerate(layout.numbers):
            c = table.columns[i]
            raw_v = cells[c] if c < len(cells) else None
            try:
                v = parse_quantity(raw_v)
            except ValueError:
                v = None
            if raw_v not in (None, "") and v != above[k]:
                raise InputError(f"合计行的“{layout.heads[i]}”为 {_text(raw_v)}，而上方各指标之和为 {above[k]:g}",
                                 **layout.where(er, layout.heads[i]))


def apply(ledger, year: int, rows: list[TargetRow], source: str = "import") -> int:
    """Write the rows' district targets and street shares in one audited transaction; returns rows written.

    A target the table states as the ledger holds it is not written again: re-importing a table (or the export
    of the year) wrote an 修改 audit row for every target, changing nothing. A street share the table leaves
    blank is kept (a blank never clears), but takes the indicator's definition from the table (类型, 统计阶段 …),
    as an edit of the indicator in the window carries to its shares: it kept the old one, so one indicator
    counted different stages for the district and for that street. A 基期值 set on a target is kept."""
    ids = dict((name, sid) for sid, name in ledger.streets())
    have: dict[tuple[str, int | None], dict] = {(t["indicator"], t["street_id"]): t
                                                for t in dashboard_queries.target_rows(ledger.conn, year)}
    written = 0
    with ledger.write(source) as w:
        for sort, r in enumerate(rows):
            wanted: dict[int | None, float] = {} if r.district is None else {None: r.district}
            wanted.update((ids[street], value) for street, value in r.shares.items())
            for (indicator, sid), old in have.items():
                if indicator == r.indicator and sid not in wanted:
                    wanted[sid] = old["target"]
            stated = dict(kind=r.kind, stages=r.stages, require=r.require, base_year=r.base_year, unit=r.unit,
                          sort=sort)
            for sid, value in wanted.items():
                t = have.get((r.indicator, sid))
                if t is not None and t["target"] == value and all(t[k] == v for k, v in stated.items()):
                    continue
                w.set_target(year, r.indicator, r.kind, r.stages, value, street_id=sid, require=r.require,
                             base=t["base"] if t else None, base_year=r.base_year, unit=r.unit, sort=sort)
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
