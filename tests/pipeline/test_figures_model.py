"""The figures against a plain model of the definitions (README, "What the numbers mean"), written day by day
from the designations themselves: the report (pipeline.report.build) and the dashboard (pipeline.dashboard),
district and every street, on random small ledgers at random as-of dates (hypothesis)."""
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import report
from pipeline.catalog import Catalog, Stage, Track
from pipeline.dashboard import Dashboard
from pipeline.facts import Facts
from pipeline.indicators import Indicator, for_street

CAT = Catalog([Track("t", "t", False, (Stage(1, "a", "甲", "t", 1), Stage(2, "b", "乙", "t", 2))),
               Track("u", "u", False, (Stage(3, "c", "丙", "u", 1),))])
IDS = {"a": 1, "b": 2, "c": 3}
STREETS = [(10, "一"), (20, "二")]
LO = date(2021, 12, 1)
EDGES = [date(2022, 12, 31), date(2023, 1, 1), date(2023, 3, 1), date(2024, 2, 29), date(2024, 3, 1),
         date(2023, 12, 31), date(2024, 12, 31)]       # days many designations share (batches, year ends, 29 Feb)
day = st.one_of(st.integers(0, 1200).map(lambda n: LO + timedelta(days=n)), st.sampled_from(EDGES))
designation = st.tuples(st.integers(1, 6), st.sampled_from([1, 2, 3]), day,
                        st.one_of(st.none(), st.integers(1, 900), st.sampled_from([1, 365, 366, 1096])))


def held(rows, firm, keys, d):
    ids = {IDS[k] for k in keys}
    return any(f == firm and s in ids and start <= d and (end is None or d < end) for f, s, start, end in rows)


def model(rows, street_of, ind, year, as_of, street_id):
    """The indicator's 完成值 and 基期值 straight from the definitions."""
    firms = sorted({r[0] for r in rows} | set(street_of))
    if street_id is not None:
        firms = [f for f in firms if street_of.get(f) == street_id]

    def ok(f, d):
        return not ind.require or held(rows, f, ind.require, d)

    def stock(d):
        return {f for f in firms if held(rows, f, ind.stages, d) and ok(f, d)}

    def new(y, d):
        first, last = date(y, 1, 1), min(d, date(y, 12, 31))
        starts = {start for f, s, start, _ in rows}
        return {f for f in firms for t in starts if first <= t <= last and ok(f, d)
                and held(rows, f, ind.stages, t) and not held(rows, f, ind.stages, t - timedelta(days=1))}

    def ever(first, last):
        ids = {IDS[k] for k in ind.stages}
        return {f for f in firms if ok(f, last) and any(
            f == g and s in ids and start <= last and (end is None or end > first)
            for g, s, start, end in rows)} if first <= last else set()
    prev = date(year - 1, 12, 31)
    if ind.kind == "stock":
        return len(stock(as_of)), len(stock(prev))
    if ind.kind == "net":
        return len(stock(as_of)) - len(stock(prev)), len(stock(prev))
    if ind.kind == "new":
        return len(new(year, as_of)), len(new(year - 1, prev))
    first = date(ind.base_year or year, 1, 1)
    return len(ever(first, as_of)), len(ever(first, prev))


def ledger_of(raw, streets: dict, firms: int = 6):
    """(rows with their end dates, each firm's street, Facts) of drawn designations (firm, stage, start, days held
    or None) and streets, for firms 1 … *firms*."""
    rows = [(f, s, start, None if n is None else start + timedelta(days=n)) for f, s, start, n in raw]
    street_of = {f: streets.get(f) for f in range(1, firms + 1)}
    facts = Facts.from_rows([(f, s, a.isoformat(), e.isoformat() if e else None) for f, s, a, e in rows],
                            street_of.items())
    return rows, street_of, facts


INDICATORS = [Indicator("存量", "stock", ["a", "b"], 5), Indicator("净增", "net", ["a"], 1),
              Indicator("新增", "new", ["b"], 2), Indicator("新增规上", "new", ["a"], 2, require=["c"]),
              Indicator("净增规上", "net", ["a", "b"], 1, require=["c"]),
              Indicator("累计", "cumulative", ["c"], 3, base_year=2022),
              Indicator("今年累计", "cumulative", ["a"], 3, base_year=2023)]


@settings(max_examples=60, deadline=None)
@given(st.lists(designation, max_size=14), st.dictionaries(st.integers(1, 6), st.sampled_from([10, 20, None])),
       st.sampled_from([2022, 2023, 2024]), st.integers(0, 365))
def test_report_and_dashboard_equal_the_model(raw, streets, year, offset):
    rows, street_of, facts = ledger_of(raw, streets)
    as_of = min(date(year, 1, 1) + timedelta(days=offset), date(year, 12, 31))
    dash = Dashboard(facts, CAT, {year: INDICATORS}, STREETS)
    for sid, name in [(None, None), *STREETS]:
        inds = INDICATORS if sid is None else for_street(INDICATORS, sid, name)
        want = [model(rows, street_of, i, year, as_of, sid) for i in inds]
        rep = report.build(facts, CAT, inds, year, as_of, name, sid)["indicators"]
        view = dash.compute(year, as_of, sid)["indicators"]
        assert [(r["actual"], r["base"]) for r in rep] == want, (sid, as_of)
        assert [(r["actual"], r["base"]) for r in view] == want, (sid, as_of)


def _anniversary(d, k):
    try:
        return d.replace(year=d.year + k)
    except ValueError:          # 29 February: 28 February
        return d.replace(year=d.year + k, day=28)


def cohort_model(rows, street_of, as_of, street_id):
    """{year: (entered, already, [reached within 1, 2, 3 years])} from the cohort definitions, day by day."""
    def on(f, stage, d):
        return any(g == f and s == stage and a <= d and (e is None or d < e) for g, s, a, e in rows)
    out: dict = {}
    for f in sorted({r[0] for r in rows}):
        if street_id is not None and street_of.get(f) != street_id:
            continue
        for t in sorted({a for g, s, a, _ in rows if g == f and s == 1 and a <= as_of}):
            if on(f, 1, t - timedelta(days=1)) or not on(f, 1, t):
                continue                                    # not an entry: held the day before
            row = out.setdefault(t.year, [0, 0, [0, 0, 0]])
            row[0] += 1
            if on(f, 2, t):
                row[1] += 1
                continue
            gains = [a for g, s, a, _ in rows if g == f and s == 2 and t < a <= as_of
                     and not on(f, 2, a - timedelta(days=1))]
            for k in (1, 2, 3):
                row[2][k - 1] += any(a <= _anniversary(t, k) for a in gains)
    return {y: (r[0], r[1], r[2]) for y, r in out.items()}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.sampled_from([1, 2]), day, st.one_of(st.none(), st.integers(1, 900))),
                max_size=12),
       st.dictionaries(st.integers(1, 5), st.sampled_from([10, 20, None])), st.integers(0, 1200))
def test_cohorts_equal_the_model(raw, streets, offset):
    from pipeline.catalog import Funnel, FunnelStep
    rows, street_of, facts = ledger_of(raw, streets, firms=5)
    as_of = LO + timedelta(days=offset)
    cat = Catalog(CAT.tracks, [Funnel("f", "链", (FunnelStep("甲", ("a",)), FunnelStep("乙", ("b",))))])
    dash = Dashboard(facts, cat, {as_of.year: []}, STREETS)
    for sid in (None, 10, 20):
        want = cohort_model(rows, street_of, as_of, sid)
        got = {r["year"]: (r["entered"], r["already"], [w["reached"] for w in r["windows"]])
               for c in dash.compute(as_of.year, as_of, sid)["cohorts"] for r in c["rows"]}
        assert got == want, (sid, as_of)


def expiry_model(rows, street_of, stages, year, as_of, street_id):
    """(expiring, renewed, lapsed, to come) of *year* as known on *as_of* (pipeline.forecast's definitions)."""
    ids = {IDS[k] for k in stages}
    known = [r for r in rows if r[1] in ids and r[2] <= as_of
             and (street_id is None or street_of.get(r[0]) == street_id)]
    out = [0, 0, 0, 0]
    for f in sorted({r[0] for r in known}):
        ends = [e for g, _, _, e in known if g == f and e is not None and (e - timedelta(days=1)).year == year]
        if not ends:
            continue
        last = max(ends)
        limit = min(as_of, date(year + 1, 1, 1))
        renewed = any(g == f and a <= limit and (e is None or e > last) for g, _, a, e in known)
        out[0] += 1
        out[1 if renewed else 2 if last <= as_of else 3] += 1
    return tuple(out)


@settings(max_examples=60, deadline=None)
@given(st.lists(designation, max_size=14), st.dictionaries(st.integers(1, 6), st.sampled_from([10, 20, None])),
       st.sampled_from([2022, 2023, 2024]), st.integers(0, 365))
def test_expiries_equal_the_model(raw, streets, year, offset):
    rows, street_of, facts = ledger_of(raw, streets)
    as_of = min(date(year, 1, 1) + timedelta(days=offset), date(year, 12, 31))
    dash = Dashboard(facts, CAT, {year: [Indicator("存量", "stock", ["a", "b"], 5)]}, STREETS)
    for sid in (None, 10, 20):
        ex = dash.compute(year, as_of, sid)["expiries"][0]
        assert (ex["expiring"], ex["renewed"], ex["lapsed"], ex["to_come"]) == \
            expiry_model(rows, street_of, ["a", "b"], year, as_of, sid), (sid, as_of)


def forecast_model(rows, street_of, ind, year, as_of, street_id):
    """(floor, lapses to come, expected gains) of the year-end forecast (pipeline.forecast's definitions)."""
    firms = sorted({r[0] for r in rows})
    if street_id is not None:
        firms = [f for f in firms if street_of.get(f) == street_id]
    end = date(year, 12, 31)
    known = [r for r in rows if r[2] <= as_of]

    def cover(keys, f, d, rs):
        return held(rs, f, keys, d)

    def req(f, d, rs):
        return not ind.require or cover(ind.require, f, d, rs)
    now = {f for f in firms if cover(ind.stages, f, as_of, rows) and req(f, as_of, rows)}
    stay = {f for f in firms if cover(ind.stages, f, end, known) and req(f, end, known)}
    prev_end = date(year - 1, 12, 31)
    first = as_of.replace(year=year - 1) if (as_of.month, as_of.day) != (2, 29) else date(year - 1, 2, 28)
    gains = {f for f in firms for t in {r[2] for r in rows} if first < t <= prev_end and req(f, prev_end, rows)
             and cover(ind.stages, f, t, rows) and not cover(ind.stages, f, t - timedelta(days=1), rows)}
    base = {f for f in firms if cover(ind.stages, f, prev_end, rows) and req(f, prev_end, rows)}
    floor = len(stay) if ind.kind == "stock" else len(stay) - len(base)
    return floor, len(now - stay), len(gains) if as_of < end else 0


@settings(max_examples=60, deadline=None)
@given(st.lists(designation, max_size=14), st.dictionaries(st.integers(1, 6), st.sampled_from([10, 20, None])),
       st.sampled_from([2022, 2023, 2024]), st.integers(0, 364))
def test_the_year_end_forecast_equals_the_model(raw, streets, year, offset):
    rows, street_of, facts = ledger_of(raw, streets)
    as_of = date(year, 1, 1) + timedelta(days=offset)
    inds = [Indicator("存量", "stock", ["a", "b"], 5), Indicator("净增规上", "net", ["a"], 1, require=["c"])]
    dash = Dashboard(facts, CAT, {year: inds}, STREETS)
    for sid in (None, 10, 20):
        for ind, row in zip(inds, dash.compute(year, as_of, sid)["indicators"], strict=True):
            f = row["forecast"]
            assert (f["floor"], f["lapses_to_come"], f["expected_gains"]) == \
                forecast_model(rows, street_of, ind, year, as_of, sid), (ind.name, sid, as_of)
