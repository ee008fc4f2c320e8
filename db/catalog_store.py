"""Catalog, streets and targets in the ledger: seeding from resources/, loading, editing."""
from __future__ import annotations

import json
import sqlite3

from pipeline.catalog import (
    Catalog,
    Funnel,
    FunnelStep,
    Stage,
    Track,
    _fold,
    default_streets,
    default_targets,
    load_defaults,
)


def seed_defaults(conn: sqlite3.Connection, *, targets: bool = True) -> None:
    """Fill an empty ledger with the default catalog, the 14 streets and the 2023 targets.

    Runs inside the caller's transaction."""
    data = load_defaults()
    for t_sort, track in enumerate(data["tracks"]):
        cur = conn.execute("INSERT INTO tracks (key, name, sort, exclusive, note) VALUES (?, ?, ?, ?, ?)",
                           (track["key"], track["name"], t_sort, int(track["exclusive"]), track.get("note")))
        for level, st in enumerate(track["stages"], start=1):
            kind, value = st["validity"]
            conn.execute(
                "INSERT INTO stages (track_id, key, name, level, validity_kind, validity_value, aliases) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (cur.lastrowid, st["key"], st["name"], level, kind, value,
                 json.dumps(st.get("aliases", []), ensure_ascii=False)))
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('funnels', ?)",
                 (json.dumps(data["funnels"], ensure_ascii=False),))
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('four_batches', ?)",
                 (json.dumps(data["four_batches"], ensure_ascii=False),))
    conn.executemany("INSERT INTO streets (name, sort) VALUES (?, ?)",
                     [(name, i) for i, name in enumerate(default_streets())])
    if targets:
        t = default_targets()
        for sort, row in enumerate(t["targets"]):
            conn.execute(
                "INSERT INTO targets (year, indicator, kind, stages, require, street_id, target, base, base_year, "
                "sort) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)",
                (t["year"], row["indicator"], row["kind"], json.dumps(row["stages"]),
                 json.dumps(row.get("require", [])), row["target"], row.get("base"), row.get("base_year"), sort))


def load_catalog(conn: sqlite3.Connection) -> Catalog:
    tracks = []
    rows = conn.execute(
        "SELECT s.id, s.key, s.name, t.key, s.level, s.validity_kind, s.validity_value, s.aliases, "
        "t.name, t.exclusive, s.active FROM stages s JOIN tracks t ON t.id = s.track_id "
        "ORDER BY t.sort, s.level").fetchall()
    by_track: dict[str, list] = {}
    meta: dict[str, tuple] = {}
    retired = []            # deactivated: still counted where a target or funnel names them (pipeline.catalog)
    for sid, key, name, track, level, vk, vv, aliases, tname, excl, active in rows:
        stage = Stage(sid, key, name, track, level, vk, vv, tuple(json.loads(aliases or "[]")))
        if not active:
            retired.append(stage)
            continue
        by_track.setdefault(track, []).append(stage)
        meta[track] = (tname, bool(excl))
    for track, stages in by_track.items():
        tracks.append(Track(track, meta[track][0], meta[track][1], tuple(stages)))
    funnels = []
    row = conn.execute("SELECT value FROM meta WHERE key = 'funnels'").fetchone()
    for f in json.loads(row[0]) if row else []:
        funnels.append(
            Funnel(f["key"], f["name"], tuple(FunnelStep(s["name"], tuple(s["stages"])) for s in f["steps"]))
        )
    row = conn.execute("SELECT value FROM meta WHERE key = 'four_batches'").fetchone()
    return Catalog(tracks, funnels, json.loads(row[0]) if row else {}, tuple(retired))


def streets(conn: sqlite3.Connection) -> list[tuple[int, str]]:
    return conn.execute("SELECT id, name FROM streets WHERE active ORDER BY sort, id").fetchall()


def all_streets(conn: sqlite3.Connection) -> list[tuple[int, str, bool]]:
    """Every street, deactivated ones too (firms may still be on them): (id, name, active), active first."""
    return [(i, n, bool(a)) for i, n, a in
            conn.execute("SELECT id, name, active FROM streets ORDER BY active DESC, sort, id")]


# editing: every change through a Writer (audited, one transaction) -------------------------------

def add_stage(w, track_key: str, key: str, name: str, *, level: int | None = None, validity_kind: str = "none",
              validity_value: int | None = None, aliases: list[str] | None = None, track_name: str | None = None,
              exclusive: bool = False) -> int:
    """A new stage (and its track when the track is new). *level* defaults to the top of the track."""
    conn = w.conn
    _check_validity(validity_kind, validity_value)
    aliases = _check_names(conn, None, key, name, aliases or [])
    row = conn.execute("SELECT id FROM tracks WHERE key = ?", (track_key,)).fetchone()
    if row is None:
        if not track_name:
            raise ValueError(f"新的类别“{track_key}”需要名称")
        sort = conn.execute("SELECT COALESCE(MAX(sort), -1) + 1 FROM tracks").fetchone()[0]
        track_id = conn.execute("INSERT INTO tracks (key, name, sort, exclusive) VALUES (?, ?, ?, ?)",
                                (track_key, track_name, sort, int(exclusive))).lastrowid
        w.audit("insert", "track", track_id, None, None, {"key": track_key, "name": track_name})
    else:
        track_id = row[0]
    if level is None:
        level = conn.execute(
            "SELECT COALESCE(MAX(level), 0) + 1 FROM stages WHERE track_id = ?", (track_id,)
        ).fetchone()[0]
    else:
        conn.execute("UPDATE stages SET level = level + 1 WHERE track_id = ? AND level >= ?", (track_id, level))
    sid = conn.execute(
        "INSERT INTO stages (track_id, key, name, level, validity_kind, validity_value, aliases) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (track_id, key, name, level, validity_kind, validity_value, json.dumps(aliases or [], ensure_ascii=False)),
    ).lastrowid
    w.audit("insert", "stage", sid, None, None, {"track": track_key, "key": key, "name": name, "level": level,
                                                   "validity": [validity_kind, validity_value]})
    w.ledger.invalidate()
    return sid


def update_stage(w, key: str, **changes) -> dict:
    """Rename, re-time or re-alias a stage; existing designations keep their dates."""
    allowed = {"name", "validity_kind", "validity_value", "aliases", "active"}
    unknown = set(changes) - allowed
    if unknown:
        raise KeyError(", ".join(sorted(unknown)))
    cur = w.conn.execute(
        "SELECT id, name, validity_kind, validity_value, aliases, active FROM stages WHERE key = ?", (key,)
    )
    row = cur.fetchone()
    if row is None:
        raise KeyError(key)
    current = dict(zip(("id", "name", "validity_kind", "validity_value", "aliases", "active"), row, strict=True))
    if "name" in changes or "aliases" in changes:
        aliases = changes.get("aliases", json.loads(current["aliases"] or "[]"))
        checked = _check_names(w.conn, current["id"], key, changes.get("name", current["name"]), aliases)
        if "aliases" in changes:
            changes["aliases"] = json.dumps(checked, ensure_ascii=False)
    kind = changes.get("validity_kind", current["validity_kind"])
    value = changes.get("validity_value", current["validity_value"])
    _check_validity(kind, value)
    diff = {k: (current[k], v) for k, v in changes.items() if current[k] != v}
    if diff:
        w.conn.execute(f"UPDATE stages SET {', '.join(f'{k} = ?' for k in diff)} WHERE id = ?",
                       (*[v[1] for v in diff.values()], current["id"]))
        w.audit("update", "stage", current["id"], None, {k: v[0] for k, v in diff.items()},
                {k: v[1] for k, v in diff.items()})
        w.ledger.invalidate()
    return diff


def _check_names(conn: sqlite3.Connection, stage_id: int | None, key: str, name: str, aliases) -> list[str]:
    """The aliases, stripped, when the stage's key, name and aliases take no name another active stage
    answers to (``Catalog.find`` would resolve it to one of them) and repeat none; ValueError otherwise."""
    if not str(key).strip() or not str(name).strip():
        raise ValueError("认定类别的键和名称都不能为空")
    taken: dict[str, str] = {}
    for sid, s_key, s_name, s_aliases in conn.execute("SELECT id, key, name, aliases FROM stages WHERE active"):
        if sid != stage_id:
            for other in (s_key, s_name, *json.loads(s_aliases or "[]")):
                taken.setdefault(_fold(other), f"{s_name}（{s_key}）")
    out: list[str] = []
    seen: set[str] = set()
    for label, value in [("键", key), ("名称", name)] + [("别名", a) for a in aliases]:
        text = str(value).strip()
        folded = _fold(text)
        if not folded:
            raise ValueError(f"认定类别的{label}不能为空")
        if folded in taken:
            raise ValueError(f"{label}“{text}”已被认定类别“{taken[folded]}”使用，不能重名；未作任何修改")
        if label == "别名":
            if folded in seen:
                raise ValueError(f"别名“{text}”重复给出（或与本类别的键、名称相同）；未作任何修改")
            out.append(text)
        seen.add(folded)
    return out


def set_street(w, name: str, *, active: bool = True, rename_to: str | None = None) -> int:
    """Add a street, or rename / deactivate an existing one. ValueError (Chinese) for an empty name,
    a rename of a street that does not exist, or a name another street already has."""
    name = (name or "").strip()
    if not name:
        raise ValueError("街道名称不能为空；未作任何修改")
    if rename_to is not None:
        rename_to = rename_to.strip()
        if not rename_to:
            raise ValueError("新的街道名称不能为空；未作任何修改")
    row = w.conn.execute("SELECT id, name, active FROM streets WHERE name = ?", (name,)).fetchone()
    if rename_to is not None and row is None:
        raise ValueError(f"没有名为“{name}”的街道，无法改名；未作任何修改")
    if rename_to is not None and rename_to != name and w.conn.execute(
            "SELECT 1 FROM streets WHERE name = ?", (rename_to,)).fetchone():
        raise ValueError(f"已有名为“{rename_to}”的街道，不能改成重名；未作任何修改")
    if row is None:
        sort = w.conn.execute("SELECT COALESCE(MAX(sort), -1) + 1 FROM streets").fetchone()[0]
        sid = w.conn.execute("INSERT INTO streets (name, sort, active) VALUES (?, ?, ?)",
                             (rename_to or name, sort, int(active))).lastrowid
        w.audit("insert", "street", sid, None, None, {"name": rename_to or name})
        return sid
    sid, old_name, old_active = row
    new = {"name": rename_to or old_name, "active": int(active)}
    w.conn.execute("UPDATE streets SET name = ?, active = ? WHERE id = ?", (new["name"], new["active"], sid))
    w.audit("update", "street", sid, None, {"name": old_name, "active": old_active}, new)
    return sid


def _check_validity(kind: str, value) -> None:
    if kind not in ("months", "year_end", "none"):
        raise ValueError(f"有效期类型应为 months、year_end 或 none，而不是“{kind}”")
    if kind != "none" and (not isinstance(value, int) or value <= 0):
        raise ValueError("有效期须为正整数（月数或年数）")
