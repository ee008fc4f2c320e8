"""Deterministic ledgers and 15-column official lists of N firms, cached in bench/cache/.

A ledger of N firms holds about 5 designations a firm, spread over every track
of the catalog from 2013 to 2025, and the 2023-2025 targets decomposed to the
streets. It is written straight into SQLite with ``executemany`` in one
transaction (indexes dropped during the load and rebuilt after), not through
the demo generator's Python loops, so a million firms take about a minute.
The list of N firms is the same N firms as an .xlsx written by xlsxwriter in
constant_memory mode: a merged title row, a header row, 15 columns, and a few
rows with the quirks of real lists (text dates, numbers with units, codes in
lower case with spaces).

Files are keyed by size, GEN_VERSION and the schema version; bump GEN_VERSION
whenever the output of this module changes.
"""
from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path

import numpy as np

GEN_VERSION = 1
CACHE = Path(__file__).resolve().parent / "cache"

NAME_CHARS = ("楚天江汉东湖珞珈黄鹤晴川长光谷云帆博睿华创智联中科卓越汇通际新思恒信武昌紫阳南白沙蓝海星辰启明凌鸿图瑞"
              "德泽众鼎盛达源安康泰丰宏远嘉合腾飞航宇为锐讯微芯数金银峰岳宁静和美锦绣")
SUFFIXES = [("电子信息", "电子科技"), ("生物医药", "生物科技"), ("新材料", "新材料科技"), ("高端装备", "智能装备"),
            ("新能源", "能源科技"), ("节能环保", "环保科技"), ("软件和信息技术服务", "软件"), ("数字创意", "数字科技"),
            ("科技服务", "科技"), ("文化创意", "文化传媒")]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国晓宇浩然子涵雨欣思远"
CAPITALS = np.array([50.0, 100.0, 200.0, 300.0, 500.0, 1000.0, 2000.0, 5000.0])

LIST_HEADERS = ["序号", "企业名称", "统一社会信用代码", "所在街道", "所属行业", "联系人", "联系电话", "成立日期",
                "注册资本（万元）", "营业收入（万元）", "研发投入（万元）", "从业人员", "证书编号", "认定日期", "备注"]
LIST_TITLE = "2023年湖北省第二批拟认定高新技术企业名单"

_P = len(NAME_CHARS)
_NAME_SPACE = _P ** 3 * len(SUFFIXES)          # 6.4 million distinct names
_CODE_SPACE = 31 ** 8


def _iso_table(first: date, last: date) -> dict[int, str]:
    return {o: date.fromordinal(o).isoformat() for o in range(first.toordinal(), last.toordinal() + 1)}


_ISO = _iso_table(date(1995, 1, 1), date(2031, 12, 31))


def iso_of(ordinal: int) -> str:
    return _ISO.get(ordinal) or date.fromordinal(ordinal).isoformat()


def firm_columns(n: int, seed: int = 2023) -> dict[str, list]:
    """N firms as columns of plain Python values; the same N firms for a given n and seed."""
    from pipeline.catalog import default_streets
    from pipeline.uscc import ALPHABET, make_code

    rng = np.random.default_rng(seed)
    i = np.arange(n, dtype=np.int64)
    j = (i * 2_654_435_761 + 12_345) % _NAME_SPACE          # a bijection: names are unique
    c1, c2, c3 = j % _P, (j // _P) % _P, (j // _P ** 2) % _P
    ind = (j // _P ** 3) % len(SUFFIXES)
    from pipeline.names import pinyin_keys  # the one reading of every write path
    names = [f"武汉{NAME_CHARS[a]}{NAME_CHARS[b]}{NAME_CHARS[c]}{SUFFIXES[s][1]}有限公司"
             for a, b, c, s in zip(c1.tolist(), c2.tolist(), c3.tolist(), ind.tolist(), strict=False)]
    keys = pinyin_keys(names)
    pinyin, name_sort = [k[0] for k in keys], [k[1] for k in keys]

    k = (i * 2_147_483_647 + 7) % _CODE_SPACE                       # a bijection: codes are unique
    codes = []
    for value in k.tolist():
        org8 = ""
        for _ in range(8):
            value, d = divmod(value, 31)
            org8 += ALPHABET[d]
        codes.append(make_code("9", "1", "420106", org8))
    quirk = rng.random(n)
    code_status = ["ok"] * n
    for idx in np.flatnonzero(quirk < 0.002).tolist():        # old list: no code
        codes[idx] = None
        code_status[idx] = "no_code"
    for idx in np.flatnonzero((quirk >= 0.002) & (quirk < 0.007)).tolist():   # fails the check character
        c = codes[idx]
        codes[idx] = c[:17] + ALPHABET[(ALPHABET.index(c[17]) + 7) % 31]
        code_status[idx] = "bad_check"

    streets = default_streets()
    weights = rng.uniform(0.5, 2.0, len(streets))
    street_idx = rng.choice(len(streets), n, p=weights / weights.sum())
    officers = [SURNAMES[(7 * t) % len(SURNAMES)] + GIVEN[(5 * t) % len(GIVEN)] + GIVEN[(11 * t + 3) % len(GIVEN)]
                for t in range(20)]
    officer_idx = np.where(rng.random(n) < 0.8, street_idx % 20, rng.integers(0, 20, n))
    persons = [SURNAMES[a] + GIVEN[b] + GIVEN[c] for a, b, c in zip(
        rng.integers(0, len(SURNAMES), n).tolist(), rng.integers(0, len(GIVEN), n).tolist(),
        rng.integers(0, len(GIVEN), n).tolist(), strict=False)]
    phones = [f"1{p}" for p in rng.integers(3_000_000_000, 9_000_000_000, n).tolist()]
    founded = rng.integers(date(1998, 1, 1).toordinal(), date(2022, 12, 28).toordinal(), n)
    employees = (np.exp(rng.normal(3.2, 1.0, n)).astype(np.int64) + 3)
    revenue = np.round(employees * rng.uniform(15, 80, n), 1)
    return {
        "name": names, "pinyin": pinyin, "name_sort": name_sort, "code": codes, "code_status": code_status,
        "street": [streets[s] for s in street_idx.tolist()], "street_idx": street_idx.tolist(),
        "industry": [SUFFIXES[s][0] for s in ind.tolist()], "officer": [officers[o] for o in officer_idx.tolist()],
        "person": persons, "phone": phones, "founded": [iso_of(o) for o in founded.tolist()],
        "capital": CAPITALS[rng.integers(0, len(CAPITALS), n)].tolist(), "revenue": revenue.tolist(),
        "rd": np.round(revenue * rng.uniform(0.02, 0.12, n), 1).tolist(), "employees": employees.tolist(),
    }


# designations ------------------------------------------------------------------------------------------------

def _days(rng, years: np.ndarray, months=(1, 12)) -> np.ndarray:
    """A day ordinal in each of *years* (month in the given range, day 1-28)."""
    base = np.array([date(y, 1, 1).toordinal() for y in range(2000, 2031)])
    month = rng.integers(months[0], months[1] + 1, len(years))
    return base[years - 2000] + (month - 1) * 30 + rng.integers(0, 28, len(years))


def designation_arrays(n: int, seed: int = 2023) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
    """(firm index, stage key per row, start ordinal, end ordinal or -1 = derived from the stage's validity)."""
    rng = np.random.default_rng(seed + 1)
    order = rng.permutation(n)                 # firms early in the order are the most "tech"
    firm_parts, key_parts, start_parts, end_parts = [], [], [], []

    def add(firms, key, starts, ends=None):
        firm_parts.append(np.asarray(firms, dtype=np.int64))
        key_parts.append((key, len(firms)))
        start_parts.append(np.asarray(starts, dtype=np.int64))
        end_parts.append(np.full(len(firms), -1, np.int64) if ends is None else np.asarray(ends, np.int64))

    # 科小: 85% of firms, a run of yearly registrations (valid to the year's end)
    tech = order[: int(n * 0.85)]
    first = rng.integers(2016, 2026, len(tech))
    runs = rng.geometric(0.25, len(tech))
    for t in range(10):
        sel = (t < runs) & (first + t <= 2025)
        years = first[sel] + t
        add(tech[sel], "kexiao", _days(rng, years, (3, 11)))
    # 高企: 45%, certificates of 36 months renewed with probability 0.7
    gq = order[: int(n * 0.45)]
    year = rng.integers(2013, 2026, len(gq))
    alive = np.ones(len(gq), bool)
    batch = np.array([date(2000, 10, 20).toordinal() - date(2000, 1, 1).toordinal(),
                      date(2000, 12, 10).toordinal() - date(2000, 1, 1).toordinal()])
    base = {y: date(y, 1, 1).toordinal() for y in range(2000, 2040)}
    while alive.any():
        sel = alive & (year <= 2025)
        if not sel.any():
            break
        ys = year[sel]
        add(gq[sel], "gaoqi", np.array([base[y] for y in ys.tolist()]) + batch[rng.integers(0, 2, len(ys))])
        alive = sel & (rng.random(len(gq)) < 0.7)
        year = year + 3
    # 星级: 70%, exclusive tiers moving up one at a time at half-yearly waves
    waves = np.array([date(y, m, 15).toordinal() for y in (2023, 2024, 2025) for m in (3, 9)])
    stars = order[: int(n * 0.7)]
    wave = np.minimum(rng.geometric(0.45, len(stars)) - 1, 5)
    tier = np.zeros(len(stars), np.int64)
    keys = ["fanxing", "xinxing", "liangxing", "mingxing"]
    moves = []                                 # (firm, tier, start)
    active = np.ones(len(stars), bool)
    current_wave = wave.copy()
    while active.any():
        moves.append((stars[active], tier[active], waves[current_wave[active]]))
        step = active & (rng.random(len(stars)) < 0.35) & (tier < 3)
        nxt = current_wave + 1 + rng.integers(0, 2, len(stars))
        step &= nxt <= 5
        tier = tier + step
        current_wave = np.where(step, nxt, current_wave)
        active = step
    # end of each move = start of the next move of the same firm
    mf = np.concatenate([m[0] for m in moves])
    mt = np.concatenate([m[1] for m in moves])
    ms = np.concatenate([m[2] for m in moves])
    idx = np.lexsort((ms, mf))
    mf, mt, ms = mf[idx], mt[idx], ms[idx]
    me = np.full(len(mf), date(9999, 12, 31).toordinal(), np.int64)
    same = mf[1:] == mf[:-1]
    me[:-1][same] = ms[1:][same]
    for t, key in enumerate(keys):
        sel = mt == t
        add(mf[sel], key, ms[sel], me[sel])
    # 专精特新 ladder, seeds, 规上, listings, 新物种: disjoint slices of the order
    cursor = 0

    def take(share):
        nonlocal cursor
        count = max(1, int(n * share))
        out = order[cursor: cursor + count]
        cursor += count
        return out

    for key, share, first_year in (("chuangxin", 0.15, 2022), ("shengji", 0.05, 2019), ("xiaojuren", 0.01, 2019)):
        firms = take(share)
        ys = rng.integers(first_year, 2026, len(firms))
        add(firms, key, np.array([base[y] for y in ys.tolist()]) + 200)
        again = (ys + 3 <= 2025) & (rng.random(len(firms)) < 0.6)
        add(firms[again], key, np.array([base[y + 3] for y in ys[again].tolist()]) + 200)
    cursor = 0
    for key, share in (("guishang", 0.15),):
        firms = order[int(n * 0.3): int(n * 0.3) + int(n * share)]
        add(firms, key, _days(rng, rng.integers(2015, 2026, len(firms))))
    cursor = int(n * 0.5)
    for key, share in (("yinzhongzi", 0.03), ("jinzhongzi", 0.01), ("siban", 0.005), ("xinsanban", 0.002),
                       ("beijiaosuo", 0.0002), ("kechuangban", 0.0002), ("chuangyeban", 0.0002), ("zhuban", 0.0002),
                       ("dengling", 0.015), ("qianzai", 0.002), ("dujiaoshou", 0.0002)):
        firms = take(share)
        add(firms, key, _days(rng, rng.integers(2016, 2026, len(firms))))
    keys_out = [k for k, count in key_parts for _ in range(count)]
    return np.concatenate(firm_parts), keys_out, np.concatenate(start_parts), np.concatenate(end_parts)


# the ledger --------------------------------------------------------------------------------------------------

def ledger_path(n: int) -> Path:
    from db import schema
    return CACHE / f"ledger-{n}-g{GEN_VERSION}-s{schema.LATEST}.db"


def list_path(n: int) -> Path:
    return CACHE / f"list-{n}-g{GEN_VERSION}.xlsx"


def empty_ledger_path() -> Path:
    """A freshly initialised ledger (catalog, streets, default targets), to copy before an import."""
    from db import schema
    path = CACHE / f"empty-g{GEN_VERSION}-s{schema.LATEST}.db"
    if not path.exists():
        from db.ledger import Ledger
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        _remove_db(tmp)
        with Ledger(tmp) as led:
            led.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        os.replace(tmp, path)
        _remove_db(tmp)
    return path


def copy_ledger(src: Path, dst: Path) -> Path:
    _remove_db(dst)
    shutil.copyfile(src, dst)
    return dst


def _remove_db(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        if p.exists():
            p.unlink()


def ensure_ledger(n: int, log=print) -> Path:
    path = ledger_path(n)
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    _remove_db(tmp)
    older = sorted(CACHE.glob(f"ledger-{n}-g{GEN_VERSION}-s*.db"), key=lambda p: int(p.stem.rsplit("-s", 1)[1]))
    if older:                                   # a new migration: migrate the cached ledger, do not regenerate
        from db.ledger import Ledger
        src = older[-1]
        log(f"台账 {src.name} 迁移到新的结构版本 …")
        _remove_db(Path(f"{src}-shm"))          # left by read-only opens
        if Path(f"{src}-wal").exists():
            os.replace(f"{src}-wal", f"{tmp}-wal")
        os.replace(src, tmp)
        for stale in older[:-1]:
            _remove_db(stale)
        with Ledger(tmp) as led:
            led.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        log(f"生成 {n:,} 家企业的台账 …")
        build_ledger(tmp, n)
    os.replace(tmp, path)
    _remove_db(tmp)
    return path


def build_ledger(path: Path, n: int, seed: int = 2023) -> dict:
    """The generated ledger, written through db.demo_store.load_generated (no SQL here)."""
    from db import demo_store
    from db.ledger import Ledger, now
    from pipeline.demo import TARGET_PLAN, split
    from pipeline.names import name_key

    cols = firm_columns(n, seed)
    dfirm, dkeys, dstart, dend = designation_arrays(n, seed)
    with Ledger(path) as led:
        catalog = led.catalog()
        street_ids = {name: sid for sid, name in led.streets()}
        stamp = now()
        firms = ((k + 1, cols["code"][k], cols["code_status"][k], cols["name"][k], name_key(cols["name"][k]),
                  cols["pinyin"][k], cols["name_sort"][k], street_ids[cols["street"][k]], cols["industry"][k],
                  cols["officer"][k], cols["person"][k], cols["phone"][k], cols["founded"][k], cols["capital"][k],
                  cols["revenue"][k], cols["rd"][k], cols["employees"][k], int(cols["code"][k] is None), stamp, stamp)
                 for k in range(n))
        stage_of = {s.key: s for s in catalog.stages}
        end_cache: dict[tuple[str, int], str | None] = {}
        open_end = date(9999, 12, 31).toordinal()

        def end_of(key: str, start: int, end: int):
            if end == open_end:
                return None
            if end >= 0:
                return iso_of(end)
            got = end_cache.get((key, start), 0)
            if got == 0:
                e = stage_of[key].end_for(date.fromordinal(start))
                got = end_cache[(key, start)] = e.isoformat() if e else None
            return got

        lists: dict = {}
        designations = (
            (f + 1, stage_of[k].id, iso_of(s), end_of(k, s, e),
             f"GR{iso_of(s)[:4]}42{f % 1_000_000:06d}" if k == "gaoqi" else None,
             lists.get((k, s // 365)) or lists.setdefault((k, s // 365), f"{iso_of(s)[:4]}年{stage_of[k].name}名单"),
             stamp)
            for f, k, s, e in zip(dfirm.tolist(), dkeys, dstart.tolist(), dend.tolist(), strict=False))
        weight: dict[str, int] = {name: 0 for name in street_ids}
        for s in cols["street"]:
            weight[s] += 1
        scale = n / 8000
        targets = []
        for year_i, year in enumerate((2023, 2024, 2025)):
            for sort, (name, kind, stages, require, base_year, values) in enumerate(TARGET_PLAN):
                total = round(values[year_i] * scale)
                rows = [(None, total)] + [(street_ids[s], v) for s, v in split(total, weight).items()]
                targets += [(year, name, kind, json.dumps(stages), json.dumps(require), sid, t, base_year, sort)
                            for sid, t in rows]
        demo_store.load_generated(led, f"基准测试台账 {n}", {"firms": n, "designations": len(dfirm)}, firms,
                                  designations, targets)
    return {"firms": n, "designations": len(dfirm)}


# the list ----------------------------------------------------------------------------------------------------

def ensure_list(n: int, log=print) -> Path:
    path = list_path(n)
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    log(f"生成 {n:,} 行 15 列的名单 …")
    tmp = path.with_name(path.stem + ".part.xlsx")
    build_list(tmp, n)
    os.replace(tmp, path)
    return path


def list_rows(n: int, seed: int = 2023):
    """The list's data rows as Python values (dates as datetime.date), quirks included."""
    cols = firm_columns(n, seed)
    rng = np.random.default_rng(seed + 2)
    quirk = rng.random(n).tolist()
    issued = [date(2023, 12, 8), date(2023, 10, 20)]
    for k in range(n):
        q = quirk[k]
        code = cols["code"][k]
        founded = date.fromisoformat(cols["founded"][k])
        capital = cols["capital"][k]
        day = issued[k % 2]
        if q < 0.01 and code:
            code = code[:6].lower() + " " + code[6:].lower()
        elif q < 0.02:
            founded = f"{founded.year}年{founded.month}月{founded.day}日"
        elif q < 0.03:
            capital = f"{capital:,.0f}(万元人民币)"
        elif q < 0.04:
            day = day.strftime("%Y.%m.%d")
        yield [k + 1, cols["name"][k], code or "", cols["street"][k] + ("街道" if k % 3 == 0 else ""),
               cols["industry"][k], cols["person"][k], cols["phone"][k], founded, capital, cols["revenue"][k],
               cols["rd"][k], cols["employees"][k], f"GR2023420{k % 100000:05d}", day, ""]


def build_list(path: Path, n: int) -> None:
    import xlsxwriter
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("名单")
    title = wb.add_format({"bold": True, "align": "center", "font_size": 14})
    fmt_date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.merge_range(0, 0, 0, len(LIST_HEADERS) - 1, LIST_TITLE, title)
    ws.write_row(1, 0, LIST_HEADERS)
    write_cells(ws, list_rows(n), 2, fmt_date)
    wb.close()


def write_cells(ws, rows, first_row: int, fmt_date) -> None:
    """Plain xlsxwriter cells, one call a cell: text, dates with *fmt_date*, numbers; blanks skipped."""
    for r, row in enumerate(rows, start=first_row):
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            if isinstance(v, str):
                ws.write_string(r, c, v)
            elif isinstance(v, date):
                ws.write_datetime(r, c, v, fmt_date)
            else:
                ws.write_number(r, c, v)


def ensure(sizes, log=print) -> None:
    for n in sizes:
        ensure_list(n, log)
        ensure_ledger(n, log)


def _cli() -> None:
    import argparse
    import time
    p = argparse.ArgumentParser(description="生成基准测试数据（缓存于 bench/cache/）")
    p.add_argument("sizes", nargs="+", type=int)
    args = p.parse_args()
    for n in args.sizes:
        t = time.perf_counter()
        ensure_list(n)
        t1 = time.perf_counter()
        ensure_ledger(n)
        print(f"{n}: 名单 {t1 - t:.1f} s，台账 {time.perf_counter() - t1:.1f} s")


if __name__ == "__main__":
    _cli()
