"""Verdicts per second per core for ``placement`` (10 objects) and ``motion`` paths (50 waypoints).

Run from the repository root: ``python -m bench.bench_placement`` (``--rounds N``, ``--write``).
Corpora come from the tasks' own generators (seeded): for each problem the solver's answer (valid)
and a spoiled twin (one object shifted / one waypoint pushed into an obstacle), so both the accept
and the reject paths are timed. One process, one item at a time; the reference is parsed once per
problem, as a scoring worker does (its reference cache), and the cold cost with parsing is reported
too. Baselines in the same run, on the same items: ``json.loads`` of the answer text (the stdlib
parser alone, floats, no checks) and the ``game24`` task's verdict on a right answer.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

BAR_RATE, BAR_P99_MS = 5000, 5.0


def placement_items(n: int) -> list[tuple[Any, dict[str, Any], str, str]]:
    from envs.placement import PlacementTask
    from envs.placement.generate import sample_with_solution

    task, rng, out = PlacementTask(), random.Random(7), []
    for _ in range(n):
        problem, answer = sample_with_solution(rng, variant="arrange", objects=10)
        spoiled = dict(answer)
        name = rng.choice(sorted(answer))
        spoiled[name] = [answer[name][0] + 0.7, answer[name][1]]
        for ans in (answer, spoiled):
            text = json.dumps(ans)
            out.append((task, problem.reference, f"<think>placing</think>\n<answer>{text}</answer>", text))
    return out


def path_items(n: int) -> list[tuple[Any, dict[str, Any], str, str]]:
    from envs.motion import MotionTask
    from envs.motion.generate import sample_with_solution

    task, rng, out = MotionTask(), random.Random(8), []
    for _ in range(n):
        problem, answer = sample_with_solution(rng, kind="path", points=50)
        wps = answer["waypoints"]
        assert len(wps) == 50
        obstacle = problem.reference["obstacles"][0]
        spoiled = [list(p) for p in wps]
        spoiled[25][1:] = [obstacle["x"] + obstacle["w"] / 2, obstacle["y"] + obstacle["h"] / 2]
        for ans in ({"waypoints": wps}, {"waypoints": spoiled}):
            text = json.dumps(ans)
            out.append((task, problem.reference, f"<think>planning</think>\n<answer>{text}</answer>", text))
    return out


def _time(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def measure(items: list[tuple[Any, dict[str, Any], str, str]], rounds: int) -> dict[str, Any]:
    from envs.game24 import Game24Task

    g24 = Game24Task()
    g24_ref = g24.parse_reference({"numbers": [4, 7, 8, 1]})
    parsed = [(task, task.parse_reference(ref), ref, comp, text) for task, ref, comp, text in items]
    lat: list[float] = []
    cold: list[float] = []
    base_json: list[float] = []
    base_g24: list[float] = []
    rewards = []
    for _ in range(rounds):  # interleaved, so load changes hit every measure alike
        for task, ref, raw_ref, comp, text in parsed:
            lat.append(_time(lambda t=task, r=ref, c=comp: rewards.append(t.score(c, r).reward)))
            cold.append(_time(lambda t=task, r=raw_ref, c=comp: t.score(c, t.parse_reference(r))))
            base_json.append(_time(lambda x=text: json.loads(x)))
            base_g24.append(_time(lambda: g24.score("<answer>(8-4)*(7-1)</answer>", g24_ref)))
    lat.sort()
    mean = statistics.fmean(lat)
    return {
        "items": len(items), "valid": sum(1 for r in rewards if r == 1.0) // rounds,
        "rate": 1 / mean, "p50_ms": lat[len(lat) // 2] * 1e3, "p99_ms": lat[int(len(lat) * 0.99)] * 1e3,
        "max_ms": lat[-1] * 1e3, "cold_rate": 1 / statistics.fmean(cold),
        "json_rate": 1 / statistics.fmean(base_json), "g24_rate": 1 / statistics.fmean(base_g24),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--problems", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--write", action="store_true", help="write the section of bench/RESULTS.md")
    args = ap.parse_args()
    rows = {"placement, 10 objects": measure(placement_items(args.problems), args.rounds),
            "motion path, 50 waypoints": measure(path_items(args.problems), args.rounds)}
    load = f"{os.getloadavg()[0]:.1f}"
    lines = [
        "Command: `python -m bench.bench_placement --write`",
        "",
        f"One process, one item at a time; {args.problems} generated problems per row, each with the solver's "
        f"answer and a spoiled twin, {args.rounds} interleaved rounds; 1-min load average {load} at the end.",
        "",
        "| corpus | items (valid) | verdicts/s | p50 ms | p99 ms | max ms | verdicts/s, reference parsed each time "
        "| json.loads of the answer /s | game24 verdicts/s | ours ÷ json.loads time | ours ÷ game24 time |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, m in rows.items():
        lines.append(
            f"| {name} | {m['items']} ({m['valid']}) | {m['rate']:,.0f} | {m['p50_ms']:.3f} | {m['p99_ms']:.3f} | "
            f"{m['max_ms']:.3f} | {m['cold_rate']:,.0f} | {m['json_rate']:,.0f} | {m['g24_rate']:,.0f} | "
            f"{m['json_rate'] / m['rate']:.1f}× | {m['g24_rate'] / m['rate']:.1f}× |")
    lines.append("")
    verdicts = [f"{name}: **{m['rate']:,.0f}/s** ({'meets' if m['rate'] >= BAR_RATE else 'below'} "
                f"≥ {BAR_RATE:,}/s), p99 **{m['p99_ms']:.2f} ms** "
                f"({'meets' if m['p99_ms'] <= BAR_P99_MS else 'above'} ≤ {BAR_P99_MS:g} ms)"
                for name, m in rows.items()]
    lines.append("Bar, one core: " + "; ".join(verdicts) + ".")
    body = "## Placement and motion paths\n\n" + "\n".join(lines)
    print(body)
    if args.write:
        from bench._results import write_section

        write_section("placement", body)


if __name__ == "__main__":
    main()
