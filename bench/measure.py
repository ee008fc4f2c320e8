"""The harness: rows of the table, paired timing with medians, child processes, the table itself."""
from __future__ import annotations

import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
MISSING = "未测（模块缺失）"
FAILED = "未测（出错）"


@dataclass
class Row:
    key: str                      # stable id, e.g. "import_vs_calamine"
    figure: str                   # Chinese name shown in the table
    size: int                     # firms / rows
    unit: str                     # "s", "ms" or "MB"
    ours: float | None = None
    baseline: float | None = None
    baseline_name: str = ""
    goal: str = "—"
    max_ratio: float | None = None
    max_value: float | None = None
    note: str = ""
    rounds: int = 0
    samples: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.baseline:
            return None
        return self.ours / self.baseline

    @property
    def met(self) -> bool | None:
        if self.ours is None or (self.max_ratio is None and self.max_value is None):
            return None
        ok = True
        if self.max_ratio is not None:
            ok = ok and self.ratio is not None and self.ratio <= self.max_ratio
        if self.max_value is not None:
            ok = ok and self.ours <= self.max_value
        return ok

    def as_dict(self) -> dict:
        d = asdict(self)
        d["ratio"] = None if self.ratio is None else round(self.ratio, 3)
        d["met"] = self.met
        return d


def missing(*modules: str) -> list[str]:
    """The modules (dotted names) that do not exist yet."""
    out = []
    for name in modules:
        try:
            if importlib.util.find_spec(name) is None:
                out.append(name)
        except ModuleNotFoundError:
            out.append(name)
    return out


def not_measured(row: Row, why: str = MISSING, detail: str = "") -> Row:
    row.ours = None
    row.note = why + (f"：{detail}" if detail else "") + (f"；{row.note}" if row.note else "")
    return row


@dataclass
class Context:
    sizes: list[int]              # sizes for the import and export timings
    big: int                      # the size of the "million" figures (memory, desktop, dashboard)
    rounds: int                   # rounds at 10k and below; fewer for larger sizes
    work: Path                    # scratch folder for this run
    quick: bool = False
    profile: bool = False
    log: Callable[[str], None] = print

    def rounds_for(self, n: int) -> int:
        if n <= 20_000:
            return self.rounds
        if n <= 200_000:
            return 1 if self.quick else max(1, min(self.rounds, 3))
        return 1


def paired(ours: Callable[[], object], base: Callable[[], object], rounds: int,
           setup: Callable[[], None] | None = None) -> tuple[float, float, dict]:
    """Median wall seconds of *ours* and *base*, run alternately (ours first on even rounds) so noise hits both.

    The samples also keep this process's CPU seconds of each run: on a shared machine the CPU
    ratio is the one other people's work cannot move (``cpu_ratio`` in the samples)."""
    a, b, ca, cb = [], [], [], []
    for i in range(rounds):
        order = ((ours, a, ca), (base, b, cb)) if i % 2 == 0 else ((base, b, cb), (ours, a, ca))
        for fn, out, cpu in order:
            if setup is not None:
                setup()
            c = time.process_time()
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
    samples = {"ours": [round(x, 4) for x in a], "baseline": [round(x, 4) for x in b],
               "ours_cpu": [round(x, 4) for x in ca], "baseline_cpu": [round(x, 4) for x in cb]}
    if statistics.median(cb) > 0:
        samples["cpu_ratio"] = round(statistics.median(ca) / statistics.median(cb), 3)
    return statistics.median(a), statistics.median(b), samples


def cpu_note(samples: dict) -> str:
    ratio = samples.get("cpu_ratio")
    return f"按 CPU 时间比值 {ratio:.2f}×" if ratio is not None else ""


def timed(fn: Callable[[], object], rounds: int, setup: Callable[[], None] | None = None) -> tuple[float, list]:
    samples = []
    for _ in range(rounds):
        if setup is not None:
            setup()
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples), [round(x, 4) for x in samples]


_COMPILED: list[bool] = []


def _compiled(env: dict) -> None:
    """Compile the project's modules once per bench run into the bench's bytecode cache (``compileall``)."""
    if not _COMPILED:
        _COMPILED.append(True)
        folders = [str(ROOT / d) for d in ("bench", "db", "desktop", "importers", "pipeline", "ui", "resources")]
        subprocess.run([sys.executable, "-m", "compileall", "-q", *folders], env=env, cwd=ROOT, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def child_env() -> dict:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    # the project's bytecode in the bench's own cache, not beside the sources, compiled before the first child:
    # with PYTHONDONTWRITEBYTECODE (this machine's default) every child compiled each module of the app from
    # source, 60-70 ms of the desktop's start-up that an installed app (the frozen build ships bytecode) and the
    # bare-Qt baseline (site-packages come compiled) never pay
    from bench import generate
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(generate.CACHE / "pycache")
    _compiled(env)
    # the app's QSettings and data folder in a scratch place: the user's own settings neither
    # change the figures nor get changed by them
    env["XDG_CONFIG_HOME"] = str(generate.CACHE / "config")
    env["XINGTU_DATA_DIR"] = str(generate.CACHE / "data")
    return env


def run_child(task: str, *args: str, timeout: float = 600, marker: str | None = None) -> dict:
    """Run ``python -m bench.child TASK ARGS`` in a fresh process; returns its JSON result.

    With *marker*, also returns "marker_s": wall seconds from spawning the process to the line
    *marker* on its stdout (start-up figures are measured from the outside, the same way for both).
    """
    cmd = [sys.executable, "-m", "bench.child", task, *map(str, args)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, encoding="utf-8")
    marker_s = None
    lines = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if marker_s is None and marker and line.strip() == marker:
                marker_s = time.perf_counter() - t0
            lines.append(line)
            if time.perf_counter() - t0 > timeout:
                proc.kill()
                raise RuntimeError(f"{task} 超时（{timeout:.0f} s）")
        err = proc.stderr.read() if proc.stderr else ""
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    if proc.returncode != 0:
        tail = " / ".join(line.strip() for line in err.strip().splitlines()[-4:])
        raise RuntimeError(f"{task} 退出码 {proc.returncode}：{tail}")
    result = json.loads(next(line for line in reversed(lines) if line.startswith("{")))
    if marker:
        result["marker_s"] = marker_s
    return result


# the table --------------------------------------------------------------------------------------------------

def _num(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "ms":
        return f"{value * 1000:.1f} ms" if value < 10 else f"{value * 1000:.0f} ms"
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit == "次":
        return f"{value:.0f} 次"
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def _size(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def cells(row: Row) -> list[str]:
    ratio = "—" if row.ratio is None else f"{row.ratio:.2f}×"
    met = {True: "达成", False: "未达成", None: "—"}[row.met]
    if row.ours is None:
        met = row.note or MISSING
    return [row.figure, _size(row.size), _num(row.ours, row.unit), _num(row.baseline, row.unit), ratio, row.goal, met]


HEAD = ["指标", "规模", "星图", "基线", "比值", "目标", "结果"]


def text_table(rows: list[Row]) -> str:
    import unicodedata

    def width(s: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)

    table = [HEAD] + [cells(r) for r in rows]
    widths = [max(width(r[i]) for r in table) for i in range(len(HEAD))]
    lines = []
    for k, r in enumerate(table):
        lines.append("  ".join(c + " " * (w - width(c)) for c, w in zip(r, widths, strict=False)).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown(rows: list[Row], meta: dict) -> str:
    out = ["# 星图基准测试结果", "",
           f"`python -m bench {meta['args']}`，{meta['finished'][:16].replace('T', ' ')}，{meta['machine']}，"
           f"用时 {meta['elapsed_s'] / 60:.1f} 分钟。每项为多轮中位数；基线在同一次运行中测得（与星图交替运行）。", "",
           "| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)]
    for r in rows:
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells(r)) + " |")
    out += ["", "## 基线与说明", ""]
    seen = set()
    for r in rows:
        line = f"- **{r.figure}**：基线为{r.baseline_name or '无'}" + (
            f"；{r.note}" if r.note and r.ours is not None else ""
        )
        if line not in seen:
            seen.add(line)
            out.append(line)
    out.append("")
    return "\n".join(out)


def machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return (f"{platform.system()} {platform.machine()}，{os.cpu_count()} 核，Python {platform.python_version()}，"
            f"开始时负载 {load:.1f}")


def write_results(rows: list[Row], meta: dict, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    data = {**meta, "rows": [r.as_dict() for r in rows]}
    (folder / "results.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (folder / "RESULTS.md").write_text(markdown(rows, meta), encoding="utf-8")


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def profile_to(path: Path, fn: Callable[[], object]) -> str | None:
    """Run *fn* once under pyinstrument and save the text report; returns the path, or None without pyinstrument."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return None
    profiler = Profiler(interval=0.002)
    profiler.start()
    try:
        fn()
    finally:
        profiler.stop()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8")
    return str(path)


def rss_mb() -> tuple[float, float]:
    """(resident now, peak resident) of this process in MB, from /proc; ru_maxrss when /proc is absent."""
    now = peak = None
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    except OSError:
        pass
    if peak is None:
        import resource
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 if sys.platform != "darwin" else 1024 ** 2)
    return (now if now is not None else peak), peak
