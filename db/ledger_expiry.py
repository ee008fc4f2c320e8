"""Sorting the ledger table by its expiry column ("高企 2026-03-01") in SQL.

A firm's sort value is the earliest end date among the designations it holds on the query's
day, of the stage filtered on (else of any stage but a star tier); firms with none come last
in both directions; firms with the same end date follow the id of that designation. The rows
are found by walking the designations in end-date order (the
``designations_live_end`` / ``designations_end`` indexes) and keeping each firm's earliest one,
then the firms without any in id order, so the first page of a million firms is read from a few
hundred index entries instead of computing and sorting a value for every firm.
"""
from __future__ import annotations

from datetime import timedelta

from db.ledger_view import COLUMNS, LedgerQuery, expiry_stages, search_condition, walkable, where


def held(alias: str, q: LedgerQuery) -> tuple[str, list]:
    """The designations behind the expiry value: live, held on the day, with an end, of the right stage."""
    day = q.day().isoformat()
    stage_sql, stage_params = expiry_stages(alias, q)
    return (f"{alias}.deleted_at IS NULL AND {alias}.start_date <= ? AND {alias}.end_date > ? AND {stage_sql}",
            [day, day, *stage_params])


KEY = "{a}.end_date || '#' || printf('%012d', {a}.id)"   # (end date, designation id): the order the index gives


def expiry_order(q: LedgerQuery, direction: str) -> tuple[str, list]:
    """ORDER BY for a plain query over ``firms f`` giving the same order as the walk (for ``ids()``)."""
    cond, params = held("d", q)
    value = f"(SELECT min({KEY.format(a='d')}) FROM designations d WHERE d.firm_id = f.id AND {cond})"
    return f"{value} IS NULL, {value} {direction}, f.id {direction}", params + params


def _with_end(q: LedgerQuery, frequent: bool, search) -> tuple[str, list]:
    """The firms with an expiry: each one's earliest held designation *d* (of the stage filtered on). The stage
    and expiring filters are conditions on *d* itself here (d is held, of that stage, ending by the limit),
    so they need no list of the stage's holders; with broad filters only, SQLite is made to walk the
    end-date index (d first, CROSS JOIN) and test each firm, instead of collecting a street's firms to sort."""
    walk = walkable(q)
    base, base_params = where(q.with_(stage_id=None, expiring_days=None), frequent, walk=walk, search=search)
    d_cond, d_params = held("d", q)
    if q.expiring_days is not None:
        d_cond += " AND d.end_date <= ?"
        d_params = [*d_params, (q.day() + timedelta(days=int(q.expiring_days))).isoformat()]
    first_cond, first_params = held("d2", q)
    index = "designations_end" if q.stage_id is not None else "designations_live_end"
    source = f"designations d INDEXED BY {index} CROSS JOIN firms f" if walk else "designations d JOIN firms f"
    return (f"{source} ON f.id = d.firm_id WHERE {d_cond} AND {base} AND NOT EXISTS (SELECT 1 FROM designations d2 "
            "INDEXED BY designations_firm WHERE d2.firm_id = d.firm_id "
            f"AND {first_cond} AND (d2.end_date < d.end_date OR d2.end_date = d.end_date AND d2.id < d.id))",
            [*d_params, *base_params, *first_params])


def _segments(view, q: LedgerQuery, after, frequent: bool):
    """(FROM+WHERE text, params, value expression, ORDER BY) of the parts to read, in order."""
    search = getattr(view, "search_sql", search_condition)     # the engine's search (a shared ledger's: db/pg)
    base, base_params = where(q, frequent, search=search)
    desc = q.descending
    direction = "DESC" if desc else "ASC"
    op = "<" if desc else ">"
    d_cond, d_params = held("d", q)
    with_end, with_params = _with_end(q, frequent, search)
    without = (f"firms f WHERE {base} AND NOT EXISTS (SELECT 1 FROM designations d WHERE d.firm_id = f.id "
               f"AND {d_cond})")
    without_params = [*base_params, *d_params]
    out = []
    if after is None or after[0] is not None:
        extra, extra_params = "", []
        if after is not None:
            end, _sep, did = str(after[0]).partition("#")
            # the plain bound lets the index range start at the key; the row value then skips its ties
            extra = f" AND d.end_date {op}= ? AND (d.end_date, d.id) {op} (?, ?)"
            extra_params = [end, end, int(did)]
        out.append((with_end + extra, with_params + extra_params, KEY.format(a="d"),
                    f"d.end_date {direction}, d.id {direction}"))
        if q.expiring_days is None:         # a firm without an expiry never expires within N days
            out.append((without, without_params, "NULL", f"f.id {direction}"))
    elif q.expiring_days is None:
        out.append((without + f" AND f.id {op} ?", [*without_params, after[1]], "NULL", f"f.id {direction}"))
    return out


def expiry_rows(view, q: LedgerQuery, after, offset: int, limit: int, keys_only: bool, frequent: bool) -> list:
    """Rows (id, sort value, columns…) or keys (sort value, id) as ``LedgerView._rows`` returns them."""
    select = ", ".join(c.select or "NULL" for c in COLUMNS)
    out: list = []
    for body, params, value, order in _segments(view, q, after, frequent):
        need = limit - len(out)
        if need <= 0:
            break
        if keys_only:
            sql = f"SELECT {value}, f.id FROM {body} ORDER BY {order} LIMIT ? OFFSET ?"
        else:
            body = body.replace(" WHERE ", " LEFT JOIN streets s ON s.id = f.street_id WHERE ", 1)
            sql = f"SELECT f.id, {value}, {select} FROM {body} ORDER BY {order} LIMIT ? OFFSET ?"
        rows = view.conn.execute(sql, [*params, need, offset]).fetchall()
        if not rows and offset:
            offset = max(0, offset - view.conn.execute(f"SELECT count(*) FROM {body}", params).fetchone()[0])
        else:
            offset = 0
        out += [tuple(r) for r in rows]
    return out
