"""An import plan: what a file would do to the ledger, worked out before anything is written.

``build_plan`` reads the file (importers.read), maps its columns, cleans the
values, matches each row to a firm and says, row by row, what would happen:
``new``, ``update`` (with before/after), ``unchanged`` or ``error``, with the
problems a person should see (Excel row, column, Chinese message). Nothing is
written; ``commit_plan`` (importers.commit) writes a plan in one transaction.

The rows are kept column by column (``RowStore``): one list or array per
field, with the rarer parts (issues, changes, several designations, the raw
cells) in dicts keyed by row index. ``plan.rows`` is a sequence of
``PlanRow`` views over that store, so the preview and the tests read a row as
before, while a million-row plan costs about what its cleaned cells cost.
The raw cells of a row are kept only where they are needed: rows with a
problem (the error report) and the first ``RAW_HEAD`` rows (the wizard's
samples); ``PlanRow.raw`` is None elsewhere.
"""
from __future__ import annotations

import gc
import time
from array import array
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from importers.errors import InputError
from importers.errors import skip_counts as _skip_counts

STATUSES = ("new", "update", "unchanged", "error")
NEW, UPDATE, UNCHANGED, ERROR = range(4)
CODE_STATUSES = ("ok", "bad_check", "invalid", "no_code", "accepted")
USABLE_CODES = ("ok", "bad_check", "accepted")     # a code the ledger keeps (accepted: a bad check digit confirmed)
_CODE_INDEX = {s: i for i, s in enumerate(CODE_STATUSES)}
RAW_HEAD = 20


LEFT_NEW = "台账中没有这家企业；按“只导入台账中已有的企业”未导入"
LEFT_DISTRICT = "“{column}”为“{value}”，不是{keep}；按“只导入{keep}的企业”未导入"
LEFT_NO_DISTRICT = "“{column}”为空，不知是否{keep}的企业；按“只导入{keep}的企业”未导入"
SKIP_CHOSEN = "按选择未导入"          # skipped_by: rows left out by a choice or unticked, not as non-data
MSG_NO_DISTRICT_COLUMN = "名单中没有“所在区”“所在市州”“省份”一类的列，也没有按区分组，无法按地区筛选"
MSG_NO_SUCH_DISTRICT = "名单的“{column}”列中没有“{keep}”；名单中的地区有：{named}"


@contextmanager
def gc_paused():
    """The garbage collector paused for a stretch of an import (the planner's rows, the commit), resumed after if it
    ran before. A plan holds millions of objects and no reference cycles: each full pass of the collector walked all
    of them and found nothing. Measured on a 100k-row list: the commit's two full passes and its fifty partial ones
    took 0.3 s (a tenth of the write), the planner's seven a fifth of the planning; a full pass grows with the
    objects alive, so more on larger lists. Process-wide, as the collector is."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


class Cancelled(Exception):
    """The person cancelled; nothing was written."""

    def __init__(self, message: str = "已取消，台账未改动") -> None:
        super().__init__(message)


@dataclass(slots=True)
class Issue:
    row: int | None
    column: str | None
    message: str        # Chinese; row = the Excel row number a person sees
    level: str          # 'error' | 'warning'
    code: str           # machine key: bad_check, no_code_name_match, near_match, dup_in_file, ...

    def as_json(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


# warnings telling what a row will write ("将新建并标记待核实"): not said of an error row, which writes nothing
PROMISES = frozenset({"no_code", "same_name"})


def not_written(issues: list) -> list:
    """A row's issues once it is an error (it is not imported): without the warnings promising what it would write
    (a row refused for another reason said both 将新建 and 本行不导入: found on the shared ledger's walkthrough)."""
    return [i for i in issues if i.code not in PROMISES] if any(i.code in PROMISES for i in issues) else issues


class RowStore:
    """The plan's rows, column by column."""

    def __init__(self, fields: list[str]) -> None:
        self.fields = fields                          # cleaned value columns, in ``PlanRow.values`` order
        self.cols: dict[str, list] = {f: [] for f in fields}
        self.excel_row = array("l")
        self.status = bytearray()
        self.include = bytearray()
        self.firm_id = array("q")                     # 0: no firm (yet); commit fills in new firms' ids
        self.code: list = []                          # the code the ledger gets (None when not usable)
        self.vcode: list = []                         # the normalised code as read (values["code"])
        self.name: list = []
        self.key: list = []                           # pipeline.names.name_key of each name (planner fills it)
        self.code_status = bytearray()
        self.review = bytearray()
        self.issues: dict[int, list] = {}
        self.changes: dict[int, dict] = {}
        self.des: list = []                           # None or the row's first designation as a tuple
        self.more_des: dict[int, list] = {}           # index -> every designation, for rows with several
        self.raw: dict[int, list] = {}

    def __len__(self) -> int:
        return len(self.status)

    def add(self, excel_row, status, firm_id, code, name, issues, raw, include, designations, code_status, review,
            changes, vcode) -> None:
        if status == ERROR and issues:
            issues = not_written(issues)
        i = len(self.status)
        self.excel_row.append(excel_row)
        self.status.append(status)
        self.include.append(include)
        self.firm_id.append(firm_id or 0)
        self.code.append(code)
        self.vcode.append(vcode)
        self.name.append(name)
        self.code_status.append(_CODE_INDEX[code_status])
        self.review.append(review)
        if issues:
            self.issues[i] = issues
        if issues or i < RAW_HEAD:
            self.raw[i] = raw
        if changes:
            self.changes[i] = changes
        if designations:
            self.des.append(designations[0])
            if len(designations) > 1:
                self.more_des[i] = designations
        else:
            self.des.append(None)

    def values(self, i: int) -> dict:
        out = {f: self.cols[f][i] for f in self.fields}
        out["name"], out["code"] = self.name[i], self.vcode[i]
        return out

    def designations(self, i: int) -> list:
        d = self.more_des.get(i)
        if d is not None:
            return [_des_dict(x) for x in d]
        d = self.des[i]
        return [_des_dict(d)] if d is not None else []


_HIGHER = "省市州盟"         # the levels written before a district ("湖北省武汉市武昌区")


def same_place(written: str, keep: str) -> bool:
    """Whether a list's district cell names the place *keep* (``--district``): spaces dropped, the 区/县/市 ending
    optional (武昌 is 武昌区), a province or city before it allowed (湖北省武汉市武昌区). It was compared as
    written, so the district's own rows written so were left out as "不是武昌区" (found by an outside attack)."""
    w, k = "".join(written.split()), "".join(keep.split())
    if w == k:
        return True

    def base(x: str) -> str:
        return x[:-1] if len(x) > 2 and x[-1] in "区县市" else x
    if base(w) == base(k):              # one written without its ending; two different endings are two places
        return w == base(w) or k == base(k)     # (长沙县 is not 长沙市, 南昌县 not 南昌市)
    for long, short in ((w, k), (k, w)):
        for part in (short, base(short)):
            if part != short and long[-1:] in "区县市":
                continue                # 湖南省长沙市 does not end in 长沙 written as 长沙县
            if len(part) >= 2 and long.endswith(part) and len(long) > len(part) and long[-len(part) - 1] in _HIGHER:
                return True
    return False


def _des_dict(d: tuple) -> dict:
    stage, start, end, evidence, list_name, stage_name = d
    return {"stage": stage, "start": start, "end": end, "evidence": evidence, "list_name": list_name,
            "stage_name": stage_name}


class PlanRow:
    """One row of a plan: a view over the plan's ``RowStore`` (``include`` and ``firm_id`` write through)."""
    __slots__ = ("_s", "_i")

    def __init__(self, store: RowStore, i: int) -> None:
        self._s, self._i = store, i

    excel_row = property(lambda self: self._s.excel_row[self._i])
    status = property(lambda self: STATUSES[self._s.status[self._i]])
    code = property(lambda self: self._s.code[self._i])
    name = property(lambda self: self._s.name[self._i])
    code_status = property(lambda self: CODE_STATUSES[self._s.code_status[self._i]])
    review = property(lambda self: bool(self._s.review[self._i]))
    issues = property(lambda self: self._s.issues.get(self._i, []))
    changes = property(lambda self: self._s.changes.get(self._i, {}))
    raw = property(lambda self: self._s.raw.get(self._i))
    values = property(lambda self: self._s.values(self._i))
    designations = property(lambda self: self._s.designations(self._i))

    @property
    def designation(self) -> dict | None:
        d = self._s.des[self._i]
        return _des_dict(d) if d is not None else None

    @property
    def firm_id(self) -> int | None:
        return self._s.firm_id[self._i] or None

    @firm_id.setter
    def firm_id(self, value: int | None) -> None:
        self._s.firm_id[self._i] = value or 0

    @property
    def include(self) -> bool:
        return bool(self._s.include[self._i])

    @include.setter
    def include(self, value: bool) -> None:
        self._s.include[self._i] = bool(value)

    def __repr__(self) -> str:
        return f"PlanRow(excel_row={self.excel_row}, status={self.status!r}, name={self.name!r})"


class RowList:
    """``plan.rows``: a read-only sequence of ``PlanRow`` views."""
    __slots__ = ("_s",)

    def __init__(self, store: RowStore) -> None:
        self._s = store

    def __len__(self) -> int:
        return len(self._s)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [PlanRow(self._s, j) for j in range(*i.indices(len(self._s)))]
        n = len(self._s)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        return PlanRow(self._s, i)

    def __iter__(self):
        s = self._s
        return (PlanRow(s, j) for j in range(len(s)))

    def __bool__(self) -> bool:
        return len(self._s) > 0


@dataclass
class ImportPlan:
    path: Path
    file: str
    sheet: str
    sha256: str
    title: str
    header_row: int
    headers: list
    mapping: dict                # column index -> field key
    kind: str                    # 'roster' | 'designation'
    kind_guessed: bool
    kind_reason: str
    stage: str | None            # stage key for a designation list
    on_date: date | None
    store: RowStore = field(default_factory=lambda: RowStore([]))
    skipped: list = field(default_factory=list)        # (excel_row, why): rows provably not data
    notes: list = field(default_factory=list)          # the note texts found below (or inside) the list
    note_rows: dict = field(default_factory=dict)      # Excel row -> note text, for the skipped note rows
    file_issues: list = field(default_factory=list)
    list_name: str = ""
    audit_mark: int = 0          # the ledger's last audit id when planned: commit refuses a stale plan
    audit_snapshot: str | None = None  # shared ledger: the server's snapshot with the mark (db/plan_staleness)
    stage_name: str | None = None
    district_column: str = ""    # a column naming each row's district (infer.Districts), "" when none
    districts: dict = field(default_factory=dict)      # district ("" blank) -> array of its Excel rows
    left_out: dict = field(default_factory=dict)       # Excel row -> why a choice left it out (``leave_out``)

    @property
    def rows(self) -> RowList:
        return RowList(self.store)

    # the summary -------------------------------------------------------
    def issues(self):
        yield from self.file_issues
        for i in sorted(self.store.issues):
            yield from self.store.issues[i]

    def lands(self) -> bool:
        """Whether any row would be written or recorded (not an error, ticked): a plan where none would is not
        committed (an all-error list made an empty batch, said 已导入 and exited 0: found by an outside attack)."""
        s = self.store
        return any(st != ERROR and inc for st, inc in zip(bytes(s.status), bytes(s.include), strict=True))

    def counts(self) -> dict:
        s = self.store
        c = {"rows": len(s), "created": 0, "updated": 0, "unchanged": 0, "skipped": len(self.skipped),
             "errors": 0, "warnings": 0}
        st, inc = bytes(s.status), bytes(s.include)
        if inc.count(0):
            for status, include in zip(st, inc, strict=True):
                if status != ERROR and not include:
                    c["skipped"] += 1
            live = bytes(x if y else ERROR for x, y in zip(st, inc, strict=True))
        else:
            live = st
        c["created"], c["updated"], c["unchanged"] = live.count(NEW), live.count(UPDATE), live.count(UNCHANGED)
        for i in self.issues():
            c["errors" if i.level == "error" else "warnings"] += 1
        return c

    def skip_counts(self) -> dict[str, int]:
        """{category: rows} of the rows skipped as not data (空行, 重复的表头行, 分组标题行, 表格下方的说明 …)."""
        return _skip_counts(self.skipped)

    # rows left out by a choice, each with its reason --------------------
    def new_firm_rows(self) -> list[int]:
        """The rows that would create a firm the ledger does not hold, and the later rows of such a firm listed
        again (matched to no firm: it is created from its first row), so that ``leave_out`` of these imports only
        the ledger's own firms (a province's list: most of its firms are not this district's)."""
        s = self.store
        return [i for i, (st, fid) in enumerate(zip(bytes(s.status), s.firm_id, strict=True))
                if st == NEW or st == UNCHANGED and not fid]

    def other_district_rows(self, keep: str) -> list[int]:
        """The rows whose district column does not name *keep* (a blank cell included: not known to be *keep*).
        Refused with the districts the list names when it has no such column or never names *keep*."""
        if not self.district_column:
            raise InputError(MSG_NO_DISTRICT_COLUMN, file=self.file)
        same = [d for d in self.districts if d and same_place(d, keep)]
        if not same or not keep:
            named = "、".join(d for d in self.districts if d) or "（都为空）"
            raise InputError(MSG_NO_SUCH_DISTRICT.format(keep=keep, column=self.district_column, named=named),
                             file=self.file)
        mine = {er for d in same for er in self.districts[d]}
        return [i for i, er in enumerate(self.store.excel_row) if er not in mine]

    def leave_out(self, indices, why) -> int:
        """Untick the rows at *indices* (an error row stays as it is) and say why, row by row, in the summary and
        the error report; *why* is a text or a function of the row's index giving one. Returns how many rows it
        unticked. A row ticked again (the preview) is imported and no longer listed."""
        s, n = self.store, 0
        for i in indices:
            if s.status[i] != ERROR and s.include[i]:
                s.include[i] = 0
                self.left_out[s.excel_row[i]] = why(i) if callable(why) else why
                n += 1
        return n

    def keep_district(self, keep: str) -> int:
        """只导入*keep*的企业 (``--district``): leave out the other places' rows. The warning that the list names
        several places, which asks for this choice, is dropped once it is made (it went on suggesting --district)."""
        n = self.leave_out(self.other_district_rows(keep), self.district_of(keep))
        self.file_issues = [i for i in self.file_issues if i.code != "several_districts"]
        return n

    def left_out_rows(self) -> list[tuple[int, str]]:
        """(Excel row, why) of the rows a choice left out that are still unticked, in row order."""
        if not self.left_out:
            return []
        s = self.store
        at = {er: i for i, er in enumerate(s.excel_row)}
        return sorted((er, why) for er, why in self.left_out.items() if not s.include[at[er]])

    def district_of(self, keep: str):
        """A function of a row's index giving why ``other_district_rows(keep)`` left it out."""
        where = {er: d for d, rows in self.districts.items() for er in rows}
        column, rows = self.district_column, self.store.excel_row

        def why(i: int) -> str:
            d = where.get(rows[i], "")
            return LEFT_DISTRICT.format(column=column, value=d, keep=keep) if d else \
                LEFT_NO_DISTRICT.format(column=column, keep=keep)
        return why

    def unticked(self) -> int:
        """Rows a person unticked in the preview (not errors)."""
        s = self.store
        return sum(1 for st, inc in zip(bytes(s.status), bytes(s.include), strict=True) if st != ERROR and not inc)

    def summary(self, batch: int | None = None) -> dict:
        """Exactly the `import --json` object of the command-line contract: the counts, every error and
        warning, and every skipped row with its reason (``skipped_by`` sums them by category)."""
        c = self.counts()
        errors: list[dict] = []
        warnings: list[dict] = []
        for i in self.issues():
            (errors if i.level == "error" else warnings).append(i.as_json())
        by = self.skip_counts()
        chosen = c["skipped"] - len(self.skipped)      # left out by a choice (--only-known, --district, unticked)
        if chosen:
            by[SKIP_CHOSEN] = chosen                   # so the categories add up to "skipped"
        return {"batch": batch, "kind": self.kind, "stage": self.stage, "rows": c["rows"], "created": c["created"],
                "updated": c["updated"], "unchanged": c["unchanged"], "skipped": c["skipped"],
                "errors": errors, "warnings": warnings, "skipped_by": by,
                "skipped_rows": [{"row": r, "reason": why} for r, why in self.skipped],
                "left_out": [{"row": r, "reason": why} for r, why in self.left_out_rows()]}

    def error_rows(self) -> list:
        return [PlanRow(self.store, i) for i in sorted(self.store.issues)]


def build_plan(ledger, path, *, kind=None, stage=None, on_date=None, sheet=None, overrides: dict | None = None,
               header_row: int | None = None, progress=None, cancel=None, timings: dict | None = None,
               today: date | None = None) -> ImportPlan:
    """Read *path* and work out what importing it would do. Reads nothing into the ledger.
    ``today``: the day the import counts as today (a roster's undated designations start on it; a founding date
    after it is an error); the computer's date when not given.
    ``timings``: a dict that gets the seconds spent reading the file ("read") and on the rest ("plan")."""
    from importers.planner import Planner
    planner = Planner(ledger, Path(path), kind=kind, stage=stage, on_date=on_date, sheet=sheet, overrides=overrides,
                      header_row=header_row, progress=progress, cancel=cancel, today=today)
    if timings is None:
        return planner.run()
    start = time.perf_counter()
    planner.read_s = 0.0
    try:
        return planner.run()
    finally:
        timings["read"] = timings.get("read", 0.0) + planner.read_s
        timings["plan"] = timings.get("plan", 0.0) + time.perf_counter() - start - planner.read_s


MSG_NOTHING_LANDS = "没有可导入的行（{n} 行都有错误或已取消勾选），台账未改动"


def commit_plan(ledger, plan: ImportPlan, *, progress=None, cancel=None, remember_mapping: bool = False) -> int:
    """Write *plan* in one transaction as one batch; returns the batch id. Cancelled leaves the ledger unchanged.
    ``remember_mapping``: only when the person asked to remember the column mapping (importers.mapping_store).
    A plan of which no row lands is refused (InputError), nothing written."""
    from importers.commit import commit
    if not plan.lands():
        raise InputError(MSG_NOTHING_LANDS.format(n=len(plan.store)), file=plan.file)
    return commit(ledger, plan, progress=progress, cancel=cancel, remember_mapping=remember_mapping)


__all__ = ["Cancelled", "Issue", "PlanRow", "ImportPlan", "RowStore", "build_plan", "commit_plan", "InputError"]
