"""In-sandbox Python harness (runs inside the isolated child, after every layer is in place).

Kinds:
- plain: exec the program as ``__main__``.
- ``calls``: exec the program, then make the listed calls (``sandbox.pyreplay.run_calls``).
- ``replay``: no program at all: run a reference's test program on recorded results
  (``sandbox.pyreplay.run_replay``), in a process that never loaded a submission.
- ``call``: exec the program, then call ``fn(*args)`` (or ``Solution().fn``) for each input.

Records go to fd 3 as JSON lines of *plain* values: exact builtin types only. Subclasses are reduced
to their base value through the base type's own slots (so an overridden ``__eq__``/``strip`` is never
consulted) and any other object is refused, so an AlwaysEqual object cannot pass. Expected values are
never here: the caller grades the records outside the sandbox.
"""

from __future__ import annotations

import builtins
import json
import os
import sys
import traceback

from sandbox import pyreplay
from sandbox.plain import plain, to_json

# Everything the harness relies on is captured here (and in ``sandbox.plain``), before any
# submission code runs: patching builtins or json afterwards (``builtins.isinstance = ...``,
# ``json.JSONEncoder.iterencode = ...``) cannot change what a record says.
_type, _str_t = type, str
_write = os.write


def _emit(obj: dict) -> None:
    try:
        _write(3, (to_json(obj) + "\n").encode())
    except (OSError, ValueError, RecursionError):
        pass


def _record(k: int, thunk) -> bool:  # noqa: ANN001
    try:
        v = thunk()
    except BaseException as e:  # noqa: BLE001 - SystemExit inside the tested function is an error too
        try:
            msg = _str_t.__str__(_str_t(e))[:200] if _type(e) is not SystemExit else ""
        except BaseException:  # noqa: BLE001
            msg = ""
        _emit({"i": k, "exc": _type(e).__name__ if _type(_type(e).__name__) is str else "?", "msg": msg})
        return False
    try:
        _emit({"i": k, "v": plain(v)})
    except BaseException as e:  # noqa: BLE001 - Unplain, or anything a hostile object raises
        _emit({"i": k, "x": "unserializable_return"})
        del e
        return False
    return True


def _main_globals() -> dict:
    return {"__name__": "__main__", "__builtins__": builtins, "__file__": "main.py", "__doc__": None}


CE_EXIT = 113  # the submission does not compile (the caller reports CE; a forged 113 is still a failure)


def run(code: str, harness: dict | None) -> int:
    """Execute a submission in the current (already isolated) process; returns the exit code."""
    kind = (harness or {}).get("kind")
    if kind == "replay":  # no submission here: ``code`` is the reference's rewritten test program
        pyreplay.run_replay(code, harness)
        return 0
    g = _main_globals()
    try:
        prog = compile(code, "main.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as e:
        traceback.print_exception(e, limit=0)
        return CE_EXIT
    try:
        setup = compile(harness.get("setup") or "pass", "setup.py", "exec", dont_inherit=True) \
            if kind == "call" else None
        calls = json.loads(harness["calls"]) if kind == "calls" else None  # read before the program runs
        exec(prog, g)  # noqa: S102 - inside the sandbox
        if kind == "calls":
            pyreplay.run_calls(g, calls)
        elif kind == "call":
            exec(setup, g)  # noqa: S102 - inside the sandbox
            fn_name = harness["fn"]
            fn = g.get(fn_name)
            if fn is None and "Solution" in g:
                fn = getattr(g["Solution"](), fn_name, None)
            if not callable(fn):
                print(f"function {fn_name!r} not defined", file=sys.stderr)
                return 1
            stop = bool(harness.get("stop_on_error"))
            for i, args in enumerate(json.loads(harness["inputs"])):
                ok = _record(i, lambda a=args: fn(*a) if _type(a) is list else fn(a))
                if stop and not ok:
                    break
            _emit({"done": 1})
    except SystemExit as e:
        code_ = e.code
        return code_ if isinstance(code_, int) else (0 if code_ is None else 1)
    except BaseException:  # noqa: BLE001
        traceback.print_exc()
        return 1
    return 0
