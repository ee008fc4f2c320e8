"""Hostile files: hypothesis-mutated .xlsx, .xls and .csv files and random bytes fed to the reader
(importers.read.open_table and every row) and the planner (importers.plan.build_plan).

Whatever the bytes: no crash, no hang (SIGALRM after HANG_SECONDS), only InputError with a Chinese
message, and the ledger unchanged. A case that ever fails is saved to tests/reliability/corpus/
and replayed on every run. Short variant always; the long one is marked slow.
"""
from __future__ import annotations

import hashlib
import io
import os
import signal
import sqlite3
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers.errors import InputError
from tests.reliability.helpers import CJK, SEEDS

CORPUS = Path(__file__).with_name("corpus")
HANG_SECONDS = 20
MEMORY_HEADROOM = 3 << 30      # 3 GiB more than the process already maps
# corpus cases that still fail, with the reason; strict: once fixed, the test says so and the entry goes
KNOWN: dict[str, str] = {}  # none left: importers/guards.py refuses the .xls cases on which calamine aborted
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGALRM watchdog is POSIX")


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang(f"no answer within {HANG_SECONDS} s")




# mutations ---------------------------------------------------------------------------------------
@st.composite
def mutated(draw, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "set", "cut", "insert", "dup", "truncate"]))
        if not out:
            out += draw(st.binary(min_size=1, max_size=64))
            continue
        i = draw(st.integers(0, len(out) - 1))
        if op == "flip":
            out[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "set":
            out[i] = draw(st.sampled_from([0, 0xFF, 0x7F, 0x80, ord(","), ord('"'), ord("\n"), ord("<"), ord("9")]))
        elif op == "cut":
            del out[i:i + draw(st.integers(1, 256))]
        elif op == "insert":
            out[i:i] = draw(st.binary(min_size=1, max_size=64))
        elif op == "dup":
            j = draw(st.integers(i, min(len(out), i + 512)))
            out[i:i] = out[i:j] * draw(st.integers(1, 20))
        else:
            del out[i:]
    return bytes(out)


@st.composite
def mutated_xlsx_member(draw) -> bytes:
    """Structure-aware: keep the zip valid, mutate the XML inside (sheet, shared strings, workbook)."""
    src = zipfile.ZipFile(io.BytesIO(SEEDS["xlsx"]))
    names = [n for n in src.namelist() if n.endswith(".xml")]
    target = draw(st.sampled_from(names))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for n in src.namelist():
            data = src.read(n)
            out.writestr(n, draw(mutated(data)) if n == target else data)
    return buf.getvalue()


FORMATS = {
    "xlsx": lambda: st.one_of(st.tuples(st.just("xlsx"), mutated(SEEDS["xlsx"])),
                              st.tuples(st.just("xlsx"), mutated_xlsx_member())),
    "xls": lambda: st.tuples(st.just("xls"), mutated(SEEDS["xls"])),
    "csv": lambda: st.one_of(st.tuples(st.just("csv"), mutated(SEEDS["csv"])),
                             st.tuples(st.just("csv"), mutated(SEEDS["gbk.csv"]))),
    "bytes": lambda: st.tuples(st.sampled_from(["xlsx", "xls", "csv", "txt"]), st.binary(max_size=4096)),
}


# the property ------------------------------------------------------------------------------------
def _state(conn: sqlite3.Connection) -> tuple:
    return tuple(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                 for t in ("firms", "designations", "audit", "batches", "firm_aliases"))


def feed(ledger, tmp: Path, ext: str, data: bytes, *, keep: bool = True) -> str:
    """Open, read every row, plan. Returns 'ok' or 'refused'; anything else fails (and is kept)."""
    path = tmp / f"名单.{ext}"
    path.write_bytes(data)
    inflight = CORPUS / f".inflight-{os.getpid()}.{ext}"   # survives a crash that takes the whole process down
    if keep:
        inflight.write_bytes(data)
    before = _state(ledger.conn)
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_SECONDS)
    limits = _limit_memory()
    try:
        try:
            from importers.read import open_table
            table = open_table(path)
            rows = [r.excel_row for chunk in table.iter_rows(500) for r in chunk]
            # every row is accounted for once: data rows in order, below the header, never also skipped
            assert rows == sorted(set(rows)) and all(r > table.header_row for r in rows), rows[:20]
            assert len(rows) == table.row_count_hint
            assert not set(rows) & {r for r, _ in table.skipped}
            plan_mod = _planner()
            if plan_mod is not None:
                plan_mod.build_plan(ledger, path)
            outcome = "ok"
        except InputError as exc:
            assert CJK.search(str(exc)), f"message not in Chinese: {exc!r}"
            outcome = "refused"
    except BaseException:
        if keep:
            _keep(ext, data)
        raise
    finally:
        _restore_memory(limits)
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    if keep:
        inflight.unlink(missing_ok=True)
    assert _state(ledger.conn) == before
    return outcome


def _limit_memory(extra: int = MEMORY_HEADROOM):
    """Cap the address space while a hostile file is read: a memory bomb then fails fast (MemoryError,
    or an abort from native code) instead of waking the kernel's OOM killer on a shared machine."""
    try:
        import resource
        with open("/proc/self/status", encoding="ascii") as fh:
            vm = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize:"))
        old = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (vm + extra, old[1]))
        return old
    except (OSError, ValueError, StopIteration, ImportError):
        return None


def _restore_memory(old) -> None:
    if old is not None:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, old)


def _planner():
    from importers import plan
    return plan


def _keep(ext: str, data: bytes) -> None:
    CORPUS.mkdir(exist_ok=True)
    digest = hashlib.sha1(data).hexdigest()
    if any(
        hashlib.sha1(p.read_bytes()).hexdigest() == digest for p in CORPUS.glob("*.*") if not p.name.startswith(".")
    ):
        return  # already kept (perhaps under a descriptive name)
    (CORPUS / f"{digest[:16]}.{ext}").write_bytes(data)


COMMON = dict(deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
TALLY: dict[str, int] = {}


def _corpus() -> list:
    from db.lock import pid_alive
    for stray in CORPUS.glob(".inflight-*"):  # the case that took a run down (its process is gone): keep it
        pid = stray.name.split("-")[1].split(".")[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            try:
                data = stray.read_bytes()
                stray.unlink()
            except OSError:
                continue  # another run adopted it first
            _keep(stray.suffix.lstrip("."), data)
    cases = sorted(p for p in CORPUS.glob("*.*") if not p.name.startswith("."))
    return [pytest.param(p, marks=pytest.mark.xfail(strict=True, reason=KNOWN[p.name])) if p.name in KNOWN else p
            for p in cases]


CHILD = """
import sys, tempfile, pathlib
sys.path.insert(0, sys.argv[1])
import resource
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, resource.getrlimit(resource.RLIMIT_AS)[1]))
from tests.reliability import test_fuzz as t
from db.ledger import Ledger
case = pathlib.Path(sys.argv[2])
tmp = pathlib.Path(tempfile.mkdtemp())
with Ledger(tmp / "l.db") as led:
    print(t.feed(led, tmp, case.suffix.lstrip("."), case.read_bytes(), keep=False))
"""


@pytest.mark.parametrize("case", _corpus() or [None], ids=lambda p: p.name if p else "empty")
def test_corpus_of_past_failures(tmp_path, case):
    """Each case in its own process with 3 GiB of address space: a crash is a failure, not a dead run."""
    if case is None:
        pytest.skip("the corpus is empty")
    import subprocess
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-c", CHILD, str(root), str(case)], capture_output=True, text=True,
                          timeout=HANG_SECONDS * 3, cwd=tmp_path)
    assert proc.returncode == 0, f"{case.name}: exit {proc.returncode}\n{proc.stderr[-1500:]}"
    assert proc.stdout.strip() in ("ok", "refused")


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seeds_are_read(ledger, tmp_path, name):
    assert feed(ledger, tmp_path, name.rsplit(".", 1)[-1], SEEDS[name]) == "ok"


INNER = os.environ.get("XINGTU_FUZZ_INNER") == "1"
SHORT, LONG = 40, int(os.environ.get("XINGTU_FUZZ_LONG", "3000"))  # examples per format
# The long variant runs in CI: derandomised there, so a run is reproducible and CI never fails on luck.
# XINGTU_FUZZ_RANDOM=1 explores new inputs instead; what fails is kept in the corpus, which then runs always.
EXPLORE = os.environ.get("XINGTU_FUZZ_RANDOM") == "1"


def _inner(ledger, tmp_path, fmt: str, examples: int, derandomize: bool) -> None:
    @settings(max_examples=examples, derandomize=derandomize, **COMMON)
    @given(case=FORMATS[fmt]())
    def run(case):
        outcome = feed(ledger, tmp_path, *case)
        TALLY[outcome] = TALLY.get(outcome, 0) + 1
    run()
    print(f"\nfuzz {fmt}: {examples} cases, {TALLY}")


if INNER:  # collected only in the child process
    @pytest.mark.parametrize("fmt", sorted(FORMATS))
    def test_inner_short(ledger, tmp_path, fmt):
        _inner(ledger, tmp_path, fmt, SHORT, True)

    @pytest.mark.parametrize("fmt", sorted(FORMATS))
    def test_inner_long(ledger, tmp_path, fmt):
        _inner(ledger, tmp_path, fmt, LONG, not EXPLORE)


def _child(fmt: str, which: str) -> None:
    """Run the hypothesis loop in a child pytest: a native crash fails this test instead of ending the run."""
    if INNER:
        pytest.skip("already the child")
    import subprocess
    root = Path(__file__).resolve().parents[2]
    node = f"tests/reliability/test_fuzz.py::test_inner_{which}[{fmt}]"
    env = dict(os.environ, XINGTU_FUZZ_INNER="1")
    proc = subprocess.run([sys.executable, "-m", "pytest", node, "-q", "-s", "-p", "no:cacheprovider"], cwd=root,
                          env=env, capture_output=True, text=True, timeout=3600)
    summary = [line for line in proc.stdout.splitlines() if line.startswith("fuzz ")]
    print("\n".join(summary))
    kept = _corpus()
    assert proc.returncode == 0, (f"fuzz {fmt} failed (exit {proc.returncode}); the case is kept in {CORPUS}: "
                                  f"{[getattr(k, 'values', [k])[0].name for k in kept][-3:]}\n"
                                  f"{(proc.stdout + proc.stderr)[-3000:]}")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_fuzz_short(fmt):
    _child(fmt, "short")


@pytest.mark.slow
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_fuzz_long(fmt):
    _child(fmt, "long")
