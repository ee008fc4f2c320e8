"""Values a list implies without stating them, each taken only with a warning on its row.

- the street, when a row names none: from its address ("武昌区水果湖街…") or from the group sub-header it
  stands under ("杨园街道（12家）"), only when exactly one catalog street is named as a street (街/街道/街办);
- a registry's 登记状态 that says the firm is gone (注销, 吊销 …): imported, but never silently.
"""
from __future__ import annotations

import re

from importers.plan import Issue

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
    from importers.clean import street_in_address  # noqa: PLC0415
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
    from importers.clean import street_in_address  # noqa: PLC0415
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
