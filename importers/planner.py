"""Working out an import plan (``importers.plan.build_plan``): the file, its columns, then the rows chunk by chunk.

Per chunk of 5,000 rows: names, codes and every mapped column are cleaned a
column at a time (importers.plan_clean: each distinct cell value once), codes
are checked together (importers.match), firms are looked up by code and by
name in one query each (none in an empty ledger), and then each row is decided
by ``importers.plan_rows`` (on the fast path, the plain new firms of an empty ledger by the lane of
``importers.plan_plain``, and names of letters, digits and CJK ideographs without clean_name/name_key:
``importers.clean.PLAIN_TEXT``). The outcome goes into the plan's column store
(importers.plan.RowStore). When the rows are done the loaded sheet is released.
"""
from __future__ import annotations

import hashlib
import time
from datetime import date
from pathlib import Path

from db import plan_staleness
from importers import errors as E
from importers import infer, mapping_store, plan_clean
from importers.clean import PLAIN_TEXT, clean_name, parse_period
from importers.errors import InputError
from importers.guess import choose_kind, list_words, revoked_groups, stage_columns, stage_share
from importers.mapping import apply_overrides, guess_mapping, missing_overrides
from importers.match import (
    NearMatcher,
    aliases_of,
    check_codes,
    firms_by_code,
    firms_by_name,
    firms_by_org,
    holdings,
    is_org_code,
    normalize_code,
    recycled_by_name,
)
from importers.plan import USABLE_CODES, Cancelled, ImportPlan, Issue, RowStore, gc_paused
from importers.plan_clean import DATE_FIELDS, Columns, cleaner_for, long_texts, numeric_codes, periods, unquote
from importers.plan_designations import shared_certs
from importers.plan_rows import decide_rows, split_names
from importers.read import open_table, open_table_at, top_labels
from importers.rows import loose_notes
from importers.street_scope import StreetScope
from importers.undo import imported_before
from pipeline.names import name_key

CHUNK = 5000
SAMPLE = 300                # rows looked at to decide whether a column holds stages

MSG_KIND = "--as 应为 roster（企业台账）或 designation（认定名单），而不是“{kind}”"
MSG_STAGE = "未知的认定类别“{stage}”，可用：{names}"
MSG_RETIRED = "认定类别“{stage}”已停用，不再导入（已有的认定仍保留并计入往年统计）；可用：{names}"
MSG_NEED_STAGE = "这是认定名单，但从标题和表头都无法判断认定类别，请用 --stage 指定（可用：{names}）"
MSG_NEED_DATE = "认定名单中没有认定日期列（如“认定日期”“发证日期”），请用 --date YYYY-MM-DD 指定认定日期"
MSG_NO_NAME = "找不到企业名称列或统一社会信用代码列（如“企业名称”“公司全称”“统一社会信用代码”），表头为：{headers}；" \
              "可用 --map 表头=企业名称 指定"
MSG_MAP_HEADER = "--map 中的表头“{header}”不在文件中；文件的表头为：{headers}"
MSG_NO_ROWS = "只有表头（第 {row} 行），没有数据行"
W_STAGE_DATE = "“{column}”列没有对应的认定日期，按 {day} 记为认定日期"
W_NOT_STAGES = "“{column}”列的值大多不是认定类别（如“{example}”），未按认定类别读取"
W_AS_LEGAL_FORM = "“{column}”列的值是企业类型（如“{example}”），按企业类型读取"
W_SPLIT = "企业名称单元格有多行：“{parts}”；取“{kept}”为企业名称，“{others}”记为曾用名或简称"
W_HIDDEN_SHEET = ("工作表“{sheet}”是隐藏的，没有读取，本次只导入工作表“{chosen}”；如果“{sheet}”里也有名单，"
                  "请在 Excel 中取消隐藏后另行导入")
W_OTHER_SHEET = ("工作表“{sheet}”也像一份名单（表头在第 {row} 行），本次只导入工作表“{chosen}”；“{sheet}”的行未导入，"
                 "请另选该工作表再导入一次（命令行：--sheet {sheet}）")
W_HEADLESS_SHEET = ("工作表“{sheet}”没有表头，但有像是企业数据的行（第 {rows} 行），本次只导入工作表“{chosen}”，"
                    "这些行未导入；如果是接着“{chosen}”的名单，请把它们复制到“{chosen}”的名单下方，"
                    "或给“{sheet}”加上表头后另行导入（命令行：--sheet {sheet}）")
W_ABOVE = "表头（第 {header} 行）以上有 {n} 行像是企业数据（第 {rows} 行），未导入；请核对表头行是否选对"
W_HIDDEN_COL = "“{column}”列在 Excel 中被隐藏，仍按数据导入，请核对"
W_WRAPPED = "企业名称单元格有换行：“{parts}”；按一个名称读作“{kept}”，请核对"
_LEGAL_WORDS = ("公司", "企业", "个体", "合伙", "独资", "集体", "国有", "私营", "外资", "合资", "农民专业合作社")


class Planner:
    def __init__(self, ledger, path: Path, *, kind, stage, on_date, sheet, overrides, header_row, progress, cancel,
                 today=None):
        self.ledger, self.conn, self.path = ledger, ledger.conn, path
        self.catalog = ledger.catalog()
        self.streets = [n for _, n in ledger.streets()]
        # a street's name as a section title ("杨园", "粮道街道") is no firm's name
        self.street_labels = frozenset(n + end for n in self.streets for end in ("", "街", "街道", "街道办事处"))
        self.scope = StreetScope(ledger)     # an officer of a shared ledger: only their streets' firms
        self.kind_arg, self.stage_arg, self.on_date = kind, stage, on_date
        self.sheet, self.overrides, self.header_row_arg = sheet, overrides or {}, header_row
        self.progress, self.cancel = progress, cancel
        self.today = today or date.today()  # the day the import counts as today (build_plan(today=))
        self.notes: list = []               # file-level warnings found before the plan exists
        self.certs_seen: dict = {}          # certificate number -> its first row (plan_designations.shared_certs)
        self.read_s: float | None = None    # seconds spent reading the file, when build_plan is asked for them

    # the file ----------------------------------------------------------
    def run(self) -> ImportPlan:
        if self.kind_arg not in (None, "roster", "designation"):
            raise InputError(MSG_KIND.format(kind=self.kind_arg))
        stage_obj = None
        if self.stage_arg:
            stage_obj = self.catalog.find(self.stage_arg)
            if stage_obj is None:
                retired = MSG_RETIRED if self.catalog.find_retired(self.stage_arg) else MSG_STAGE
                raise InputError(retired.format(stage=self.stage_arg, names=self._stage_names()))
        start = time.perf_counter()
        table = self.table = self._open()
        if self.read_s is not None:
            self.read_s += time.perf_counter() - start
        file = getattr(table, "file", None) or self.path.name
        headers = [str(h or "") for h in table.headers]
        title = getattr(table, "title", "") or ""
        mapping = self._mapping(table, headers, file)
        work = dict(mapping)
        groups = self._stage_groups(stage_columns(self.catalog, headers, work), headers, work, mapping)
        infer.place_as_street(self, headers, work, mapping, lambda: _sample(self.table, SAMPLE))
        names = (self.path.stem, getattr(table, "sheet", "") or "")
        kind, title_stage, reason, guessed = choose_kind(self.catalog, self.kind_arg, stage_obj, title, headers, work,
                                                         names, self.notes)
        stage_obj = stage_obj if kind == "designation" else None
        self.by_field = {f: i for i, f in work.items()}
        if kind == "designation":
            stage_obj = stage_obj or title_stage
            if stage_obj is None and not groups:
                raise InputError(MSG_NEED_STAGE.format(names=self._stage_names()), file=file)
            if "date" not in self.by_field and self.on_date is None and not self._periods_given():
                raise InputError(MSG_NEED_DATE, file=file)
        mark = plan_staleness.mark(self.conn, self.ledger.shared)
        plan = ImportPlan(
            path=self.path, file=file, sheet=getattr(table, "sheet", "") or "", sha256=_sha256(self.path),
            title=title, header_row=getattr(table, "header_row", 0), headers=headers, mapping=mapping, kind=kind,
            kind_guessed=guessed, kind_reason=reason, stage=stage_obj.key if stage_obj else None, on_date=self.on_date,
            list_name=title or self.path.stem, stage_name=stage_obj.name if stage_obj else None,
            audit_mark=mark[0], audit_snapshot=mark[1])
        plan.file_issues.extend(self.notes)
        list_words(plan, self.path.stem)
        self.scope.headed(plan)
        for col in getattr(table, "hidden_cols", ()):
            if col in mapping:
                plan.file_issues.append(Issue(None, headers[col], W_HIDDEN_COL.format(column=headers[col]), "warning",
                                              "hidden_column"))
        above = getattr(table, "data_above", ())
        if above:
            shown = "、".join(str(r) for r in above[:5]) + ("……" if len(above) > 5 else "")
            plan.file_issues.append(Issue(None, None, W_ABOVE.format(header=plan.header_row, n=len(above), rows=shown),
                                          "warning", "data_above_header"))
        for hidden in getattr(table, "hidden_sheets", ()):
            plan.file_issues.append(Issue(None, None, W_HIDDEN_SHEET.format(sheet=hidden, chosen=plan.sheet),
                                          "warning", "hidden_sheet"))
        for other, row in getattr(table, "other_lists", ()):
            plan.file_issues.append(Issue(None, None, W_OTHER_SHEET.format(sheet=other, row=row, chosen=plan.sheet),
                                          "warning", "other_sheet"))
        for other, rows in getattr(table, "headless", ()):
            shown = "、".join(str(r) for r in rows[:5]) + ("……" if len(rows) > 5 else "")
            plan.file_issues.append(Issue(None, None, W_HEADLESS_SHEET.format(sheet=other, rows=shown,
                                                                                chosen=plan.sheet),
                                          "warning", "headless_sheet"))
        self.plan, self.groups, self.work = plan, groups, work
        self.stage_obj = stage_obj
        self._prepare(plan)
        self._rows(plan)
        districts = self.districts.issue()
        if districts is not None:
            plan.file_issues.append(districts)
        plan.district_column, plan.districts = self.districts.result()
        plan.file_issues.extend(self.serials.issues())
        plan.skipped = list(getattr(table, "skipped", []) or [])
        plan.notes = list(getattr(table, "notes", []) or [])
        reader = getattr(table, "_plan", None)
        plan.note_rows = dict(reader.note_rows) if reader is not None else {}
        plan.file_issues.extend(loose_notes(table))
        if not len(plan.store):
            raise InputError(MSG_NO_ROWS.format(row=plan.header_row), file=file, sheet=plan.sheet or None)
        if hasattr(table, "release"):
            table.release()             # the loaded sheet goes now, not at the next full garbage collection
        self.table = None
        return plan

    def _open(self):
        if self.header_row_arg is not None:
            return open_table_at(self.path, sheet=self.sheet, header_row=self.header_row_arg,
                                 overrides=self.overrides)
        try:
            return open_table(self.path, sheet=self.sheet, overrides=self.overrides)
        except InputError as exc:
            remembered = self._remembered_header() if exc.kind == "no_name_column" else None
            if not remembered:
                raise
            return open_table(self.path, sheet=self.sheet, overrides={**remembered, **self.overrides})

    def _remembered_header(self) -> dict[str, str] | None:
        """A mapping a person asked to remember for one of the top rows, as {header: field}."""
        for texts in top_labels(self.path, self.sheet):
            found = mapping_store.recall(self.conn, texts) if len(texts) > 1 else None
            if found:
                return {texts[i]: f for i, f in found.items()}
        return None

    def _mapping(self, table, headers: list[str], file: str) -> dict[int, str]:
        """The table's mapping (synonyms, content, ``--map``), or the one remembered for this header."""
        missing = missing_overrides(headers, self.overrides)
        if missing:
            raise InputError(MSG_MAP_HEADER.format(header=missing[0], headers="、".join(headers)), file=file)
        base = getattr(table, "mapping", None)
        if base is None:
            base = guess_mapping(headers)
        remembered = mapping_store.recall(self.conn, headers)
        mapping = apply_overrides(headers, remembered or base, self.overrides)
        if not remembered:
            for text in getattr(table, "notices", []) or []:
                self.notes.append(Issue(None, None, text, "warning", "by_content"))
        if not {"name", "code"} & set(mapping.values()):
            raise InputError(MSG_NO_NAME.format(headers="、".join(h for h in headers if h) or "（无）"), file=file,
                             sheet=getattr(table, "sheet", None))
        return mapping

    def _stage_groups(self, groups: list[dict], headers, work: dict, mapping: dict) -> list[dict]:
        """Keep only the stage columns whose values are mostly stages; a legal-form column becomes one."""
        if not groups or not hasattr(self.table, "iter_rows"):
            return groups
        rows = _sample(self.table, SAMPLE)
        keep = []
        for g in groups:
            values = [r.values[g["col"]] for r in rows if g["col"] < len(r.values)
                      and r.values[g["col"]] not in (None, "")]
            if not values or stage_share(self.catalog, values) * 2 > 1:
                keep.append(g)
                continue
            col, example = g["col"], str(values[0])
            head = headers[col]
            legal = sum(1 for v in values if any(w in str(v) for w in _LEGAL_WORDS))
            if "legal_form" not in work.values() and legal * 2 > len(values):
                work[col] = mapping[col] = "legal_form"
                self.notes.append(Issue(None, head, W_AS_LEGAL_FORM.format(column=head, example=example), "warning",
                                        "not_stages"))
            else:
                if mapping.get(col) in ("stage", "star"):
                    work.pop(col, None)
                self.notes.append(Issue(None, head, W_NOT_STAGES.format(column=head, example=example), "warning",
                                        "not_stages"))
        return keep

    def _periods_given(self) -> bool:
        """Whether the 有效期 column mostly holds periods ("2023.12.08-2026.12.07"): they give the rows their start
        dates (a row whose cell gives none is an error of its own)."""
        col = self.by_field.get("expires")
        if col is None or not hasattr(self.table, "iter_rows"):
            return False
        values = [r.values[col] for r in _sample(self.table, SAMPLE) if col < len(r.values)
                  and r.values[col] not in (None, "")]
        n = 0
        for v in values:
            try:
                n += parse_period(v) is not None
            except ValueError:
                n += 1              # a period, if a wrong one: its row says so
        return n * 2 > len(values) > 0

    def _stage_names(self) -> str:
        return "、".join(s.name for s in self.catalog.stages)

    def _prepare(self, plan) -> None:
        again = imported_before(self.conn, plan.sha256, plan.sheet)
        if again is not None:
            plan.file_issues.append(Issue(None, None, again, "warning", "same_file"))
        date1904 = bool(getattr(self.table, "date1904", False))
        self.csv = getattr(self.table, "kind", "") == "csv"
        self.cleaners = []
        for col, f in self.work.items():
            if f in ("name", "code"):
                continue
            fn, distinct, code = cleaner_for(f, self.streets, date1904, self.csv, self.today)
            if fn is not None:
                self.cleaners.append((col, f, fn, distinct, code))
        for g in self.groups:
            for key in ("date_col", "expires_col"):
                if g[key] is not None and all(c[0] != g[key] for c in self.cleaners):
                    fn, distinct, code = cleaner_for("date", self.streets, date1904, today=self.today)
                    self.cleaners.append((g[key], f"_d{g[key]}", plan_clean.date_list(fn), distinct, code))
        fields = list(dict.fromkeys(f for _, f, *_ in self.cleaners if not f.startswith("_d")))
        self.infer_street = "address" in fields and bool(self.streets)
        self.accepted_col = plan_clean.accepted_column(plan.headers, self.work)
        self.status_col = next((i for i, h in enumerate(plan.headers) if i not in self.work
                                and any(w in h for w in infer.STATUS_HEADERS)), None)
        self.districts = infer.Districts(plan.headers, self.work)
        self.serials = infer.Serials(plan.headers, sorted({col for col, f, *_ in self.cleaners
                                                           if f in DATE_FIELDS or f.startswith("_d")}), date1904)
        self.error_cells = bool(getattr(getattr(self.table, "_grid", None), "errors", None))   # #N/A and the like
        self.struck: frozenset = getattr(getattr(self.table, "_grid", None), "struck", frozenset())   # struck cells
        self.plan_columns = list(getattr(self.table, "columns", ()))
        # a row with no street under a section "一、杨园街道", with or without a street column (a blank cell in it)
        self.infer_group = bool(self.streets) and any(
            E.skip_category(why) == E.SKIP_GROUP_CATEGORY for _, why in getattr(self.table, "skipped", ()))
        if (self.infer_street or self.infer_group) and "street" not in fields:
            fields.append("street")
        plan.store = RowStore(fields)
        self.columns = Columns(self.cleaners)
        self.seen: dict = {}
        self.seen_names: dict = {}          # name key -> (Excel row, code) of the first imported row
        self.near = NearMatcher(self.conn)
        self.ref_day = self.on_date or self.today
        self.stage_cache: dict = {}
        self.has_firms = self.conn.execute("SELECT EXISTS (SELECT 1 FROM firms)").fetchone()[0] == 1
        for g in self.groups:
            if self.plan.kind == "roster" and g["date_col"] is None and self.on_date is None:
                plan.file_issues.append(Issue(None, plan.headers[g["col"]], W_STAGE_DATE.format(
                    column=plan.headers[g["col"]], day=self.today.isoformat()), "warning", "no_stage_date"))

    def _rows(self, plan) -> None:
        """The rows chunk by chunk. The garbage collector is paused meanwhile: the rows and the plan add
        millions of objects and no reference cycles, so its full passes (seven on a 100k-row list, each over
        every object alive) found nothing and cost about a fifth of the planning; it resumes afterwards."""
        total = getattr(self.table, "row_count_hint", None)
        done = 0
        with gc_paused():
            for chunk in self._chunks():
                if self.cancel and self.cancel():
                    raise Cancelled()
                self._chunk(plan, chunk)
                done += len(chunk)
                if self.progress:
                    self.progress(done, total)

    def _chunks(self):
        """The table's rows in chunks; with ``read_s`` the time spent reading them is added to it."""
        rows = self.table.iter_rows(CHUNK)
        if self.read_s is None:
            yield from rows
            return
        clock = time.perf_counter
        while True:
            start = clock()
            chunk = next(rows, None)
            self.read_s += clock() - start
            if chunk is None:
                return
            yield chunk

    # one chunk of rows -------------------------------------------------
    def _clean(self, vals):
        """Clean every mapped column of the chunk at once: {field: [values]}, {row index: [Issue]}."""
        cols, errs = self.columns.clean(vals, self.plan.headers)
        long_texts(cols, errs, self.plan.headers, self.by_field)
        periods(cols, errs, self.plan.headers, self.by_field, vals)
        if self.infer_street:
            infer.street_from_address(self, vals, cols, errs)
        if self.status_col is not None:
            infer.deregistered(self, vals, errs)
        if cols.get("remark"):
            infer.remark_gone(self, cols["remark"], errs)
        infer.odd_cells(self, vals, errs)
        infer.example_rows(self, vals, errs)
        return cols, errs

    def _names(self, chunk, vals, ni):
        """Names as shown; for a cell of several lines (or with its former name) the warning and the lines not
        taken; for a name with a mark or a status around it (infer.marked_name) the warning."""
        if ni is None:
            return [""] * len(vals), {}, {}
        raws = [v[ni] if ni < len(v) else None for v in vals]
        if self.csv:
            raws = [unquote(r) for r in raws]
        if plan_clean.FAST:         # a name of letters, digits and CJK ideographs is its own clean name
            plain = PLAIN_TEXT.fullmatch
            names = [r if type(r) is str and plain(r) else clean_name(r) for r in raws]
        else:
            names = [clean_name(r) for r in raws]
        split: dict[int, tuple[str, list[str], list[str], str | None]] = {}
        marked: dict[int, tuple[str, str]] = {}        # row -> (warning, issue code) of a mark or a status taken off
        marks = infer.NAME_MARKS
        for j, raw in enumerate(raws):
            if type(raw) is str and ("\n" in raw or "\r" in raw):
                kept, others, lines = split_names(raw)
                if len(lines) > 1:
                    others, note = infer.note_lines(kept, others) if others else (others, None)
                    if note is not None:            # "…有限公司⏎（注销）", "★⏎…": a mark or a status, no name
                        marked[j] = note
                    if others or note is None:
                        split[j] = (kept, [infer.former_line(kept, o) for o in others], lines, None)
                    names[j] = clean_name(kept)
                    continue
            name = names[j]
            if type(raw) is not str or not name:
                continue
            last = name[-1]
            if last in marks or name[0] in marks or last == "）":     # "★…", "…*", "…（注销）"
                hit = infer.marked_name(name)
                if hit is not None:
                    name = names[j] = hit[0]
                    marked[j] = hit[1:]
            noted = infer.former_note(name) if name[-1] == "）" or ":" in name else None
            if noted is not None:
                split[j] = (noted[0], [noted[1]], [], name)
                names[j] = noted[0]
        return names, split, marked

    def _chunk(self, plan: ImportPlan, chunk) -> None:
        vals = [r.values for r in chunk]
        ni, ci = self.by_field.get("name"), self.by_field.get("code")
        names, split, marked = self._names(chunk, vals, ni)
        if ci is None:
            codes = [""] * len(vals)
        else:
            raw_codes = [v[ci] if ci < len(v) else None for v in vals]
            codes = [normalize_code(x) if x not in (None, "") and not infer.formula_left(x) else "" for x in raw_codes]
        checks = check_codes(codes)
        if ci is not None:
            numeric_codes(raw_codes, checks)
        if self.accepted_col is not None:
            plan_clean.accepted_codes(vals, self.accepted_col, checks)
        if plan_clean.FAST:         # and its name key is its lower case (importers.clean.PLAIN_TEXT)
            plain = PLAIN_TEXT.fullmatch
            keys = [x.lower() if plain(x) else name_key(x) for x in names]
        else:
            keys = [name_key(x) for x in names]
        cols, errs = self._clean(vals)
        self.districts.add(chunk, vals)
        self.serials.add(chunk, vals)
        if self.infer_group:
            infer.street_from_group(self, chunk, cols, errs)
        if self.struck:
            infer.struck_rows(self, chunk, errs)
        if plan.kind == "designation":
            revoked_groups(plan, chunk, errs)
        if cols.get("cert_no"):
            shared_certs(self.certs_seen, chunk, cols["cert_no"], names, codes, keys, checks,
                         plan.headers[self.by_field["cert_no"]], errs)
        if split:
            self._split_warnings(split, cols, errs, len(vals))
        for j, (message, code) in marked.items():       # marked only with a name column
            errs.setdefault(j, []).append(Issue(None, self.plan.headers[ni or 0], message, "warning", code))
        store = plan.store
        for f in store.fields:
            store.cols[f].extend(cols.get(f) or [None] * len(vals))
        by_code, by_name, held, aliases = self._firms(codes, keys, checks)
        start = len(store)
        decide_rows(self, plan, chunk, names, keys, codes, checks, cols, errs, by_code, by_name, held, aliases)
        store.key.extend(keys)
        self.scope.check(plan, start, chunk)

    def _firms(self, codes, keys, checks) -> tuple[dict, dict, dict, dict]:
        """The ledger's firms for the chunk's rows: by code, by name (and former name), their designations
        (for a designation list or stage columns) and the former names of renamed firms. An empty ledger
        has none (the fast way does not ask it)."""
        if not self.has_firms and plan_clean.FAST:
            self.by_org = {}
            return {}, {}, {}, {}
        by_code = firms_by_code(self.conn, [c for c, (st, _) in zip(codes, checks, strict=True)
                                            if st in USABLE_CODES])
        # rows matched by name, and renamed firms
        need = [k for k, c, (st, _) in zip(keys, codes, checks, strict=True)
                if k and (st not in USABLE_CODES or c not in by_code or by_code[c]["name_key"] != k)]
        by_name = firms_by_name(self.conn, need)
        binned = [k for k, (st, _) in zip(keys, checks, strict=True) if k and st not in USABLE_CODES
                  and k not in by_name]
        if binned:
            by_name.update(recycled_by_name(self.conn, binned))
        orgs = [c for c, (st, _) in zip(codes, checks, strict=True) if st == "invalid" and is_org_code(c)]
        self.by_org = firms_by_org(self.conn, orgs) if orgs else {}
        firm_ids = {f["id"] for f in by_code.values()} | {f["id"] for fs in by_name.values() for f in fs} | {
            f["id"] for fs in self.by_org.values() for f in fs}
        held = holdings(self.conn, firm_ids) if (self.groups or self.plan.kind == "designation") and firm_ids else {}
        renamed = [hit["id"] for c, k in zip(codes, keys, strict=True)
                   if (hit := by_code.get(c)) is not None and hit["name_key"] != k]
        aliases = aliases_of(self.conn, renamed) if renamed else {}
        return by_code, by_name, held, aliases

    def _split_warnings(self, split, cols, errs, n) -> None:
        """A name cell of several lines: the full name is kept, the other lines become former names."""
        head = self.plan.headers[self.by_field["name"]]
        store = self.plan.store
        if "former_name" not in store.fields:          # the lines not taken are kept, as former names
            store.fields.append("former_name")
            store.cols["former_name"] = [None] * len(store)
        former = cols.get("former_name")
        if former is None:
            former = cols["former_name"] = [None] * n
        for j, (kept, others, lines, cell) in split.items():
            if cell is not None:            # "现名（原名：旧名）" on one line
                errs.setdefault(j, []).append(Issue(None, head, infer.W_FORMER_NOTE.format(
                    cell=cell, kept=kept, former=others[0]), "warning", "former_name_note"))
            else:
                errs.setdefault(j, []).append(Issue(None, head, (W_SPLIT if others else W_WRAPPED).format(
                    parts="”“".join(lines), kept=kept, others="、".join(others)), "warning", "multi_line_name"))
            if others and former[j] is None:
                former[j] = "、".join(others)


def _sample(table, n: int) -> list:
    """The first *n* data rows of *table* (an abandoned pass: the next one resumes classification)."""
    rows = table.iter_rows(n)
    try:
        return next(rows, [])
    finally:
        rows.close()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
