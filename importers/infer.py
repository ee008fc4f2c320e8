"""Values a list implies without stating them, each taken only with a warning on its row.

- the street, when a row names none: from its address ("武昌区水果湖街…") or from the group sub-header it
  stands under ("杨园街道（12家）"), only when exactly one catalog street is named as a street (街/街道/街办);
- a registry's 登记状态 that says the firm is gone (注销, 吊销 …): imported, but never silently;
- a city-wide list's 所在区 column naming several districts: imported, with one warning for the file;
- a date written as a plain number (an Excel serial): read as a date, with one warning for its column;
- a name with a mark around it (★…, …*) or a status after it (…（注销）): the name without it, warned on the row;
- a row whose name cell is struck through in Excel: imported, warned on the row.
"""
from __future__ import annotations

import re
from array import array
from typing import TypeGuard

from importers.clean_streets import match_street
from importers.errors import UNCOMPUTED
from importers.plan import Issue, same_place

W_STREET_FROM_ADDRESS = "所在街道为空，按地址“{address}”推断为“{street}”，请核对"
W_STREET_FROM_GROUP = "所在街道为空，按分组标题“{label}”推断为“{street}”，请核对"
W_GONE = "登记状态为“{value}”，该企业可能已不存在，请核对是否仍应导入"
STATUS_HEADERS = ("登记状态", "经营状态", "企业状态", "存续状态", "营业状态")
_GONE = re.compile(r"注销|吊销|撤销|迁出|清算|歇业|停业|除名")


def _no_street_written(pl, row: list, streets: list, j: int) -> bool:
    from importers.clean import clean_text  # noqa: PLC0415
    if streets[j] is not None:
        return False
    sc = pl.by_field.get("street")
    return sc is None or sc >= len(row) or not clean_text(row[sc])   # an unknown street is its own warning


def street_from_address(pl, vals, cols, errs) -> None:
    """A row with no street whose address names a catalog street gets that street, with a warning."""
    from importers.clean_streets import street_in_address  # noqa: PLC0415
    streets, addresses = cols.setdefault("street", [None] * len(vals)), cols["address"]
    head = pl.plan.headers[pl.by_field["address"]]
    for j, addr in enumerate(addresses):
        if not addr or not _no_street_written(pl, vals[j], streets, j):
            continue
        hit = street_in_address(addr, pl.streets)
        if hit is not None:
            streets[j] = hit
            errs.setdefault(j, []).append(Issue(None, head, W_STREET_FROM_ADDRESS.format(address=addr, street=hit),
                                                "warning", "street_from_address"))


def street_from_group(pl, chunk, cols, errs) -> None:
    """A row with no street under a group sub-header that names a catalog street gets it, with a warning."""
    from importers.clean_streets import street_in_address  # noqa: PLC0415
    streets = cols.setdefault("street", [None] * len(chunk))
    found: dict[str, str | None] = {}
    for j, raw in enumerate(chunk):
        label = raw.group
        if not label or not _no_street_written(pl, raw.values, streets, j):
            continue
        if label not in found:
            found[label] = street_in_address(label, pl.streets)
        hit = found[label]
        if hit is not None:
            streets[j] = hit
            errs.setdefault(j, []).append(Issue(None, None, W_STREET_FROM_GROUP.format(label=label, street=hit),
                                                "warning", "street_from_group"))


def deregistered(pl, vals, errs) -> None:
    """A registry's 登记状态 that says the firm is gone (注销, 吊销 …): a warning on the row, never silent."""
    from importers.clean import clean_text  # noqa: PLC0415
    col = pl.status_col
    head = pl.plan.headers[col]
    for j, v in enumerate(vals):
        text = clean_text(v[col]) if col < len(v) else ""
        if text and _GONE.search(text):
            errs.setdefault(j, []).append(Issue(None, head, W_GONE.format(value=text), "warning", "deregistered"))


W_STRUCK = "“{column}”单元格有删除线（原表中常表示已从名单中删去），仍按名单导入，请核对是否应取消勾选"


def struck_rows(pl, chunk, errs) -> None:
    """A row whose name cell (the code cell, without a name column) is struck through in Excel: a warning on the row,
    never silent (``pl.struck``: the sheet's struck cells, importers.struck; it was imported as any other row)."""
    col = pl.by_field.get("name", pl.by_field.get("code"))
    if col is None:
        return
    cells, at, head = pl.struck, pl.plan_columns[col], pl.plan.headers[col]
    for j, raw in enumerate(chunk):
        if (raw.excel_row, at) in cells:
            errs.setdefault(j, []).append(Issue(None, head, W_STRUCK.format(column=head), "warning", "struck_row"))


W_REMARK_GONE = "{column}为“{value}”，该企业可能已注销、迁出或已从名单中取消，仍按名单导入，请核对是否应取消勾选"
# a remark that takes the firm off the list: gone (as 登记状态 says), or its entry withdrawn
_REMOVED = re.compile(_GONE.pattern + r"|取消|删除|撤回|剔除|移出|不再推荐")


def remark_gone(pl, remarks: list, errs) -> None:
    """A 备注 saying the firm is gone or withdrawn ("已注销", "取消认定资格", "删除"): a warning on the row, never
    silent (the row was imported as any other, the remark only stored: found by an outside attack)."""
    search = _REMOVED.search
    head = ""
    for j, text in enumerate(remarks):
        if text and type(text) is str and search(text):
            head = head or pl.plan.headers[pl.by_field["remark"]]
            errs.setdefault(j, []).append(Issue(None, head, W_REMARK_GONE.format(column=head, value=text), "warning",
                                                "remark_gone"))


E_EXAMPLE = ("“{column}”为“{value}”：这一行是模板中的填表示例，不是名单上的企业，未导入；如确是企业，"
             "请填写序号后重新导入")
_EXAMPLE = re.compile(r"[（(]?(?:填写|填表|填报)?(?:示例|样例|范例|举例|例子|例)\d*[）)]?[:：]?")
_SERIAL_HEADERS = ("序号", "序", "编号", "no", "no.")


def example_rows(pl, vals, errs) -> None:
    """A template's example row left under the header (序号 "示例", "例：", with an invented firm): an error on the
    row, naming the cell (it was created as a firm: found by an outside attack)."""
    headers = pl.plan.headers
    col = next((i for i, h in enumerate(headers) if i not in pl.work
                and str(h or "").strip().lower() in _SERIAL_HEADERS), None)
    if col is None:
        return
    for j, v in enumerate(vals):
        x = v[col] if col < len(v) else None
        if type(x) is str and x and _EXAMPLE.fullmatch(x.strip()):
            errs.setdefault(j, []).append(Issue(None, headers[col], E_EXAMPLE.format(column=headers[col],
                                                value=x.strip()), "error", "example_row"))


# what Excel shows for a formula that failed (a VLOOKUP that found nothing: #N/A); the sheet scan puts the shown text
# in place of the empty cell calamine gives (importers/guards.py), so a date or code column reports it by name
EXCEL_ERRORS = frozenset({"#N/A", "#DIV/0!", "#REF!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                          "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})
E_NAME_LOGICAL = "企业名称是逻辑值“{v}”，不是名称"


E_UNCOMPUTED = ("“{column}”是公式，文件中没有保存它的计算结果（程序生成、未经 Excel 计算的文件常见），"
                "请在 Excel 或 WPS 中打开并保存后再导入")
E_CELL_ERROR = "“{column}”是公式错误值“{v}”（公式没有取到值），请在原表中改正"


def formula_left(x) -> TypeGuard[str]:
    """A cell a formula left without a value: its error (#N/A …) or no saved result (``odd_cells`` reports it; the
    code check takes it for an empty cell, not for a code of the wrong length: one error on the cell, not two)."""
    return type(x) is str and x[:1] == "#" and (x == UNCOMPUTED or x.strip() in EXCEL_ERRORS)


def odd_cells(pl, vals, errs) -> None:
    """A name cell holding a logical value (TRUE left by a filter's helper column) is no firm's name, and a mapped
    cell holding a formula's error value (``pl.error_cells``: the sheet has some) is no value: an error on the row,
    naming it (a firm named "True" was created; a VLOOKUP's #N/A in the code column made a firm without a code, in
    the date column the --date date: found by an outside attack)."""
    col = pl.by_field.get("name")
    headers = pl.plan.headers
    if col is not None:
        for j, v in enumerate(vals):
            x = v[col] if col < len(v) else None
            if type(x) is bool:
                errs.setdefault(j, []).append(Issue(None, headers[col], E_NAME_LOGICAL.format(
                    v="TRUE" if x else "FALSE"), "error", "bad_name"))
    if not pl.error_cells:
        return
    mapped = sorted(set(pl.work) | {c[0] for c in pl.cleaners})
    for j, v in enumerate(vals):
        for c in mapped:
            x = v[c] if c < len(v) else None
            if not formula_left(x):
                continue
            if x != UNCOMPUTED:
                errs.setdefault(j, []).append(Issue(None, headers[c], E_CELL_ERROR.format(
                    column=headers[c], v=x.strip()), "error", "formula_error"))
            else:
                errs.setdefault(j, []).append(Issue(None, headers[c], E_UNCOMPUTED.format(column=headers[c]), "error",
                                                    "formula_uncomputed"))


# registered names stay well under 50 characters (the longest, of foreign-invested firms, about 60)
MAX_NAME = 100
E_NAME_LONG = "企业名称过长（{n} 字），像是说明文字，未导入；请在原表中改正"
W_NAME_SERIAL = "名称前带有序号“{serial}”（从 Word 转来的名单常见），已按原样导入，请核对"
W_TWO_NAMES = "一格里像是有 {n} 个企业名称（“{names}”），已按一家企业的名称导入，请核对"

_SERIAL_PREFIX = re.compile(r"\s*(\d{1,4}\s*[.．、)）]|[（(]\d{1,4}[)）])\s*(?=\S)")
_NAME_SEPARATORS = re.compile(r"[；;、，,/／]|\s+")


def odd_name(er, col_name, name: str, issues: list) -> None:
    """A serial number typed into the name ("1.武汉…", "（3）武汉…") or two full names in one cell: stored as they
    are, but never silently (both were, found by an outside attack). A name longer than any registered name is
    a paragraph pasted into the cell: an error (one of 300 characters ending in 有限公司 was a new firm)."""
    from importers.clean import looks_like_firm_name  # noqa: PLC0415
    if len(name) > MAX_NAME:
        issues.append(Issue(er, col_name, E_NAME_LONG.format(n=len(name)), "error", "name_too_long"))
        return
    m = _SERIAL_PREFIX.match(name)
    if m:
        issues.append(Issue(er, col_name, W_NAME_SERIAL.format(serial=m[1]), "warning", "name_serial"))
    parts = [p for p in _NAME_SEPARATORS.split(name) if p]
    if len(parts) > 1 and sum(looks_like_firm_name(p) for p in parts) > 1:
        issues.append(Issue(er, col_name, W_TWO_NAMES.format(n=len(parts), names="”“".join(parts)), "warning",
                            "two_names"))


W_FORMER_NOTE = "企业名称“{cell}”后注有曾用名；取“{kept}”为企业名称，“{former}”记为曾用名，请核对"
# a name cell "现名（原名：旧名）" as clean_name leaves it (NFKC: "：" is ":", brackets full width, no spaces)
_FORMER_LABEL = r"(?:原名称?|曾用名称?|原企业名称|原公司名称|原单位名称|更名前名称?|变更前名称|原)"
_FORMER_NOTE = re.compile(r"(.+?)（" + _FORMER_LABEL + r"[:]?(.+)）")
# and without the bracket: "现名 原名：旧名", "现名，曾用名：旧名" (NFKC: "，" is ",")
_FORMER_COLON = re.compile(r"(.+?)[,;、]?" + _FORMER_LABEL + r":(.+)")


def former_note(name: str) -> tuple[str, str] | None:
    """(name, former name) of a cleaned name cell that carries its former name in a trailing bracket or after a
    label and a colon, when both read as firms' full names: the whole cell was a new firm's name (found by outside
    attacks)."""
    from importers.clean import looks_like_firm_name  # noqa: PLC0415
    if name.endswith("）"):
        m = _FORMER_NOTE.fullmatch(name)
    elif ":" in name:
        m = _FORMER_COLON.fullmatch(name)
    else:
        return None
    if m is None or not looks_like_firm_name(m[1]) or not looks_like_firm_name(m[2]):
        return None
    return m[1], m[2]


_FORMER_SPLIT = re.compile(r"[、;；\n]+")


def former_names(cell) -> list[str]:
    """The former names in a 曾用名 cell (several are separated by 、 ; or a line break)."""
    if cell in (None, ""):
        return []
    return [p.strip() for p in _FORMER_SPLIT.split(str(cell)) if p.strip()]


def joined_former_names(first, later) -> str | None:
    """A 曾用名 cell for the first row of a new firm listed again: its former names, then those only the later
    row gives, joined by 、 (None when the later row adds none). The firm is created from the first row, so
    without this the later row's former names were lost (found by an attack)."""
    have = former_names(first)
    more = [n for n in former_names(later) if n not in have]
    return "、".join(dict.fromkeys([*have, *more])) if more else None


# signs put before or after a name to mark the row (★ 重点, ※ 见备注, * 新增 …; as clean_name leaves them: NFKC makes
# ＊ and ＃ ASCII): no registered name holds one
NAME_MARKS = frozenset("★☆*※▲△▼▽●○◎◆◇■□#√✓✔✗✘")
W_NAME_MARK = ("企业名称“{cell}”带有标记“{mark}”（原表中另有含义，如重点、新增、见备注），已去掉标记，按“{kept}”导入，"
               "请核对")
W_NAME_STATUS = ("企业名称“{cell}”后注有“{status}”：取“{kept}”为企业名称；该企业可能已不存在或已不在本区，"
                 "请核对是否仍应导入")
# a status noted in a bracket after the name: "…有限公司（注销）", "(已迁出)", "（已吊销营业执照）"
_STATUS_NOTE = re.compile(r"(.+?)（((?:已经?|被|已被)?(?:" + _GONE.pattern + r"|取消)[^（）]{0,10})）")


# a name cell's other line that is a status alone: "（注销）", "已迁出", "(已吊销)"
_STATUS_LINE = re.compile(r"（?((?:已经?|被|已被)?(?:" + _GONE.pattern + r"|取消)[^（）]{0,10})）?")


def note_lines(kept: str, others: list[str]) -> tuple[list[str], tuple[str, str] | None]:
    """The other lines of a name cell that may be names (former or short ones), and (warning, issue code) for the
    lines that are a mark (★) or a status (（注销）, 已迁出) instead: they were stored as the firm's former names
    (found by an outside attack). A status is said before a mark."""
    from importers.clean import clean_name  # noqa: PLC0415
    left, status, mark = [], "", ""
    for line in others:
        s = clean_name(line)
        m = _STATUS_LINE.fullmatch(s)
        if s and all(c in NAME_MARKS for c in s):
            mark = mark or s
        elif m is not None:
            status = status or m[1]
        else:
            left.append(line)
    name = clean_name(kept)
    cell = name + "".join(clean_name(o) for o in others if o not in left)
    if status:
        return left, (W_NAME_STATUS.format(cell=cell, status=status, kept=name), "name_status")
    if mark:
        return left, (W_NAME_MARK.format(cell=cell, mark=mark, kept=name), "name_mark")
    return left, None


def marked_name(name: str) -> tuple[str, str, str] | None:
    """(name, warning, issue code) of a cleaned name cell with a mark before or after the name or a status in a
    trailing bracket (the cell was stored as the name: found by an outside attack), when what is left reads as a
    firm's full name; else None. A mark and a status together: the status is said, the mark taken off with it."""
    from importers.clean import looks_like_firm_name  # noqa: PLC0415
    kept = name.strip("".join(NAME_MARKS))
    mark = "".join(dict.fromkeys(c for c in name if c in NAME_MARKS and c not in kept))
    m = _STATUS_NOTE.fullmatch(kept) if kept.endswith("）") else None
    if m is not None and looks_like_firm_name(m[1], cleaned=True):
        return m[1], W_NAME_STATUS.format(cell=name, status=m[2], kept=m[1]), "name_status"
    if mark and looks_like_firm_name(kept, cleaned=True):
        return kept, W_NAME_MARK.format(cell=name, mark=mark, kept=kept), "name_mark"
    return None


def former_line(name: str, line: str) -> str:
    """The former name a name cell's other line gives: X of "（曾用名：X）" / "(原名：X)" under the name, read as
    ``former_note`` reads the one-line form; any other line as it is (the bracket and label were stored)."""
    from importers.clean import clean_name  # noqa: PLC0415
    kept, bare = clean_name(name), clean_name(line)
    if not bare.startswith("（"):
        return line
    noted = former_note(kept + bare)
    return noted[1] if noted is not None and noted[0] == kept else line


# ---------------------------------------------------------------- a city-wide list: firms of several districts
W_DISTRICTS = ("“{column}”列中有 {n} 个不同的地区：{shown}；不加选择时这些行都会导入为本台账的企业；若只需本区的"
               "企业，请在预览中选“只导入某地的企业”（命令行 --district 地名）")
# a column naming each row's place, finest first: a district's (所在区), a city's (所在市州: a province's list), a
# province's (省份: a national list); the finest such column a list holds is read
_PLACE_HEADERS = (
    re.compile(r"(?:所在|所属)?(?:区县|区域|区|行政区|地区|辖区|区[（(]县[）)]|县市区|县[（(]市、?区[）)]|区[（(]县、?市[）)])"),
    re.compile(r"(?:所在|所属)?(?:市州|地市|城市|市|市[（(]州[）)]|地[（(]市、?州[）)])"),
    re.compile(r"(?:所在|所属)?(?:省份|省|省[（(]区、?市[）)]|省市区?)"),
)
SHOWN_DISTRICTS = 5
MAX_SPELLINGS = 300


# a group sub-header naming a district: 武昌区（12家）, 二、洪山区 (5家), （一）武昌区, (2) 洪山区, 武汉市（300家）
_ORDINAL = r"[一二三四五六七八九十\d]{1,3}"
_DISTRICT_LABEL = re.compile(rf"(?:(?:{_ORDINAL}\s*[、.．]|[（(]\s*{_ORDINAL}\s*[）)])\s*)?"
                             r"(\S{1,12}?[区县市])"
                             r"\s*(?:[（(]\s*(?:共\s*)?\d+\s*家?\s*[）)])?")
GROUP_COLUMN = "所在区（分组标题行）"


def district_label(label: str) -> str:
    """The district a group sub-header names ("" when it names none)."""
    m = _DISTRICT_LABEL.fullmatch(label.strip()) if label else None
    return m[1] if m else ""


W_PLACE_STREET = "“{column}”列的值是本区的街道（如“{example}”），按所在街道读取"


def place_as_street(pl, headers: list[str], work: dict, mapping: dict, sample) -> None:
    """A place column (所属地区, 区域 …) whose values are mostly the catalog's streets is the list's 所在街道 (a street
    office's list): read as it, with a warning. It was taken for a district column, the streets were not filled and
    the file was warned of several districts (found by an outside attack). *sample*: gives the first data rows."""
    col = Districts(headers, work).col if pl.streets and "street" not in work.values() else None
    if col is None:
        return
    values = [r.values[col] for r in sample() if col < len(r.values) and r.values[col] not in (None, "")]
    if values and sum(1 for v in values if match_street(v, pl.streets) is not None) * 2 > len(values):
        work[col] = mapping[col] = "street"
        head = headers[col]
        pl.notes.append(Issue(None, head, W_PLACE_STREET.format(column=head, example=values[0]), "warning",
                              "place_as_street"))


class Districts:
    """A column naming each row's district (所在区, 所属区县 …), which no ledger field holds: a city-wide list
    mixes districts, and every row would land in this district's ledger. Counted over the rows; with two or
    more districts the file gets one warning naming them, their row counts and first rows (``issue``). A list
    without such a column but in sections under district sub-headers (武昌区（12家）) is read by its sections, as
    the column ``GROUP_COLUMN``; ``rows`` gives each district's Excel rows (ImportPlan.other_district_rows)."""

    def __init__(self, headers: list[str], mapped) -> None:
        bare = [re.sub(r"\s+", "", str(h or "")) for h in headers]
        self.col = next((i for pattern in _PLACE_HEADERS for i, h in enumerate(bare)
                         if i not in mapped and pattern.fullmatch(h)), None)
        self.column = headers[self.col] if self.col is not None else ""
        self.seen: dict[str, list[int]] = {}     # district -> [rows, first Excel row]
        self.rows: dict[str, array] = {}         # district ("" for a blank cell) -> its Excel rows, in order
        self.labels: dict[str, str] = {}         # group sub-header -> the district it names
        self.before = array("l")                 # rows read before any district sub-header

    def add(self, chunk, vals) -> None:
        if self.col is None:
            self._add_groups(chunk)
            return
        from importers.clean import clean_text  # noqa: PLC0415
        c = self.col
        self._count(chunk, (clean_text(v[c]) if c < len(v) else "" for v in vals))

    def _add_groups(self, chunk) -> None:
        labels = self.labels
        for g in {r.group for r in chunk}:
            if g not in labels:
                labels[g] = district_label(g)
        if not any(labels.values()):
            self.before.extend(r.excel_row for r in chunk)          # no district section yet
            return
        self.column = GROUP_COLUMN
        self._count(chunk, [labels[r.group] for r in chunk])

    def result(self) -> tuple[str, dict[str, array]]:
        """(the district column's header, or GROUP_COLUMN, or ""; each district's Excel rows, "" for none)."""
        if not self.column:
            return "", {}
        if self.before:                                           # rows above the first district section
            self.rows[""] = array("l", sorted([*self.before, *self.rows.get("", ())]))
            self.before = array("l")
        return self.column, self.rows

    def _count(self, chunk, texts) -> None:
        seen, rows = self.seen, self.rows
        for r, text in zip(chunk, texts, strict=False):
            at = rows.get(text)
            if at is None:
                at = rows[text] = array("l")
            at.append(r.excel_row)
            if text:
                got = seen.get(text)
                if got is None:
                    seen[text] = [1, r.excel_row]
                else:
                    got[0] += 1

    def places(self) -> int:
        """How many places the cells name: spellings of one (武昌, 武昌区, 湖北省武汉市武昌区) count once, as
        ``--district`` keeps them together (``importers.plan.same_place``). Past MAX_SPELLINGS distinct cells
        (no district column, whatever its header says) each counts, as pairing them all would take too long."""
        if len(self.seen) > MAX_SPELLINGS:
            return len(self.seen)
        reps: list[str] = []
        for d in self.seen:
            if not any(same_place(d, r) for r in reps):
                reps.append(d)
        return len(reps)

    def issue(self) -> Issue | None:
        places = self.places() if len(self.seen) >= 2 else len(self.seen)
        if places < 2:
            return None
        top = sorted(self.seen.items(), key=lambda kv: (-kv[1][0], kv[1][1]))
        shown = "、".join(f"{d} {n} 行（第 {first} 行起）" for d, (n, first) in top[:SHOWN_DISTRICTS])
        if len(top) > SHOWN_DISTRICTS:
            shown += " 等"
        return Issue(None, self.column, W_DISTRICTS.format(column=self.column, n=places, shown=shown),
                     "warning", "several_districts")


# ---------------------------------------------------------------- dates written as Excel serial numbers
W_SERIALS = ("“{column}”列有 {n} 个单元格是数字，不是日期格式（Excel 中显示为数字），已按 Excel 日期序号读作日期，"
             "如第 {row} 行的 {value} 读作 {day}；请核对")


class Serials:
    """Date cells holding a plain number (a General-format cell: Excel shows 45268, not a date; a CSV's 45268) are
    read as Excel date serials: one warning per column says so, with the count and the first such cell, so the
    reading is shown, never silent. Numbers the date rule reads otherwise (20231208, a bare year) or refuses are
    not serials."""

    def __init__(self, headers: list[str], date_cols: list[int], date1904: bool) -> None:
        self.headers, self.cols, self.date1904 = headers, date_cols, date1904
        self.seen: dict[int, list] = {}          # column -> [count, first Excel row, value, date]

    def add(self, chunk, vals) -> None:
        if not self.cols:
            return
        from importers.clean import parse_cell_date, read_as_serial  # noqa: PLC0415
        for c in self.cols:
            for r, v in zip(chunk, vals, strict=True):
                x = v[c] if c < len(v) else None
                if not read_as_serial(x):
                    continue
                try:
                    day = parse_cell_date(x, datemode_1904=self.date1904)
                except ValueError:
                    continue                     # an error on its row already (a bare year among them)
                if day is None:
                    continue
                got = self.seen.get(c)
                if got is None:
                    self.seen[c] = [1, r.excel_row, x, day]
                else:
                    got[0] += 1

    def issues(self) -> list[Issue]:
        from importers.clean import clean_text  # noqa: PLC0415
        return [Issue(None, self.headers[c], W_SERIALS.format(column=self.headers[c], n=n, row=row,
                                                              value=clean_text(value), day=day.isoformat()),
                      "warning", "date_serial") for c, (n, row, value, day) in sorted(self.seen.items())]

