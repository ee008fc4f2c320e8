"""Everything the dashboard shows for (year, as-of date, street), from one ``Facts``.

``Dashboard`` keeps per-stage-set indexes (``pipeline.trend.SetIndex``) and
the cohort pairs, which do not depend on the date, and caches the district
view of a (year, as-of date); a street view only filters the district's firm
ids by street. Every figure comes with the firm ids behind it (keys ending
in ``_ids``) so a click can open exactly those firms. The numbers are those of
``pipeline.indicators`` (tests compare the two on the demo district).

Cost on the 1M-firm bench ledger (4.8M designations; CPU seconds, bench/fig_dashboard.py):
- the facts come presorted by (firm, start) from ``db.dashboard_queries.load_facts``, so the
  first open skips ``sorted_facts`` (a 1.9 s lexsort);
- the first compute builds the indexes, the cohort pairs (pipeline/cohorts.py) and the conversions' year parts.
  Fresh memory was most of their cost (a page fault every 4 kB, 0.8 ms a MB on the bench VM): the indexes merge
  spells in blocks with one packed int64 pass, the pairs carry a 16-byte record through one random gather, and
  the first compute faults 1.0 GB instead of 1.46 (alone, 14 indexes 1.5 -> 0.6 s, 7 pairs 0.9 -> 0.5 s).
  pipeline/ahead.py starts them on two threads, largest first; a build not started yet when the view asks for
  it is built by the view. bench/first_compute_ab.py, 30 Nov, other sessions keeping load at 2.4-2.8 (no idle
  core): 4.0 s wall, 3.9 s CPU before; 2.3 s, 2.3 s on one thread; 2.5 s, 2.9 s with the threads (with a core
  idle they took 2.7 -> 2.2 s). The "still in this step or a later one" of the conversions comes from the
  steps' own indexes, not an index of all those stages (1.1 s);
- a new as-of date: 143 ms CPU median before this round, 77 ms after (1M bench run of 30 Nov, load 9-10 on
  2 cores, so wall times were 4-10x CPU): numpy's boolean and fancy indexing on the large id arrays replaced by
  ``np.compress``/``np.take`` (a random mask over 1M int32: 4.8 ms against 0.9 ms) and scatters given intp
  indices; the cohort medians the as-of date censors counted over each year's distinct (entry day, end)
  (pipeline/cohorts.py ``YearSlices.spans``: 146 -> 17 ms); a year's expiries kept per index for every as-of
  date that knows all its lapsing designations, renewals by a per-firm renewal day; each funnel conversion's
  year part (pipeline/conversions.py) instead of a bitmap of every later step's holders. Before: the cohort
  tables by binary searches, gainers/ever/known holders by per-firm first days, last year's bases once a year.
  Every fast path is compared with the former code or the plain statement in tests/pipeline.
- the streets' stock series (every trend index's per-street spells, two sorts of packed values) are built with
  the district's first view and kept in its state: the first street switch built them (0.3-0.45 s CPU,
  3.6-6.5 s wall under that load); a street's first view still gathers its cohort entries (about 35 ms CPU).
- everything above that holds for any as-of date of a year (indexes, cohort entries and year slices, bases,
  conversions, per-street spells, each index's per-year parts) is ``state()``: the app saves it after the first
  view and the next open of the unchanged ledger ``adopt``s it (db/facts_cache.py): 1.03 s wall (0.12 s CPU
  first compute) against 63.7 s for the cold open in the same bench run.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from pipeline import ahead as first_builds
from pipeline import cohorts as cohort_maths
from pipeline import forecast as fc
from pipeline.catalog import Catalog
from pipeline.conversions import YearConversion
from pipeline.dates import OPEN_END, check_as_of, time_progress
from pipeline.facts import Facts
from pipeline.idsets import identity, intersect, setdiff, street_pick
from pipeline.indicators import Indicator, completion, for_street
from pipeline.streets import attainment, outside
from pipeline.trend import SetIndex, first_year, month_ends, sorted_facts

TREND_YEARS = 15          # the trend starts at most this many years before the as-of year
COHORT_YEARS = 10         # cohorts of the last ten entry years
AHEAD_ROWS = 200_000      # designations from which a first compute builds its indexes and pairs on two threads
DUE_DAYS = 90
STATE_VERSION = 5         # of what ``Dashboard.state`` keeps: bump whenever an index, a pair or a base changes meaning
#                           (2: window to the anniversary; 3: no base of a 累计 from this year; 4: same-day B)


@dataclass(frozen=True)
class Definition:
    """What an indicator counts, whatever its name, street and target."""
    kind: str
    stages: tuple[str, ...]
    require: tuple[str, ...] = ()
    base_year: int | None = None

    @classmethod
    def of(cls, ind: Indicator) -> "Definition":
        return cls(ind.kind, tuple(ind.stages), tuple(ind.require or ()), ind.base_year)


class Dashboard:
    def __init__(self, facts: Facts, catalog: Catalog, targets: dict[int, list[Indicator]],
                 streets: list[tuple[int, str]]) -> None:
        self.facts = facts
        self._sorted: Facts | None = facts if facts.presorted else None
        self.catalog = catalog
        self.targets = targets
        self.streets = list(streets)
        self.street_names = dict(self.streets)
        self._index: dict[tuple, SetIndex] = {}
        self._pairs: dict[tuple, cohort_maths.PairEntries] = {}
        self._bases: dict[tuple, np.ndarray] = {}
        self._conversions: dict[tuple, YearConversion] = {}
        self._district: OrderedDict = OrderedDict()
        self._ahead: first_builds.Ahead | None = None     # builds started for the district being computed

    # building blocks ------------------------------------------------------------
    def index(self, stage_keys) -> SetIndex:
        ids = tuple(sorted({self.catalog.stage(k).id for k in stage_keys}))
        ix = self._index.get(ids)
        if ix is None:
            ix = self._ahead.take(("ix", ids)) if self._ahead is not None else None
            if ix is None:
                ix = SetIndex(self.sorted_facts(), ids)
            self._index[ids] = ix
        return ix

    def years(self) -> list[int]:
        return sorted(self.targets)

    def measure(self, d: Definition, year: int, as_of: date) -> np.ndarray:
        """Firm ids behind an indicator (net: holders), as ``pipeline.indicators.measure``."""
        ix = self.index(d.stages)
        o = as_of.toordinal()
        if d.kind in ("stock", "net"):
            ids = ix.holders(o)
        elif d.kind == "new":
            ids = ix.gainers(date(year, 1, 1).toordinal(), min(as_of, date(year, 12, 31)).toordinal())
        elif d.kind == "cumulative":
            ids = ix.ever(date(d.base_year or year, 1, 1).toordinal(), o)
        else:
            raise ValueError(d.kind)
        if d.require:
            ids = intersect(ids, self.index(d.require).holders(o))
        return ids

    def base(self, d: Definition, year: int) -> np.ndarray:
        """The firms behind an indicator at the end of the year before: the same for every as-of date."""
        key = (d, year)
        ids = self._bases.get(key)
        if ids is None:
            ids = self._bases[key] = self.measure(d, year - 1, date(year - 1, 12, 31))
        return ids

    def pair(self, funnel_key: str, i: int) -> cohort_maths.PairEntries:
        key = (funnel_key, i)
        p = self._pairs.get(key)
        if p is None:
            f = next(f for f in self.catalog.funnels if f.key == funnel_key)
            a, b = f.steps[i], f.steps[i + 1]
            ia, ib = self.index(a.stages), self.index(b.stages)
            p = self._ahead.take(("pair", key)) if self._ahead is not None else None
            if p is None:
                p = cohort_maths.pair_entries(ia, ib, self.facts.street_of, a.name, b.name)
            self._pairs[key] = p
        return p

    def _start_ahead(self, year: int, as_of: date) -> first_builds.Ahead | None:
        """The builds of a district view started on two threads (pipeline/ahead.py), on a large ledger."""
        return first_builds.start(self, year, as_of) if len(self.facts) >= AHEAD_ROWS else None

    def sorted_facts(self) -> Facts:
        if self._sorted is None:
            self._sorted = sorted_facts(self.facts)
        return self._sorted

    def stage_ids(self, stage_keys) -> tuple | None:
        """The ids of these stages (sorted, once each), or None when one is not in the catalog."""
        try:
            return tuple(sorted({self.catalog.stage(k).id for k in stage_keys}))
        except KeyError:
            return None

    def certificate_stages(self) -> list[str]:
        """Stages valid a number of months (certificates that come up for 复审/复核)."""
        return [s.key for s in self.catalog.stages if s.validity_kind == "months"]

    # kept between runs ----------------------------------------------------------------
    def state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """What the computes so far built that holds for any as-of date (per-stage-set indexes, cohort entries,
        last year's bases, each index's per-year parts): JSON values and named arrays, for ``adopt`` in a later
        run over the same facts (db/facts_cache.py keeps them while the ledger is unchanged)."""
        meta: dict[str, Any] = {"version": STATE_VERSION, "indexes": [], "pairs": [], "bases": [], "conversions": []}
        arrays: dict[str, np.ndarray] = {}
        for n, ix in enumerate(self._index.values()):
            m, a = ix.state()
            meta["indexes"].append(m)
            arrays.update({f"ix{n}/{k}": v for k, v in a.items()})
        for n, ((fkey, i), p) in enumerate(self._pairs.items()):
            m, a = p.state()
            meta["pairs"].append(dict(m, funnel=fkey, index=i, stages=self._pair_stages(fkey, i)))
            arrays.update({f"pair{n}/{k}": v for k, v in a.items()})
        for n, ((d, year), ids) in enumerate(self._bases.items()):
            meta["bases"].append({"kind": d.kind, "stages": list(d.stages), "require": list(d.require),
                                  "base_year": d.base_year, "year": year})
            arrays[f"base{n}"] = ids
        for n, ((fkey, i, p), yc) in enumerate(self._conversions.items()):
            meta["conversions"].append({"funnel": fkey, "index": i, "day": p, "stages": self._later_stages(fkey, i)})
            arrays.update({f"conv{n}/{k}": v for k, v in yc.arrays().items()})
        return meta, arrays

    def adopt(self, meta: dict, arrays: dict[str, np.ndarray]) -> bool:
        """Take what ``state`` gave, made from these very facts: False (and nothing taken) when it is of
        another version or does not fit (then everything is built again, as without it)."""
        groups: dict[str, dict[str, np.ndarray]] = {}
        for name, a in arrays.items():
            head, _, rest = name.partition("/")
            groups.setdefault(head, {})[rest] = a
        try:
            if meta.get("version") != STATE_VERSION:
                return False
            index = {}
            for n, m in enumerate(meta["indexes"]):
                ix = SetIndex.from_state(m, groups[f"ix{n}"], self.facts.street_of)
                index[ix.stage_ids] = ix
            pairs = {}
            for n, m in enumerate(meta["pairs"]):
                fkey, i = str(m["funnel"]), int(m["index"])
                if m["stages"] != self._pair_stages(fkey, i):
                    return False
                f = next(f for f in self.catalog.funnels if f.key == fkey)
                pairs[(fkey, i)] = cohort_maths.PairEntries.from_state(
                    m, groups[f"pair{n}"], f.steps[i].name, f.steps[i + 1].name)
            bases = {}
            for n, m in enumerate(meta["bases"]):
                d = Definition(str(m["kind"]), tuple(m["stages"]), tuple(m["require"]), m["base_year"])
                bases[(d, int(m["year"]))] = _ids(groups[f"base{n}"][""])
            conversions = {}
            for n, m in enumerate(meta.get("conversions", [])):      # absent from a file saved before they were
                fkey, i, p = str(m["funnel"]), int(m["index"]), int(m["day"])
                if m["stages"] != self._later_stages(fkey, i):
                    return False
                conversions[(fkey, i, p)] = YearConversion.from_arrays(p, groups[f"conv{n}"])
        except (KeyError, ValueError, TypeError, IndexError, StopIteration):
            return False
        self._index.update(index)
        self._pairs.update(pairs)
        self._bases.update(bases)
        self._conversions.update(conversions)
        return True

    def _later_stages(self, funnel_key: str, i: int) -> list[list[int]]:
        f = next(f for f in self.catalog.funnels if f.key == funnel_key)
        return [sorted({self.catalog.stage(k).id for k in s.stages}) for s in f.steps[i:]]

    def _pair_stages(self, funnel_key: str, i: int) -> list[list[int]]:
        f = next(f for f in self.catalog.funnels if f.key == funnel_key)
        return [sorted({self.catalog.stage(k).id for k in s.stages}) for s in (f.steps[i], f.steps[i + 1])]

    # the district view of a (year, as-of date) ----------------------------------------
    def district(self, year: int, as_of: date, due_days: int = DUE_DAYS) -> dict:
        """The district view of *year* as of *as_of*, a day of that year (``pipeline.dates.check_as_of``)."""
        check_as_of(year, as_of)
        key = (year, as_of, due_days)
        hit = self._district.get(key)
        if hit is not None:
            self._district.move_to_end(key)
            return hit
        ahead = self._ahead = self._start_ahead(year, as_of)
        try:
            out = self._compute_district(year, as_of, due_days)
        finally:
            if ahead is not None:
                self._ahead = None
                ahead.close()
        self._district[key] = out
        while len(self._district) > 4:
            self._district.popitem(last=False)
        return out

    def _compute_district(self, year: int, as_of: date, due_days: int) -> dict:
        prev_end = date(year - 1, 12, 31)
        defs: dict[Definition, dict] = {}
        parts_cache: dict[tuple, dict] = {}
        for ind in self.targets.get(year, []):
            d = Definition.of(ind)
            if d in defs:
                continue
            try:
                now = self.measure(d, year, as_of)
                base = self.base(d, year)
                pkey = (tuple(sorted(d.stages)), tuple(sorted(d.require)))
                parts = parts_cache.get(pkey)
                if parts is None:
                    req = self.index(d.require) if d.require else None
                    parts = parts_cache[pkey] = fc.year_end_parts(self.index(d.stages), year, as_of, req)
            except KeyError as exc:
                defs[d] = {"problem": f"目录中没有阶段 {exc.args[0]}"}
                continue
            defs[d] = {"now": now, "base": base, "parts": parts}
        funnels = [self._funnel(f, as_of, prev_end) for f in self.catalog.funnels]
        expiries = []
        for name, keys in self._expiry_sets(year):
            expiries.append({"name": name, "stages": keys, "ex": fc.expiries(self.index(keys), year, as_of)})
        certs = self.certificate_stages()
        due = fc.due([self.index([k]) for k in certs], as_of, due_days) if certs else None
        trend_sets = [(f.key, s.name, s.stages) for f in self.catalog.funnels for s in f.steps]
        trend_indexes = [self.index(k) for _, _, k in trend_sets]
        first = first_year(trend_indexes, as_of.year)
        if len(self.streets) > 1:       # the streets' series, built here (kept with the state) rather than on the first
            for ix in trend_indexes:    # street view (1M firms: 0.3-0.45 s CPU, the slowest street switch of the bench)
                ix.street_spells()
        days = month_ends(max(first, as_of.year - TREND_YEARS), as_of)
        return {"defs": defs, "funnels": funnels, "cohorts": self._cohorts(as_of, None), "expiries": expiries,
                "due": due, "trend_days": days, "trend_sets": trend_sets, "streets": None}

    def _funnel(self, f, as_of: date, prev_end: date) -> dict:
        o, p = as_of.toordinal(), prev_end.toordinal()
        holders = [self.index(s.stages).holders(o) for s in f.steps]
        steps = [{"name": s.name, "stages": list(s.stages), "firm_ids": ids}
                 for s, ids in zip(f.steps, holders, strict=True)]
        if p < o < OPEN_END:      # within or after the year: each conversion's year part (pipeline/conversions.py)
            convs = []
            for i in range(len(f.steps) - 1):
                yc = self._conversion(f, i, p)
                convs.append({"from": f.steps[i].name, "to": f.steps[i + 1].name, "base_ids": yc.base,
                              "converted_ids": yc.converted(o), "dropped_ids": yc.dropped(o)})
            return {"key": f.key, "name": f.name, "steps": steps, "conversions": convs}
        # still holding this step or a later one: the union of the steps' holders (the same firms as an index
        # of all those stages, which cost 1.1 s of a 1M-firm first open to build), as a bitmap filled from the
        # last step back, so each conversion's dropped firms are one lookup
        bases = [self.index(s.stages).holders(p) for s in f.steps[:-1]]
        still = np.zeros(max([len(self.facts.street_of)] + [int(a[-1]) + 1 for a in holders + bases if len(a)]),
                         dtype=bool)
        if holders:
            still[holders[-1]] = True
        convs = []
        for i in reversed(range(len(f.steps) - 1)):
            still[holders[i]] = True
            base = np.setdiff1d(bases[i], self.index(f.steps[i + 1].stages).holders(p), assume_unique=True)
            converted = intersect(base, self.index(f.steps[i + 1].stages).gainers(p + 1, o))
            convs.append({"from": f.steps[i].name, "to": f.steps[i + 1].name, "base_ids": base,
                          "converted_ids": converted, "dropped_ids": np.compress(~np.take(still, base), base)})
        return {"key": f.key, "name": f.name, "steps": steps, "conversions": convs[::-1]}

    def _conversion(self, f, i: int, p: int) -> YearConversion:
        """Conversion *i* of funnel *f* from the end of a year (day *p*) on, built once per funnel, step and year."""
        key = (f.key, i, p)
        yc = self._conversions.get(key)
        if yc is None:
            steps = [self.index(s.stages) for s in f.steps]
            base = steps[i].holders(p)
            yc = self._ahead.take(("conv", key)) if self._ahead is not None else None
            if yc is None:
                yc = YearConversion(base, p, steps[i + 1], steps[i:])
            else:
                steps[i + 1].gainers_from(p + 1)        # the cache the build here fills (kept with the state)
            self._conversions[key] = yc
        return yc

    def _cohorts(self, as_of: date, street_id: int | None) -> list[dict]:
        out = []
        for f in self.catalog.funnels:
            for i in range(len(f.steps) - 1):
                p = self.pair(f.key, i)
                out.append({"funnel": f.key, "index": i, "from": p.step, "to": p.next_step,
                            "rows": cohort_maths.table(p, as_of, street_id, first_year=as_of.year - COHORT_YEARS + 1)})
        return out

    def cohort_firms(self, funnel_key: str, index: int, as_of: date, year: int, window: int | None = None,
                     street_id: int | None = None) -> np.ndarray:
        """The firms behind a cohort cell (the cohort of *year*, or those that reached the next step)."""
        return cohort_maths.firms(self.pair(funnel_key, index), as_of, year, window, street_id)

    def street_firms(self, year: int, as_of: date, indicator: str, street_id: int) -> np.ndarray:
        """The firms behind a street's cell of the streets table (net: the firms gained)."""
        ind = next((i for i in self.targets.get(year, []) if i.name == indicator and i.street_id is None), None)
        if ind is None:
            return np.zeros(0, dtype=np.int32)
        arrays = self.district(year, as_of)["defs"].get(Definition.of(ind))
        if not arrays or "problem" in arrays:
            return np.zeros(0, dtype=np.int32)
        ids = setdiff(arrays["now"], arrays["base"]) if ind.kind == "net" else arrays["now"]
        return ids[self.facts.street_of[ids] == street_id] if len(ids) else ids

    def _expiry_sets(self, year: int) -> list[tuple[str, list[str]]]:
        seen, out = set(), []
        for ind in self.targets.get(year, []):
            if ind.street_id is None and ind.kind in ("stock", "net"):
                key = tuple(sorted(ind.stages))
                if key not in seen and all(self.catalog.find(k) for k in ind.stages):
                    seen.add(key)
                    out.append((ind.name, list(ind.stages)))
        for k in self.certificate_stages():
            if (k,) not in seen:
                seen.add((k,))
                out.append((self.catalog.stage(k).name, [k]))
        return out

    # the view ---------------------------------------------------------------------
    def compute(self, year: int, as_of: date, street_id: int | None = None, due_days: int = DUE_DAYS) -> dict:
        """The dashboard of *year* as it stood on *as_of*, for the district or one street."""
        dist = self.district(year, as_of, due_days)
        street_of = self.facts.street_of
        pick = identity if street_id is None else street_pick(street_of == street_id)
        progress = time_progress(year, as_of)
        rows = [self._row(ind, dist["defs"].get(Definition.of(ind)), progress, pick, year, as_of)
                for ind in self._indicators(year, street_id)]
        funnels = []
        for f in dist["funnels"]:
            steps = [dict(s, firm_ids=pick(s["firm_ids"]), count=0) for s in f["steps"]]
            for s in steps:
                s["count"] = int(len(s["firm_ids"]))
            convs = []
            for c in f["conversions"]:
                base, conv, drop = pick(c["base_ids"]), pick(c["converted_ids"]), pick(c["dropped_ids"])
                n = len(base)
                convs.append({"from": c["from"], "to": c["to"], "base": n, "converted": len(conv),
                              "dropped": len(drop), "rate": round(len(conv) / n, 4) if n else None,
                              "drop_rate": round(len(drop) / n, 4) if n else None,
                              "base_ids": base, "converted_ids": conv, "dropped_ids": drop})
            funnels.append({"key": f["key"], "name": f["name"], "steps": steps, "conversions": convs})
        expiries = []
        for e in dist["expiries"]:
            ex = e["ex"]
            keep = None if street_id is None else np.take(street_of, ex["firms"]) == street_id
            months = fc.by_month(ex, keep)
            expiries.append({"name": e["name"], "stages": e["stages"], "by_month": months,
                             "expiring": sum(m["expiring"] for m in months),
                             "renewed": sum(m["renewed"] for m in months),
                             "lapsed": sum(m["lapsed"] for m in months),
                             "to_come": sum(m["to_come"] for m in months)})
        due = dist["due"]
        if due is not None and street_id is not None:
            keep = street_of[due["firm_ids"]] == street_id
            due = {k: v[keep] for k, v in due.items()}
        days = dist["trend_days"]
        ords = np.fromiter((d.toordinal() for d in days), np.int64, len(days))
        trend = []
        for fkey, name, keys in dist["trend_sets"]:
            trend.append({"funnel": fkey, "step": name,
                          "values": [int(v) for v in self.index(keys).count_on(ords, street_id)]})
        cohorts = dist["cohorts"] if street_id is None else self._cohorts(as_of, street_id)
        return {"year": year, "as_of": as_of.isoformat(), "street_id": street_id,
                "street": self.street_names.get(street_id) if street_id is not None else None,
                "time_progress": round(progress, 4), "indicators": rows, "funnels": funnels,
                "cohorts": cohorts, "streets": self.streets_table(year, as_of),
                "streets_outside": self.district(year, as_of)["outside"],
                "trend": {"days": [d.isoformat() for d in days], "series": trend},
                "expiries": expiries, "due": due, "due_days": due_days}

    def _indicators(self, year: int, street_id: int | None) -> list[Indicator]:
        rows = self.targets.get(year, [])
        if street_id is None:
            return [i for i in rows if i.street_id is None]
        return for_street(rows, street_id, self.street_names.get(street_id))

    def _row(self, ind: Indicator, arrays: dict | None, progress: float, pick, year: int, as_of: date) -> dict:
        row: dict[str, Any] = {
            "name": ind.name, "kind": ind.kind, "stages": list(ind.stages), "require": list(ind.require),
            "street": ind.street, "target": ind.target, "unit": ind.unit, "time_progress": round(progress, 4)}
        if arrays is None:      # a street-only indicator: measure it on the spot
            d = Definition.of(ind)
            arrays = {"now": self.measure(d, year, as_of), "base": self.base(d, year),
                      "parts": fc.year_end_parts(self.index(d.stages), year, as_of,
                                                 self.index(d.require) if d.require else None)}
        if "problem" in arrays:
            return dict(row, base=None, actual=None, rate=None, gap=None, ahead=None, problem=arrays["problem"],
                        firm_ids=np.zeros(0, np.int32), base_ids=np.zeros(0, np.int32), forecast=None)
        now, base = pick(arrays["now"]), pick(arrays["base"])
        actual = len(now) - len(base) if ind.kind == "net" else len(now)
        rate, ahead = completion(actual, ind.target, progress)
        row.update(base=ind.base if ind.base is not None else len(base), actual=actual, rate=rate,
                   gap=None if ind.target is None else ind.target - actual,
                   ahead=ahead, firm_ids=now, base_ids=base)
        if ind.kind == "net":
            row["gained_ids"] = setdiff(now, base)
            row["lost_ids"] = setdiff(base, now)
        f = fc.year_end(arrays["parts"], ind.kind, actual, len(base), None if pick is identity else pick)
        f.update(target=ind.target, will_meet=None if ind.target is None else f["projected"] >= ind.target,
                 rate=completion(f["projected"], ind.target, 1.0)[0])      # 预计完成率: completion's rule
        row["forecast"] = f
        return row

    def streets_table(self, year: int, as_of: date) -> list[dict]:
        dist = self.district(year, as_of)
        if dist["streets"] is None:
            progress = time_progress(year, as_of)
            rows = []
            for ind in self._indicators(year, None):
                arrays = dist["defs"].get(Definition.of(ind))
                if arrays and "problem" not in arrays:
                    rows.append({"name": ind.name, "kind": ind.kind, "firm_ids": arrays["now"],
                                 "base_ids": arrays["base"]})
            targets = {(i.street_id, i.name): i for i in self.targets.get(year, []) if i.street_id is not None}
            dist["streets"] = attainment(rows, self.streets, targets, self.facts.street_of, progress)
            dist["outside"] = outside(rows, self.streets, self.facts.street_of)    # what the streets leave out
        return dist["streets"]


def _ids(a: np.ndarray) -> np.ndarray:
    if a.ndim != 1 or a.dtype != np.int32:
        raise ValueError(f"firm ids of {a.dtype} {a.shape}")
    return a
