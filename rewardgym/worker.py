"""The scoring worker process: runs task code, nothing else.

Workers are forked from a fork server that was started before any gRPC thread existed. Each
speaks JSON over a pipe with the parent (plain values only) and, before every item, writes the
item's sequence number and start time into a shared array, so the parent's watchdog knows which
item overran and can SIGKILL the worker without any cooperation from the task code.
"""

from __future__ import annotations

import json
import logging
import random
import time
import traceback
from collections import OrderedDict
from multiprocessing.connection import Connection
from typing import Any

from envs.base import InvalidReference, Status, Task, Verdict
from envs.language import language_share, parse_language
from rewardgym.validate import MAX_DEPTH, SchemaCheck, compile_schemas, too_deep

FLUSH_S = 0.002  # results are batched for at most this long before going to the parent
REF_CACHE = 4096  # parsed references kept per worker (a math gold is parsed once)
log = logging.getLogger("rewardgym.worker")
SCHEMAS: dict[str, SchemaCheck] = {}  # compiled once in the fork server; every worker inherits them


class _Worker:
    def __init__(self, tasks: dict[str, Task]) -> None:
        self.tasks = tasks
        self.ready: set[str] = set()
        self.refs: OrderedDict[tuple[str, str], Any] = OrderedDict()

    def task(self, name: str) -> Task:
        task = self.tasks[name]
        if name not in self.ready:
            task.setup()
            self.ready.add(name)
        return task

    def reference(self, task: Task, ref_json: str) -> Any:
        key = (task.name, ref_json)
        hit = self.refs.get(key)
        if hit is not None:
            self.refs.move_to_end(key)
            return hit
        # Depth first, with a linear scan: json.loads and every validator below recurse.
        if too_deep(ref_json):
            raise InvalidReference(f"reference: nested deeper than {MAX_DEPTH} levels")
        try:
            obj = json.loads(ref_json)
        except (ValueError, RecursionError) as exc:
            raise InvalidReference(f"reference: not valid JSON ({exc})") from None
        obj, language = _language_option(task, obj)
        check = SCHEMAS.get(task.name)
        if check is not None and (err := check.error(obj)) is not None:
            raise InvalidReference(_precise(task, obj, err))
        parsed = (task.parse_reference(obj), language)
        self.refs[key] = parsed
        if len(self.refs) > REF_CACHE:
            self.refs.popitem(last=False)
        return parsed

    def score(self, task_name: str, ref_json: str, completion: str, weights: dict[str, float] | None) -> Verdict:
        try:
            task = self.task(task_name)
        except KeyError:
            return Verdict(0.0, Status.UNKNOWN_TASK, detail=f"unknown task {task_name!r}")
        except Exception as exc:  # setup() failed (e.g. the sandbox is down); retried on the next item
            # A task may say which status its failure is (a sandbox outage is SANDBOX_ERROR).
            status = getattr(exc, "status", Status.INTERNAL_ERROR)
            return Verdict(0.0, Status(status), detail=f"task setup failed: {exc!r}"[:500])
        try:
            ref, language = self.reference(task, ref_json)
        except InvalidReference as exc:
            return Verdict(0.0, Status.INVALID_REFERENCE, detail=str(exc))
        except Exception as exc:  # a crashing parse_reference is the task's bug, not the model's
            return Verdict(0.0, Status.INTERNAL_ERROR, detail=f"parse_reference crashed: {exc!r}"[:500])
        try:
            verdict = task.score(completion, ref, weights)
        except RecursionError:
            return Verdict(0.0, Status.INTERNAL_ERROR, detail="scorer hit the recursion limit")
        except Exception as exc:
            tb = traceback.format_exc(limit=3)
            log.warning("task %s crashed: %s", task_name, tb)
            return Verdict(0.0, Status.INTERNAL_ERROR, detail=f"scorer crashed: {exc!r}"[:500])
        if not isinstance(verdict, Verdict):
            return Verdict(0.0, Status.INTERNAL_ERROR, detail=f"scorer returned {type(verdict).__name__}")
        if language and verdict.status in (Status.OK, Status.NO_ANSWER):
            share = language_share(completion, language)
            verdict.components = {**(verdict.components or {}), "language": share}
            verdict.reward = float(verdict.reward) + (weights or {}).get("language", 0.0) * share  # weight 0 by default
        return verdict


def _precise(task: Task, obj: Any, err: str) -> str:
    """The schema's verdict, said as precisely as the task can say it. A schema with alternatives
    (``oneOf``) can only say "none matched"; for an object, the task's own parser usually names the
    field. The reference is refused either way: a parser that accepts it does not overrule the schema."""
    if not (isinstance(obj, dict) and "schemas listed in" in err):
        return err
    try:
        task.parse_reference(obj)
    except InvalidReference as exc:
        return str(exc)
    except Exception:  # noqa: BLE001 - a parser that trips on a malformed reference: keep the schema's words
        return err
    return err


def _language_option(task: Task, obj: Any) -> tuple[Any, str]:
    """Take the language-consistency option out of a reference before the task sees it: ``cot_language``
    for every task, ``language`` for tasks whose own reference has no such field (the code task's
    ``language`` is the programming language)."""
    if not isinstance(obj, dict):
        return obj, ""
    keys = ["cot_language"]
    if "language" not in task.reference_schema.get("properties", {}):
        keys.append("language")
    found = [k for k in keys if k in obj]
    if not found:
        return obj, ""
    if len(found) > 1:
        raise InvalidReference("language: give language or cot_language, not both")
    rest = {k: v for k, v in obj.items() if k != found[0]}
    try:
        return rest, parse_language(obj[found[0]], found[0])
    except ValueError as exc:
        raise InvalidReference(str(exc)) from None


def _plain(v: Verdict, elapsed: float) -> list[Any]:
    # Force plain types: a plugin's float subclass or odd dict must not cross the boundary.
    comps = {str(k): float(x) for k, x in (v.components or {}).items()}
    return [float(v.reward), int(Status(v.status)), comps, str(v.extracted)[:4096], str(v.detail)[:4096], elapsed]


def load_tasks() -> dict[str, Task]:
    from envs.registry import discover

    tasks = discover()
    SCHEMAS.clear()
    SCHEMAS.update(compile_schemas(tasks))
    return tasks


def serve(fd: int, status: Any, slot: int, tasks: dict[str, Task]) -> None:
    """Entry point of a worker process.

    Shared words of this slot: running seq, its start (monotonic ns), and a cutoff: items with a
    higher seq were taken back by the parent (given to an idle worker) and are skipped unreported.
    """
    conn = Connection(fd)
    worker = _Worker(tasks)
    seq_at, start_at, cut_at = 3 * slot, 3 * slot + 1, 3 * slot + 2
    send = conn.send_bytes
    clock = time.perf_counter
    while True:
        try:
            job = json.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return  # parent gone
        op = job.get("op", "score")
        if op == "score":
            refs, weights = job["refs"], job["weights"]
            out: list[list[Any]] = []
            last = clock()
            for seq, rid, completion, wid in job["items"]:
                if seq > status[cut_at]:
                    continue
                status[seq_at] = seq
                status[start_at] = time.monotonic_ns()
                t0 = clock()
                task_name, ref_json = refs[str(rid)]
                v = worker.score(task_name, ref_json, completion, weights.get(str(wid)))
                now = clock()
                out.append([seq, *_plain(v, now - t0)])
                if now - last > FLUSH_S:
                    send(json.dumps({"r": out}).encode())
                    out, last = [], now
            status[seq_at] = -1
            send(json.dumps({"r": out, "end": 1}).encode())
        elif op == "sample":
            status[seq_at] = job["seq"]
            status[start_at] = time.monotonic_ns()
            try:
                task = worker.task(job["task"])
                rng = random.Random(job["seed"])
                probs = [task.sample(rng, **job.get("options", {})) for _ in range(job["n"])]
                reply = {"problems": [[p.prompt, json.dumps(p.reference)] for p in probs], "end": 1}
            except Exception as exc:
                reply = {"error": f"{type(exc).__name__}: {exc}"[:1000], "end": 1}
            status[seq_at] = -1
            send(json.dumps(reply).encode())
