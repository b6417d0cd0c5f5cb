"""The two in-sandbox halves of record/replay for ``assert`` tests.

- ``calls`` runs in the submission's process and never sees the test: it gets a list of calls
  ``[name, args, kwargs]`` (plain data), makes each once and writes back the return value as plain
  data (``sandbox.plain``), or the exception's type name; anything else than a plain value is
  ``unserializable_return``. Arguments the call mutated in place come back too (``"m"``).
- ``replay`` runs the reference's test program in a fresh process that never loaded the submission.
  The program's names are stubs that look each call up in the table of recorded results by its
  arguments and return a fresh copy of the plain value, so the test's own ``==``, ``all()``,
  helpers, tolerances and ``math.isclose`` run on builtin values with Python's meaning. A call not in
  the table is *pending*: the stub returns a placeholder whose every use raises, the caller makes
  those calls in the submission's process and replays again (a test whose arguments depend on earlier
  results takes several rounds). Only a round without pending calls gives the verdict.

Each ``assert`` of the test was rewritten (outside, by ``ast``) into ``try: assert ... except
BaseException as e: _rg_fail(k, e) else: _rg_ok(k)``, so one failing assert does not hide the
others (pass rate) and an exception inside one is that assert's failure.
"""

from __future__ import annotations

import builtins
import json
import os
import random

from sandbox.plain import Unplain, plain, to_json, unplain

_type, _str, _write, _issubclass = type, str, os.write, issubclass
_BaseException, _Exception = BaseException, Exception


def _emit(obj: dict) -> None:
    try:
        _write(3, (to_json(obj) + "\n").encode())
    except (OSError, ValueError, RecursionError):
        pass


def _name(e: BaseException) -> str:
    n = _type(e).__name__
    return n if _type(n) is _str else "?"


# ---------------------------------------------------------------- the submission's side

def run_calls(g: dict, calls: list) -> None:
    """Make each requested call in the program's globals ``g``; one record per call, then ``done``."""
    for i, (name, a, kw) in enumerate(calls):
        fn = g.get(name)
        if fn is None:
            _emit({"i": i, "exc": "NameError", "msg": f"name {name!r} is not defined"})
            continue
        try:
            args, kwargs = [unplain(x) for x in a], {k: unplain(x) for k, x in kw.items()}
        except Unplain:
            _emit({"i": i, "x": "bad_record"})
            continue
        try:
            v = fn(*args, **kwargs)
        except _Exception as e:
            try:
                msg = _str.__str__(_str(e))[:200]
            except BaseException:  # noqa: BLE001 - a hostile __str__
                msg = ""
            _emit({"i": i, "exc": _name(e), "msg": msg})
            continue
        except _BaseException:  # noqa: BLE001 - SystemExit & co. inside the tested function: never a value
            _emit({"i": i, "x": "exit"})
            continue
        rec: dict = {"i": i}
        try:
            rec["v"] = plain(v)
        except _BaseException:  # noqa: BLE001 - Unplain, or anything a hostile object raises
            rec = {"i": i, "x": "unserializable_return"}
        else:
            try:
                after = [[plain(x) for x in args], {k: plain(x) for k, x in kwargs.items()}]
                if to_json(after) != to_json([a, kw]):
                    rec["m"] = after
            except _BaseException:  # noqa: BLE001
                rec = {"i": i, "x": "unserializable_mutation"}
        _emit(rec)
    _emit({"done": 1})


# ---------------------------------------------------------------- the clean side

class _Pending(BaseException):
    """A call whose result is not known yet: this round cannot give a verdict."""


class _Fatal(BaseException):
    """A call that can never have a plain result (the program died, returned an object...)."""


def _raise(*_a: object, **_k: object) -> None:
    raise _Pending


class _Unknown:
    """The placeholder a pending call returns: using it in any way raises ``_Pending``."""

    __slots__ = ()


_DUNDERS = ("eq ne lt le gt ge hash bool len iter contains getitem setitem delitem getattr call "
            "add radd sub rsub mul rmul truediv rtruediv floordiv rfloordiv mod rmod pow rpow neg pos abs "
            "invert and rand or ror xor rxor lshift rlshift rshift rrshift matmul rmatmul divmod rdivmod "
            "int float index complex round trunc floor ceil str repr format bytes reversed enter exit")
for _m in _DUNDERS.split():  # noqa: SIM905 - one word per dunder reads better than 60 quoted items
    setattr(_Unknown, f"__{_m}__", _raise)


# A recorded exception is raised again as the same builtin type, except the ones that steer the
# caller's control flow (a StopIteration from the function would silently end the test's ``map()``):
# those become RuntimeError, as PEP 479 does in generators.
_BUILTIN_EXC = {n: c for n, c in vars(builtins).items()
                if isinstance(c, type) and issubclass(c, Exception)
                and not issubclass(c, StopIteration | StopAsyncIteration)}


def _restore(obj: object, new: object) -> bool:
    """Apply a recorded in-place mutation: make ``obj`` equal ``new`` without replacing it."""
    t = _type(obj)
    if t is not _type(new):
        return False
    if t is list:
        if len(obj) == len(new):
            for i, (x, y) in enumerate(zip(obj, new, strict=True)):
                if not _restore(x, y):
                    obj[i] = y
        else:
            obj[:] = new
        return True
    if t is dict:
        for k in [k for k in obj if k not in new]:
            del obj[k]
        for k, y in new.items():
            if k not in obj or not _restore(obj[k], y):
                obj[k] = y
        return True
    if t is set:
        obj.clear()
        obj.update(new)
        return True
    if t is tuple and len(obj) == len(new):
        return all(_restore(x, y) for x, y in zip(obj, new, strict=True))
    try:
        return to_json(plain(obj)) == to_json(plain(new))
    except Unplain:
        return False


class Replay:
    def __init__(self, table: dict[str, dict]) -> None:
        self.table = table
        self.pending: dict[str, list] = {}
        self.fatal = ""
        self.calls = 0
        self.seen: set[tuple[int, str]] = set()

    def stub(self, name: str):  # noqa: ANN201
        def call(*args: object, **kwargs: object) -> object:
            try:
                ta, tk = [plain(x) for x in args], {k: plain(v) for k, v in kwargs.items()}
            except Unplain:
                if self.pending:  # maybe a placeholder inside: wait for the round that knows it
                    raise _Pending from None
                self._die("unserializable_argument")
            key = to_json([name, ta, tk])
            res = self.table.get(key)
            if res is None:
                self.pending.setdefault(key, [name, ta, tk])
                return _Unknown()
            self.calls += 1
            if "v" in res:
                try:
                    v = unplain(res["v"])
                    if "m" in res:
                        new_a = [unplain(x) for x in res["m"][0]]
                        new_k = {k: unplain(x) for k, x in res["m"][1].items()}
                        for x, y in (*zip(args, new_a, strict=True), *((kwargs[k], new_k[k]) for k in kwargs)):
                            if not _restore(x, y):
                                self._die("unsupported_mutation")
                except (Unplain, TypeError, ValueError, KeyError, IndexError, AttributeError):
                    self._die("bad_record")
                return v
            if "exc" in res:
                cls = _BUILTIN_EXC.get(res["exc"]) if _type(res["exc"]) is _str else None
                raise (cls or RuntimeError)(res.get("msg", "") if cls else f"{res['exc']}: {res.get('msg', '')}")
            self._die(res.get("x") if _type(res.get("x")) is _str else "bad_record")
            return None

        call.__name__ = call.__qualname__ = name
        return call

    def _die(self, why: str) -> None:
        self.fatal = self.fatal or why
        raise _Fatal(why)

    def ok(self, k: int) -> None:
        if (k, "AC") not in self.seen:
            self.seen.add((k, "AC"))
            _emit({"a": k, "r": "AC"})

    def fail(self, k: int, e: BaseException) -> None:
        if _type(e) is _Pending:
            return
        if _type(e) is _Fatal:
            r, why = "X", self.fatal
        else:
            r, why = ("WA" if _issubclass(_type(e), AssertionError) else "RE"), _name(e)[:60]
        if (k, "F") not in self.seen:
            self.seen.add((k, "F"))
            _emit({"a": k, "r": r, "e": why})


def run_replay(tests: str, harness: dict) -> None:
    """Run the rewritten test program against the recorded results (this process has no submission)."""
    table = {k: v for k, v in json.loads(harness.get("table") or "[]")}
    rp = Replay(table)
    g = {"__name__": "__main__", "__builtins__": builtins, "__file__": "tests.py", "__doc__": None}
    random.seed(0)  # the same test inputs in every round
    end: dict = {"end": 1, "ok": 0}
    try:
        # The reference's prefix (e.g. HumanEval's prompt): its helpers are the reference's, not the program's.
        exec(compile(harness.get("prefix") or "", "prefix.py", "exec", dont_inherit=True, optimize=0), g)  # noqa: S102
        for m in harness.get("modules") or ():  # stdlib modules the test used through the program's import
            try:
                g[m] = __import__(m)
            except ImportError:
                pass
        for name in harness.get("stubs") or ():
            g[name] = rp.stub(name)
        g["_rg_ok"], g["_rg_fail"] = rp.ok, rp.fail
        exec(compile(harness.get("setup") or "", "setup.py", "exec", dont_inherit=True, optimize=0), g)  # noqa: S102
        random.seed(0)
        exec(compile(tests, "tests.py", "exec", dont_inherit=True, optimize=0), g)  # noqa: S102
        end["ok"] = 1
    except BaseException as e:  # noqa: BLE001 - the test program failed outside its asserts
        end["exc"] = _name(e)[:60]
    end["fatal"] = rp.fatal
    end["calls"] = rp.calls
    end["pending"] = list(rp.pending.values())[:10_000]
    _emit(end)
