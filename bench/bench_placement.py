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
        ref = task.parse_reference(problem.reference)
        spoiled = answer
        for _ in range(50):  # shift one object until the arrangement fails (overlap, tipping, a rule)
            name = rng.choice(sorted(answer))
            spoiled = {**answer, name: [answer[name][0] + rng.choice([-1.3, -0.7, 0.7, 1.3]), answer[name][1]]}
            if task.score(f"<answer>{json.dumps(spoiled)}</answer>", ref).reward == 0.0:
                break
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


def _time(fn: Callable[[], Any]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process): CPU time is what one core spends, whatever else runs."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def _stats(samples: list[tuple[float, float]]) -> dict[str, float]:
    cpu = sorted(c for _, c in samples)
    wall = sorted(w for w, _ in samples)
    return {"rate": 1 / statistics.fmean(cpu), "p50_ms": cpu[len(cpu) // 2] * 1e3,
            "p99_ms": cpu[int(len(cpu) * 0.99)] * 1e3, "max_ms": cpu[-1] * 1e3,
            "wall_rate": 1 / statistics.fmean(wall), "wall_p99_ms": wall[int(len(wall) * 0.99)] * 1e3}


def measure(items: list[tuple[Any, dict[str, Any], str, str]], rounds: int) -> dict[str, Any]:
    from envs.game24 import Game24Task

    g24 = Game24Task()
    g24_ref = g24.parse_reference({"numbers": [4, 7, 8, 1]})
    parsed = [(task, task.parse_reference(ref), ref, comp, text) for task, ref, comp, text in items]
    ours: list[tuple[float, float]] = []
    cold: list[tuple[float, float]] = []
    base_json: list[tuple[float, float]] = []
    base_g24: list[tuple[float, float]] = []
    rewards = []
    for _ in range(rounds):  # interleaved, so load changes hit every measure alike
        for task, ref, raw_ref, comp, text in parsed:
            ours.append(_time(lambda t=task, r=ref, c=comp: rewards.append(t.score(c, r).reward)))
            cold.append(_time(lambda t=task, r=raw_ref, c=comp: t.score(c, t.parse_reference(r))))
            base_json.append(_time(lambda x=text: json.loads(x)))
            base_g24.append(_time(lambda: g24.score("<answer>(8-4)*(7-1)</answer>", g24_ref)))
    out = _stats(ours)
    out.update(items=len(items), valid=sum(1 for r in rewards if r == 1.0) // rounds,
               cold_rate=_stats(cold)["rate"], json_rate=_stats(base_json)["rate"], g24_rate=_stats(base_g24)["rate"])
    return out


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
        f"answer and a spoiled twin that fails, {args.rounds} interleaved rounds. Speeds are per core: CPU time "
        f"of the process per verdict (robust to other load; 1-min load average {load} at the end), wall-clock "
        "alongside. Baselines on the same items in the same rounds: `json.loads` of the answer text, and a "
        "`game24` verdict.",
        "",
        "| corpus | items (valid) | verdicts/s | p50 ms | p99 ms | max ms | wall-clock verdicts/s | wall p99 ms "
        "| verdicts/s, reference parsed each time | json.loads /s | game24 /s | time ÷ json.loads | time ÷ game24 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, m in rows.items():
        lines.append(
            f"| {name} | {m['items']} ({m['valid']}) | {m['rate']:,.0f} | {m['p50_ms']:.3f} | {m['p99_ms']:.3f} | "
            f"{m['max_ms']:.3f} | {m['wall_rate']:,.0f} | {m['wall_p99_ms']:.3f} | {m['cold_rate']:,.0f} | "
            f"{m['json_rate']:,.0f} | {m['g24_rate']:,.0f} | {m['json_rate'] / m['rate']:.1f}× | "
            f"{m['g24_rate'] / m['rate']:.1f}× |")
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
