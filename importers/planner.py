"""Working out an import plan (``importers.plan.build_plan``): the file, its columns, then the rows chunk by chunk.

Per chunk of 5,000 rows: names, codes and every mapped column are cleaned a
column at a time (each distinct cell value once), codes are checked together
(importers.match), firms are looked up by code and by name in one query each,
and then each row is decided by ``importers.plan_rows``. The outcome goes into
the plan's column store (importers.plan.RowStore).
"""
from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from importers.errors import InputError
from importers.plan import Cancelled, ImportPlan, Issue, RowStore
from importers.plan_rows import decide_rows
from pipeline.fields import FIELD_LIST

# field key -> how its cells are cleaned
# derived from the one list of fields (pipeline.fields); name, code, street, stage and star have their own cleaning
TEXT_FIELDS = tuple(f.key for f in FIELD_LIST if f.kind == "text" and f.key not in ("name", "code", "street", "stage", "star"))
DATE_FIELDS = tuple(f.key for f in FIELD_LIST if f.kind == "date")
CHUNK = 5000

MSG_KIND = "--as 应为 roster（企业台账）或 designation（认定名单），而不是“{kind}”"
MSG_STAGE = "未知的认定类别“{stage}”，可用：{names}"
MSG_NEED_STAGE = "这是认定名单，但从标题和表头都无法判断认定类别，请用 --stage 指定（可用：{names}）"
MSG_NEED_DATE = "认定名单中没有认定日期列（如“认定日期”“发证日期”），请用 --date YYYY-MM-DD 指定认定日期"
MSG_NO_NAME = "找不到企业名称列（如“企业名称”“单位名称”“公司名称”），表头为：{headers}"
MSG_MAP_HEADER = "--map 中的表头“{header}”不在文件中；文件的表头为：{headers}"
MSG_NO_ROWS = "只有表头（第 {row} 行），没有数据行"
W_STREET = "街道“{value}”不在街道目录中，未填入"
W_STAGE_DATE = "“{column}”列没有对应的认定日期，按 {day} 记为认定日期"


def unquote(v):
    """CSV only: our exports write text that starts with = + - @ behind an apostrophe (so Excel shows text);
    the apostrophe goes again on re-import."""
    if type(v) is str and len(v) > 1 and v[0] == "'" and v[1] in "=+-@":
        return v[1:]
    return v


def _clean_fn(field, streets, date1904, csv=False):
    """(cleaner, distinct values only?, issue code) for a field; the cleaner raises ValueError with the message."""
    from importers import clean  # noqa: PLC0415
    if field in TEXT_FIELDS:
        if csv:
            return (lambda v: clean.clean_text(unquote(v)) or None), True, None
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


class Planner:
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
        if not len(plan.store):
            raise InputError(MSG_NO_ROWS.format(row=plan.header_row), file=file, sheet=plan.sheet or None)
        self.table = None               # the loaded sheet can go
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
            fn, distinct, code = _clean_fn(f, self.streets, date1904, self.csv)
            if fn is not None:
                self.cleaners.append((col, f, fn, distinct, code))
        for g in self.groups:
            for key in ("date_col", "expires_col"):
                if g[key] is not None and all(c[0] != g[key] for c in self.cleaners):
                    fn, distinct, code = _clean_fn("date", self.streets, date1904)
                    self.cleaners.append((g[key], f"_d{g[key]}", fn, distinct, code))
        fields = list(dict.fromkeys(f for _, f, *_ in self.cleaners if not f.startswith("_d")))
        plan.store = RowStore(fields)
        self.seen: dict = {}
        self.near = NearMatcher(self.conn)
        self.today = date.today()
        self.ref_day = self.on_date or self.today
        self.stage_cache: dict = {}
        self.has_firms = self.conn.execute("SELECT EXISTS (SELECT 1 FROM firms)").fetchone()[0] == 1
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
        for col, f, fn, distinct, code in self.cleaners:
            try:
                column = [v[col] for v in vals]
            except IndexError:
                column = [v[col] if col < len(v) else None for v in vals]
            bad = None
            if distinct:
                done = {None: None, "": None}
                for x in set(column):
                    if x not in done:
                        try:
                            done[x] = fn(x)
                        except ValueError as exc:
                            done[x] = None
                            bad = bad or {}
                            bad[x] = str(exc)
                out = [done[x] for x in column]
                if bad:
                    for j, x in enumerate(column):
                        if x in bad:
                            errs.setdefault(j, []).append(Issue(None, headers[col], bad[x], "warning", code))
            else:
                out = []
                append = out.append
                for j, x in enumerate(column):
                    if x is None or x == "":
                        append(None)
                        continue
                    try:
                        append(fn(x))
                    except ValueError as exc:
                        errs.setdefault(j, []).append(Issue(None, headers[col], str(exc), "warning", code))
                        append(None)
            cols[f] = out
        return cols, errs

    def _chunk(self, plan: ImportPlan, chunk) -> None:
        from importers.clean import clean_name  # noqa: PLC0415
        from importers.match import aliases_of, check_codes, firms_by_code, firms_by_name, holdings, normalize_code  # noqa: PLC0415
        from pipeline.names import name_key  # noqa: PLC0415
        vals = [r.values for r in chunk]
        ni, ci = self.by_field["name"], self.by_field.get("code")
        if self.csv:
            names = [clean_name(unquote(v[ni])) if ni < len(v) else "" for v in vals]
        else:
            names = [clean_name(v[ni]) if ni < len(v) else "" for v in vals]
        if ci is None:
            codes = [""] * len(vals)
        else:
            codes = [normalize_code(v[ci]) if ci < len(v) and v[ci] not in (None, "") else "" for v in vals]
        checks = check_codes(codes)
        keys = [name_key(x) for x in names]
        cols, errs = self._clean(vals)
        store = plan.store
        for f in store.fields:
            store.cols[f].extend(cols[f])
        by_code = firms_by_code(self.conn, [c for c, (st, _) in zip(codes, checks) if st in ("ok", "bad_check")])
        need = [k for k, c, (st, _) in zip(keys, codes, checks) if st not in ("ok", "bad_check") or c not in by_code]
        by_name = firms_by_name(self.conn, need)
        firm_ids = {f["id"] for f in by_code.values()} | {f["id"] for fs in by_name.values() for f in fs}
        held = holdings(self.conn, firm_ids) if (self.groups or plan.kind == "designation") and firm_ids else {}
        renamed = [f["id"] for c, k in zip(codes, keys) if (f := by_code.get(c)) is not None and f["name_key"] != k]
        aliases = aliases_of(self.conn, renamed) if renamed else {}
        decide_rows(self, plan, chunk, names, keys, codes, checks, cols, errs, by_code, by_name, held, aliases)
        store.key.extend(keys)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
