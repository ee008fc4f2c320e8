"""Deciding each row of a chunk: which firm it is, what it changes, which designations it adds, its problems.

Called by ``importers.planner`` with the chunk's cleaned columns and the
firms found for it; appends each row's outcome to the plan's ``RowStore``.
"""
from __future__ import annotations

import re
from datetime import date

from importers import infer, plan_clean
from importers.clean import looks_like_firm_name, split_lines
from importers.match import is_org_code, is_reg_number
from importers.plan import ERROR, NEW, UNCHANGED, UPDATE, USABLE_CODES, Issue
from importers.plan_designations import designations
from importers.plan_plain import Plain
from importers.rows import blank
from pipeline.fields import FIRM_ATTRS

FIRM_FIELDS = ("street", *FIRM_ATTRS)
W_HIDDEN = "该行在 Excel 中被隐藏，仍按数据导入，请核对"
W_BAD_CHECK = "{problem}；代码仍可使用，请核对"
W_INVALID_MATCHED = "统一社会信用代码无效（{problem}），已按企业名称匹配到台账中的“{name}”，请核对"
E_INVALID = "统一社会信用代码无效：{problem}；台账中也没有同名企业，无法导入"
W_NAME_MATCH = "没有统一社会信用代码，按企业名称匹配到台账中的“{name}”，已标记待核实"
W_NO_CODE_NEW = "没有统一社会信用代码，台账中也没有同名企业，将新建并标记待核实"
E_AMBIGUOUS = "没有可用的统一社会信用代码，台账中有 {n} 家企业叫这个名字（{names}），无法确定是哪一家"
W_SAME_NAME = "台账中已有同名企业“{name}”（代码 {code}），与本行代码不同，将新建企业，请核对是否为同一企业"
W_NEAR = "台账中有名称相近的企业“{name}”，未合并，请核对是否为同一企业（是则在台账中选中两者：企业 → 合并为一家企业）"
W_DUP = "与第 {first} 行是同一企业（{name}），只导入一次（以第 {first} 行为准）{diff}"
W_DUP_FORMER = "；本行的曾用名也一并记入"
E_DELETED = "该企业（{name}）在回收站中，请先恢复后再导入"
E_NO_NAME = "企业名称为空"
W_OLD_NAME = "名单使用的是该企业的曾用名，台账中的现名“{name}”保持不变"
W_DUP_JOINED = "与第 {first} 行是同一企业（{name}），本行的认定“{stages}”并入第 {first} 行导入{diff}"
W_FILLED = "第 {row} 行{column}为空，沿用上一行“{value}”（第 {src} 行），请核对"
E_NOTE_ROW = "这一行像是说明文字（“{text}”），夹在数据中间，未导入；如确是企业，请写企业全称后重新导入"
E_OTHER_TABLE = ("这一行在第 {row} 行另一张表的表头之下，那张表的列与第 {header} 行的表头不同，未导入；"
                 "请把那张表放到单独的工作表后再导入")
E_AFTER_NOTE = ("这一行在第 {row} 行的说明文字之后，像是企业名称（“{text}”）却没有统一社会信用代码，未导入；"
                "如确是企业，请写企业全称或统一社会信用代码后重新导入")
E_WIDER = ("这一行在表头最后一列之后还有值（“{extra}”）：可能某个单元格含逗号而没有加引号，各列已错位，未导入；"
           "请用 Excel 或 WPS 打开核对后另存再导入")
E_NAME_TAKEN = ("代码 {code} 在台账中是“{current}”，而名称“{name}”是台账中另一家企业（代码 {other}）的现名：代码和名称"
                "不是同一家企业，未导入；请核对代码是否填错")
W_SAME_NAME_FILE = "与第 {row} 行企业名称相同而统一社会信用代码不同（第 {row} 行为 {code}），将作为两家企业，请核对代码"
E_NOTE_LIKE = ("这一行的企业名称读起来像说明文字，但整行都填了值（“{text}”），又没有统一社会信用代码，未导入；"
               "如确是企业，请写企业全称或统一社会信用代码后重新导入")
W_ORG_MATCHED = "“{code}”是{what}，不是统一社会信用代码；{how}台账中的“{name}”（{uscc}），请核对"
W_ORG_NEW = ("“{code}”是{what}，不是统一社会信用代码；台账中没有对应企业，"
             "将新建（不填统一社会信用代码，原号码记为原始代码）并标记待核实")
ORG_CODE, REG_NUMBER = "组织机构代码", "旧的 15 位工商注册号"
E_STREET_AS_NAME = "企业名称“{name}”是街道名，像是分组标题行，未导入；如确是企业，请写企业全称后重新导入"
W_NOT_FULL_NAME = "名称不像企业全称（没有“有限公司”“厂”“中心”等组织形式结尾），请核对"
W_SHORT_NAME_KEPT = "名单中的名称“{name}”不像企业全称，台账中的名称“{current}”保持不变"
E_NO_NAME_NEW = "企业名称为空，台账中也没有该统一社会信用代码的企业，无法新建"
# a registered name starts with its region; a line that does not is the rest of a wrapped name
_REGION = re.compile(r"(?:中国|湖北|武汉|北京|上海|天津|重庆|[\u4e00-\u9fff]{2,3}(?:省|市|自治区))")
_USABLE = USABLE_CODES


def split_names(cell: str) -> tuple[str, list[str], list[str]]:
    """The lines of a name cell: the one that reads as a firm's full name (the longest such), the others,
    and all of them as written."""
    lines = split_lines(cell)
    if len(lines) < 2:
        return cell, [], lines
    full = [ln for ln in lines if looks_like_firm_name(ln)] or lines
    kept = max(full, key=len)
    others = [ln for ln in lines if ln != kept]
    whole = "".join(lines)
    if (looks_like_firm_name(whole) and _REGION.match(lines[0]) and not _REGION.match(kept)
            and not any(o in kept for o in others)):
        return whole, [], lines           # one long name wrapped to fit the column: 武汉引号⏎科技有限公司
    return kept, others, lines


def _row_warnings(raw, er, headers, issues) -> None:
    """Warnings the reading layer leaves on a row: hidden, cells filled from the row above."""
    if raw.hidden:
        issues.append(Issue(er, None, W_HIDDEN, "warning", "hidden_row"))
    for p, value, src in raw.filled:
        head = headers[p] if p < len(headers) else ""
        issues.append(Issue(er, head, W_FILLED.format(row=er, column=head, value=value, src=src), "warning",
                            "filled_down"))


def _same(old, new) -> bool:
    if isinstance(new, date):
        return old == new.isoformat()
    if isinstance(new, float) and isinstance(old, (int, float)):
        return abs(old - new) <= 1e-9 * max(1.0, abs(new))
    return old == new


def _same_value(a, b) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and abs(a - b) < 1e-9)


def _has_error(issues) -> bool:
    for i in issues:
        if i.level == "error":
            return True
    return False


class Chunk:
    """What deciding the rows of one chunk needs, besides the row itself."""
    __slots__ = ("pl", "plan", "store", "headers", "by_field", "col_name", "col_code", "firm_fields", "cols",
                 "by_code", "by_name", "held", "aliases", "base", "designating", "list_names", "dates", "expires",
                 "certs")

    def __init__(self, pl, plan, cols, by_code, by_name, held, aliases) -> None:
        self.pl, self.plan, self.store, self.cols = pl, plan, plan.store, cols
        self.headers = headers = plan.headers
        self.by_field = by_field = pl.by_field
        self.col_name = headers[by_field["name"]] if "name" in by_field else None
        self.col_code = headers[by_field["code"]] if "code" in by_field else None
        self.firm_fields = [f for f in FIRM_FIELDS if f in cols]
        self.by_code, self.by_name, self.held, self.aliases = by_code, by_name, held, aliases
        self.base = len(plan.store)
        self.designating = plan.kind == "designation" or bool(pl.groups)
        self.list_names, self.dates = cols.get("list_name"), cols.get("date")
        self.expires, self.certs = cols.get("expires"), cols.get("cert_no")


def decide_rows(pl, plan, chunk, names, keys, codes, checks, cols, errs, by_code, by_name, held, aliases) -> None:
    """Decide every row of *chunk* (pl: the Planner) and add it to ``plan.store``."""
    c = Chunk(pl, plan, cols, by_code, by_name, held, aliases)
    add = plan.store.add
    seen, seen_names = pl.seen, pl.seen_names   # name key -> (Excel row, code) of the first row with that name
    lane = Plain.lane(c, names, keys, codes, checks, errs) if plan_clean.FAST else None
    run, flush, base = (lane.run, lane.flush, c.base) if lane is not None else (None, None, 0)
    upto = 0                        # rows before it were decided by the lane
    for j, raw in enumerate(chunk):
        if j < upto:
            continue
        if run is not None and flush is not None:
            upto = run(chunk, j, base)
            if upto > j:
                continue            # plain new firms (importers.plan_plain), stored with the next rows
            flush()
        er = raw.excel_row
        name, key, code = names[j], keys[j], codes[j]
        status, problems = checks[j]
        issues = errs.get(j)
        if issues is None:
            issues = []
        else:
            for i in issues:
                i.row = er
        if raw.hidden or raw.filled:
            _row_warnings(raw, er, c.headers, issues)
        changes: dict[str, tuple[object, object]] = {}
        issues, firm, review = _find_firm(c, raw, er, name, key, code, status, problems, issues, changes)
        fid = firm["id"] if firm is not None else None
        usable = code if status in _USABLE else None
        vcode = code or None
        dup_key = fid if firm is not None else (code if usable else "n:" + key)
        if firm is None and not usable and key in seen_names:
            dup_key = seen_names[key][1]        # a new firm listed above with its code: the same firm
        if (name or firm is not None) and not _has_error(issues):   # a row in error is reported, not recorded
            first = seen.get(dup_key)
            if first is not None:
                _duplicate(c, j, raw, first, firm, name, status, review, issues, usable, vcode)
                continue
        if _has_error(issues):
            add(er, ERROR, fid, usable or vcode, name, issues, raw.values, False, None, status, review, None, vcode)
            continue
        if firm is None and name in c.pl.street_labels and _alone(raw.values):
            # a street's name alone in a row ("杨园" over its firms): a section title, not a new firm
            issues.append(Issue(er, c.col_name, E_STREET_AS_NAME.format(name=name), "error", "street_as_name"))
            add(er, ERROR, fid, usable or vcode, name, issues, raw.values, False, None, status, review, None, vcode)
            continue
        _check_firm(c, j, er, name, key, code, firm, review, issues, changes)
        des = designations(c, j, er, raw, firm, issues) if c.designating else None
        if issues and _has_error(issues):
            add(er, ERROR, fid, usable or vcode, name, issues, raw.values, False, None, status, review, None, vcode)
            continue
        row_status = NEW if firm is None else UPDATE if _changes(changes, des, code, firm) else UNCHANGED
        if name or firm is not None:
            seen[dup_key] = c.base + j
        if usable and key and (seen_names.setdefault(key, (er, usable))[1] != usable or "n:" + key in seen):
            _same_name_in_file(pl, er, key, usable, c.col_name, issues)
        add(er, row_status, fid, usable or vcode, name, issues, raw.values, True, des, status, review, changes, vcode)
    if flush is not None:
        flush()


def _find_firm(c: Chunk, raw, er, name, key, code, status, problems, issues, changes) -> tuple[list, dict | None,
                                                                                                   bool]:
    """The ledger firm a row is (by code, else by name), with the row's problems: (issues, firm, review)."""
    firm, review = None, False
    col_name, col_code = c.col_name, c.col_code
    problem = _reading_problem(raw, er, col_name, c.plan.header_row) if raw.note or raw.under or raw.extra else None
    if problem is not None:
        if raw.under or raw.extra:       # its cells were read under the wrong columns: only this is true
            issues = []
        issues.append(problem)
    elif not name and not (status in _USABLE and code in c.by_code):
        issues.append(Issue(er, col_name or col_code, E_NO_NAME if status not in _USABLE else E_NO_NAME_NEW,
                            "error", "no_name"))
    elif status in _USABLE:
        firm = c.by_code.get(code)
        if status == "bad_check" and not (firm and firm["code_status"] == "accepted"):
            issues.append(Issue(er, col_code, W_BAD_CHECK.format(problem=problems[0] if problems else ""),
                                "warning", "bad_check"))
        elif status == "accepted" and firm and firm["code_status"] == "bad_check":
            changes["code_status"] = ("bad_check", "accepted")     # the list says an officer accepted the code
        if firm is None:
            same = c.by_name.get(key)
            if same and not same[0]["deleted_at"]:      # a firm in the bin is one only a row without a code finds
                if len(same) == 1 and not same[0]["code"]:
                    firm = same[0]          # the firm had no code: this list gives it one
                    changes["code"] = (None, code)
                    changes["code_status"] = (same[0]["code_status"], status)
                else:
                    issues.append(Issue(er, col_name, W_SAME_NAME.format(name=same[0]["name"], code=same[0]["code"]),
                                        "warning", "same_name"))
    else:
        firm, review = _by_name(c, er, key, code, status, problems, issues)
    if firm is not None and firm["deleted_at"]:
        issues.append(Issue(er, col_name, E_DELETED.format(name=firm["name"]), "error", "in_recycle_bin"))
    return issues, firm, review


def _by_name(c: Chunk, er, key, code, status, problems, issues) -> tuple[dict | None, bool]:
    """A row without a usable code: the firm of the same name, if exactly one. Returns (firm, review)."""
    cands = c.by_name.get(key, [])
    if cands and cands[0]["deleted_at"]:        # only in the recycle bin (match.recycled_by_name): the caller's error
        return cands[0], False
    if len(cands) > 1:
        issues.append(Issue(er, c.col_name, E_AMBIGUOUS.format(n=len(cands), names="、".join(
            f"{f['name']}（{f['code'] or '无代码'}）" for f in cands[:3])), "error", "ambiguous_name"))
        return None, False
    if status == "invalid" and (is_org_code(code) or is_reg_number(code)):
        return _by_org_code(c.pl, er, code, cands, c.col_code, issues)
    if status == "invalid":
        if cands:
            issues.append(Issue(er, c.col_code, W_INVALID_MATCHED.format(problem=problems[0], name=cands[0]["name"]),
                                "warning", "invalid_code"))
            return cands[0], True
        issues.append(Issue(er, c.col_code, E_INVALID.format(problem=problems[0]), "error", "invalid_code"))
        return None, False
    if cands:
        issues.append(Issue(er, c.col_name, W_NAME_MATCH.format(name=cands[0]["name"]), "warning",
                            "no_code_name_match"))
        return cands[0], True
    issues.append(Issue(er, c.col_code or c.col_name, W_NO_CODE_NEW, "warning", "no_code"))
    return None, True


def _duplicate(c: Chunk, j, raw, first, firm, name, status, review, issues, usable, vcode) -> None:
    """A row of a firm already planned above: imported once, its new designations joining the first row's."""
    er = raw.excel_row
    fid = firm["id"] if firm is not None else None
    store = c.store
    joined = _join_designations(c, j, er, raw, firm, issues, first) if c.designating else []
    if _has_error(issues):
        store.add(er, ERROR, fid, usable or vcode, name, issues, raw.values, False, None, status, review, None, vcode)
        return
    issues = [i for i in issues if i.code != "no_code"]      # it is not created: not "将新建"
    diff = _diff(store, first, c.base + j, name, vcode, c.by_field, c.headers)
    former = store.cols.get("former_name")
    both = infer.joined_former_names(former[first], former[c.base + j]) if former is not None else None
    if both is not None and fid is None and store.status[first] == NEW:      # created from the first row
        former[first] = both            # a known firm gets every row's former names as it is (importers.commit)
    issues.append(Issue(er, c.col_code or c.col_name, (W_DUP_JOINED if joined else W_DUP).format(
        first=store.excel_row[first], name=name, stages="、".join(joined),
        diff=f"；两行的“{'”“'.join(diff)}”不同" if diff else "") + (W_DUP_FORMER if both is not None else ""),
        "warning", "dup_in_file"))
    store.add(er, UNCHANGED, fid, usable, name, issues, raw.values, True, None, status, review, None, vcode)


def _check_firm(c: Chunk, j, er, name, key, code, firm, review, issues, changes) -> None:
    """A new firm's name warnings (not a full name, a near one in the ledger); a known firm's changes."""
    col_name = c.col_name
    full = not name or looks_like_firm_name(name, cleaned=True)
    if name and (firm is None or key != firm["name_key"]):
        infer.odd_name(er, col_name, name, issues)
    if firm is None:
        if not full:
            issues.append(Issue(er, col_name, W_NOT_FULL_NAME, "warning", "not_full_name"))
        if c.pl.has_firms and not any(i.code == "same_name" for i in issues):
            near = c.pl.near.suggest(name)
            if near:
                issues.append(Issue(er, col_name, W_NEAR.format(name=near[1]), "warning", "near_match"))
        return
    fid = firm["id"]
    if name and key != firm["name_key"] and "code" not in changes:
        if key in c.aliases.get(fid, ()):
            issues.append(Issue(er, col_name, W_OLD_NAME.format(name=firm["name"]), "warning", "old_name"))
        elif not full and looks_like_firm_name(firm["name"]):
            issues.append(Issue(er, col_name, W_SHORT_NAME_KEPT.format(name=name, current=firm["name"]),
                                "warning", "not_full_name"))
        elif other := next((f for f in c.by_name.get(key, ()) if f["id"] != fid and f["name_key"] == key
                            and not f["deleted_at"]), None):
            issues.append(Issue(er, col_name, E_NAME_TAKEN.format(
                code=code, current=firm["name"], name=other["name"], other=other["code"] or "无代码"),
                "error", "name_of_other_firm"))
        else:
            changes["name"] = (firm["name"], name)
    cols = c.cols
    for f in c.firm_fields:
        v = cols[f][j]
        if v is not None and not _same(firm[f], v):
            changes[f] = (firm[f], v)
    if review and not firm["needs_review"]:
        changes["needs_review"] = (0, 1)


def _changes(changes: dict, des, code, firm) -> bool:
    """Whether a known firm's row changes it. A row without a code, matched by name to a firm without a code,
    flags the firm for review again only when it changes something: a row that brings nothing (the ledger's own
    export, a list imported before) took back a person's confirmation and wrote an audit row on every
    re-import. A row whose code is not the firm's (an invalid one) still flags it: the codes disagree."""
    if not des and not code and not firm["code"] and changes.keys() == {"needs_review"}:
        del changes["needs_review"]
    return bool(changes or des)


def _by_org_code(pl, er, code, cands, col_code, issues):
    """An old list's 组织机构代码 or 15-digit 工商注册号: the one ledger firm whose credit code carries the
    organisation code, else the firm of the same name, else a new firm for review (the old number kept as
    written, in code_raw). Returns (firm, review)."""
    found = pl.by_org.get(code, [])         # only organisation codes are found in credit codes
    what, kind = (ORG_CODE, "org_code") if is_org_code(code) else (REG_NUMBER, "reg_number")
    firm = found[0] if len(found) == 1 else (cands[0] if len(cands) == 1 else None)
    if firm is not None:
        how = "按其匹配到" if len(found) == 1 else "按企业名称匹配到"
        issues.append(Issue(er, col_code, W_ORG_MATCHED.format(code=code, what=what, how=how, name=firm["name"],
                                                                uscc=firm["code"] or "无代码"), "warning", kind))
        return firm, len(found) != 1
    issues.append(Issue(er, col_code, W_ORG_NEW.format(code=code, what=what), "warning", kind))
    return None, True


def _reading_problem(raw, er, col_name, header_row) -> Issue | None:
    """The error the reading layer found on a row: under another table's header, wider than the header (a
    CSV's unquoted comma), a name-like line after a note, a note standing among the data."""
    if raw.under:
        return Issue(er, None, E_OTHER_TABLE.format(row=raw.under, header=header_row), "error", "other_table")
    if raw.extra:
        return Issue(er, None, E_WIDER.format(extra=raw.extra[:60]), "error", "wider_than_header")
    if raw.after_note:
        return Issue(er, col_name, (E_NOTE_LIKE if raw.after_note == er else E_AFTER_NOTE).format(
            row=raw.after_note, text=raw.note[:40]), "error", "after_note")
    if raw.note:
        return Issue(er, col_name, E_NOTE_ROW.format(text=raw.note[:40]), "error", "note_in_list")
    return None


def _join_designations(c: Chunk, j, er, raw, firm, issues, first) -> list[str]:
    """The same firm again: the designations this row adds that the first row lacks join the first row's
    (a list in long form, one row per designation); returns their stage names."""
    store = c.store
    mine = designations(c, j, er, raw, firm, issues)
    if not mine or _has_error(issues):
        return []
    have = store.more_des.get(first) or ([store.des[first]] if store.des[first] is not None else [])
    new = [d for d in mine if not any(d[0] == h[0] and d[1] == h[1] for h in have)]
    if not new:
        return []
    every = [*have, *new]
    store.des[first] = every[0]
    if len(every) > 1:
        store.more_des[first] = every
    if store.status[first] == UNCHANGED:
        store.status[first] = UPDATE
    return [d[5] for d in new]


def _same_name_in_file(pl, er, key, code, col_name, issues) -> None:
    """Two rows of one list with one name and two codes: one of the codes is probably wrong."""
    first = pl.seen_names[key]
    if first[1] != code:
        issues.append(Issue(er, col_name, W_SAME_NAME_FILE.format(row=first[0], code=first[1]), "warning",
                            "same_name_in_file"))
    else:                                   # the same name above, without a code: created as another firm
        row = pl.plan.store.excel_row[pl.seen["n:" + key]]
        issues.append(Issue(er, col_name, W_SAME_NAME_FILE.format(row=row, code="无代码"), "warning",
                            "same_name_in_file"))


def _diff(store, first: int, here: int, name, vcode, by_field, headers) -> list[str]:
    """Headers of the columns whose filled values differ between a row and the first row of the same firm."""
    out = []
    cols = store.cols
    for f in store.fields:
        a, b = cols[f][first], cols[f][here]
        if f in by_field and b is not None and a is not None and not _same_value(a, b):
            out.append(headers[by_field[f]])
    for f, a, b in (("name", store.name[first], name), ("code", store.vcode[first], vcode)):
        if f in by_field and b is not None and a is not None and not _same_value(a, b):
            out.append(headers[by_field[f]])
    return out


def _alone(values) -> bool:
    """Only one cell of the row is filled."""
    return sum(1 for v in values if not blank(v)) == 1
