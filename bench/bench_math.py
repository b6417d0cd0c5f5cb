"""Side-by-side benchmark of the ``math`` task and Math-Verify on ``shared/data/math``.

Run from the repository root: ``python -m bench.bench_math`` (``--passes N`` for more timing
passes). Both verifiers see the same (gold, completion) pairs in the same process, one pair at a
time on one core. Each pair is timed cold for both sides: our gold is parsed again for every pair
and our memo caches are cleared, so the numbers include reference parsing. Math-Verify is called
the way TRL/open-r1 call it: ``verify(parse(gold), parse(pred))`` with its default configs.

Expected verdicts: LABEL_SUSPECT rows are left out; POLICY rows are judged under our documented
default (``POLICY_DEFAULTS``); every other row keeps the verdict its source asserts.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import time
from dataclasses import dataclass
from typing import Any

from bench._data import shared_data

DATA = shared_data() / "math"

# POLICY rows where our documented default gives another verdict than the source asserts:
# (file stem, row index) -> (our default verdict, the switch that restores the source's verdict).
POLICY_DEFAULTS: dict[tuple[str, int], tuple[bool, dict[str, Any] | None]] = {
    # Bare comma lists are solution lists (unordered) by default; Hendrycks compares strings.
    ("hendrycks_math", 1): (True, {"ordered_lists": True}),
    ("hendrycks_math", 8): (True, {"ordered_lists": True}),
    # We read inline math that spans lines; fallback="none" only trusts marked answers.
    ("math_verify_tests", 31): (True, {"fallback": "none"}),
    ("math_verify_tests", 32): (True, {"fallback": "none"}),
    # Inequality and interval answers are compared both ways (Math-Verify: gold side only).
    ("math_verify_tests", 187): (True, {"relation_vs_interval": False}),
    # Variable names matter: f(x) is not f(y) (Math-Verify strict=False would accept it).
    ("math_verify_tests", 254): (False, None),
    # The gold's exactness decides: a rounded decimal does not answer an exact gold (1.414 for
    # sqrt 2, 125.663 for 40 pi) unless the reference sets a relative tolerance.
    ("mario_eval", 1): (False, {"rel_tol": 1e-3}),
    ("mario_eval", 10): (False, {"rel_tol": 1e-3}),
    ("mario_eval", 11): (False, {"rel_tol": 1e-3}),
}

# Rows the strict answer rules judge differently from their source (not flagged POLICY there):
# * a configured precision (Math-Verify ``float_rounding=2`` / ``precision=4``, MARIO's rounding):
#   a rounded decimal does not answer an exact gold; ``rel_tol`` (the source's precision) restores;
# * a false equation chain is no answer (``x = 5+5+1 = 7 = 11`` is not 11): no switch restores it.
STRICT_ROWS: dict[tuple[str, int], tuple[bool, dict[str, Any] | None]] = {
    ("mario_eval", 49): (False, {"rel_tol": 1e-3}),
    ("math_verify_tests", 133): (False, {"rel_tol": 1e-2}),
    ("math_verify_tests", 139): (False, {"rel_tol": 1e-4}),
    ("math_verify_tests", 275): (False, {"rel_tol": 1e-4}),
    ("math_verify_tests", 35): (False, None),  # "1/2 \\$ = 10/9"
    ("math_verify_tests", 98): (False, None),  # "x = 5+5+1 = 7 = 11"
    ("math_verify_tests", 100): (False, None),
    ("math_verify_tests", 101): (False, None),  # "x = 5+5+1 = 1/3 \\approx 11"
    ("math_verify_tests", 114): (False, None),  # "z = 3+3 = 2"
    ("math_verify_tests", 115): (False, None),
}


@dataclass(slots=True)
class Row:
    file: str
    index: int
    gold: str
    pred: str
    expected: bool  # the verdict under our default policy
    source_expected: bool
    policy: bool


def load_corpus(data: pathlib.Path = DATA) -> list[Row]:
    rows: list[Row] = []
    for path in sorted(data.glob("*.jsonl")):
        for i, line in enumerate(path.read_text().splitlines()):
            if not line.strip():
                continue
            r = json.loads(line)
            if "LABEL_SUSPECT" in r["note"]:
                continue
            policy = "POLICY" in r["note"]
            expected = r["expected"]
            if policy and (path.stem, i) in POLICY_DEFAULTS:
                expected = POLICY_DEFAULTS[(path.stem, i)][0]
            elif (path.stem, i) in STRICT_ROWS:
                expected = STRICT_ROWS[(path.stem, i)][0]
            rows.append(Row(path.stem, i, r["gold"], r["pred"], expected, r["expected"], policy))
    return rows


def run_ours(rows: list[Row]) -> tuple[list[bool], list[float]]:
    from envs.math import MathTask
    from envs.math.task import clear_memo

    task = MathTask()
    task.setup()  # what a scoring worker does once at start (warms sympy); not timed
    verdicts, lat = [], []
    for row in rows:
        clear_memo()
        t0 = time.perf_counter()
        ref = task.parse_reference({"answer": row.gold})
        v = task.score(row.pred, ref)
        lat.append(time.perf_counter() - t0)
        verdicts.append(v.reward > 0.5)
    return verdicts, lat


def _wrap(s: str) -> str:
    """Math-Verify only reads LaTeX inside $…$/\\(…\\)/\\[…\\]/\\boxed: give bare strings a $…$."""
    return s if any(m in s for m in ("$", "\\(", "\\[", "\\boxed")) else f"${s}$"


def run_math_verify(rows: list[Row], wrap: bool = False) -> tuple[list[bool], list[float]]:
    try:
        from math_verify import parse, verify
    except ModuleNotFoundError:
        raise SystemExit('bench_math compares against Math-Verify: pip install ".[bench]" first') from None

    verdicts, lat = [], []
    for row in rows:
        t0 = time.perf_counter()
        try:
            gold, pred = (_wrap(row.gold), _wrap(row.pred)) if wrap else (row.gold, row.pred)
            ok = bool(verify(parse(gold), parse(pred)))
        except Exception:  # Math-Verify raises on some inputs; count it as a wrong verdict
            ok = False
        lat.append(time.perf_counter() - t0)
        verdicts.append(ok)
    return verdicts, lat


def _pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    rows = load_corpus()
    results: dict[str, tuple[list[bool], list[float]]] = {}
    variants = (("ours", run_ours), ("math-verify", run_math_verify),
                ("math-verify ($-wrapped)", lambda rs: run_math_verify(rs, wrap=True)))
    names = [v[0] for v in variants]
    for name, fn in variants:
        fn(rows[:20])  # warm-up: imports, regex compilation
        all_lat: list[float] = []
        verdicts: list[bool] = []
        for _ in range(args.passes):
            verdicts, lat = fn(rows)
            all_lat.extend(lat)
        results[name] = (verdicts, all_lat)

    files = sorted({r.file for r in rows})
    lines = ["| file | rows | ours | Math-Verify | Math-Verify, bare strings $-wrapped |", "|---|---:|---:|---:|---:|"]
    for f in files:
        idx = [i for i, r in enumerate(rows) if r.file == f]
        cells = []
        for name in names:
            ok = sum(results[name][0][i] == rows[i].expected for i in idx)
            cells.append(f"{ok}/{len(idx)} ({100 * ok / len(idx):.1f}%)")
        lines.append(f"| {f} | {len(idx)} | " + " | ".join(cells) + " |")
    summary: dict[str, dict[str, float]] = {}
    for name in names:
        verdicts, lat = results[name]
        agree = sum(v == r.expected for v, r in zip(verdicts, rows, strict=True))
        raw = sum(v == r.source_expected for v, r in zip(verdicts, rows, strict=True))
        fp = sum(v and not r.expected for v, r in zip(verdicts, rows, strict=True))
        summary[name] = {
            "agree": agree, "raw": raw, "fp": fp, "pps": len(lat) / sum(lat),
            "p50": 1e3 * statistics.median(lat), "p99": 1e3 * _pct(lat, 0.99), "max": 1e3 * max(lat),
        }
    o, m, w = (summary[k] for k in names)
    n = len(rows)

    def cell(d: dict[str, float], key: str, fmt: str) -> str:
        return format(d[key], fmt)

    lines.append(f"| **overall** | {n} | " + " | ".join(
        f"{d['agree']:.0f}/{n} ({100 * d['agree'] / n:.1f}%)" for d in (o, m, w)) + " |")
    lines += ["", "| | ours | Math-Verify | Math-Verify, $-wrapped |", "|---|---:|---:|---:|"]
    for label, key, fmt in (
        ("agreement vs source labels (POLICY rows as the sources assert)", "raw", ".0f"),
        ("false positives (rows expected false, scored true)", "fp", ".0f"),
        ("pairs/s, one core", "pps", ".0f"),
        ("latency p50 (ms)", "p50", ".3f"),
        ("latency p99 (ms)", "p99", ".3f"),
        ("latency max (ms)", "max", ".3f"),
    ):
        lines.append(f"| {label} | " + " | ".join(cell(d, key, fmt) for d in (o, m, w)) + " |")
    lines += [
        "",
        f"Speed: **{o['pps'] / m['pps']:.1f}×** Math-Verify's pairs/s ({o['pps'] / w['pps']:.1f}× the "
        f"$-wrapped harness). {n} pairs (LABEL_SUSPECT rows left out; POLICY rows judged under our "
        f"documented default, see `POLICY_DEFAULTS`), {args.passes} timed passes each, one process, "
        "every pair timed cold (our reference parsed per pair, memo caches cleared). Math-Verify: "
        "`verify(parse(gold), parse(pred))` with default configs; the second harness wraps strings "
        "that have no math delimiters in `$…$`, which Math-Verify needs to read bare LaTeX.",
    ]
    body = "\n".join(lines)
    print(body)
    if not args.no_write:
        from bench._results import write_section

        write_section("math", "Command: `python -m bench.bench_math`\n\n" + body)


if __name__ == "__main__":
    main()
