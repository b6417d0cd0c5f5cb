"""Run the hack battery against one task through the real scoring path and judge every answer."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from envs.base import ProbeCase
from rewardgym.probe.battery import HACK, HONEST, SHAPE, TWIN, Attempt, CaseError, answer_of, text_battery
from rewardgym.probe.codehacks import code_battery

STATUS_NAMES = {1: "ok", 2: "no_answer", 3: "invalid_reference", 4: "unknown_task", 5: "timeout",
                6: "sandbox_error", 7: "internal_error", 8: "rejected"}
HUGE_CHARS = 990_000  # just under the service's default completion limit, so huge answers are scored
EXIT_PAYS, EXIT_USAGE, EXIT_TWIN_FAILS = 1, 2, 4
Scored = list[tuple[float, str, str, str]]  # (reward, status, detail, extracted) per item
Items = list[tuple[str, str, str]]  # (task, completion, reference JSON)


class ProbeError(Exception):
    """The probe cannot run: unknown task, no cases, a case it cannot use."""


@dataclass(slots=True)
class Row:
    case: int
    name: str
    role: str  # hack | twin | honest | shape
    reward: float
    status: str
    verdict: str  # hack: PASS | PAYS; twin/honest: PASS | FAILS; N/A when the format does not apply
    detail: str = ""
    extracted: str = ""


@dataclass(slots=True)
class Report:
    task: str
    rows: list[Row] = field(default_factory=list)

    @property
    def paying(self) -> list[Row]:
        return [r for r in self.rows if r.verdict == "PAYS"]

    @property
    def failing(self) -> list[Row]:
        return [r for r in self.rows if r.verdict == "FAILS"]

    @property
    def exit_code(self) -> int:
        """0: clean; 1: a hack pays; 4: an honest answer fails; 5: both."""
        return (EXIT_PAYS if self.paying else 0) | (EXIT_TWIN_FAILS if self.failing else 0)

    def as_dict(self) -> dict[str, Any]:
        hacks = [r for r in self.rows if r.role == HACK]
        twins = [r for r in self.rows if r.role in (TWIN, HONEST)]
        return {"task": self.task, "hacks": len(hacks), "paying": len(self.paying), "honest": len(twins),
                "failing": len(self.failing), "exit_code": self.exit_code, "rows": [asdict(r) for r in self.rows]}


def load_cases(path: str) -> list[ProbeCase]:
    """A JSONL file of honest pairs: {"reference", "completion"} plus optional "answer", "wrong", "right",
    "entry_point" (code: the function the tests call, "" for a stdin/stdout program)."""
    cases = []
    with open(path) as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as exc:
                raise ProbeError(f"{path}:{n}: not JSON ({exc})") from None
            if not isinstance(obj, dict) or not isinstance(obj.get("completion"), str) or "reference" not in obj:
                raise ProbeError(f"{path}:{n}: needs \"reference\" and a string \"completion\"")
            ep = obj.get("entry_point")
            cases.append(ProbeCase(obj["reference"], obj["completion"], str(obj.get("answer", "")),
                                   [str(w) for w in obj.get("wrong", [])], [str(r) for r in obj.get("right", [])],
                                   None if ep is None else str(ep)))
    return cases


def task_cases(task_name: str, seed: int = 0) -> list[ProbeCase]:
    from envs.registry import discover

    task = discover().get(task_name)
    if task is None:
        raise ProbeError(f"unknown task {task_name!r}")
    cases = task.probe_cases(random.Random(seed))
    if not cases:
        raise ProbeError(f"task {task_name!r} has no built-in probe cases: pass honest pairs with --cases FILE")
    return cases


def probed_tasks() -> list[str]:
    """Names of the installed tasks that bring their own probe cases."""
    from envs.base import Task
    from envs.registry import discover

    return [n for n, t in sorted(discover().items()) if type(t).probe_cases is not Task.probe_cases]


def battery(case: ProbeCase, huge_chars: int = HUGE_CHARS) -> list[Attempt]:
    if case.entry_point is not None:
        return code_battery(case.completion, answer_of(case), case.entry_point, case.wrong, huge_chars)
    return text_battery(case, huge_chars)


def run_probe(task_name: str, cases: list[ProbeCase] | None = None, *, seed: int = 0, server: str | None = None,
              token: str | None = None, workers: int | None = None, huge_chars: int = HUGE_CHARS,
              timeout_s: float = 600.0) -> Report:
    """Score the whole battery for ``task_name`` (embedded engine, or a running server at ``server``)."""
    cases = cases if cases is not None else task_cases(task_name, seed)
    plan: list[tuple[int, Attempt, str]] = []
    for ci, case in enumerate(cases):
        try:
            attempts = battery(case, huge_chars)
        except CaseError as exc:
            raise ProbeError(f"case {ci}: {exc}") from None
        ref = json.dumps(case.reference)
        plan += [(ci, a, ref) for a in attempts]
    items = [(task_name, a.completion, ref) for _, a, ref in plan]
    honest = [a.role != HACK for _, a, _ in plan]
    scored = (_score_remote(items, server, token, timeout_s, honest) if server
              else _score_embedded(items, workers, honest))
    return _judge(task_name, plan, scored)


def _judge(task: str, plan: list[tuple[int, Attempt, str]], scored: Scored) -> Report:
    shape_ok = {(ci, a.shape): r >= 1.0 - 1e-9 and st == "ok"
                for (ci, a, _), (r, st, _, _) in zip(plan, scored, strict=True) if a.role == SHAPE}
    rep = Report(task)
    for (ci, a, _), (reward, status, detail, extracted) in zip(plan, scored, strict=True):
        right = reward >= 1.0 - 1e-9 and status == "ok"
        if a.role == HACK:
            verdict = "PAYS" if reward > 0 else "PASS"
        elif a.role == SHAPE:
            verdict = "PASS" if right else "N/A"
        elif a.shape and not shape_ok.get((ci, a.shape), True):
            verdict = "N/A"  # the task does not read this format at all: nothing to learn from the twin
        else:
            verdict = "PASS" if right else "FAILS"
        rep.rows.append(Row(ci, a.name, a.role, reward, status, verdict, detail[:300], extracted[:80]))
    return rep


def _with_retry(items: Items, score: Callable[[Items], Scored], honest: list[bool]) -> Scored:
    """Score, then score once more every honest answer that timed out: a worker's first item pays for
    the task's setup, so one timeout may be a cold start; a second one is the verdict."""
    out = score(items)
    again = [i for i, (r, ok) in enumerate(zip(out, honest, strict=True)) if ok and r[1] == "timeout"]
    if again:
        for i, r in zip(again, score([items[i] for i in again]), strict=True):
            out[i] = r
    return out


def _score_embedded(items: Items, workers: int | None, honest: list[bool]) -> Scored:
    from rewardgym.config import Config
    from rewardgym.engine import Engine, Item, Options
    from rewardgym.server import _start_sandbox

    cfg = Config.from_env()
    if workers:
        cfg.workers = workers
    sandbox = _start_sandbox()  # before any thread: the sandbox and the workers fork
    engine = Engine(cfg)
    engine.start()

    def score(part: Items) -> Scored:
        res = runner.run(engine.score([Item(t, c, r, str(i)) for i, (t, c, r) in enumerate(part)],
                                      Options(no_cache=True)))
        return [(x.reward, STATUS_NAMES.get(x.status, str(x.status)), x.detail, x.extracted) for x in res]

    try:
        with asyncio.Runner() as runner:  # one loop for the engine's whole life: attach, score, retry, close
            runner.run(engine.attach())
            try:
                return _with_retry(items, score, honest)
            finally:
                runner.run(engine.close())
    finally:
        if sandbox is not None:
            sandbox.close()


def _score_remote(items: Items, server: str, token: str | None, timeout_s: float, honest: list[bool]) -> Scored:
    from trainer_client import Item, RewardClient

    with RewardClient(server, token=token or None, timeout_s=timeout_s, none_on_error=False) as rc:
        def score(part: Items) -> Scored:
            res = rc.score([Item(t, c, json.loads(r), str(i)) for i, (t, c, r) in enumerate(part)], no_cache=True)
            return [(float(x.reward or 0.0), str(x.status), x.detail or "", x.extracted or "") for x in res]

        return _with_retry(items, score, honest)
