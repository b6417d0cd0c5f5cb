"""The ``code`` task: run a completion's program in the sandbox and grade what comes back, here.

References (one of):
- stdio: ``{"language", "tests": [{"input", "output"}], "time_limit_s", "memory_limit_mb", "compare"}``
  (optional ``"checker"``: Python source defining ``check(input, expected, output) -> bool``, for
  problems with several right answers; it runs in the sandbox, in a job of its own, and a test passes
  only when it returns exactly ``True``)
- assert (HumanEval/MBPP): ``{"language": "python", "test": "<test code>", "entry_point": "f"}``
  (optional ``"prefix"``: code placed before the completion, e.g. HumanEval's prompt;
  ``"setup"``: code run before the tests, e.g. MBPP's ``test_setup_code``)
- call (APPS/TACO/LeetCode): ``{"language": "python", "fn_name", "tests": [{"input": [args], "output": v}]}``
Plus ``"mode"``: ``all_or_nothing`` (default: reward 1 only when every test passes; stops at the first
failure) or ``pass_rate`` (opt-in: reward = fraction of tests passed). The ``pass_rate`` component is
reported either way (under ``all_or_nothing`` skipped tests count as not passed).

Assert tests: record/replay (``envs.code.replay``), no assertion runs where the submission ran.

Per-test verdicts AC/WA/TLE/MLE/RE/OLE/CE go in ``Verdict.detail``; a sandbox failure is
``SANDBOX_ERROR``, never a zero reward.
"""

from __future__ import annotations

import ast
import json
import os
import random
import threading
from dataclasses import dataclass, field
from typing import Any, ClassVar

from envs.base import InvalidReference, ProbeCase, Problem, Status, Task, Verdict
from envs.code import grade, testprog
from envs.code import probe as code_probe
from envs.code.problems import PROBLEMS
from envs.code.replay import AssertRunner
from sandbox import api as sapi

MAX_TESTS = 200
MAX_TEST_BYTES = 16 << 20
MAX_CHECKER_CHARS = 100_000
CHECKER_FN = "check"
VERDICT_OF = {sapi.TLE: "TLE", sapi.MLE: "MLE", sapi.OLE: "OLE", sapi.RE: "RE", sapi.CE: "CE",
              sapi.SKIPPED: "SKIP"}
CE_EXIT = 113  # pyharness: the submission does not compile


@dataclass
class CodeRef:
    kind: str  # "stdio" | "assert" | "call"
    language: str
    mode: str = "all_or_nothing"
    tests: list[dict[str, Any]] = field(default_factory=list)
    compare: str = "lines"
    time_limit_s: float = 2.0
    memory_limit_mb: int = 256
    program: testprog.TestProgram | None = None  # assert: the test program prepared for replay
    entry_point: str = ""
    fn_name: str = ""
    prefix: str = ""
    setup: str = ""
    checker: str = ""  # stdio: source defining check(input, expected, output) -> bool


def _num(obj: dict[str, Any], key: str, default: float, lo: float, hi: float) -> float:
    v = obj.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int | float) or not lo <= v <= hi:
        raise InvalidReference(f"{key}: expected a number in [{lo}, {hi}]")
    return float(v)


def _str(obj: dict[str, Any], key: str, default: str | None = None) -> str:
    v = obj.get(key, default)
    if not isinstance(v, str):
        raise InvalidReference(f"{key}: expected a string")
    return v


def _checker(obj: dict[str, Any]) -> str:
    """Validate a checker's source without running it: it must parse and define check(a, b, c)."""
    src = _str(obj, "checker")
    if not src.strip() or len(src) > MAX_CHECKER_CHARS:
        raise InvalidReference(f"checker: expected 1..{MAX_CHECKER_CHARS} characters of Python")
    try:
        tree = ast.parse(src)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
        raise InvalidReference(f"checker: does not parse: {e}") from e
    if not any(isinstance(n, ast.FunctionDef) and n.name == CHECKER_FN for n in tree.body):
        raise InvalidReference(f"checker: must define {CHECKER_FN}(input, expected, output) at top level")
    return src


class CodeTask(Task):
    name: ClassVar[str] = "code"
    version: ClassVar[str] = "1.0.0"
    description: ClassVar[str] = "Program synthesis: stdin/stdout, assert (HumanEval/MBPP) and function-call tests"
    default_deadline_s: ClassVar[float] = 30.0
    # All-or-nothing by default; pass_rate and compiled are published (ListTasks) and reported, weight 0.
    default_weights: ClassVar[dict[str, float]] = {"all_passed": 1.0, "pass_rate": 0.0, "compiled": 0.0}
    components: ClassVar[tuple[str, ...]] = ("pass_rate", "all_passed", "compiled")
    needs_sandbox: ClassVar[bool] = True
    env_name: ClassVar[str] = "Code"
    reference_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "language": {"type": "string", "enum": ["python", "c", "cpp", "javascript", "java",
                                                    "py", "python3", "c++", "js", "node"]},
            "tests": {"type": "array", "items": {"type": "object", "properties": {"input": {}, "output": {}}}},
            "time_limit_s": {"type": "number"},
            "memory_limit_mb": {"type": "integer"},
            "compare": {"type": "string", "description": "exact | lines | tokens | float:<tol>"},
            "test": {"type": "string"},
            "entry_point": {"type": "string"},
            "fn_name": {"type": "string"},
            "prefix": {"type": "string"},
            "setup": {"type": "string"},
            "mode": {"type": "string", "enum": ["all_or_nothing", "pass_rate"],
                     "description": "all_or_nothing (default): 1 only when every test passes; pass_rate: opt-in"},
            "checker": {"type": "string",
                        "description": "stdio: Python source defining check(input, expected, output) -> bool"},
        },
        "required": ["language"],
    }

    def __init__(self, executor: sapi.Executor | None = None) -> None:
        self._executor = executor
        self._lock = threading.Lock()
        self._own: Any = None  # a lazily started local pool (no server configured it)
        self._asserts = AssertRunner()  # holds the per-reference discovery cache

    # ------------------------------------------------------------ sandbox
    def setup(self) -> None:
        self._connect()

    def _connect(self) -> sapi.Executor:
        with self._lock:
            if self._executor is None:
                import sandbox

                ex = sandbox.connect()
                if ex is None:  # nothing configured: start a private local pool (tests, embedded CLI)
                    self._own = sandbox.start_local(export_env=False)
                    ex = self._own.executor()
                self._executor = ex
            return self._executor

    def close(self) -> None:
        if self._own is not None:
            self._own.close()
            self._own = None
            self._executor = None

    def describe(self) -> dict[str, str]:
        import sandbox

        try:
            h = sandbox.health()
        except Exception as e:  # noqa: BLE001 - health must answer
            return {"sandbox": os.environ.get("REWARDGYM_SANDBOX", "local"), "sandbox_error": str(e)[:200]}
        return {k: str(v) for k, v in h.items() if k in ("backend", "languages", "layers", "sandbox", "off")}

    # ------------------------------------------------------------ references
    def parse_reference(self, obj: Any) -> CodeRef:
        if not isinstance(obj, dict):
            raise InvalidReference("reference: expected a JSON object")
        lang = _str(obj, "language", "python").strip().lower()
        lang = {"py": "python", "python3": "python", "c++": "cpp", "js": "javascript", "node": "javascript"}.get(
            lang, lang)
        if lang not in ("python", "c", "cpp", "javascript", "java"):
            raise InvalidReference(f"language: unsupported {lang!r}")
        mode = _str(obj, "mode", "all_or_nothing")
        if mode not in ("pass_rate", "all_or_nothing"):
            raise InvalidReference("mode: expected pass_rate or all_or_nothing")
        ref = CodeRef(kind="stdio", language=lang, mode=mode,
                      time_limit_s=_num(obj, "time_limit_s", 2.0 if "tests" in obj and "fn_name" not in obj else 6.0,
                                        0.05, 60),
                      memory_limit_mb=int(_num(obj, "memory_limit_mb", 256, 16, 4096)),
                      prefix=_str(obj, "prefix", ""), setup=_str(obj, "setup", ""))
        if "checker" in obj and ("test" in obj or "fn_name" in obj):
            raise InvalidReference("checker: only for stdio tests")
        if "test" in obj:
            if lang != "python":
                raise InvalidReference("test: assert tests need language python")
            ref.kind = "assert"
            ref.entry_point = _str(obj, "entry_point", "")
            if ref.entry_point and not ref.entry_point.isidentifier():
                raise InvalidReference("entry_point: not an identifier")
            try:
                tp = testprog.prepare(_str(obj, "test"), ref.entry_point, ref.prefix, ref.setup)
            except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
                raise InvalidReference(f"test: does not parse: {e}") from e
            if not tp.n_asserts:
                raise InvalidReference("test: no assert statements")
            if not tp.stubs:
                raise InvalidReference("test: uses no name of the program (set entry_point)")
            ref.program = tp
            return ref
        tests = obj.get("tests")
        if not isinstance(tests, list) or not tests or len(tests) > MAX_TESTS:
            raise InvalidReference(f"tests: expected a list of 1..{MAX_TESTS} tests")
        if "fn_name" in obj:
            if lang != "python":
                raise InvalidReference("fn_name: call tests need language python")
            ref.kind = "call"
            ref.fn_name = _str(obj, "fn_name")
            if not ref.fn_name.isidentifier():
                raise InvalidReference("fn_name: not an identifier")
            for i, t in enumerate(tests):
                if not isinstance(t, dict) or "input" not in t or "output" not in t:
                    raise InvalidReference(f"tests[{i}]: expected {{input, output}}")
            ref.tests = tests
            return ref
        if "checker" in obj:
            ref.checker = _checker(obj)
        ref.compare = _str(obj, "compare", "lines")
        if not grade.valid_compare(ref.compare):
            raise InvalidReference("compare: expected exact, lines, tokens or float:<tol>")
        size = 0
        for i, t in enumerate(tests):
            if not isinstance(t, dict) or not isinstance(t.get("input"), str) or not isinstance(t.get("output"), str):
                raise InvalidReference(f"tests[{i}]: expected string input and output")
            size += len(t["input"]) + len(t["output"])
        if size > MAX_TEST_BYTES:
            raise InvalidReference("tests: too large")
        ref.tests = tests
        return ref

    # ------------------------------------------------------------ scoring
    def score(self, completion: str, reference: Any, weights: dict[str, float] | None = None) -> Verdict:
        ref = reference if isinstance(reference, CodeRef) else self.parse_reference(reference)
        code = grade.extract_code(completion, ref.language).strip("\n")
        if not code.strip():
            return Verdict(0.0, Status.NO_ANSWER, {"pass_rate": 0.0}, detail="no_code")
        program = (ref.prefix + code) if ref.prefix and not code.lstrip().startswith(("def ", "from ", "import ")) \
            else code
        reason, complete = "", True  # assert tests: why the program failed as a whole; the test ran to its end
        try:
            ex = self._connect()
            if ref.kind == "stdio":
                verdicts = self._stdio(ex, ref, program)
            elif ref.kind == "call":
                verdicts = self._call(ex, ref, program)
            else:
                out = self._assert(ex, ref, program)
                if out is not None and out.invalid:
                    return Verdict(0.0, Status.INVALID_REFERENCE, extracted=code[:2000], detail=out.invalid[:300])
                verdicts = out.verdicts if out is not None else None
                reason, complete = (out.reason, out.complete) if out is not None else ("", False)
        except sapi.SandboxError as e:
            return Verdict(0.0, Status.SANDBOX_ERROR, extracted=code[:2000], detail=f"sandbox: {e}"[:300])
        if verdicts is None:
            return Verdict(0.0, Status.SANDBOX_ERROR, extracted=code[:2000], detail="sandbox error")
        if ref.kind != "assert" and ref.mode == "all_or_nothing" and any(v != "AC" for v in verdicts):
            first = next(j for j, x in enumerate(verdicts) if x != "AC")
            verdicts = [v if i <= first else "SKIP" for i, v in enumerate(verdicts)]
        # Assert tests: an `assert False` never reached (the test's failure branch) is not a test.
        counted = [v for v in verdicts if v != "SKIP"] if ref.kind == "assert" else verdicts
        passed = counted.count("AC")
        all_ok = float(complete and passed == len(counted) and (passed > 0 or ref.kind == "assert"))
        rate = passed / len(counted) if counted else all_ok
        comps = {"pass_rate": rate, "all_passed": all_ok, "compiled": float("CE" not in verdicts)}
        if ref.mode == "pass_rate":  # opt-in: the pass rate is the reward unless the request weighs otherwise
            weights = {"all_passed": 0.0, "pass_rate": 1.0, **(weights or {})}
        reward = self.combine(comps, weights)
        detail = ",".join(verdicts) + (f";{reason}" if reason else "")
        return Verdict(reward, Status.OK, comps, extracted=code[:2000], detail=detail[:2000])

    def _limits(self, ref: CodeRef) -> sapi.Limits:
        return sapi.Limits(time_s=ref.time_limit_s, memory_mb=ref.memory_limit_mb,
                           wall_s=ref.time_limit_s * 1.5 + 0.5)

    @staticmethod
    def _sandbox_failed(res: sapi.JobResult) -> bool:
        return bool(res.error) or any(r.status == sapi.SE for r in res.runs)

    def _stdio(self, ex: sapi.Executor, ref: CodeRef, program: str) -> list[str] | None:
        job = sapi.Job(language=ref.language, code=program, stdins=[t["input"] for t in ref.tests],
                       limits=self._limits(ref), stop_on_error=ref.mode == "all_or_nothing")
        res = ex.execute(job)
        if self._sandbox_failed(res):
            return None
        checked = None  # with a checker: {test index: its verdict}
        if ref.checker and (checked := self._check_outputs(ex, ref, res.runs)) is None:
            return None
        out = []
        failed = False
        for k, (t, r) in enumerate(zip(ref.tests, res.runs, strict=False)):
            if failed:
                out.append("SKIP")
                continue
            if r.status == sapi.OK and checked is not None:
                v = "AC" if checked.get(k) is True else "WA"
            elif r.status == sapi.OK:
                v = "AC" if grade.compare_output(r.stdout, t["output"], ref.compare) else "WA"
            elif r.status == sapi.RE and ref.language == "python" and r.exit_code == CE_EXIT:
                v = "CE"
            else:
                v = VERDICT_OF.get(r.status, "RE")
            out.append(v)
            failed = ref.mode == "all_or_nothing" and v != "AC"
        out += ["SKIP"] * (len(ref.tests) - len(out))
        return out

    def _check_outputs(self, ex: sapi.Executor, ref: CodeRef, runs: list[sapi.RunResult]) -> dict[int, Any] | None:
        """Run the reference's checker on every test that ran cleanly, in one sandbox job of its own
        (the call harness: values come back as plain JSON). Returns {test index: decoded return value};
        a checker that raises or never answers leaves its index out (a WA, not a pass). None: the
        sandbox failed."""
        idx = [k for k, r in enumerate(runs[: len(ref.tests)]) if r.status == sapi.OK]
        if not idx:
            return {}
        args = [[ref.tests[k]["input"], ref.tests[k]["output"], runs[k].stdout] for k in idx]
        harness = {"kind": "call", "fn": CHECKER_FN, "inputs": json.dumps(args), "setup": "", "stop_on_error": False}
        lim = sapi.Limits(time_s=min(60.0, 5.0 + 0.2 * len(idx)), memory_mb=512, wall_s=min(90.0, 8.0 + 0.3 * len(idx)))
        got = self._run_harness(ex, ref, ref.checker, harness, len(idx), lim)
        if got is None:
            return None
        _run, recs, _done = got
        out: dict[int, Any] = {}
        for j, k in enumerate(idx):
            rs = recs.get(j)
            if rs and "v" in rs[0]:
                try:
                    out[k] = grade.decode(rs[0].get("v"))
                except grade.Unplain:
                    pass
        return out

    def _run_harness(self, ex: sapi.Executor, ref: CodeRef, program: str, harness: dict[str, Any],
                     n: int, lim: sapi.Limits | None = None
                     ) -> tuple[sapi.RunResult, dict[int, list[dict[str, Any]]], bool] | None:
        lim = lim or self._limits(ref)
        job = sapi.Job(language="python", code=program, stdins=[""], limits=lim, harness=harness)
        res = ex.execute(job)
        if self._sandbox_failed(res) or not res.runs:
            return None
        run = res.runs[0]
        recs: dict[int, list[dict[str, Any]]] = {}
        done = False
        for line in run.records.splitlines()[: 4 * n + 1000]:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if not isinstance(rec, dict):
                continue
            if rec.get("done") == 1:
                done = True
                continue
            i = rec.get("i")
            if isinstance(i, int) and not isinstance(i, bool) and 0 <= i < n:
                recs.setdefault(i, []).append(rec)
        return run, recs, done

    def _fail_verdict(self, run: sapi.RunResult) -> str:
        if run.status == sapi.RE and run.exit_code == CE_EXIT:
            return "CE"  # an OK exit before the tests finished is RE: never a pass
        return "RE" if run.status == sapi.OK else VERDICT_OF.get(run.status, "RE")

    def _call(self, ex: sapi.Executor, ref: CodeRef, program: str) -> list[str] | None:
        inputs = [t["input"] for t in ref.tests]
        harness = {"kind": "call", "fn": ref.fn_name, "inputs": json.dumps(inputs), "setup": ref.setup,
                   "stop_on_error": ref.mode == "all_or_nothing"}
        got = self._run_harness(ex, ref, program, harness, len(inputs))
        if got is None:
            return None
        run, recs, done = got
        out = []
        for i, t in enumerate(ref.tests):
            rs = recs.get(i)
            if not rs:
                out.append(self._fail_verdict(run) if not done else "SKIP")
                continue
            rec = rs[0]
            if "exc" in rec:
                out.append("RE")
                continue
            if "v" not in rec:  # unserializable_return (or a forged line): never a value, never None
                out.append("WA")
                continue
            try:
                val = grade.decode(rec["v"])
            except grade.Unplain:
                out.append("WA")
                continue
            out.append("AC" if grade.json_equal(val, t["output"]) else "WA")
        return out

    def _assert(self, ex: sapi.Executor, ref: CodeRef, program: str) -> Any:
        assert ref.program is not None
        # The test program's own runs (no submission in them): a roomier wall, so load is not a failure.
        replay_lim = sapi.Limits(time_s=max(ref.time_limit_s, 5.0), memory_mb=max(ref.memory_limit_mb, 512),
                                 wall_s=max(ref.time_limit_s, 5.0) * 3 + 2)
        return self._asserts.run(ex, ref.program, program, self._limits(ref), replay_lim)

    # ------------------------------------------------------------ generator
    def probe_cases(self, rng: random.Random) -> list[ProbeCase]:
        """One solved problem per test mode (stdio, assert, call) for ``rewardgym probe``."""
        return code_probe.probe_cases()

    def sample(self, rng: random.Random, **options: Any) -> Problem:
        kind = options.get("kind")
        pool = [p for p in PROBLEMS if kind is None or p["reference"].get("kind", "") == kind
                or (kind == "stdio" and "tests" in p["reference"] and "fn_name" not in p["reference"])]
        p = rng.choice(pool or PROBLEMS)
        ref = {k: v for k, v in p["reference"].items() if k != "kind"}
        return Problem(prompt=p["prompt"], reference=ref)
