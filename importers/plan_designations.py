"""The designations a row adds: a designation list's one (its stage, date, expiry) or a roster's stage columns
(each dated by its group's date column), with their row-numbered problems. Called by ``importers.plan_rows``."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

from importers.clean import clean_text
from importers.plan import USABLE_CODES, Issue
from importers.plan_clean import OPEN_END
from importers.rows import blank

if TYPE_CHECKING:
    from importers.plan_rows import Chunk

W_STAGE = "{value}，已忽略"
E_NO_ROW_DATE = "缺少认定日期"
W_ONE_DATE = "一个单元格列了多个认定类别（{stages}），都按 {day} 记为认定日期，请核对"
W_STAGE_NO_DATE = "“{stage}”没有读到认定日期，按 {day} 记，请核对"
W_DATE_GIVEN = "“{column}”为空，按指定的认定日期 {day} 记（--date），请核对"
E_EXPIRES = "有效期至 {end} 早于认定日期 {start}"
W_DATE_LATE = "认定日期 {day} 在今天之后，已按原样导入，请核对（是否年份写错）"
E_DATE_COUNT = ("“{column}”列了 {n} 个日期，“{stages}”列了 {m} 个认定类别，无法逐一对应；"
                "请按“{stages}”中类别的顺序每个类别写一个日期，用“、”隔开")
E_NO_STAGE_DATE = "“{stage}”（第 {k} 个认定类别）的认定日期为空"

W_SHARED_CERT = "证书编号“{cert}”与第 {row} 行（{name}）相同，两行却不是同一家企业：一个证书编号只属于一家企业，请核对"

_SPLIT = re.compile(r"[、,，;；/\n]+")


def shared_certs(seen: dict, chunk, certs, names, codes, keys, checks, header: str, errs: dict) -> None:
    """Rows giving a certificate number that an earlier row of the list gave to another firm (a copied cell):
    warned, naming the first row. *seen*: certificate -> (Excel row, firm's code or name key, name), kept over the
    list's chunks; a firm is told by its usable code, else by its name."""
    for j, cert in enumerate(certs):
        if not cert:
            continue
        firm = codes[j] if checks[j][0] in USABLE_CODES else "n:" + keys[j]
        first = seen.setdefault(cert, (chunk[j].excel_row, firm, names[j]))
        if first[1] != firm:
            errs.setdefault(j, []).append(Issue(None, header, W_SHARED_CERT.format(
                cert=cert, row=first[0], name=first[2]), "warning", "shared_cert"))


def stages_in(pl, cell) -> tuple[list, list[str]]:
    hit = pl.stage_cache.get(cell)
    if hit is None:
        found, unknown = [], []
        for part in _SPLIT.split(clean_text(cell)):
            part = part.strip()
            if not part:
                continue
            s = pl.catalog.find(part)
            (found.append(s) if s is not None else unknown.append(part))
        hit = pl.stage_cache[cell] = (sorted(set(found), key=lambda s: (s.level, s.key)), unknown)
    return hit


def unknown_stages(catalog, parts: list[str]) -> str:
    """What the names a cell gave that match no stage are: deactivated stages said to be so, others unknown."""
    retired = [p for p in parts if catalog.find_retired(p) is not None]
    other = [p for p in parts if p not in retired]
    said = [f"“{'、'.join(other)}”不是已知的认定类别"] if other else []
    return "；".join(said + ([f"“{'、'.join(retired)}”是已停用的认定类别"] if retired else []))


def _at(column, j):
    return column[j] if column is not None else None


def _add(out: list, mine, stage, start, end, evidence, list_name, lenient: bool) -> None:
    """A designation the row adds, unless the firm holds it already (*mine*: its (stage id, start, end))."""
    if mine:
        s_iso = start.isoformat()
        for sid, st, en in mine:
            if sid == stage.id and (st == s_iso or (lenient and st <= s_iso and (en is None or en > s_iso))):
                return
    out.append((stage.key, start, end, evidence, list_name, stage.name))


def designations(c: Chunk, j, er, raw, firm, issues) -> list[tuple]:
    """The designations the row adds, as (stage key, start, end, evidence, list name, stage name) tuples."""
    mine = c.held.get(firm["id"], ()) if firm is not None else ()
    list_name = (c.list_names[j] if c.list_names is not None else None) or c.plan.list_name
    if c.plan.kind == "designation":
        return _listed(c, j, er, raw, mine, list_name, issues)
    return _staged(c, j, er, raw, mine, list_name, issues)


def _listed(c: Chunk, j, er, raw, mine, list_name, issues) -> list[tuple]:
    """A row of a designation list: its one designation (the list's stage, or its stage column's)."""
    pl, headers = c.pl, c.headers
    stages = [pl.stage_obj] if pl.stage_obj else []
    if not stages and pl.groups:
        g = pl.groups[0]
        cell = raw.values[g["col"]] if g["col"] < len(raw.values) else None
        stages, unknown = stages_in(pl, cell) if cell not in (None, "") else ([], [])
        stages = stages[-1:]
        if not stages:
            issues.append(Issue(er, headers[g["col"]], "缺少认定类别" if not unknown else
                                f"{unknown_stages(pl.catalog, unknown)}，无法导入",
                                "error", "no_stage"))
            return []
    start = c.dates[j] if c.dates is not None else None
    dcol = pl.by_field.get("date")
    if start is None and (dcol is None or _blank_cell(raw.values, dcol)):
        start = pl.on_date                # --date fills only an empty cell, never an unreadable one
        if start is not None and dcol is not None:
            issues.append(Issue(er, headers[dcol], W_DATE_GIVEN.format(column=headers[dcol], day=start),
                                "warning", "date_given"))
    if start is None:
        if not any(i.code == "bad_date" for i in issues):
            issues.append(Issue(er, headers[dcol] if dcol is not None else None, E_NO_ROW_DATE, "error", "no_date"))
        return []
    exp = c.expires[j] if c.expires is not None else None
    end = exp + timedelta(days=1) if exp else None
    if end is not None and end <= start:
        issues.append(Issue(er, headers[pl.by_field["expires"]], E_EXPIRES.format(end=exp, start=start), "error",
                            "bad_date"))
        return []
    if start > pl.today:
        issues.append(Issue(er, headers[dcol] if dcol is not None else None, W_DATE_LATE.format(day=start),
                            "warning", "date_future"))
    out: list[tuple] = []
    _add(out, mine, stages[0], start, end, _at(c.certs, j), list_name, False)
    return out


def _staged(c: Chunk, j, er, raw, mine, list_name, issues) -> list[tuple]:
    """A roster row's designations from its stage columns, each dated by its group's date column."""
    pl, headers, cols = c.pl, c.headers, c.cols
    out: list[tuple] = []
    for g in pl.groups:
        cell = raw.values[g["col"]] if g["col"] < len(raw.values) else None
        if cell in (None, ""):
            continue
        stages, unknown = stages_in(pl, cell)
        if unknown:
            said = W_STAGE.format(value=unknown_stages(pl.catalog, unknown))
            issues.append(Issue(er, headers[g["col"]], said, "warning", "unknown_stage"))
        if not stages:
            continue
        gdate = _group_value(pl, cols, g["date_col"], j)
        gexp = _group_value(pl, cols, g["expires_col"], j)
        if type(gdate) is tuple or type(gexp) is tuple:     # one date per listed stage: the ledger's own export
            _by_position(c, j, er, g, cell, (gdate, gexp), mine, list_name, issues, out)
            continue
        if gexp is not None and gexp < (gdate or pl.ref_day):
            issues.append(Issue(er, headers[g["expires_col"]], E_EXPIRES.format(end=gexp, start=gdate or pl.ref_day),
                                "error", "bad_date"))
            continue
        tops = _tops(stages)              # the date is the highest stage's of each track (lower ones led to it)
        before = len(out)
        for s in stages:
            dated = gdate is not None and s in tops
            start = gdate if dated else pl.ref_day
            end = _end(gexp) if (dated and gexp and gexp >= start) else None
            n = len(out)
            _add(out, mine, s, start, end, _at(c.certs, j) if len(pl.groups) == 1 else None, list_name, True)
            if len(out) > n and not dated and g["date_col"] is not None:   # the list has dates, none for this
                issues.append(Issue(er, headers[g["col"]], W_STAGE_NO_DATE.format(stage=s.name, day=start),
                                    "warning", "stage_default_date"))
        if gdate is not None and gdate > pl.today and len(out) > before:
            issues.append(Issue(er, headers[g["date_col"]], W_DATE_LATE.format(day=gdate), "warning", "date_future"))
        if gdate and len(tops) > 1 and len(out) > before:
            issues.append(Issue(er, headers[g["col"]], W_ONE_DATE.format(
                stages="、".join(s.name for s in tops), day=gdate), "warning", "one_date_many_stages"))
    return out


def _by_position(c: Chunk, j, er, g, cell, dates, mine, list_name, issues, out: list) -> None:
    """A stage cell whose 认定日期 (and 有效期至) cell lists one date per stage, joined by 、 in the stage cell's
    order: each stage gets its own start and end. A list whose count differs from the stage cell's is refused on
    the row (a date is never given to another stage); a single 有效期至 is the top stage's, as on any list."""
    pl, headers = c.pl, c.headers
    parts = [pl.catalog.find(p.strip()) for p in _SPLIT.split(clean_text(cell)) if p.strip()]
    starts, ends = dates
    if type(starts) is not tuple:           # an end list beside a blank or single start: the starts are missing
        starts = (starts,) if starts is not None else ()
    for col, got in ((g["date_col"], starts), (g["expires_col"], ends)):
        if type(got) is tuple and len(got) != len(parts):
            head = headers[col if col is not None else g["col"]]      # no 认定日期 column beside an end list
            issues.append(Issue(er, head, E_DATE_COUNT.format(column=head, n=len(got), m=len(parts),
                                                              stages=headers[g["col"]]), "error", "date_count"))
            return
    tops = set(_tops([s for s in parts if s is not None]))
    todo = []
    for k, s in enumerate(parts):
        start = starts[k]
        if s is None:                       # an unknown name: warned by the caller, its date unused
            continue
        if start is None:
            issues.append(Issue(er, headers[g["date_col"]], E_NO_STAGE_DATE.format(stage=s.name, k=k + 1), "error",
                                "no_date"))
            return
        exp = ends[k] if type(ends) is tuple else (ends if s in tops else None)
        if exp is not None and exp < start:
            issues.append(Issue(er, headers[g["expires_col"]], E_EXPIRES.format(end=exp, start=start), "error",
                                "bad_date"))
            return
        todo.append((s, start, _end(exp)))
    before = len(out)
    for s, start, end in todo:
        _add(out, mine, s, start, end, _at(c.certs, j) if len(pl.groups) == 1 else None, list_name, True)
    late = max((start for _, start, _ in todo), default=None)
    if late is not None and late > pl.today and len(out) > before:
        issues.append(Issue(er, headers[g["date_col"]], W_DATE_LATE.format(day=late), "warning", "date_future"))


def _end(last_day):
    """The exclusive end after a 有效期至 (its last day held); OPEN_END (长期) stays open; None: none given."""
    if last_day is None or last_day == OPEN_END:
        return last_day
    return last_day + timedelta(days=1)


def _tops(stages) -> list:
    """The highest of *stages* on each track, in order."""
    best: dict = {}
    for s in stages:
        if s.track not in best or s.level >= best[s.track].level:
            best[s.track] = s
    return list(best.values())


def _blank_cell(values, col) -> bool:
    return col >= len(values) or blank(values[col])


def _group_value(pl, cols, col, j):
    if col is None:
        return None
    f = pl.work.get(col) if col in pl.work and pl.work[col] in cols else f"_d{col}"
    c = cols.get(f)
    return c[j] if c else None
