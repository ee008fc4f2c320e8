"""A dashboard's first compute, started ahead: the indexes, cohort pairs and conversions' year parts a district
view is about to build, built on two threads before the view asks for them (``Dashboard.index``, ``pair`` and
``_conversion`` take them, each in the order and with the result of building it there).

Only builds that read no other build's caches run here: a stage set's ``SetIndex`` (and its streets' series and
renewal key, which ``state`` keeps in a fixed place or not at all), a pair's entries and year slices, a
conversion's ``YearConversion.ahead``; the per-day and per-year answers the view asks of the indexes, whose order
``state`` keeps, are filled by the view itself. numpy's sorts, gathers and element-wise passes release the GIL, and
most of a first build is page faults, which two threads take in parallel.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from pipeline import cohorts as cohort_maths
from pipeline.conversions import YearConversion
from pipeline.dates import OPEN_END
from pipeline.facts import Facts
from pipeline.trend import SetIndex

if TYPE_CHECKING:
    from pipeline.dashboard import Dashboard


class Build:
    """One build of ``Ahead``: run once, by a worker or, when it has not started yet, by the first to ask for it
    (``result``), so no one waits for a build still queued behind larger ones. The others wait for it to end.
    A ``Build`` among the arguments stands for its result."""

    def __init__(self, build: Callable[..., Any], args: tuple) -> None:
        self._build: Callable[..., Any] | None = build
        self._args: tuple = args
        self._claim = threading.Lock()
        self._done = threading.Event()
        self._value: Any = None
        self._error: BaseException | None = None

    def run(self) -> None:
        if not self._claim.acquire(blocking=False):
            return                          # running or done elsewhere
        try:
            assert self._build is not None
            self._value = self._build(*(a.result() if isinstance(a, Build) else a for a in self._args))
        except BaseException as exc:        # noqa: BLE001  (handed to whoever asks for the build)
            self._error = exc
        finally:
            self._build, self._args = None, ()       # what the build held, let go
            self._done.set()

    def result(self) -> Any:
        self.run()
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._value


class Ahead:
    """Builds started on a small pool of threads and handed out, each once, when asked (``take``); a build may take
    others submitted before it. ``close`` (always, in a ``finally``) drops the builds not started and waits for the
    running ones: no thread outlives it. A build's exception is raised by ``take``. What a build returns is the
    same whichever thread runs it and whenever."""

    WORKERS = 2

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._builds: dict[Any, Build] = {}

    def submit(self, key, build: Callable[..., Any], *args) -> Build:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.WORKERS, thread_name_prefix="dashboard-build")
        got = self._builds[key] = Build(build, args)
        self._pool.submit(got.run)
        return got

    def pending(self, key) -> Build | None:
        return self._builds.get(key)

    def take(self, key) -> Any:
        """The build of *key* (running it here when no worker has started it), or None when there is none (or
        it was taken)."""
        got = self._builds.pop(key, None)
        return None if got is None else got.result()

    def close(self) -> None:
        self._builds.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def start(dash: Dashboard, year: int, as_of: date) -> Ahead | None:
    """The builds a district view of *year* on *as_of* is about to make, submitted (None: nothing to build).
    Largest stage set first (科小's index and then its pair finished last), each pair or conversion as soon as its
    indexes are submitted; a build the view asks for before a worker starts it is built by the view."""
    sets: dict[tuple, bool] = {}            # stage ids -> whether their renewals are looked up
    for keys, renew in _sets_of(dash, year):
        ids = dash.stage_ids(keys)
        if ids is not None and ids not in dash._index:
            sets[ids] = sets.get(ids, False) or renew
    funnels = [(f, i) for f in dash.catalog.funnels for i in range(len(f.steps) - 1)]
    pairs = {(f.key, i): (dash.stage_ids(f.steps[i].stages), dash.stage_ids(f.steps[i + 1].stages), f.steps[i].name,
                          f.steps[i + 1].name) for f, i in funnels if (f.key, i) not in dash._pairs}
    pairs = {k: v for k, v in pairs.items() if None not in v[:2]}
    p, o = date(year - 1, 12, 31).toordinal(), as_of.toordinal()
    convs = {(f.key, i, p): [dash.stage_ids(s.stages) for s in f.steps[i:]] for f, i in funnels
             if p < o < OPEN_END and (f.key, i, p) not in dash._conversions}
    convs = {k: v for k, v in convs.items() if None not in v}
    if not sets and not pairs and not convs:
        return None
    facts = dash.sorted_facts()
    facts.keys_fit()                        # once, here: the threads only read it
    sample = facts.stage[::16]              # the sets' sizes, roughly (a full count took 60 ms)
    counts: Any = np.bincount(sample) if len(sample) and 0 <= sample.min() and sample.max() < 1 << 16 else []
    trend = {dash.stage_ids(s.stages) for f in dash.catalog.funnels for s in f.steps} if len(dash.streets) > 1 else ()
    ahead = Ahead()
    built = dash._index
    for ids in [None, *sorted(sets, key=lambda x: -sum(int(counts[i]) for i in x if 0 <= i < len(counts)))]:
        if ids is not None:
            ahead.submit(("ix", ids), _build_index, facts, ids, ids in trend, sets[ids])
        for key, (a, b, step, nxt) in list(pairs.items()):
            got = [built[x] if x in built else ahead.pending(("ix", x)) for x in (a, b)]
            if got[0] is not None and got[1] is not None:
                ahead.submit(("pair", key), _build_pair, *got, facts.street_of, step, nxt)
                del pairs[key]
        for ckey, later in list(convs.items()):
            steps = [built[x] if x in built else ahead.pending(("ix", x)) for x in later]
            if all(s is not None for s in steps):
                ahead.submit(("conv", ckey), YearConversion.ahead, p, *steps)
                del convs[ckey]
    return ahead


def _sets_of(dash: Dashboard, year: int) -> list[tuple[Any, bool]]:
    """The stage sets a district view of *year* asks an index of, and whether it looks up their renewals (an
    indicator's forecast, the expiries)."""
    out: list[tuple[Any, bool]] = [(keys, renew) for ind in dash.targets.get(year, []) for keys, renew in
                                   ((ind.stages, True), (ind.require, False)) if keys]
    out += [(s.stages, False) for f in dash.catalog.funnels for s in f.steps]
    return out + [(keys, True) for _, keys in dash._expiry_sets(year)] + [([k], False) for k in
                                                                         dash.certificate_stages()]


def _build_index(facts: Facts, ids: tuple, streets: bool, renewals: bool) -> SetIndex:
    ix = SetIndex(facts, ids)
    if streets:                 # a trend index: its streets' series, as the district view builds them (same arrays)
        ix.street_spells()
    if renewals:                # the key renewal_days searches (not kept with the state: no order to keep)
        ix.renewal_key()
    return ix


def _build_pair(a: SetIndex, b: SetIndex, street_of: np.ndarray, step: str, next_step: str):
    """A pair's entries and year slices (the district's cohort table builds them)."""
    p = cohort_maths.pair_entries(a, b, street_of, step, next_step)
    p.year_slices(cohort_maths.WINDOWS)
    return p
