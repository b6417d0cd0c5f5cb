"""Sandbox throughput: isolated Python runs/s vs spawn-per-run, HumanEval, a GRPO-sized batch.

    PYTHONPATH=. python -m bench.bench_sandbox [--quick]

Everything in one run on the same machine:
1. spawn-per-run baseline: ``python3 sol.py`` started per test (what SandboxFusion and open-r1 do),
   stdin piped, 2-way concurrent (one per core), no isolation at all;
2. the local sandbox: every test a fresh isolated run (pid/net/mnt/ipc/uts namespaces, slot uid,
   rlimits, seccomp, cgroup), jobs of 10 tests sent by 2×cores concurrent clients;
3. per-run overhead: wall time of a run of ``pass`` (fork → isolation → exec → result), p50/p99;
4. HumanEval: 164 canonical solutions through ``CodeTask`` (record/replay: the submission's process
   only makes the test's calls; the asserts run in a fresh process), then 164 ``return None`` bodies;
   the isolated-runs/s figure of 2. counts sandbox runs, whatever a task makes of them;
5. a GRPO-sized batch: 512 completions × 10 stdio tests through ``CodeTask`` (mixed right/wrong).
Results go to bench/RESULTS.md (section "sandbox").
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import gzip
import json
import os
import pathlib
import random
import statistics
import subprocess
import sys
import tempfile
import time

from bench._data import shared_data
from bench._results import write_section
from envs.code import CodeTask
from sandbox import Job, LocalConfig, start_local
from sandbox.api import Executor, JobResult

PROG = "n = int(input())\nprint(sum(i * i for i in range(n)))\n"
CLIENTS = 2 * (os.cpu_count() or 1)


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def spawn_baseline(n_runs: int, python: str = "python3") -> float:
    """runs/s of a Python started per test, one worker per core (no isolation at all)."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "sol.py")
        pathlib.Path(path).write_text(PROG)

        def one(i: int) -> bool:
            p = subprocess.run([python, path], input=f"{100 + i % 50}\n", capture_output=True, text=True,
                               timeout=10)
            return p.returncode == 0

        t = time.perf_counter()
        with cf.ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            ok = sum(pool.map(one, range(n_runs)))
        el = time.perf_counter() - t
    assert ok == n_runs
    return n_runs / el


def sandbox_throughput(ex, n_jobs: int, tests: int = 10) -> tuple[float, list[float]]:  # noqa: ANN001
    walls: list[float] = []

    def one(i: int) -> list[float]:
        r = ex.execute(Job("python", PROG, stdins=[f"{100 + (i + k) % 50}\n" for k in range(tests)]))
        assert not r.error and all(x.status == "OK" for x in r.runs), r
        return [x.wall_ms for x in r.runs]

    t = time.perf_counter()
    with cf.ThreadPoolExecutor(CLIENTS) as pool:
        for w in pool.map(one, range(n_jobs)):
            walls += w
    el = time.perf_counter() - t
    return n_jobs * tests / el, walls


def overhead(ex, n: int) -> tuple[list[float], list[float]]:  # noqa: ANN001
    """Wall of a run of ``pass`` inside the zygote, and the client-observed latency of a 1-run job."""
    inner, outer = [], []
    for _ in range(n):
        t = time.perf_counter()
        r = ex.execute(Job("python", "pass"))
        outer.append((time.perf_counter() - t) * 1000)
        inner.append(r.runs[0].wall_ms)
    return inner, outer


class Counting(Executor):
    """Counts the sandbox jobs a ``CodeTask`` sends (record/replay sends several per assert item)."""

    def __init__(self, inner: Executor) -> None:
        self.inner, self.jobs = inner, 0

    def execute(self, job: Job) -> JobResult:
        self.jobs += 1  # one run each: these jobs carry one stdin
        return self.inner.execute(job)

    def health(self) -> dict:
        return self.inner.health()


def humaneval(task: CodeTask, body: str | None = None) -> tuple[int, int, float]:
    """Problems scoring 1 (canonical solutions) or 0 (``body`` instead, e.g. ``return None``)."""
    with gzip.open(shared_data() / "humaneval" / "HumanEval.jsonl.gz", "rt") as f:
        rows = [json.loads(x) for x in f]
    t = time.perf_counter()

    def one(r: dict) -> bool:
        ref = task.parse_reference({"language": "python", "test": r["test"], "entry_point": r["entry_point"]})
        v = task.score(r["prompt"] + (body or r["canonical_solution"]), ref)
        return v.reward == (0.0 if body else 1.0) and v.status.name == "OK"

    with cf.ThreadPoolExecutor(CLIENTS) as pool:
        ok = sum(pool.map(one, rows))
    return ok, len(rows), time.perf_counter() - t


def grpo_batch(task: CodeTask, n: int = 512) -> tuple[float, int, float]:
    rng = random.Random(0)
    ref = task.parse_reference({"language": "python", "tests": [
        {"input": f"{k}\n", "output": str(sum(i * i for i in range(k)))} for k in range(100, 110)]})
    right = "```python\n" + PROG + "```"
    wrong = "```python\nn = int(input())\nprint(n * n)\n```"
    comps = [right if rng.random() < 0.5 else wrong for _ in range(n)]
    t = time.perf_counter()
    with cf.ThreadPoolExecutor(CLIENTS) as pool:
        verdicts = list(pool.map(lambda c: task.score(c, ref), comps))
    el = time.perf_counter() - t
    expect = sum(c == right for c in comps)
    got = sum(v.reward == 1.0 for v in verdicts)
    assert got == expect and all(v.status.name == "OK" for v in verdicts)
    return el, n * 10, n * 10 / el


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved baseline/sandbox rounds (median)")
    args = ap.parse_args()
    n_jobs = 100 if args.quick else 300
    n_base = 150 if args.quick else 400
    handle = start_local(LocalConfig(), export_env=False)
    rounds: list[tuple[float, float, float]] = []  # (baseline A, baseline B, sandbox) runs/s
    walls: list[float] = []
    try:
        ex = handle.executor()
        sandbox_throughput(ex, 8)  # warm-up
        load0 = os.getloadavg()
        # Interleaved rounds: load from other tenants drifts over minutes, so each ratio compares
        # measurements taken seconds apart, and the median of the rounds is reported.
        for _ in range(args.rounds):
            base = spawn_baseline(n_base)  # `python3` from PATH (a version-manager shim where one is installed)
            rps, w = sandbox_throughput(ex, n_jobs)
            base_bin = spawn_baseline(n_base, sys.executable)  # the interpreter binary
            rounds.append((base, base_bin, rps))
            walls += w
        inner, outer = overhead(ex, 300 if args.quick else 1000)
        counting = Counting(ex)
        task = CodeTask(executor=counting)
        he_ok, he_n, he_s = humaneval(task)  # cold: one discovery run per reference, then calls + replay
        he_jobs_cold = counting.jobs
        none_ok, _, none_s = humaneval(task, "    return None\n")  # warm: discovery cached, as in GRPO groups
        he_jobs_warm = counting.jobs - he_jobs_cold
        gb_s, gb_runs, gb_rps = grpo_batch(task)
        load1 = os.getloadavg()
        layers = handle.info.get("layers", "")
        workers = handle.info.get("workers")
    finally:
        handle.close()
    ratio = statistics.median(r[2] / r[0] for r in rounds)
    ratio_bin = statistics.median(r[2] / r[1] for r in rounds)
    rps = statistics.median(r[2] for r in rounds)
    base = statistics.median(r[0] for r in rounds)
    base_bin = statistics.median(r[1] for r in rounds)
    per_round = ", ".join(f"{r[2] / r[0]:.1f}×" for r in rounds)
    md = f"""Machine: {os.cpu_count()} cores, shared (1-min load average {load0[0]:.1f} at start, {load1[0]:.1f} at end).
Local backend, {workers} zygotes, layers `{layers}`. {len(rounds)} interleaved rounds of (baseline A, sandbox,
baseline B); medians reported.
Command: `PYTHONPATH=. python -m bench.bench_sandbox`

| measure | value | bar |
|---|---|---|
| isolated Python test executions/s (jobs of 10 tests, {CLIENTS} clients) | **{rps:.0f}** | ≥ 400 |
| spawn-per-run baseline A: `python3 sol.py` per test (`python3` as found on PATH, a version-manager shim where there is one), {os.cpu_count()} workers, runs/s | {base:.1f} | |
| spawn-per-run baseline B: `{os.path.basename(sys.executable)} sol.py` per test (the interpreter binary itself, no shim), runs/s | {base_bin:.1f} | |
| speed-up vs A / vs B, median of rounds (each round: {per_round} vs A) | **{ratio:.1f}×** / {ratio_bin:.1f}× | ≥ 10× |
| per-run overhead, run of `pass` inside the zygote: p50 / p99 (ms) | {pct(inner, .5):.2f} / **{pct(inner, .99):.2f}** | p99 ≤ 10 ms |
| client-observed latency of a 1-run job (Unix socket, JSON): p50 / p99 (ms) | {pct(outer, .5):.2f} / {pct(outer, .99):.2f} | |
| run wall under load (10-test jobs): p50 / p99 (ms) | {pct(walls, .5):.2f} / {pct(walls, .99):.2f} | |
| HumanEval canonical through `CodeTask` (record/replay, cold: discovery + calls + replay) | {he_ok}/{he_n} in {he_s:.2f} s ({he_n / he_s:.0f} problems/s, {he_jobs_cold / he_n:.2f} sandbox runs each) | 164/164 |
| HumanEval `return None` bodies scoring 0 (warm: discovery cached) | {none_ok}/{he_n} in {none_s:.2f} s ({he_n / none_s:.0f} problems/s, {he_jobs_warm / he_n:.2f} sandbox runs each) | 164/164 |
| GRPO batch: 512 completions × 10 stdio tests through `CodeTask` | {gb_s:.2f} s ({gb_rps:.0f} test runs/s) | |

How the runs are counted: the isolated-runs/s row counts sandbox runs (one process each), whatever a
task makes of them. An assert-test item (HumanEval/MBPP) is graded by record/replay: one run of the
submission (it only makes the test's calls) and one replay run of the test program (no submission in
it), plus one discovery run per reference, cached per scoring worker; a call chain `f(f(x))` adds a
round. So an assert item costs about 2 runs where the in-process harness cost 1 (see the runs-each
column); stdio and call items are unchanged (one run per test).
"""
    print(md)
    write_section("sandbox", md)
    if rps < 400 or ratio < 10 or pct(inner, .99) > 10:
        print("BAR MISSED", file=sys.stderr)


if __name__ == "__main__":
    main()
