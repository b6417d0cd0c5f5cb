"""Record/replay of assert tests, driven from outside the sandbox.

1. *Discovery* (once per reference, cached): the test program runs in a clean sandboxed process with
   no program at all; every call it makes to a program name is collected (``sandbox.pyreplay``).
2. *Calls*: the submission's process gets those calls (arguments only: the test and its expected
   values never enter it), makes each once and hands back plain data.
3. *Replay*: a fresh clean process runs the test program again, on the recorded results. Calls whose
   arguments depended on earlier results show up as pending: back to 2 with those (at most
   ``MAX_ROUNDS`` times). Only a replay with no pending call gives verdicts.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from envs.code.testprog import TestProgram
from sandbox import api as sapi
from sandbox.plain import to_json

MAX_ROUNDS = 12  # runs of the submission per item (most tests need one; a chain f(f(x)) one per link)
CACHE_SIZE = 4096
CE_EXIT = 113
# Why a call has no plain result -> the verdict of the asserts that needed it.
REASON_VERDICT = {"TLE": "TLE", "MLE": "MLE", "OLE": "OLE", "unserializable_return": "WA"}
_STATUS_REASON = {sapi.TLE: "TLE", sapi.MLE: "MLE", sapi.OLE: "OLE", sapi.OK: "exit"}


@dataclass
class _Round:
    """What one replay run said."""

    results: dict[int, str] = field(default_factory=dict)  # assert -> first failure verdict or "AC"
    failed: dict[int, str] = field(default_factory=dict)
    ended: bool = False  # the harness wrote its end record
    ok: bool = False  # the test program ran to its end
    fatal: str = ""
    exc: str = ""  # what the test program raised outside its asserts
    calls: int = 0
    pending: list[list[Any]] = field(default_factory=list)
    status: str = sapi.OK


@dataclass
class Outcome:
    verdicts: list[str]
    reason: str = ""  # why the program failed as a whole (unserializable_return, exit, ...)
    complete: bool = False  # the test program ran to its end on known results
    invalid: str = ""  # the reference cannot be graded this way (INVALID_REFERENCE)


def _lines(records: str, limit: int) -> list[dict[str, Any]]:
    out = []
    for line in records.splitlines()[:limit]:
        try:
            rec = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(rec, dict):
            out.append(rec)
    return out


class AssertRunner:
    def __init__(self) -> None:
        self._cache: OrderedDict[str, _Round] = OrderedDict()
        self._lock = threading.Lock()

    # ------------------------------------------------------------ sandbox jobs
    @staticmethod
    def _replay(ex: sapi.Executor, tp: TestProgram, table: dict[str, dict], lim: sapi.Limits) -> _Round | None:
        harness = {"kind": "replay", "prefix": tp.prefix, "setup": tp.setup, "stubs": list(tp.stubs),
                   "modules": list(tp.modules), "table": json.dumps(list(table.items()))}
        res = ex.execute(sapi.Job(language="python", code=tp.source, stdins=[""], limits=lim, harness=harness))
        if res.error or not res.runs or res.runs[0].status == sapi.SE:
            return None
        run = res.runs[0]
        rnd = _Round(status=run.status)
        for rec in _lines(run.records, 4 * tp.n_asserts + 10):
            k = rec.get("a")
            if type(k) is int and 0 <= k < tp.n_asserts:
                r = rec.get("r")
                if r == "AC":
                    rnd.results.setdefault(k, "AC")
                elif k not in rnd.failed:
                    why = str(rec.get("e", ""))
                    rnd.failed[k] = REASON_VERDICT.get(why, "RE") if r == "X" else ("WA" if r == "WA" else "RE")
            elif rec.get("end") == 1:
                rnd.ended = True
                rnd.ok = rec.get("ok") == 1
                rnd.fatal = str(rec.get("fatal") or "")
                rnd.exc = str(rec.get("exc") or "")[:60]
                rnd.calls = rec.get("calls") if type(rec.get("calls")) is int else 0
                p = rec.get("pending")
                rnd.pending = [c for c in p if isinstance(c, list) and len(c) == 3] if isinstance(p, list) else []
        return rnd

    def _discover(self, ex: sapi.Executor, tp: TestProgram, lim: sapi.Limits) -> _Round | None:
        key = hashlib.sha256(json.dumps([tp.source, tp.prefix, tp.setup, tp.stubs, tp.modules]).encode()).hexdigest()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        rnd = self._replay(ex, tp, {}, lim)
        if rnd is not None and rnd.ended:
            with self._lock:
                self._cache[key] = rnd
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return rnd

    @staticmethod
    def _calls(ex: sapi.Executor, program: str, calls: list[list[Any]], lim: sapi.Limits,
               table: dict[str, dict]) -> bool | None:
        """Run the submission on ``calls``; fill ``table``. False: it does not compile; None: sandbox error."""
        harness = {"kind": "calls", "calls": json.dumps(calls)}
        res = ex.execute(sapi.Job(language="python", code=program, stdins=[""], limits=lim, harness=harness))
        if res.error or not res.runs or res.runs[0].status == sapi.SE:
            return None
        run = res.runs[0]
        if run.status == sapi.RE and run.exit_code == CE_EXIT:
            return False
        got: dict[int, dict[str, Any]] = {}
        done = False
        for rec in _lines(run.records, 2 * len(calls) + 10):
            i = rec.get("i")
            if rec.get("done") == 1:
                done = True
            elif type(i) is int and 0 <= i < len(calls) and i not in got:
                got[i] = {k: rec[k] for k in ("v", "m", "exc", "msg", "x") if k in rec}
        missing = {"x": "exit" if done else _STATUS_REASON.get(run.status, "RE")}
        for i, c in enumerate(calls):
            r = got.get(i)
            table[to_json(c)] = r if r and ("v" in r or "exc" in r or "x" in r) else missing
        return True

    # ------------------------------------------------------------ one item
    def run(self, ex: sapi.Executor, tp: TestProgram, program: str, lim: sapi.Limits,
            replay_lim: sapi.Limits) -> Outcome | None:
        rnd = self._discover(ex, tp, replay_lim)
        if rnd is None:
            return None
        if not rnd.ended:
            return Outcome([], invalid=f"test: does not run without the program ({rnd.status})")
        if rnd.fatal and not rnd.pending:
            return Outcome([], invalid=f"test: {rnd.fatal} (only plain values can be passed to the program)")
        if not rnd.pending and rnd.exc:
            return Outcome([], invalid=f"test: raises {rnd.exc} before it calls the program")
        if not rnd.pending:
            return Outcome([], invalid="test: never calls the program (name it in entry_point)")
        table: dict[str, dict] = {}
        reason = ""
        for _ in range(MAX_ROUNDS):
            new = [c for c in rnd.pending if to_json(c) not in table]
            if not new:
                break
            compiled = self._calls(ex, program, new, lim, table)
            if compiled is None:
                return None
            if compiled is False:
                return Outcome(["CE"] * tp.n_asserts, reason="compile_error")
            nxt = self._replay(ex, tp, table, replay_lim)
            if nxt is None:
                return None
            rnd = nxt
            if not rnd.ended or not rnd.pending:
                break
        if rnd.ended and rnd.pending:
            reason = "replay_incomplete"
        elif not rnd.ended:
            reason = f"test_{rnd.status}"
        reason = rnd.fatal or reason
        complete = rnd.ended and rnd.ok and not rnd.pending and not rnd.fatal
        stop = REASON_VERDICT.get(rnd.fatal, "RE") if rnd.fatal else \
            ("TLE" if rnd.status == sapi.TLE else "RE")
        verdicts = []
        for k in range(tp.n_asserts):
            if k in rnd.failed:
                verdicts.append(rnd.failed[k])
            elif k in rnd.results:
                verdicts.append("AC")
            elif not complete:  # the test program stopped before it
                verdicts.append(stop)
            elif k in tp.markers:  # `assert False` in a branch the test takes only on failure
                verdicts.append("SKIP")
            else:  # skipped by the program's answers (an empty list for a loop of asserts): not a pass
                verdicts.append("WA")
                reason = reason or "assert_not_reached"
        if rnd.ended and not rnd.ok and not reason:
            reason = "test_raised"
        return Outcome(verdicts, reason=reason, complete=complete)
