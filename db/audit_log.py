"""Reading the audit log (who, when, what, before, after, source) for the app and the command line.

The log is append-only: a trigger forbids UPDATE; nothing here writes to it.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass
from datetime import date

from pipeline.uscc import normalize

# the names of the audit's actions, entities and sources, for every place that shows audit rows (here and the
# firm file, db/firm_file.py)
ACTIONS = {"insert": "新增", "update": "修改", "delete": "删除", "restore": "恢复", "purge": "彻底删除",
           "undo": "撤销", "merge": "合并", "unmerge": "撤销合并", "import": "导入", "init": "新建", "remember": "记住",
           "forget": "忘记", "copy": "复制"}
ENTITIES = {"firm": "企业", "designation": "认定", "alias": "曾用名", "service": "服务记录", "target": "目标",
            "stage": "认定类别", "track": "认定序列", "street": "街道", "batch": "导入批次", "ledger": "台账",
            "setting": "设置", "mapping": "列对应关系"}
SOURCES = {"person": "手工录入", "import": "导入", "demo": "示例数据", "cli": "命令行", "undo": "撤销"}


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    os_user: str
    officer: str | None
    action: str
    entity: str
    entity_id: int | None
    firm_id: int | None
    firm_code: str | None
    firm_name: str | None
    before: object
    after: object
    source: str
    batch_id: int | None

    def as_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        """One Chinese line: when, who, what, and the change."""
        who = self.os_user + (f"/{self.officer}" if self.officer else "")
        action = ACTIONS.get(self.action, self.action)
        if self.entity == "firm" and self.action == "delete":
            action = "移入回收站"
        what = ENTITIES.get(self.entity, self.entity)
        if what.startswith(action):         # 导入 + 导入批次 reads 导入批次, not 导入导入批次
            action = ""
        firm = f" {self.firm_name or ''}{f'（{self.firm_code}）' if self.firm_code else ''}" if self.firm_id else ""
        where = f"{SOURCES.get(self.source, self.source)}" + (f" 批次 {self.batch_id}" if self.batch_id else "")
        return f"{self.at[:19].replace('T', ' ')}  {who}  {action}{what}{firm}  {_change(self)}  [{where}]"


def _change(e: AuditEntry) -> str:
    if e.before is None and isinstance(e.after, dict) and "note" in e.after and e.entity == "firm":
        return str(e.after["note"])
    if e.before is None and isinstance(e.after, dict) and e.action in ("merge", "unmerge"):
        return "；".join(f"{'并入' if k == 'merged_into' else '并入了'} {v}" for k, v in e.after.items())
    if isinstance(e.before, dict) and isinstance(e.after, dict):
        parts = [f"{k}: {_short(e.before.get(k))} → {_short(e.after.get(k))}"
                 for k in e.after if e.before.get(k) != e.after.get(k)]
        return "；".join(parts)[:300]
    if e.after is not None:
        return _short(e.after, 200)
    if e.before is not None:
        return "原为 " + _short(e.before, 200)
    return ""


def _short(value, limit: int = 60) -> str:
    if value is None:
        return "（空）"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _load(text):
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _entry(r: tuple) -> AuditEntry:
    (entry_id, at, user, officer, action, entity, entity_id, firm_id, code, name, before, after, source,
     batch_id) = r
    return AuditEntry(entry_id, at, user, officer, action, entity, entity_id, firm_id, code, name, _load(before),
                      _load(after), source, batch_id)


def entries(conn: sqlite3.Connection, *, firm_id: int | None = None, since: date | None = None,
            until: date | None = None, entity: str | None = None, batch_id: int | None = None,
            limit: int | None = None) -> list[AuditEntry]:
    """Audit rows, oldest first; with *limit*, the newest *limit* of them."""
    where: list[str] = []
    params: list[object] = []
    if firm_id is not None:
        from db.restore import not_another_firms  # noqa: PLC0415
        where.append(f"a.firm_id = ? AND {not_another_firms(conn, firm_id, 'a.id')}")
        params.append(firm_id)
    if since is not None:
        where.append("a.at >= ?")
        params.append(since.isoformat())
    if until is not None:
        where.append("a.at < ?")
        params.append(until.isoformat())
    if entity:
        where.append("a.entity = ?")
        params.append(entity)
    if batch_id is not None:
        where.append("a.batch_id = ?")
        params.append(batch_id)
    sql = ("SELECT a.id, a.at, a.os_user, a.officer, a.action, a.entity, a.entity_id, a.firm_id, f.code, f.name, "
           "a.before, a.after, a.source, a.batch_id FROM audit a LEFT JOIN firms f ON f.id = a.firm_id"
           + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY a.id DESC")
    if limit:
        sql += f" LIMIT {int(limit)}"
    rows = conn.execute(sql, params).fetchall()
    out = [_entry(r) for r in rows]
    made = _from_batches(conn, firm_id, since, until, entity, batch_id) if firm_id is not None else []
    if made:
        out = sorted([*out, *made], key=lambda e: (e.id, e.entity != "firm"), reverse=True)[:limit or None]
    out.reverse()
    return out


def _from_batches(conn, firm_id: int, since, until, entity, batch_id) -> list[AuditEntry]:
    """The firm's history its batches' rows audit (its creation, designations added in bulk; db/creation.py),
    within the same filters."""
    from db.creation import batch_entries  # noqa: PLC0415
    code, name = conn.execute("SELECT code, name FROM firms WHERE id = ?", (firm_id,)).fetchone() or (None, None)
    out = []
    for e in batch_entries(conn, firm_id):
        if entity not in (None, e["entity"]) or batch_id not in (None, e["batch_id"]):
            continue
        if (since is not None and e["at"] < since.isoformat()) or (until is not None and e["at"] >= until.isoformat()):
            continue
        out.append(AuditEntry(e["id"], e["at"], e["os_user"], e["officer"], "insert", e["entity"], e["entity_id"],
                              firm_id, code, name, None, _load(e["after"]), "import", e["batch_id"]))
    return out


def firm_by_code(conn: sqlite3.Connection, code: str) -> tuple[int, str] | None:
    """(id, name) of the firm with this credit code (also one in the recycle bin, or one that was purged)."""
    norm = normalize(code)
    row = conn.execute("SELECT id, name FROM firms WHERE code = ?", (norm,)).fetchone()
    if row:
        return row[0], row[1]
    row = conn.execute("SELECT firm_id, before FROM audit WHERE entity = 'firm' AND action = 'purge' "
                       "AND json_extract(before, '$.code') = ?", (norm,)).fetchone()
    if row:
        return row[0], (_load(row[1]) or {}).get("name", "")
    return None
