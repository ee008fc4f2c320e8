"""The ledger as an officer's list: one row a firm, the stages held with their dates.

Per track three columns: the stages held (names low to high, joined by 、), ``<track>认定日期`` and, where the
track's stages expire, ``<track>有效期至`` (the last day held, the day before the exclusive end).

Several stages of one track held at once (专精特新: 创新型 and 省级; a ladder holds one tier at a time, so only a
track that is not exclusive) each keep their own dates: the date cells then list one date per stage name, in the
stage cell's order, joined by 、 ("2024-03-15、2025-06-20"). In a 有效期至 cell ``长期`` is a stage held without
an end (open: a blank cell is read as "no end given", which the stage's validity fills).

Why one date per stage in the same cells, rather than a date column per stage: the sheet keeps its columns, so old
exports and the lists made from them have the same layout; an officer reads each date beside the name it belongs
to; and a track of three stages does not add six mostly empty columns. The price: such a cell is text in Excel
(a single stage's stays a date, sortable). The importer (``importers.plan_designations._by_position``) reads it
by position against the stage cell and refuses the row when the counts differ, so a date is never given to
another stage. A cell of one date (an old export, a government list) is read as before: the top stage's date,
the lower stages dated with a warning.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from itertools import chain
from pathlib import Path

from db import catalog_store, queries
from db.firm_fields import CODE_STATUS, STATUS_TITLE, record_fields
from db.ledger import Ledger
from importers.errors import InputError
from importers.export import Column, write_table
from importers.plan_clean import DATE_LIST_SEP, OPEN_WORD
from pipeline import fields

NO_STREET_SHEET = "未分街道"
EXCEL_KINDS = {"money": "number"}   # a field's kind as an export column's: date, int, text as they are
# text made of digits (codes, phone numbers): the column is formatted as text, so digits typed later stay text
DIGITS = frozenset({"code", "contact_phone"})
# widths (characters) where the values run wider than the title; any other column is sized by its title
WIDTHS = {"name": 38, "code": 22, "street": 10, "industry": 16, "officer": 10, "contact_person": 10,
          "contact_phone": 14, "legal_form": 14, "address": 30, "remark": 20, "code_status": 12}


def export_keys() -> tuple[str, ...]:
    """The firm columns of an export: every record field of ``pipeline.fields`` in list order (name,
    code, street first), then ``former_name`` (曾用名, the former names joined by 、, as the importer reads
    such a cell: without it a ledger exported and imported into another lost every former name, and with
    them the matching of lists that still use an old name), then ``code_status`` (代码核验). Read at call
    time: a field added to the list is exported."""
    return (*record_fields(), "former_name", "code_status")


def base_columns(keys=None) -> list[Column]:
    """The export columns of *keys* (default ``export_keys()``): titles and kinds from the field list."""
    out = []
    for key in keys or export_keys():
        if key == "code_status":
            out.append(Column(STATUS_TITLE, width=WIDTHS["code_status"]))
            continue
        f = fields.BY_KEY[key]
        kind = "code" if key in DIGITS else EXCEL_KINDS.get(f.kind, f.kind)
        out.append(Column(f.label, kind, width=WIDTHS.get(key)))
    return out


def ledger_columns(ledger: Ledger) -> list[Column]:
    cols = base_columns()
    for track in ledger.catalog().tracks:
        cols.append(Column(track.name, width=max(12, len(track.name) * 2.2)))
        cols.append(Column(f"{_short(track.name)}认定日期", "date"))
        if any(s.validity_kind != "none" for s in track.stages):
            cols.append(Column(f"{_short(track.name)}有效期至", "date"))
    return cols


def _short(name: str) -> str:
    return name.split("（")[0]


def ledger_rows(ledger: Ledger, *, street=None, stage=None, as_of: date | None = None, firm_ids=None,
                held: dict | None = None):
    """The export rows; *street* a street's name, or ``queries.NO_STREET`` for the firms without one.
    *held* is ``queries.holdings_on`` for the day when the caller has it already."""
    catalog = ledger.catalog()
    day = as_of or date.today()
    stage_id = None
    if stage:
        found = catalog.find(stage)
        if found is None:
            raise InputError(f"未知的认定类别“{stage}”，可用：{'、'.join(s.name for s in catalog.stages)}")
        stage_id = found.id
    if street and street is not queries.NO_STREET and ledger.street_id(street) is None:
        raise InputError(f"未知的街道“{street}”，可用：{'、'.join(n for _, n in ledger.streets())}")
    if held is None:
        held = queries.holdings_on(ledger.conn, day)
    tracks = catalog.tracks
    # per stage: (track position, level, name); per track: does it expire (a 有效期至 column)?
    place = {s.id: (ti, s.level, s.name) for ti, t in enumerate(tracks) for s in t.stages}
    expires = [any(s.validity_kind != "none" for s in t.stages) for t in tracks]
    empty = [None] * sum(3 if e else 2 for e in expires)
    last_day: dict[str, str] = {}
    keys = export_keys()
    i_status = keys.index("code_status")
    for r in queries.export_firms(ledger.conn, keys, street=street, stage_id=stage_id, day=day, firm_ids=firm_ids):
        fid = r[0]
        row = list(r[1:])
        row[i_status] = CODE_STATUS.get(row[i_status], row[i_status])
        mine = held.get(fid)
        if not mine:
            row.extend(empty)
            yield row
            continue
        by_track: dict[int, list] = {}
        for sid, start, end in mine:
            where = place.get(sid)
            if where is not None:
                by_track.setdefault(where[0], []).append((where[1], start, end, where[2]))
        for ti, expiring in enumerate(expires):
            have = by_track.get(ti)
            if have:
                row.extend(_track_cells(have, expiring, last_day))
            else:
                row.extend((None, None, None) if expiring else (None, None))
        yield row


def _track_cells(have: list, expiring: bool, last_day: dict) -> tuple:
    """A track's cells for the stages a firm holds, *have* [(level, start, end, name)]: the names low to high
    joined by 、; one stage: its start and last day as dates; several: one start and one last day per name in
    the same order, joined by 、. In a track that expires, a stage held without an end has ``长期`` (open: a blank
    cell would import as the stage's validity)."""
    if len(have) == 1:
        _, start, end, name = have[0]
        return (name, start, _last(end, last_day)) if expiring else (name, start)
    have.sort()
    names = DATE_LIST_SEP.join(h[3] for h in have)
    starts = DATE_LIST_SEP.join(h[1] for h in have)
    if not expiring:
        return names, starts
    return names, starts, DATE_LIST_SEP.join(_last(h[2], last_day) for h in have)


def _last(end: str | None, last_day: dict) -> str:
    """The last day held before the exclusive *end* (each distinct end computed once, in *last_day*); 长期 for none."""
    if not end:
        return OPEN_WORD
    day = last_day.get(end)
    if day is None:
        day = last_day[end] = (date.fromisoformat(end) - timedelta(days=1)).isoformat()
    return day


def export_ledger(ledger: Ledger, out: str | Path, *, street=None, stage=None, as_of: date | None = None,
                  by_street: bool = False, firm_ids=None, progress=None) -> int:
    """Write the ledger to .xlsx or .csv; returns the number of firms written.

    *by_street* (.xlsx only; refused for .csv, which has no sheets): one sheet per street, every firm on
    exactly one of them, so the total is the plain export's: each active street (even empty), each
    deactivated street that still has firms, and the firms without a street on a sheet 未分街道."""
    columns = ledger_columns(ledger)
    if by_street:
        if Path(out).suffix.lower() != ".xlsx":
            raise InputError("按街道分工作表（--by-street）只能导出为 .xlsx（.csv 没有工作表）；"
                             "要每个街道一个 .csv，请用 --street 逐个导出", file=Path(out).name)
        sheets = street_sheets(ledger, street=street, stage=stage, as_of=as_of, firm_ids=firm_ids)
        return write_table(out, columns, None, sheets=sheets, progress=progress)
    rows = ledger_rows(ledger, street=street, stage=stage, as_of=as_of, firm_ids=firm_ids)
    return write_table(out, columns, rows, progress=progress)


def street_sheets(ledger: Ledger, *, street=None, stage=None, as_of: date | None = None, firm_ids=None
                  ) -> list[tuple[str, Iterable]]:
    """(street or 未分街道, rows) per sheet of a by-street export; a group without firms is left out,
    except an active street. Sheet names are made legal and unique by ``write_table``."""
    held = queries.holdings_on(ledger.conn, as_of or date.today())
    if street:
        groups = [(street, street, True)]
    else:
        groups = [(name, name, active) for _id, name, active in catalog_store.all_streets(ledger.conn)]
        groups.append((NO_STREET_SHEET, queries.NO_STREET, False))
    out: list[tuple[str, Iterable]] = []
    for title, key, always in groups:
        rows = ledger_rows(ledger, street=key, stage=stage, as_of=as_of, firm_ids=firm_ids, held=held)
        first = next(rows, None)
        if first is not None:
            out.append((title, chain((first,), rows)))
        elif always:
            out.append((title, iter(())))
    return out
