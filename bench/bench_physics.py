"""Speed of the ``physics`` task's quantity verdicts on one core, against two baselines in the same run.

Run from the repository root: ``python -m bench.bench_physics`` (``--n`` problems, default 400).
Problems come from the task's own generator (seeded); each gets six completions: the reference
answer boxed, the same value in SI base units inside ``<answer>``, a prose "The answer is …",
a wrong unit, a hedge and a bare number. Every verdict is checked against the expected reward
while timing, so a fast wrong scorer cannot pass. Baselines, timed the same way on the same values:

* ``math``: the math task scoring the bare number against the bare number (no units at all);
* ``pint``: ``float()`` on the clean number, pint's own parser on the clean unit string, ``.to()``
  and a relative comparison — what a scorer that trusted pint with the text would cost.

Formula verdicts are timed too (no bar). Scoring is sequential in one process (one core).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from envs.physics.quantity import parse_span
from envs.physics.units import DIM_SHORT, facts

SI = ("m", "kg", "s", "A", "K", "mol", "cd")
assert len(SI) == len(DIM_SHORT)


def corpus(n: int, seed: int = 11) -> tuple[list[tuple[dict[str, Any], str, float]], list[tuple[dict[str, Any], str]]]:
    from envs.physics import PhysicsTask

    task = PhysicsTask()
    rng = random.Random(seed)
    quantities: list[tuple[dict[str, Any], str, float]] = []
    formulas: list[tuple[dict[str, Any], str]] = []
    while len(quantities) < 6 * n:
        p = task.sample(rng)
        ref = p.reference
        if "symbols" in ref:
            formulas.append((ref, r"\boxed{" + ref["answer"] + "}"))
            continue
        q = parse_span(ref["answer"])[0]
        f = facts(q.unit)
        si = f.scale * q.value + f.offset
        unit = " ".join(f"{u}^{{{int(e)}}}" for u, e in zip(SI, f.dim, strict=True) if e)
        wrong = "kg" if f.dim[1] == 0 else "m"
        quantities += [
            (ref, r"\boxed{" + ref["answer"] + "}", 1.0),
            (ref, rf"<think>…</think><answer>{si!r}\ \mathrm{{{unit}}}</answer>", 1.0),
            (ref, f"Working omitted. The answer is {ref['answer']}.", 1.0),
            (ref, rf"\boxed{{{q.value:g}\,\mathrm{{{wrong}}}}}", 0.0),
            (ref, rf"\boxed{{{ref['answer']} or {q.value * 2:g} {q.unit_text}}}", 0.0),
            (ref, rf"\boxed{{{q.value:g}}}", 0.0),
        ]
    return quantities, formulas


def timed(items: list[Any], fn: Callable[[Any], float], passes: int) -> tuple[list[float], list[float], list[float]]:
    """(wall latencies, CPU latencies of this thread — seconds, over all passes — and the last
    pass's rewards). CPU time leaves out the time the OS ran other processes on a shared machine."""
    wall: list[float] = []
    cpu: list[float] = []
    rewards: list[float] = []
    for _ in range(passes):
        rewards = []
        for it in items:
            c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
            r = fn(it)
            wall.append((time.perf_counter_ns() - t0) / 1e9)
            cpu.append((time.thread_time_ns() - c0) / 1e9)
            rewards.append(r)
    return wall, cpu, rewards


def stats(wall: list[float], cpu: list[float]) -> tuple[float, float, float, float, float]:
    """(verdicts per CPU second, CPU p50 ms, CPU p99 ms, wall p99 ms, verdicts per wall second)."""
    qc, qw = statistics.quantiles(cpu, n=100), statistics.quantiles(wall, n=100)
    return len(cpu) / sum(cpu), qc[49] * 1e3, qc[98] * 1e3, qw[98] * 1e3, len(wall) / sum(wall)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=400, help="generated quantity problems (6 completions each)")
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()

    import pint

    from envs.math import MathTask
    from envs.math.task import clear_memo
    from envs.physics import PhysicsTask

    task = PhysicsTask()
    task.setup()
    quantities, formulas = corpus(args.n)
    refs = {id(r): task.parse_reference(r) for r, _, _ in quantities}

    wall, cpu, rewards = timed(quantities, lambda it: task.score(it[1], refs[id(it[0])]).reward, args.passes)
    wrong = sum(r != it[2] for r, it in zip(rewards, quantities, strict=True))
    ours = stats(wall, cpu)

    math_task = MathTask()
    math_task.setup()
    plain = [(str(parse_span(r["answer"])[0].value), ) for r, _, want in quantities if want == 1.0]
    mrefs = {s[0]: math_task.parse_reference({"answer": s[0]}) for s in plain}

    def math_score(it: tuple[str]) -> float:
        clear_memo()  # cold, like ours: no span memo, no per-reference verdict cache
        ref = mrefs[it[0]]
        ref.cache.clear()
        return math_task.score(r"\boxed{" + it[0] + "}", ref).reward

    mwall, mcpu, mrew = timed(plain, math_score, args.passes)
    assert all(r == 1.0 for r in mrew)
    base_math = stats(mwall, mcpu)

    reg = pint.UnitRegistry()
    pint_names = {"m/s": "m/s", "km/h": "km/h", "m": "m", "km": "km", "N": "N", "kN": "kN", "mN": "mN",
                  "m/s^2": "m/s**2", "J": "J", "kJ": "kJ", "W": "W", "kW": "kW", "kg m/s": "kg*m/s",
                  "N s": "N*s", "mA": "mA", "V": "V", "mW": "mW", "kΩ": "kohm", "K": "K", "°C": "degC",
                  "°F": "degF"}
    clean = []
    for r, _, want in quantities:
        if want == 1.0:
            num, _, unit = r["answer"].partition(" ")
            clean.append((num, pint_names[unit], float(num)))

    def pint_score(it: tuple[str, str, float]) -> float:
        # float() for the number: pint's own parser refuses "31.5 degF" (offset-unit arithmetic).
        q = reg.Quantity(float(it[0]), it[1]).to(it[1])
        return float(abs(q.magnitude - it[2]) <= 0.01 * abs(it[2]))

    pwall, pcpu, prew = timed(clean, pint_score, args.passes)
    assert all(r == 1.0 for r in prew)
    base_pint = stats(pwall, pcpu)

    frefs = [task.parse_reference(r) for r, _ in formulas]
    fwall, fcpu, frew = timed(list(zip(frefs, formulas, strict=True)),
                              lambda it: task.score(it[1][1], it[0]).reward, 1)
    assert all(r == 1.0 for r in frew)
    form = stats(fwall, fcpu)

    body = (
        "Command: `python -m bench.bench_physics` — one process, one core, sequential; every verdict checked.\n\n"
        f"{len(quantities)} quantity verdicts × {args.passes} passes ({args.n} generated problems: boxed answer, "
        "SI base units, prose anchor, wrong unit, hedge, bare number); baselines on the same values.\n\n"
        "Per core = per CPU second of the scoring thread; p50/p99 are CPU time per verdict, wall p99 "
        "includes time the OS gave other processes (this machine is shared).\n\n"
        "| scorer | verdicts/s/core | p50 ms | p99 ms | wall p99 ms | vs ours |\n|---|---|---|---|---|---|\n"
        + "".join(f"| {name} | {st[0]:,.0f} | {st[1]:.3f} | {st[2]:.3f} | {st[3]:.3f} | {ratio} |\n" for name, st, ratio in (
            ("physics quantities (ours)", ours, "1.00×"),
            ("math task, bare numbers", base_math, f"{base_math[0] / ours[0]:.2f}×"),
            ("pint parses a clean unit + .to()", base_pint, f"{base_pint[0] / ours[0]:.2f}×"),
            ("physics formulas (ours, no bar)", form, "—")))
        + "\n"
        f"Wrong verdicts: {wrong}. Bar: ≥ 2,000 quantity verdicts/s/core and p99 ≤ 5 ms — "
        f"{'met' if ours[0] >= 2000 and ours[2] <= 5 and wrong == 0 else 'NOT met'} (CPU p99; wall p99 {ours[3]:.2f} ms).\n"
    )
    print(body)
    if not args.no_write:
        from bench._results import write_section

        write_section("physics", body)


if __name__ == "__main__":
    main()
