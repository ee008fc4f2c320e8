"""The shared ledger (PostgreSQL) beside the file, in the same run (issue 16).

The big bench ledger is pushed into a database of its own on the server (``XINGTU_BENCH_PG``: a superuser's URL
of any database there; default the local server; ``XINGTU_BENCH_PG_DB``: its name, default xingtu_bench_<firms>),
kept between runs while its ledger id and firm count match the file's. Then, each figure with the file's in the
same run as its baseline:
- the desktop window (bench/child.py ``desktop``, a fresh process each) on the shared ledger as a manager who
  reads every street (a viewer login: row-level security is evaluated as for a real manager) and on the file:
  start to first page, the slowest search keystroke, the slowest sort;
- a list imported into a freshly initialised shared ledger and into an empty file ledger (the same list);
- 20 simulated officers (bench/officer.py, separate processes, four to a street) searching, editing and importing
  for 60 s: p50 and p95 of each action, errors, edits refused because the firm changed in between, and lost
  updates (each edit adds 1 to a hot firm's employee count from the value read: the counts must have grown by
  exactly the saved edits). The officers' baseline is the same search on the file, in one process.
"""
from __future__ import annotations

import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from bench import fig_shared_dash, generate
from bench.measure import FAILED, Context, Row, missing, not_measured, run_child

KEYS = ("shared_push", "shared_start", "shared_search_worst", "shared_sort_worst", "shared_import",
        "shared_import_admin", "shared_officers_search", "shared_officers_edit", "shared_officers_import",
        "shared_lost_updates", "shared_dashboard_open", "shared_dashboard_as_of")
NEEDS = ("psycopg", "db.pg.setup", "db.pg.transfer", "db.conflict")
SERVER_ENV = "XINGTU_BENCH_PG"
# the bench databases' names begin with this (XINGTU_BENCH_DB: another prefix, so two runs on one server never
# drop each other's databases)
PREFIX = os.environ.get("XINGTU_BENCH_DB", "xingtu_bench")
STEPS_ENV = "XINGTU_BENCH_SHARED_STEPS"
DATABASE_ENV = "XINGTU_BENCH_PG_DB"      # the big ledger's database name (default <prefix>_<firms>)
# the officers' run: 20 for 60 s (XINGTU_BENCH_OFFICERS / XINGTU_BENCH_SECONDS shorten it, e.g. in the smoke test)
OFFICERS = int(os.environ.get("XINGTU_BENCH_OFFICERS", "20"))
SECONDS = float(os.environ.get("XINGTU_BENCH_SECONDS", "60"))
STREETS_USED, HOT = 5, 8


def login(database: str, who: str) -> str:
    """A bench login: named after its database (logins are the server's, shared by all its databases)."""
    return f"{database}_{who}"


def server_url() -> str:
    return os.environ.get(SERVER_ENV, "postgresql://postgres@127.0.0.1:5432/postgres")


def _url(database: str, login: str | None = None) -> str:
    from psycopg.conninfo import conninfo_to_dict

    from db.pg.url import build_url
    p = conninfo_to_dict(server_url())
    return build_url(str(p.get("host") or "127.0.0.1"), int(p.get("port") or 5432), database,
                     login or str(p.get("user") or "postgres"), None if login else p.get("password"))


def _rows(n: int, n_import: int) -> dict[str, Row]:
    row = Row
    file_desk = "同一台账的本地文件（SQLite），同样的窗口与操作"
    return {
        "shared_push": row("shared_push", "共享台账：push 文件台账（含逐表计数与报表核对）", n, "s",
                           baseline_name="无（一次性）"),
        "shared_start": row("shared_start", "共享台账：桌面启动到表格第一页（查看全区）", n, "s",
                            baseline_name=file_desk),
        "shared_search_worst": row("shared_search_worst", "共享台账：搜索按键（最慢的一键）", n, "ms", goal="≤ 50 ms",
                                   max_value=0.050, baseline_name=file_desk),
        "shared_sort_worst": row("shared_sort_worst", "共享台账：按列排序（最慢的一列）", n, "ms", goal="≤ 200 ms",
                                 max_value=0.200, baseline_name=file_desk),
        "shared_import": row("shared_import", "共享台账：导入名单（15 列）", n_import, "s", goal="≤ 1.5×",
                             max_ratio=1.5, baseline_name="同一名单导入空的本地文件台账"),
        "shared_import_admin": row("shared_import_admin", "共享台账：管理员登录导入名单（15 列）", n_import, "s",
                                   goal="≤ 1.5×", max_ratio=1.5, baseline_name="同一名单导入空的本地文件台账"),
        "shared_officers_search": row("shared_officers_search", f"{OFFICERS} 名专员同时工作：搜索（p95）", n, "ms",
                                      baseline_name="同样的搜索在本地文件上（单进程，p95）"),
        "shared_officers_edit": row("shared_officers_edit", f"{OFFICERS} 名专员同时工作：修改企业（p95）", n, "ms",
                                    baseline_name="无"),
        "shared_officers_import": row("shared_officers_import", f"{OFFICERS} 名专员同时工作：导入 20 行名单（p95）", n,
                                      "ms", baseline_name="无"),
        "shared_lost_updates": row("shared_lost_updates", f"{OFFICERS} 名专员同时工作：丢失的修改", n, "次",
                                   goal="= 0", max_value=0.0, baseline_name="无"),
        **fig_shared_dash.rows(n),
    }


def run(ctx: Context) -> list[Row]:
    n = ctx.big
    n_import = max(s for s in ctx.sizes if s <= 100_000) if any(s <= 100_000 for s in ctx.sizes) else 10_000
    rows = _rows(n, n_import)
    absent = missing(*NEEDS)
    if absent:
        return [not_measured(r, detail="、".join(absent)) for r in rows.values()]
    try:
        import psycopg
        psycopg.connect(server_url(), connect_timeout=5).close()
    except Exception as exc:  # noqa: BLE001
        return [not_measured(r, "未测（没有可用的 PostgreSQL 服务器）", str(exc)[:120]) for r in rows.values()]
    steps = (("push", _push_figures), ("desktop", _desktop_figures), ("dashboard", _dashboard_figures),
             ("import", _import_figures), ("officers", _officer_figures))
    chosen = os.environ.get(STEPS_ENV)             # e.g. "push,import": the other steps' figures are not measured
    if chosen:
        steps = tuple(s for s in steps if s[0] == "push" or s[0] in chosen.split(","))
    state: dict = {}
    for name, step in steps:
        try:
            step(ctx, rows, state)
        except Exception as exc:  # noqa: BLE001  (a failed step is a finding in the results)
            ctx.log(f"共享台账 {name} 出错：{exc}")
            for r in rows.values():
                if r.ours is None and not r.note:
                    r.note = f"{FAILED}：{name}：{str(exc)[:160]}"
            if name == "push":
                break
    return list(rows.values())


# the database ------------------------------------------------------------------------------------------------

def _fresh_database(name: str) -> str:
    """An empty UTF-8 database *name* (dropped first with its roles), initialised as a shared ledger; its URL."""
    import psycopg
    from psycopg import sql

    from db.pg.setup import init
    with psycopg.connect(server_url(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        for (role,) in conn.execute("SELECT rolname FROM pg_roles WHERE starts_with(rolname, %s) "
                                    "ORDER BY rolname DESC", (f"{name}_",)).fetchall():   # the ledger's roles, logins
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
        base = sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(name))
        try:
            conn.execute(base + sql.SQL(" LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"))
        except psycopg.errors.InvalidParameterValue:
            conn.execute(base)
    url = _url(name)
    init(url)
    return url


def _same_ledger(url: str, file, n: int) -> bool:
    import psycopg

    from db.backup import ledger_id_of
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            got = conn.execute("SELECT (SELECT value FROM meta WHERE key = 'ledger_id'), "
                               "(SELECT count(*) FROM firms)").fetchone()
    except Exception:  # noqa: BLE001  (no such database, or not a ledger: made afresh)
        return False
    return got == (ledger_id_of(file), n)


def _push_figures(ctx: Context, rows: dict, state: dict) -> None:
    from db.pg.setup import add_user
    from db.pg.transfer import push
    n = ctx.big
    file = generate.ensure_ledger(n, ctx.log)
    name = os.environ.get(DATABASE_ENV) or f"{PREFIX}_{n}"
    url = _url(name)
    if _same_ledger(url, file, n):
        rows["shared_push"].note = "沿用上次运行已 push 的数据库（未重测）"
    else:
        ctx.log(f"共享台账：push {n:,} 家企业到 {name} …")
        url = _fresh_database(name)
        t = time.perf_counter()
        moved = push(file, url)
        r = rows["shared_push"]
        r.ours = time.perf_counter() - t
        steps = "、".join(f"{label} {moved.timings[k]:.1f}" for k, label in PUSH_STEPS if k in moved.timings)
        r.note = f"{moved.counts.get('designations', 0):,} 条认定，核对报表 {len(moved.reports)} 份；分步（s）：{steps}"
    streets = _streets(url)
    logins = [u.login for u in _users(url)]
    if login(name, "manager") not in logins:
        add_user(url, login(name, "manager"), "viewer", [])
    for k in range(OFFICERS):
        if login(name, f"o{k}") not in logins:
            add_user(url, login(name, f"o{k}"), "officer", [streets[k % STREETS_USED]])
    state.update(url=url, database=name, file=file, streets=streets)


# push's steps (db/pg/transfer.py ``Moved.timings``): each COPY is staging + INSERT … SELECT + the indexes rebuilt
PUSH_STEPS = (("copy_firms", "企业"), ("copy_designations", "认定"), ("copy_other", "其余各表"),
              ("analyze", "ANALYZE"), ("counts", "逐表计数"), ("reports", "报表核对"), ("commit", "提交"))


def _streets(url: str) -> list[str]:
    import psycopg
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute("SELECT name FROM streets WHERE active ORDER BY sort, id")]


def _users(url: str):
    from db.pg.setup import list_users
    return list_users(url)


# the desktop window ------------------------------------------------------------------------------------------

def _desktop_figures(ctx: Context, rows: dict, state: dict) -> None:
    url, file = _url(state["database"], login(state["database"], "manager")), state["file"]
    rounds = max(1, min(ctx.rounds, 2))
    ctx.log(f"共享台账：桌面 × {rounds} 轮（共享与文件交替）…")
    shared, local = [], []
    for i in range(rounds):
        pair = [(url, shared), (str(file), local)]
        for where, out in (pair if i % 2 == 0 else pair[::-1]):
            out.append(run_child("desktop", where, marker="FIRST_PAGE", timeout=900))
    med = statistics.median
    r = rows["shared_start"]
    r.ours, r.baseline = med(o["marker_s"] for o in shared), med(o["marker_s"] for o in local)
    r.note = f"查看者（全区 {shared[0]['firms']:,} 家）"
    for key, pick in (("shared_search_worst", _worst_key), ("shared_sort_worst", _worst_sort)):
        (r := rows[key]).ours, what = pick(shared)
        r.baseline, _ = pick(local)
        r.note = what
    ours, theirs = _worst_shown(shared), _worst_shown(local)
    if ours and theirs:
        rows["shared_search_worst"].note += (f"；输入到结果与计数全部显示（含后台搜索）最慢 {ours[0]:.2f} s"
                                             f"（“{ours[1]}”），文件 {theirs[0]:.2f} s（“{theirs[1]}”）")


def _dashboard_figures(ctx: Context, rows: dict, state: dict) -> None:
    ctx.log("共享台账：看板打开与重算（共享与文件交替）…")
    fig_shared_dash.figures(ctx, rows, _url(state["database"], login(state["database"], "manager")), state["file"])


def _worst_key(outs: list[dict]) -> tuple[float, str]:
    per: dict[str, list] = {}
    for o in outs:
        for text, s, _count, _cpu in o["keystrokes"]:
            per.setdefault(text, []).append(s)
    meds = {k: statistics.median(v) for k, v in per.items()}
    worst = max(meds, key=meds.get)
    return meds[worst], f"最慢：输入“{worst or '（清空）'}”"


def _worst_shown(outs: list[dict]) -> tuple[float, str] | None:
    """The slowest search until its rows and count were shown, a background one included (median of the rounds)."""
    per: dict[str, list] = {}
    for o in outs:
        for text, s in o.get("keystrokes_shown", ()):
            per.setdefault(text, []).append(s)
    if not per:
        return None
    meds = {k: statistics.median(v) for k, v in per.items()}
    worst = max(meds, key=meds.get)
    return meds[worst], worst or "（清空）"


def _worst_sort(outs: list[dict]) -> tuple[float, str]:
    per: dict[str, list] = {}
    for o in outs:
        for column, order, s in o["sorts"]:
            per.setdefault(f"{column} {order}", []).append(s)
    meds = {k: statistics.median(v) for k, v in per.items()}
    worst = max(meds, key=meds.get)
    return meds[worst], f"最慢：{worst}"


# an import ---------------------------------------------------------------------------------------------------

def _import_figures(ctx: Context, rows: dict, state: dict) -> None:
    r = rows["shared_import"]
    n = r.size
    listed = generate.ensure_list(n, ctx.log)
    ctx.log(f"共享台账：导入 {n:,} 行名单（共享与文件各一次，另以管理员登录导入一次）…")
    from db.pg.setup import add_user
    from db.pg.transfer import push
    database = f"{PREFIX}_import_{n}"
    empty = generate.copy_ledger(generate.empty_ledger_path(), ctx.work / "import-empty.db")
    runs = {}
    for who in ("superuser", "admin"):
        url = _fresh_database(database)
        push(empty, url)                    # the same catalog, streets and targets as the empty file ledger
        if who == "admin":
            add_user(url, login(database, "admin1"), "admin", [])
            url = _url(database, login(database, "admin1"))
        t = time.perf_counter()
        runs[who] = run_child("import", listed, url, timeout=3600), time.perf_counter() - t
    t = time.perf_counter()
    local = run_child("import", listed, empty, timeout=3600)
    r.baseline = time.perf_counter() - t
    got, r.ours = runs["superuser"]
    counts = got.get("counts", {})
    r.note = (f"超级用户（表的属主）导入 {counts.get('rows', '?')} 行（新企业 {counts.get('created', '?')} 家），"
              f"新进程整体用时；分步：{_steps(got.get('timings', {}))}；文件：{_steps(local.get('timings', {}))}")
    admin = rows["shared_import_admin"]
    done, admin.ours = runs["admin"]
    admin.baseline = r.baseline
    counts = done.get("counts", {})
    admin.note = (f"管理员登录（不是表的属主：索引重建与 ANALYZE 由属主的函数 xingtu_bulk_insert 完成）导入 "
                  f"{counts.get('rows', '?')} 行（新企业 {counts.get('created', '?')} 家），新进程整体用时；"
                  f"分步：{_steps(done.get('timings', {}))}；超级用户 {r.ours:.1f} s")


# the write's steps (importers/commit.py, db/bulk.py, db/pg/copy.py laps) gathered for the note
STEPS = (("读取", ("read",)), ("预览", ("plan",)), ("拼音", ("write:new_firms_pinyin",)),
         ("新企业暂存 COPY", ("write:new_firms_staging",)),
         ("新企业 INSERT…SELECT", ("write:new_firms_insert_select", "write:new_firms_insert")),
         ("新企业索引", ("write:new_firms_indexes", "write:new_firms_search")),
         ("认定（暂存、插入、索引）", ("write:designations",)), ("提交", ("write:commit",)))


def _steps(timings: dict) -> str:
    parts = []
    for label, keys in STEPS:
        found = [timings[k] for k in keys if k in timings]
        if found:
            parts.append(f"{label} {sum(found):.1f}")
    return "、".join(parts) + " s" if parts else "（无分步计时）"


# twenty officers ---------------------------------------------------------------------------------------------

def _hot_firms(url: str, streets: list[str]) -> dict[str, list[int]]:
    import psycopg
    out = {}
    with psycopg.connect(url) as conn:
        for street in streets[:STREETS_USED]:
            out[street] = [r[0] for r in conn.execute(
                "SELECT f.id FROM firms f JOIN streets s ON s.id = f.street_id WHERE s.name = %s "
                "AND f.deleted_at IS NULL ORDER BY f.id LIMIT %s", (street, HOT))]
    return out


def _employees(url: str, ids: list[int]) -> dict[int, int]:
    import psycopg
    with psycopg.connect(url) as conn:
        return {fid: (e or 0) for fid, e in conn.execute("SELECT id, employees FROM firms WHERE id = ANY(%s)", (ids,))}


def _officer_figures(ctx: Context, rows: dict, state: dict) -> None:
    url, streets, database = state["url"], state["streets"], state["database"]
    hot = _hot_firms(url, streets)
    every = [fid for ids in hot.values() for fid in ids]
    before = _employees(url, every)
    ctx.log(f"共享台账：{OFFICERS} 名专员同时工作 {SECONDS:.0f} s …")

    def one(k: int) -> dict:
        street = streets[k % STREETS_USED]
        return run_child("officer", _url(database, login(database, f"o{k}")), SECONDS, k,
                         ",".join(map(str, hot[street])), timeout=SECONDS * 10 + 300)
    with ThreadPoolExecutor(OFFICERS) as pool:
        outs = list(pool.map(one, range(OFFICERS)))
    after = _employees(url, every)
    saved: dict[int, int] = {}
    for o in outs:
        for fid, count in o["saved"].items():
            saved[int(fid)] = saved.get(int(fid), 0) + count
    lost = sum(abs(saved.get(fid, 0) - (after[fid] - before[fid])) for fid in every)
    errors = [e for o in outs for e in o["errors"]]
    conflicts = sum(o["conflicts"] for o in outs)
    local = run_child("officer", str(state["file"]), min(SECONDS, 15), 99, "-", timeout=600)["latency"]["search"]
    for action in ("search", "edit", "import"):
        samples = [s for o in outs for s in o["latency"][action]]
        r = rows[f"shared_officers_{action}"]
        if samples:
            r.ours = _p(samples, 95)
            r.note = f"p50 {_p(samples, 50) * 1000:.0f} ms，{len(samples)} 次"
    if local:
        rows["shared_officers_search"].baseline = _p(local, 95)
    r = rows["shared_lost_updates"]
    r.ours = float(lost)
    r.note = (f"保存的修改 {sum(saved.values())} 次，因他人先改而被拒 {conflicts} 次；出错 {len(errors)} 次"
              + (f"（如：{errors[0][:80]}）" if errors else ""))


def _p(samples: list[float], pct: int) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]
