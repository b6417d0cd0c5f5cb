"""In-sandbox Python harness (runs inside the isolated child, after every layer is in place).

Kinds:
- plain: exec the program as ``__main__``.
- ``assert``: exec the program, then the rewritten test code, whose asserts became
  ``__rg_rec(k, lambda: operands)`` calls: the operands are recorded, never compared here.
- ``call``: exec the program, then call ``fn(*args)`` (or ``Solution().fn``) for each input.

Records go to fd 3 as JSON lines of *plain* values: exact builtin types only. Subclasses are reduced
to their base value through the base type's own slots (so an overridden ``__eq__``/``strip`` is never
consulted) and any other object is refused, so an AlwaysEqual object cannot pass. Expected values are
never here: the caller grades the records outside the sandbox.
"""

from __future__ import annotations

import builtins
import json
import math
import os
import sys
import traceback

# Everything the harness relies on is captured here, before any submission code runs: patching
# builtins or json afterwards (``builtins.isinstance = ...``, ``json.JSONEncoder.iterencode = ...``)
# cannot change what a record says. (Patching this module itself is possible for code that goes
# looking for it, but a forged record only passes with the value the grader expects: the answer.)
_type, _len, _repr, _str_t, _isinstance = type, len, repr, str, isinstance
_list, _tuple, _dict, _set, _frozenset, _complex = list, tuple, dict, set, frozenset, complex
_write = os.write
_esc = json.encoder.encode_basestring_ascii  # the C function, captured
_int_repr, _float_repr = int.__repr__, float.__repr__
_isfinite = math.isfinite
_MAX_NODES = 200_000


class _Unplain(Exception):
    pass


def plain(v: object, budget: list[int] | None = None, depth: int = 0) -> object:
    """Encode a value as tagged JSON-able data, refusing anything that is not a builtin value."""
    budget = budget if budget is not None else [_MAX_NODES]
    budget[0] -= 1
    if budget[0] < 0 or depth > 200:
        raise _Unplain("value too large or deep")
    t = _type(v)
    if v is None or t is bool:
        return v
    if t is int:
        return v
    if t is float:
        return v if _isfinite(v) else {"F": _repr(v)}
    if t is str:
        return v
    if t is list:
        return {"l": [plain(x, budget, depth + 1) for x in v]}
    if t is tuple:
        return {"t": [plain(x, budget, depth + 1) for x in v]}
    if t is dict:
        return {"d": [[plain(k, budget, depth + 1), plain(x, budget, depth + 1)] for k, x in dict.items(v)]}
    if t is set:
        return {"s": [plain(x, budget, depth + 1) for x in set.__iter__(v)]}
    if t is frozenset:
        return {"f": [plain(x, budget, depth + 1) for x in frozenset.__iter__(v)]}
    if t is bytes:
        return {"b": bytes.hex(v)}
    if t is complex:
        return {"c": [plain(complex.__getattribute__(v, "real")), plain(complex.__getattribute__(v, "imag"))]}
    # Subclasses: take the base value through the base type's slot, never the subclass's methods.
    for base, conv in _BASES:
        if _isinstance(v, base):
            return plain(conv(v), budget, depth + 1)
    raise _Unplain(f"not a plain value: {_type(v).__name__}")


_BASES = (
    (bool, bool.__bool__),
    (int, int.__int__),
    (float, float.__float__),
    (str, str.__str__),
    (bytes, bytes.__bytes__),
    (list, lambda v: _list(list.__iter__(v))),
    (tuple, lambda v: _tuple(tuple.__iter__(v))),
    (dict, lambda v: _dict(dict.items(v))),
    (frozenset, lambda v: _frozenset(frozenset.__iter__(v))),
    (set, lambda v: _set(set.__iter__(v))),
    (complex, lambda v: _complex(complex.__getattribute__(v, "real"), complex.__getattribute__(v, "imag"))),
)


def _ser(o: object) -> str:
    """JSON text of a plain tree (None/bool/int/float/str/list/dict of str keys) from captured primitives."""
    if o is None:
        return "null"
    if o is True:
        return "true"
    if o is False:
        return "false"
    t = _type(o)
    if t is int:
        return _int_repr(o)
    if t is float:
        return _float_repr(o)
    if t is str:
        return _esc(o)
    if t is list:
        return "[" + ",".join([_ser(x) for x in o]) + "]"
    if t is dict:
        return "{" + ",".join([_esc(k) + ":" + _ser(x) for k, x in dict.items(o)]) + "}"
    raise _Unplain("not serialisable")


def _emit(obj: dict) -> None:
    try:
        _write(3, (_ser(obj) + "\n").encode())
    except (OSError, ValueError, _Unplain, RecursionError):
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
    except BaseException as e:  # noqa: BLE001
        _emit({"i": k, "exc": "Unplain", "msg": ""})
        del e
        return False
    return True


def _main_globals() -> dict:
    return {"__name__": "__main__", "__builtins__": builtins, "__file__": "main.py", "__doc__": None}


CE_EXIT = 113  # the submission does not compile (the caller reports CE; a forged 113 is still a failure)


def run(code: str, harness: dict | None) -> int:
    """Execute a submission in the current (already isolated) process; returns the exit code."""
    g = _main_globals()
    try:
        prog = compile(code, "main.py", "exec")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as e:
        traceback.print_exception(e, limit=0)
        return CE_EXIT
    kind = (harness or {}).get("kind")
    try:
        if kind in ("assert", "call"):
            tests = compile(harness.get("tests") or "pass", "tests.py", "exec")
            setup = compile(harness.get("setup") or "pass", "setup.py", "exec")
        exec(prog, g)  # noqa: S102 - inside the sandbox
        if kind in ("assert", "call"):
            exec(setup, g)  # noqa: S102 - inside the sandbox: MBPP's test_setup_code uses the program's names
        if kind == "assert":
            g["__rg_rec"] = _record
            exec(tests, g)  # noqa: S102 - inside the sandbox
            _emit({"done": 1})
        elif kind == "call":
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
