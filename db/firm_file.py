"""Reads for the firm file (企业档案): profile, timeline of designations, former names,
service records and the firm's audit history. No writes (those go through db.ledger.Writer)."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta

from db.audit_log import ACTIONS, ENTITIES, SOURCES
from pipeline.catalog import Catalog
from pipeline.fields import FIELD_LIST

RENEW_WINDOW_DAYS = 366        # a new designation of the same stage within this after the end: a renewal
# display names: the firm columns from the one list of fields (pipeline.fields), then the other record fields
FIELD_NAMES = {**{f.column or f.key: f.label for f in FIELD_LIST if f.scope in ("identity", "firm", "street")},
               "code_raw": "原始代码", "code_status": "代码核验", "needs_review": "待核实",
               "deleted_at": "移入回收站", "stage": "认定", "start_date": "开始日期", "end_date": "结束日期",
               "evidence": "证书编号", "list_name": "名单", "date": "日期", "kind": "方式", "notes": "内容",
               "follow_up": "跟进日期", "seen_on": "日期", "merged_into": "并入", "merged_from": "并入了",
               "name_sort": "拼音排序", "batch_id": "导入批次"}


@dataclass(frozen=True)
class Event:
    day: str                 # ISO date
    kind: str                # 获得 / 续期 / 晋级 / 降级 / 到期 / 失效 / 有效期至 / 退出
    stage: str
    detail: str              # evidence and list name
    source: str
    future: bool = False


def firm(conn: sqlite3.Connection, firm_id: int) -> dict | None:
    cur = conn.execute("SELECT f.*, s.name AS street FROM firms f LEFT JOIN streets s ON s.id = f.street_id "
                       "WHERE f.id = ?", (firm_id,))
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None


def aliases(conn: sqlite3.Connection, firm_id: int) -> list[tuple[str, str, int | None]]:
    """(former name, date seen, batch id) newest first."""
    return conn.execute("SELECT name, seen_on, batch_id FROM firm_aliases WHERE firm_id = ? "
                        "ORDER BY seen_on DESC, id DESC", (firm_id,)).fetchall()


def services(conn: sqlite3.Connection, firm_id: int) -> list[dict]:
    cur = conn.execute("SELECT id, date, officer, kind, notes, follow_up FROM service_records "
                       "WHERE firm_id = ? AND deleted_at IS NULL ORDER BY date DESC, id DESC", (firm_id,))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur]


def held_in_track(conn: sqlite3.Connection, catalog: Catalog, firm_id: int, track_key: str, day: str
                  ) -> list[tuple[int, int, str, str | None]]:
    """(designation id, stage id, start, end) of the firm's live designations in a track held on *day*."""
    ids = [s.id for s in catalog.track(track_key).stages]
    marks = ",".join("?" * len(ids))
    return conn.execute(
        f"SELECT id, stage_id, start_date, end_date FROM designations WHERE firm_id = ? AND deleted_at IS NULL "
        f"AND stage_id IN ({marks}) AND start_date <= ? AND (end_date IS NULL OR end_date > ?) ORDER BY start_date",
        (firm_id, *ids, day, day)).fetchall()


def held_on(conn: sqlite3.Connection, firm_id: int, day: str) -> list[tuple[int, int, str, str | None]]:
    """(designation id, stage id, start, end) of the firm's live designations held on *day*, begun before it."""
    return conn.execute(
        "SELECT id, stage_id, start_date, end_date FROM designations WHERE firm_id = ? AND deleted_at IS NULL "
        "AND start_date < ? AND (end_date IS NULL OR end_date > ?) ORDER BY start_date, id",
        (firm_id, day, day)).fetchall()


def _source(source: str, batch_id) -> str:
    text = SOURCES.get(source, source or "")
    return f"{text}（批次 {batch_id}）" if batch_id and source in ("import", "demo") else text


def timeline(conn: sqlite3.Connection, catalog: Catalog, firm_id: int, today: date | None = None) -> list[Event]:
    """Every designation as dated events, oldest first: gained, renewed, star moves, lapsed, expires."""
    today = today or date.today()
    rows = conn.execute(
        "SELECT stage_id, start_date, end_date, evidence, list_name, source, batch_id FROM designations "
        "WHERE firm_id = ? AND deleted_at IS NULL ORDER BY start_date, id", (firm_id,)).fetchall()
    events: list[Event] = []
    known = [r for r in rows if _stage(catalog, r[0]) is not None]
    for i, (sid, start, end, evidence, list_name, source, batch_id) in enumerate(known):
        stage = _stage(catalog, sid)
        track = catalog.track(stage.track)
        detail = "；".join(x for x in (evidence, list_name) if x)
        src = _source(source, batch_id)
        if track.exclusive:
            before = [r for r in known[:i] if _stage(catalog, r[0]).track == stage.track and r[2] == start]
            if before:
                prev = _stage(catalog, before[-1][0])
                if prev.id != stage.id:     # the same tier again (promoted and set back the same day): no move
                    kind = "晋级" if stage.level > prev.level else "降级"
                    events.append(Event(start, kind, f"{prev.name} → {stage.name}", detail, src))
            else:
                events.append(Event(start, "获得", stage.name, detail, src))
            if end:
                follows = any(_stage(catalog, r[0]).track == stage.track and r[1] == end for r in known[i + 1:])
                if not follows:
                    future = date.fromisoformat(end) > today      # 有效期至: the last day held (end - 1), as below
                    last = (date.fromisoformat(end) - timedelta(days=1)).isoformat()
                    events.append(Event(last, "有效期至", stage.name, "", src, True) if future
                                  else Event(end, "退出", stage.name, "", src))
            continue
        renewed_from = [r for r in known[:i] if r[0] == sid and r[2] and
                        date.fromisoformat(r[2]) - timedelta(days=RENEW_WINDOW_DAYS) <= date.fromisoformat(start)
                        <= date.fromisoformat(r[2]) + timedelta(days=RENEW_WINDOW_DAYS)]
        events.append(Event(start, "续期" if renewed_from else "获得", stage.name, detail, src))
        if end:
            last_day = (date.fromisoformat(end) - timedelta(days=1)).isoformat()
            renewed = any(r[0] == sid and date.fromisoformat(start) < date.fromisoformat(r[1])
                          <= date.fromisoformat(end) + timedelta(days=RENEW_WINDOW_DAYS) for r in known[i + 1:])
            if date.fromisoformat(end) > today:
                events.append(Event(last_day, "有效期至", stage.name, "", src, True))
            elif not renewed:
                events.append(Event(end, "失效", stage.name, f"有效期至 {last_day}，未重新认定", src))
            else:
                events.append(Event(last_day, "到期", stage.name, "已重新认定", src))
    events.sort(key=lambda e: (e.day, e.future))
    return events


def _stage(catalog: Catalog, stage_id: int):
    try:
        return catalog.by_id(stage_id)
    except KeyError:
        return None


def audit(conn: sqlite3.Connection, firm_id: int, limit: int = 500) -> list[dict]:
    """The firm's audit rows, newest first, each with a Chinese one-line description."""
    from db.restore import not_another_firms  # noqa: PLC0415
    cur = conn.execute("SELECT id, at, os_user, officer, action, entity, before, after, source, batch_id FROM audit "
                       f"WHERE firm_id = ? AND {not_another_firms(conn, firm_id)} ORDER BY id DESC LIMIT ?",
                       (firm_id, limit))
    names = [d[0] for d in cur.description]
    found = [dict(zip(names, r, strict=True)) for r in cur]
    from db.creation import batch_entries  # noqa: PLC0415
    made = [{k: e[k] for k in names} for e in batch_entries(conn, firm_id)]   # its creation, bulk designations
    if made:
        found = sorted([*found, *made], key=lambda row: (row["id"], row["entity"] != "firm"), reverse=True)[:limit]
    out = []
    for row in found:
        row["who"] = row["officer"] or row["os_user"]
        row["what"] = f"{ACTIONS.get(row['action'], row['action'])}{ENTITIES.get(row['entity'], row['entity'])}"
        row["change"] = describe_change(row["before"], row["after"])
        row["source_text"] = _source(row["source"], row["batch_id"])
        out.append(row)
    return out


def describe_change(before: str | None, after: str | None) -> str:
    b = json.loads(before) if before else {}
    a = json.loads(after) if after else {}
    if not isinstance(b, dict) or not isinstance(a, dict):
        return ""
    if not b and "note" in a and "batch" in a:
        return str(a["note"])
    keys = list(dict.fromkeys([*a, *b]))
    parts = []
    for k in keys:
        if k in ("updated_at", "created_at"):
            continue
        old, new = b.get(k), a.get(k)
        if before and after:
            parts.append(f"{FIELD_NAMES.get(k, k)}：{_txt(old)} → {_txt(new)}")
        else:
            parts.append(f"{FIELD_NAMES.get(k, k)}：{_txt(new if after else old)}")
    return "；".join(parts)


def _txt(v) -> str:
    return "（空）" if v in (None, "") else str(v)


def street_names(conn: sqlite3.Connection) -> dict[int, str]:
    return dict(conn.execute("SELECT id, name FROM streets"))
