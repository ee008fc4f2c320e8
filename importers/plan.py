"""An import plan: what a file would do to the ledger, worked out before anything is written.

``build_plan`` reads the file (importers.read), maps its columns, cleans the
values, matches each row to a firm and says, row by row, what would happen:
``new``, ``update`` (with before/after), ``unchanged`` or ``error``, with the
problems a person should see (Excel row, column, Chinese message). Nothing is
written; ``commit_plan`` (importers.commit) writes a plan in one transaction.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from importers.errors import InputError


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


@dataclass(slots=True)
class PlanRow:
    excel_row: int
    status: str                  # 'new' | 'update' | 'unchanged' | 'error'
    firm_id: int | None
    code: str | None
    name: str
    values: dict                 # cleaned field values by field key
    changes: dict                # field -> (before, after) for updates (a rename: name -> (old, new))
    designation: dict | None     # {'stage', 'start', 'end', 'evidence', 'list_name'}
    issues: list
    raw: list                    # the row's cells as they were, for the error report
    include: bool = True         # False for errors; a person may untick warning rows in the wizard
    designations: list = field(default_factory=list)   # all designations the row adds (roster: one per stage column)
    code_status: str = "ok"      # how the code checked: ok, bad_check, invalid, no_code
    review: bool = False         # matched by name only / created without a code: flag needs_review


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
    rows: list = field(default_factory=list)
    skipped: list = field(default_factory=list)        # (excel_row, why)
    file_issues: list = field(default_factory=list)
    list_name: str = ""
    audit_mark: int = 0          # the ledger's last audit id when planned: commit refuses a stale plan
    stage_name: str | None = None

    # the summary -------------------------------------------------------
    def issues(self):
        yield from self.file_issues
        for r in self.rows:
            yield from r.issues

    def counts(self) -> dict:
        c = {"rows": len(self.rows), "created": 0, "updated": 0, "unchanged": 0, "skipped": len(self.skipped),
             "errors": 0, "warnings": 0}
        for r in self.rows:
            if r.status == "error":
                pass
            elif not r.include:
                c["skipped"] += 1
            elif r.status == "new":
                c["created"] += 1
            elif r.status == "update":
                c["updated"] += 1
            else:
                c["unchanged"] += 1
        for i in self.issues():
            c["errors" if i.level == "error" else "warnings"] += 1
        return c

    def summary(self, batch: int | None = None) -> dict:
        """Exactly the `import --json` object of the command-line contract."""
        c = self.counts()
        errors, warnings = [], []
        for i in self.issues():
            (errors if i.level == "error" else warnings).append(i.as_json())
        return {"batch": batch, "kind": self.kind, "stage": self.stage, "rows": c["rows"], "created": c["created"],
                "updated": c["updated"], "unchanged": c["unchanged"], "skipped": c["skipped"],
                "errors": errors, "warnings": warnings}

    def error_rows(self) -> list:
        return [r for r in self.rows if r.issues]


def build_plan(ledger, path, *, kind=None, stage=None, on_date=None, sheet=None, overrides: dict | None = None,
               header_row: int | None = None, progress=None, cancel=None) -> ImportPlan:
    """Read *path* and work out what importing it would do. Reads nothing into the ledger."""
    return _Planner(ledger, Path(path), kind=kind, stage=stage, on_date=on_date, sheet=sheet, overrides=overrides,
                   header_row=header_row, progress=progress, cancel=cancel).run()


def commit_plan(ledger, plan: ImportPlan, *, progress=None, cancel=None) -> int:
    """Write *plan* in one transaction as one batch; returns the batch id. Cancelled leaves the ledger unchanged."""
    from importers.commit import commit  # noqa: PLC0415
    return commit(ledger, plan, progress=progress, cancel=cancel)


__all__ = ["Cancelled", "Issue", "PlanRow", "ImportPlan", "build_plan", "commit_plan", "InputError"]


# ---------------------------------------------------------------- planning
# field key -> how its cells are cleaned
TEXT_FIELDS = ("industry", "officer", "contact_person", "contact_phone", "remark", "cert_no", "list_name",
               "former_name")
DATE_FIELDS = ("founded", "date", "expires")
FIRM_FIELDS = ("street", "industry", "officer", "contact_person", "contact_phone", "founded", "reg_capital", "revenue",
               "rd_spend", "employees", "remark")
CHUNK = 5000

MSG_KIND = "--as 应为 roster（企业台账）或 designation（认定名单），而不是“{kind}”"
MSG_STAGE = "未知的认定类别“{stage}”，可用：{names}"
MSG_NEED_STAGE = "这是认定名单，但从标题和表头都无法判断认定类别，请用 --stage 指定（可用：{names}）"
MSG_NEED_DATE = "认定名单中没有认定日期列（如“认定日期”“发证日期”），请用 --date YYYY-MM-DD 指定认定日期"
MSG_NO_NAME = "找不到企业名称列（如“企业名称”“单位名称”“公司名称”），表头为：{headers}"
MSG_MAP_HEADER = "--map 中的表头“{header}”不在文件中；文件的表头为：{headers}"
MSG_NO_ROWS = "只有表头（第 {row} 行），没有数据行"
W_HIDDEN = "该行在 Excel 中被隐藏，仍按数据导入，请核对"
W_BAD_CHECK = "{problem}；代码仍可使用，请核对"
W_INVALID_MATCHED = "统一社会信用代码无效（{problem}），已按企业名称匹配到台账中的“{name}”，请核对"
E_INVALID = "统一社会信用代码无效：{problem}；台账中也没有同名企业，无法导入"
W_NAME_MATCH = "没有统一社会信用代码，按企业名称匹配到台账中的“{name}”，已标记待核实"
W_NO_CODE_NEW = "没有统一社会信用代码，台账中也没有同名企业，将新建并标记待核实"
E_AMBIGUOUS = "没有可用的统一社会信用代码，台账中有 {n} 家企业叫这个名字（{names}），无法确定是哪一家"
W_SAME_NAME = "台账中已有同名企业“{name}”（代码 {code}），与本行代码不同，将新建企业，请核对是否为同一企业"
W_NEAR = "台账中有名称相近的企业“{name}”，未合并，请核对是否为同一企业"
W_DUP = "与第 {first} 行是同一企业（{name}），只导入一次（以第 {first} 行为准）{diff}"
E_DELETED = "该企业（{name}）在回收站中，请先恢复后再导入"
E_NO_NAME = "企业名称为空"
W_STREET = "街道“{value}”不在街道目录中，未填入"
W_STAGE = "“{value}”不是已知的认定类别，已忽略"
E_NO_ROW_DATE = "缺少认定日期"
W_OLD_NAME = "名单使用的是该企业的曾用名，台账中的现名“{name}”保持不变"
W_STAGE_DATE = "“{column}”列没有对应的认定日期，按 {day} 记为认定日期"


def _unquote(v):
    """CSV only: our exports write text that starts with = + - @ behind an apostrophe (so Excel shows text);
    the apostrophe goes again on re-import."""
    if type(v) is str and len(v) > 1 and v[0] == "'" and v[1] in "=+-@":
        return v[1:]
    return v


def _clean_fn(field, catalog, streets, date1904, csv=False):
    from importers import clean  # noqa: PLC0415
    if field in TEXT_FIELDS:
        if csv:
            return (lambda v: clean.clean_text(_unquote(v)) or None), True, None
        return (lambda v: clean.clean_text(v) or None), True, None
    if field in DATE_FIELDS:
        return (lambda v: clean.parse_date(v, datemode_1904=date1904)), True, "bad_date"
    if field in ("reg_capital", "revenue", "rd_spend"):
        return clean.parse_number, False, "bad_number"
    if field == "employees":
        return clean.parse_int, False, "bad_number"
    if field == "street":
        def street(v):
            hit = clean.match_street(v, streets)
            if hit is None and clean.clean_text(v):
                raise ValueError(W_STREET.format(value=clean.clean_text(v)))
            return hit
        return street, True, "unknown_street"
    return None, False, None


def _same(old, new) -> bool:
    if isinstance(new, date):
        return old == new.isoformat()
    if isinstance(new, float) and isinstance(old, (int, float)):
        return abs(old - new) <= 1e-9 * max(1.0, abs(new))
    return old == new


class _Planner:
    def __init__(self, ledger, path: Path, *, kind, stage, on_date, sheet, overrides, header_row, progress, cancel):
        self.ledger, self.conn, self.path = ledger, ledger.conn, path
        self.catalog = ledger.catalog()
        self.streets = [n for _, n in ledger.streets()]
        self.kind_arg, self.stage_arg, self.on_date = kind, stage, on_date
        self.sheet, self.overrides, self.header_row_arg = sheet, overrides or {}, header_row
        self.progress, self.cancel = progress, cancel

    # the file ----------------------------------------------------------
    def run(self) -> ImportPlan:
        from importers import mapping_store  # noqa: PLC0415
        from importers.guess import guess_kind, stage_columns, stage_in_text  # noqa: PLC0415
        from importers.mapping import guess_mapping, normalize_header  # noqa: PLC0415
        from importers.read import open_table, open_table_at  # noqa: PLC0415
        if self.kind_arg not in (None, "roster", "designation"):
            raise InputError(MSG_KIND.format(kind=self.kind_arg))
        stage_obj = None
        if self.stage_arg:
            stage_obj = self.catalog.find(self.stage_arg)
            if stage_obj is None:
                raise InputError(MSG_STAGE.format(stage=self.stage_arg, names=self._stage_names()))
        if self.header_row_arg:
            table = open_table_at(self.path, sheet=self.sheet, header_row=self.header_row_arg)
        else:
            table = open_table(self.path, sheet=self.sheet)
        self.table = table
        file = getattr(table, "file", None) or self.path.name
        headers = [str(h or "") for h in table.headers]
        title = getattr(table, "title", "") or ""
        mapping = mapping_store.recall(self.conn, headers) or guess_mapping(headers)
        if self.overrides:
            norm = {normalize_header(h): i for i, h in enumerate(headers)}
            for header, field_key in self.overrides.items():
                col = norm.get(normalize_header(header))
                if col is None:
                    raise InputError(MSG_MAP_HEADER.format(header=header, headers="、".join(headers)), file=file)
                mapping = {i: f for i, f in mapping.items() if f != field_key or not field_key}
                mapping.pop(col, None)
                if field_key:
                    mapping[col] = field_key
        mapping = dict(sorted(mapping.items()))
        if "name" not in mapping.values():
            raise InputError(MSG_NO_NAME.format(headers="、".join(h for h in headers if h) or "（无）"), file=file,
                             sheet=getattr(table, "sheet", None))
        work = dict(mapping)
        groups = stage_columns(self.catalog, headers, work)
        if self.kind_arg:
            kind, guessed = self.kind_arg, False
            title_stage = stage_in_text(self.catalog, title) if kind == "designation" else None
            reason = f"按 --as {kind} 导入"
        else:
            kind, title_stage, reason = guess_kind(self.catalog, title, headers, work)
            guessed = True
        self.by_field = {f: i for i, f in work.items()}
        if kind == "designation":
            stage_obj = stage_obj or title_stage
            if stage_obj is None and not groups:
                raise InputError(MSG_NEED_STAGE.format(names=self._stage_names()), file=file)
            if "date" not in self.by_field and self.on_date is None:
                raise InputError(MSG_NEED_DATE, file=file)
        plan = ImportPlan(
            path=self.path, file=file, sheet=getattr(table, "sheet", "") or "", sha256=_sha256(self.path),
            title=title, header_row=getattr(table, "header_row", 0), headers=headers, mapping=mapping, kind=kind,
            kind_guessed=guessed, kind_reason=reason, stage=stage_obj.key if stage_obj else None, on_date=self.on_date,
            list_name=title or self.path.stem, stage_name=stage_obj.name if stage_obj else None,
            audit_mark=self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM audit").fetchone()[0])
        self.plan, self.groups, self.work = plan, groups, work
        self.stage_obj = stage_obj
        self._prepare(plan)
        self._rows(plan)
        plan.skipped = list(getattr(table, "skipped", []) or [])
        if not plan.rows:
            raise InputError(MSG_NO_ROWS.format(row=plan.header_row), file=file, sheet=plan.sheet or None)
        return plan

    def _stage_names(self) -> str:
        return "、".join(s.name for s in self.catalog.stages)

    def _prepare(self, plan) -> None:
        from importers.match import NearMatcher  # noqa: PLC0415
        date1904 = bool(getattr(self.table, "date1904", False))
        self.csv = getattr(self.table, "kind", "") == "csv"
        self.cleaners = []
        for col, f in self.work.items():
            if f in ("name", "code"):
                continue
            fn, cached, code = _clean_fn(f, self.catalog, self.streets, date1904, self.csv)
            if fn is not None:
                self.cleaners.append((col, f, fn, cached, code))
        for g in self.groups:
            for key in ("date_col", "expires_col"):
                if g[key] is not None and all(c[0] != g[key] for c in self.cleaners):
                    fn, cached, code = _clean_fn("date", self.catalog, self.streets, date1904)
                    self.cleaners.append((g[key], f"_d{g[key]}", fn, cached, code))
        self.seen: dict[str, int] = {}
        self.first_values: dict[int, dict] = {}
        self.near = NearMatcher(self.conn)
        self.today = date.today()
        self.ref_day = self.on_date or self.today
        self.stage_cache: dict = {}
        self.stage_day_warned = False
        for g in self.groups:
            if self.plan.kind == "roster" and g["date_col"] is None and self.on_date is None:
                plan.file_issues.append(Issue(None, plan.headers[g["col"]], W_STAGE_DATE.format(
                    column=plan.headers[g["col"]], day=self.today.isoformat()), "warning", "no_stage_date"))

    def _rows(self, plan) -> None:
        total = getattr(self.table, "row_count_hint", None)
        done = 0
        for chunk in self.table.iter_rows(CHUNK):
            if self.cancel and self.cancel():
                raise Cancelled()
            self._chunk(plan, chunk)
            done += len(chunk)
            if self.progress:
                self.progress(done, total)

    # one chunk of rows -------------------------------------------------
    def _clean(self, vals):
        """Clean every mapped column of the chunk at once: {field: [values]}, {row index: [Issue]}."""
        cols, errs = {}, {}
        headers = self.plan.headers
        for col, f, fn, cached, code in self.cleaners:
            out = []
            cache: dict = {}
            append = out.append
            for j, v in enumerate(vals):
                x = v[col] if col < len(v) else None
                if x is None or x == "":
                    append(None)
                    continue
                try:
                    if cached:
                        try:
                            y = cache[x]
                        except KeyError:
                            try:
                                y = cache[x] = fn(x)
                            except ValueError as exc:
                                y = cache[x] = exc
                        if type(y) is ValueError:
                            raise y
                    else:
                        y = fn(x)
                except ValueError as exc:
                    errs.setdefault(j, []).append(Issue(None, headers[col], str(exc), "warning", code))
                    y = None
                append(y)
            cols[f] = out
        return cols, errs

    def _chunk(self, plan: ImportPlan, chunk) -> None:
        from importers.clean import clean_name  # noqa: PLC0415
        from importers.match import aliases_of, check_codes, firms_by_code, firms_by_name, holdings, normalize_code  # noqa: PLC0415
        from pipeline.names import name_key  # noqa: PLC0415
        vals = [r.values for r in chunk]
        ni, ci = self.by_field["name"], self.by_field.get("code")
        names = [clean_name(_unquote(v[ni]) if self.csv else v[ni]) if ni < len(v) else "" for v in vals]
        if ci is None:
            codes = [""] * len(vals)
        else:
            codes = [normalize_code(v[ci]) if ci < len(v) and v[ci] not in (None, "") else "" for v in vals]
        checks = check_codes(codes)
        keys = [name_key(x) for x in names]
        cols, errs = self._clean(vals)
        fields = [f for f in cols if not f.startswith("_d")]
        by_code = firms_by_code(self.conn, [c for c, (st, _) in zip(codes, checks) if st in ("ok", "bad_check")])
        need = [k for k, c, (st, _) in zip(keys, codes, checks) if st not in ("ok", "bad_check") or c not in by_code]
        by_name = firms_by_name(self.conn, need)
        firm_ids = {f["id"] for f in by_code.values()} | {f["id"] for fs in by_name.values() for f in fs}
        held = holdings(self.conn, firm_ids) if (self.groups or plan.kind == "designation") and firm_ids else {}
        renamed = [f["id"] for c, k in zip(codes, keys) if (f := by_code.get(c)) is not None and f["name_key"] != k]
        aliases = aliases_of(self.conn, renamed) if renamed else {}
        columns = [cols[f] for f in fields]
        for j, raw in enumerate(chunk):
            values = dict(zip(fields, [c[j] for c in columns]))
            issues = errs.get(j, [])
            er = raw.excel_row
            for i in issues:
                i.row = er
            row = self._row(plan, j, er, raw, names[j], keys[j], codes[j], checks[j], values, issues, by_code, by_name,
                            held, aliases, cols)
            plan.rows.append(row)

    def _row(self, plan, j, er, raw, name, key, code, check, values, issues, by_code, by_name, held, aliases, cols):
        status, problems = check
        col_name = plan.headers[self.by_field["name"]]
        col_code = plan.headers[self.by_field["code"]] if "code" in self.by_field else None
        values["name"], values["code"] = name, code or None
        if getattr(raw, "hidden", False):
            issues.append(Issue(er, None, W_HIDDEN, "warning", "hidden_row"))
        firm, review, changes = None, False, {}

        def err(msg, column, c):
            issues.append(Issue(er, column, msg, "error", c))

        def warn(msg, column, c):
            issues.append(Issue(er, column, msg, "warning", c))

        if not name:
            err(E_NO_NAME, col_name, "no_name")
        elif status in ("ok", "bad_check"):
            firm = by_code.get(code)
            if status == "bad_check" and not (firm and firm["code_status"] == "accepted"):
                warn(W_BAD_CHECK.format(problem=problems[0] if problems else ""), col_code, "bad_check")
            if firm is None:
                same = by_name.get(key, [])
                if len(same) == 1 and not same[0]["code"]:
                    firm = same[0]          # the firm had no code: this list gives it one
                    changes["code"] = (None, code)
                    changes["code_status"] = (same[0]["code_status"], status)
                elif same:
                    warn(W_SAME_NAME.format(name=same[0]["name"], code=same[0]["code"]), col_name, "same_name")
        else:
            cands = by_name.get(key, [])
            if len(cands) > 1:
                err(E_AMBIGUOUS.format(n=len(cands), names="、".join(f"{c['name']}（{c['code'] or '无代码'}）"
                                                                    for c in cands[:3])), col_name, "ambiguous_name")
            elif status == "invalid":
                if cands:
                    firm, review = cands[0], True
                    warn(W_INVALID_MATCHED.format(problem=problems[0], name=firm["name"]), col_code, "invalid_code")
                else:
                    err(E_INVALID.format(problem=problems[0]), col_code, "invalid_code")
            elif cands:
                firm, review = cands[0], True
                warn(W_NAME_MATCH.format(name=firm["name"]), col_name, "no_code_name_match")
            else:
                review = True
                warn(W_NO_CODE_NEW, col_code or col_name, "no_code")
        if firm is not None and firm["deleted_at"]:
            err(E_DELETED.format(name=firm["name"]), col_name, "in_recycle_bin")
        dup_key = f"f{firm['id']}" if firm else (code if status in ("ok", "bad_check") else "n:" + key)
        first = self.seen.get(dup_key)
        usable_code = code if status in ("ok", "bad_check") else None
        if first is not None and name:
            before = self.first_values.get(first, {})
            diff = [plan.headers[self.by_field[f]] for f, v in values.items()
                    if f in self.by_field and v is not None and before.get(f) is not None and not _same_value(before[f], v)]
            warn(W_DUP.format(first=first, name=name, diff=f"；两行的“{'”“'.join(diff)}”不同" if diff else ""),
                 col_code or col_name, "dup_in_file")
            return PlanRow(er, "unchanged", firm["id"] if firm else None, usable_code, name, values, {}, None, issues,
                           raw.values, True, [], status, review)
        if name:
            self.seen[dup_key] = er
            self.first_values[er] = values
        if issues and any(i.level == "error" for i in issues):
            return PlanRow(er, "error", firm["id"] if firm else None, usable_code or code or None, name, values, {},
                           None, issues, raw.values, False, [], status, review)
        if firm is None and self._ledger_has_firms() and not any(i.code == "same_name" for i in issues):
            near = self.near.suggest(name)
            if near:
                warn(W_NEAR.format(name=near[1]), col_name, "near_match")
        if firm is not None:
            if key != firm["name_key"] and "code" not in changes:
                if key in aliases.get(firm["id"], ()):
                    warn(W_OLD_NAME.format(name=firm["name"]), col_name, "old_name")
                else:
                    changes["name"] = (firm["name"], name)
            for f in FIRM_FIELDS:
                v = values.get(f)
                if v is not None and not _same(firm[f], v):
                    changes[f] = (firm[f], v)
            if review and not firm["needs_review"]:
                changes["needs_review"] = (0, 1)
        designations = self._designations(plan, j, er, raw, values, firm, held, cols, issues)
        if issues and any(i.level == "error" for i in issues):
            return PlanRow(er, "error", firm["id"] if firm else None, usable_code or code or None, name, values, {},
                           None, issues, raw.values, False, [], status, review)
        row_status = "new" if firm is None else "update" if changes or designations else "unchanged"
        return PlanRow(er, row_status, firm["id"] if firm else None, usable_code or code or None, name, values, changes,
                       designations[0] if designations else None, issues, raw.values, True, designations,
                       status, review)

    def _ledger_has_firms(self) -> bool:
        if not hasattr(self, "_has_firms"):
            self._has_firms = self.conn.execute("SELECT EXISTS (SELECT 1 FROM firms)").fetchone()[0] == 1
        return self._has_firms

    # designations ------------------------------------------------------
    def _stages_in(self, cell) -> tuple[list, list[str]]:
        from importers.clean import clean_text  # noqa: PLC0415
        hit = self.stage_cache.get(cell)
        if hit is None:
            found, unknown = [], []
            for part in re.split(r"[、,，;；/\n]+", clean_text(cell)):
                part = part.strip()
                if not part:
                    continue
                s = self.catalog.find(part)
                (found.append(s) if s is not None else unknown.append(part))
            hit = self.stage_cache[cell] = (sorted(set(found), key=lambda s: s.level), unknown)
        return hit

    def _designations(self, plan, j, er, raw, values, firm, held, cols, issues) -> list[dict]:
        mine = held.get(firm["id"], ()) if firm else ()
        headers = plan.headers
        out = []

        def add(stage, start, end, evidence, list_name, lenient):
            s_iso = start.isoformat()
            for sid, st, en in mine:
                if sid == stage.id and (st == s_iso or (lenient and st <= s_iso and (en is None or en > s_iso))):
                    return
            out.append({"stage": stage.key, "start": start, "end": end, "evidence": evidence,
                        "list_name": list_name, "stage_name": stage.name})

        list_name = values.get("list_name") or plan.list_name
        if plan.kind == "designation":
            stages = [self.stage_obj] if self.stage_obj else []
            if not stages and self.groups:
                g = self.groups[0]
                cell = raw.values[g["col"]] if g["col"] < len(raw.values) else None
                stages, unknown = self._stages_in(cell) if cell not in (None, "") else ([], [])
                stages = stages[-1:]
                if not stages:
                    issues.append(Issue(er, headers[g["col"]], "缺少认定类别" if not unknown else
                                        W_STAGE.format(value="、".join(unknown)).replace("已忽略", "无法导入"),
                                        "error", "no_stage"))
                    return []
            start = values.get("date") or self.on_date
            if start is None:
                col = headers[self.by_field["date"]] if "date" in self.by_field else None
                issues.append(Issue(er, col, E_NO_ROW_DATE, "error", "no_date"))
                return []
            exp = values.get("expires")
            end = exp + timedelta(days=1) if exp else None
            if end is not None and end <= start:
                end = None
            add(stages[0], start, end, values.get("cert_no"), list_name, False)
            return out
        for g in self.groups:
            cell = raw.values[g["col"]] if g["col"] < len(raw.values) else None
            if cell in (None, ""):
                continue
            stages, unknown = self._stages_in(cell)
            if unknown:
                issues.append(Issue(er, headers[g["col"]], W_STAGE.format(value="、".join(unknown)), "warning",
                                    "unknown_stage"))
            if not stages:
                continue
            gdate = self._col_value(cols, g["date_col"], j)
            gexp = self._col_value(cols, g["expires_col"], j)
            top = stages[-1]
            for s in stages:
                start = gdate if (s is top and gdate) else self.ref_day
                end = gexp + timedelta(days=1) if (s is top and gexp and gexp >= start) else None
                add(s, start, end, values.get("cert_no") if len(self.groups) == 1 else None, list_name, True)
        return out

    def _col_value(self, cols, col, j):
        if col is None:
            return None
        f = self.work.get(col) if col in self.work and self.work[col] in cols else f"_d{col}"
        c = cols.get(f)
        return c[j] if c else None


def _same_value(a, b) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and abs(a - b) < 1e-9)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
