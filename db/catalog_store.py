"""Catalog, streets and targets in the ledger: seeding from resources/, loading, editing."""
from __future__ import annotations

import json
import sqlite3

from pipeline.catalog import Catalog, Funnel, FunnelStep, Stage, Track, default_streets, default_targets, load_defaults


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
                (cur.lastrowid, st["key"], st["name"], level, kind, value, json.dumps(st.get("aliases", []), ensure_ascii=False)))
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
                "INSERT INTO targets (year, indicator, kind, stages, require, street_id, target, base, base_year, sort) "
                "VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)",
                (t["year"], row["indicator"], row["kind"], json.dumps(row["stages"]), json.dumps(row.get("require", [])),
                 row["target"], row.get("base"), row.get("base_year"), sort))


def load_catalog(conn: sqlite3.Connection) -> Catalog:
    tracks = []
    rows = conn.execute(
        "SELECT s.id, s.key, s.name, t.key, s.level, s.validity_kind, s.validity_value, s.aliases, "
        "t.name, t.exclusive FROM stages s JOIN tracks t ON t.id = s.track_id "
        "WHERE s.active ORDER BY t.sort, s.level").fetchall()
    by_track: dict[str, list] = {}
    meta: dict[str, tuple] = {}
    for sid, key, name, track, level, vk, vv, aliases, tname, excl in rows:
        by_track.setdefault(track, []).append(
            Stage(sid, key, name, track, level, vk, vv, tuple(json.loads(aliases or "[]"))))
        meta[track] = (tname, bool(excl))
    for track, stages in by_track.items():
        tracks.append(Track(track, meta[track][0], meta[track][1], tuple(stages)))
    funnels = []
    row = conn.execute("SELECT value FROM meta WHERE key = 'funnels'").fetchone()
    for f in json.loads(row[0]) if row else []:
        funnels.append(Funnel(f["key"], f["name"], tuple(FunnelStep(s["name"], tuple(s["stages"])) for s in f["steps"])))
    row = conn.execute("SELECT value FROM meta WHERE key = 'four_batches'").fetchone()
    return Catalog(tracks, funnels, json.loads(row[0]) if row else {})


def streets(conn: sqlite3.Connection) -> list[tuple[int, str]]:
    return conn.execute("SELECT id, name FROM streets WHERE active ORDER BY sort, id").fetchall()
