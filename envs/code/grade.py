"""Grading outside the sandbox: output comparators, the decoder of the harness's plain-value records,
and the AST rewrite that turns ``assert`` tests into recorded operands.

Nothing here executes submission text. Test code is *parsed* (``ast``) to find its asserts; constant
operands (literals and a few pure builtins over literals) are evaluated here by walking the tree, so
expected values never enter the sandbox. Everything else runs in the sandbox and comes back as JSON
of plain values, which is compared here.
"""

from __future__ import annotations

import ast
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

# ---------------------------------------------------------------- extraction

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+#.-]*)[^\n]*\n(.*?)```", re.S)
LANG_TAGS = {
    "python": {"python", "py", "python3"},
    "c": {"c", "h"},
    "cpp": {"cpp", "c++", "cxx", "cc", "hpp"},
    "javascript": {"javascript", "js", "node", "nodejs"},
    "java": {"java"},
}


def extract_code(completion: str, language: str) -> str:
    """The last fenced block in the language; else the last untagged block; else the whole text."""
    blocks = _FENCE.findall(completion)
    tags = LANG_TAGS.get(language, {language})
    for tag, body in reversed(blocks):
        if tag.lower() in tags:
            return body
    for tag, body in reversed(blocks):
        if not tag:
            return body
    return completion


# ---------------------------------------------------------------- stdio comparison

_NUM = re.compile(r"[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)")


def _lines(s: str) -> list[str]:
    lines = [ln.rstrip() for ln in s.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _float_tok(a: str, b: str, tol: float) -> bool:
    if a == b:
        return True
    if not (_NUM.fullmatch(a) and _NUM.fullmatch(b)):
        return False
    x, y = float(a), float(b)
    if not (math.isfinite(x) and math.isfinite(y)):
        return False
    if "." not in a + b and "e" not in (a + b).lower():
        return int(a) == int(b)  # integers compare exactly
    return abs(x - y) <= max(tol, tol * abs(y))


def compare_output(got: str, want: str, mode: str = "lines") -> bool:
    """``exact``; ``lines`` (trailing whitespace and blank lines ignored, equal line count);
    ``tokens`` (whitespace-separated tokens equal); ``float:<tol>`` (tokens, numbers within tol)."""
    if mode == "exact":
        return got == want
    if mode == "lines":
        return _lines(got) == _lines(want)
    ga, wa = got.split(), want.split()
    if len(ga) != len(wa):
        return False
    if mode == "tokens":
        return ga == wa
    if mode.startswith("float:"):
        tol = float(mode[6:])
        return all(_float_tok(a, b, tol) for a, b in zip(ga, wa, strict=True))
    raise ValueError(f"unknown compare mode {mode!r}")


def valid_compare(mode: str) -> bool:
    if mode in ("exact", "lines", "tokens"):
        return True
    if mode.startswith("float:"):
        try:
            t = float(mode[6:])
        except ValueError:
            return False
        return math.isfinite(t) and t >= 0
    return False


# ---------------------------------------------------------------- plain values

class Unplain(ValueError):
    pass


def decode(v: Any) -> Any:
    """Tagged JSON from the harness back to Python values (lists, tuples, sets, ... of builtins)."""
    if v is None or isinstance(v, bool | int | float | str):
        return v
    if isinstance(v, dict) and len(v) == 1:
        (tag, x), = v.items()
        if tag == "l":
            return [decode(e) for e in x]
        if tag == "t":
            return tuple(decode(e) for e in x)
        if tag == "s":
            return {_hashable(decode(e)) for e in x}
        if tag == "f":
            return frozenset(_hashable(decode(e)) for e in x)
        if tag == "d":
            return {_hashable(decode(k)): decode(e) for k, e in x}
        if tag == "F":
            return float(x) if x in ("nan", "inf", "-inf") else math.nan
        if tag == "b":
            return bytes.fromhex(x)
        if tag == "c":
            return complex(decode(x[0]), decode(x[1]))
    raise Unplain(f"bad record value: {str(v)[:60]}")


def _hashable(v: Any) -> Any:
    if isinstance(v, list):
        return tuple(_hashable(e) for e in v)
    if isinstance(v, set):
        return frozenset(v)
    if isinstance(v, dict):
        return tuple(sorted(v.items(), key=repr))
    return v


def json_equal(got: Any, want: Any, tol: float = 1e-6) -> bool:
    """Call-mode equality: tuples are lists, ints and floats compare numerically (floats within tol,
    NaN/inf never equal), bool is not a number, dict keys compared as JSON would serialise them."""
    if isinstance(want, bool) or isinstance(got, bool):
        return type(got) is bool and type(want) is bool and got == want
    if isinstance(want, int | float) and isinstance(got, int | float):
        if isinstance(want, int) and isinstance(got, int):
            return got == want
        g, w = float(got), float(want)
        if not (math.isfinite(g) and math.isfinite(w)):
            return False
        return abs(g - w) <= max(tol, tol * abs(w))
    if isinstance(want, list | tuple) and isinstance(got, list | tuple):
        return len(got) == len(want) and all(json_equal(a, b, tol) for a, b in zip(got, want, strict=True))
    if isinstance(want, dict) and isinstance(got, dict):
        g = {json.dumps(k) if not isinstance(k, str) else k: v for k, v in got.items()}
        return set(g) == set(want) and all(json_equal(g[k], want[k], tol) for k in want)
    if isinstance(want, str) and isinstance(got, str):
        return got == want
    if want is None:
        return got is None
    return False


# ---------------------------------------------------------------- assert rewriting

_CONST_CALLS = {"set": set, "frozenset": frozenset, "tuple": tuple, "list": list, "sorted": sorted, "float": float,
                "int": int, "str": str, "abs": abs, "bool": bool, "dict": dict, "complex": complex}
_BINOPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
           ast.Div: lambda a, b: a / b, ast.FloorDiv: lambda a, b: a // b, ast.Mod: lambda a, b: a % b}
_MAX_CONST = 1 << 20


class _NotConst(Exception):
    pass


def const_value(node: ast.AST, depth: int = 0) -> Any:
    """Evaluate a literal-ish expression by walking the tree (no eval): constants, containers,
    unary minus, small arithmetic and a few pure builtins over constants. Raises _NotConst."""
    if depth > 60:
        raise _NotConst
    d = depth + 1
    if isinstance(node, ast.Constant):
        if isinstance(node.value, int) and not isinstance(node.value, bool) and abs(node.value) > 10**4000:
            raise _NotConst
        return node.value
    if isinstance(node, ast.Tuple):
        return tuple(const_value(e, d) for e in node.elts)
    if isinstance(node, ast.List):
        return [const_value(e, d) for e in node.elts]
    if isinstance(node, ast.Set):
        return {const_value(e, d) for e in node.elts}
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise _NotConst
        return {const_value(k, d): const_value(v, d) for k, v in zip(node.keys, node.values, strict=True)}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd | ast.Not):
        v = const_value(node.operand, d)
        if isinstance(node.op, ast.Not):
            return not v
        if not isinstance(v, int | float | complex) or isinstance(v, bool):
            raise _NotConst
        return -v if isinstance(node.op, ast.USub) else +v
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        a, b = const_value(node.left, d), const_value(node.right, d)
        if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in (a, b)):
            raise _NotConst
        try:
            return _BINOPS[type(node.op)](a, b)
        except (ArithmeticError, ValueError) as e:
            raise _NotConst from e
    if isinstance(node, ast.Name) and node.id in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[node.id]
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _CONST_CALLS
            and not node.keywords and len(node.args) <= 1):
        args = [const_value(a, d) for a in node.args]
        if args and isinstance(args[0], str | bytes) and len(args[0]) > _MAX_CONST:
            raise _NotConst
        try:
            return _CONST_CALLS[node.func.id](*args)
        except (TypeError, ValueError) as e:
            raise _NotConst from e
    raise _NotConst


@dataclass
class Check:
    """One rewritten assert: ``kind`` says how its recorded operands are judged here."""

    kind: str  # "cmp" | "truth" | "close" | "const"
    ops: list[str] = field(default_factory=list)  # comparison operators, "cmp"
    consts: dict[int, Any] = field(default_factory=dict)  # operand position -> value known here
    n: int = 0  # number of operands (recorded ones are the positions not in consts)
    tol: tuple[float, float] = (1e-9, 0.0)  # (rel, abs) for "close"
    line: int = 0
    weak: bool = False


_OPS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.In: "in",
        ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}


def _is_isclose(f: ast.AST) -> bool:
    return (isinstance(f, ast.Attribute) and f.attr == "isclose") or (isinstance(f, ast.Name) and f.id == "isclose")


class _Rewriter(ast.NodeTransformer):
    def __init__(self) -> None:
        self.checks: list[Check] = []

    def _operands(self, nodes: list[ast.expr]) -> tuple[dict[int, Any], list[ast.expr]]:
        consts: dict[int, Any] = {}
        live: list[ast.expr] = []
        for i, n in enumerate(nodes):
            try:
                consts[i] = const_value(n)
            except _NotConst:
                live.append(n)
        return consts, live

    def _record(self, k: int, exprs: list[ast.expr], node: ast.AST) -> ast.stmt:
        body: ast.expr = ast.Tuple(elts=exprs, ctx=ast.Load()) if exprs else ast.Constant(None)
        lam = ast.Lambda(args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]),
                         body=body)
        call = ast.Call(func=ast.Name(id="__rg_rec", ctx=ast.Load()), args=[ast.Constant(k), lam], keywords=[])
        return ast.copy_location(ast.Expr(call), node)

    def visit_Assert(self, node: ast.Assert) -> ast.stmt:  # noqa: N802 - ast API
        t = node.test
        k = len(self.checks)
        line = getattr(node, "lineno", 0)
        if isinstance(t, ast.Compare):
            nodes = [t.left, *t.comparators]
            consts, live = self._operands(nodes)
            self.checks.append(Check("cmp", [_OPS[type(o)] for o in t.ops], consts, len(nodes), line=line))
            return self._record(k, live, node)
        if isinstance(t, ast.Call) and _is_isclose(t.func) and len(t.args) == 2:
            kw = {}
            for x in t.keywords:
                try:
                    kw[x.arg] = float(const_value(x.value))
                except (_NotConst, TypeError, ValueError):
                    break
            else:
                consts, live = self._operands(list(t.args))
                self.checks.append(Check("close", [], consts, 2, (kw.get("rel_tol", 1e-9), kw.get("abs_tol", 0.0)),
                                         line=line))
                return self._record(k, live, node)
        # abs(A - B) < eps / <= eps
        if (isinstance(t, ast.Compare) is False and isinstance(t, ast.UnaryOp) and isinstance(t.op, ast.Not)):
            consts, live = self._operands([t.operand])
            self.checks.append(Check("truth", ["not"], consts, 1, line=line))
            return self._record(k, live, node)
        try:
            v = const_value(t)
            self.checks.append(Check("const", [], {0: v}, 1, line=line))
            return self._record(k, [], node)
        except _NotConst:
            pass
        self.checks.append(Check("truth", [], {}, 1, line=line, weak=not isinstance(t, ast.Call | ast.Name)))
        return self._record(k, [t], node)


def _abs_close(t: ast.expr) -> tuple[ast.expr, ast.expr, ast.expr] | None:
    """``abs(A - B) < eps`` → (A, B, eps)."""
    if (isinstance(t, ast.Compare) and len(t.ops) == 1 and isinstance(t.ops[0], ast.Lt | ast.LtE)
            and isinstance(t.left, ast.Call) and isinstance(t.left.func, ast.Name) and t.left.func.id == "abs"
            and len(t.left.args) == 1 and isinstance(t.left.args[0], ast.BinOp)
            and isinstance(t.left.args[0].op, ast.Sub)):
        return t.left.args[0].left, t.left.args[0].right, t.comparators[0]
    return None


class _AbsRewriter(_Rewriter):
    def visit_Assert(self, node: ast.Assert) -> ast.stmt:  # noqa: N802 - ast API
        m = _abs_close(node.test)
        if m is not None:
            try:
                eps = float(const_value(m[2]))
            except (_NotConst, TypeError, ValueError):
                eps = None
            if eps is not None:
                k = len(self.checks)
                consts, live = self._operands([m[0], m[1]])
                self.checks.append(Check("close", [], consts, 2, (0.0, eps), line=getattr(node, "lineno", 0)))
                return self._record(k, live, node)
        return super().visit_Assert(node)


def rewrite_asserts(test_code: str) -> tuple[str, list[Check]]:
    """Rewrite every assert of ``test_code``; returns the new source and the checks (index = record id).
    Raises SyntaxError/ValueError on unparsable test code (an invalid reference)."""
    tree = ast.parse(test_code)
    rw = _AbsRewriter()
    tree = rw.visit(tree)
    ast.fix_missing_locations(tree)
    return ast.unparse(tree), rw.checks


def _cmp(op: str, a: Any, b: Any) -> bool:
    try:
        if op == "==":
            return bool(a == b) and _nan_free(a)
        if op == "!=":
            return bool(a != b)
        if op == "<":
            return bool(a < b)
        if op == "<=":
            return bool(a <= b)
        if op == ">":
            return bool(a > b)
        if op == ">=":
            return bool(a >= b)
        if op == "in":
            return a in b
        if op == "not in":
            return a not in b
        if op == "is":
            return a is b if b is None or isinstance(b, bool) else a == b and type(a) is type(b)
        if op == "is not":
            return a is not b if b is None or isinstance(b, bool) else not (a == b and type(a) is type(b))
    except (TypeError, ValueError, ArithmeticError):
        return False
    return False


def _nan_free(v: Any) -> bool:
    if isinstance(v, float):
        return not math.isnan(v)
    if isinstance(v, list | tuple):
        return all(_nan_free(x) for x in v)
    return True


def judge(check: Check, values: tuple[Any, ...] | None) -> bool:
    """Judge one recorded assert: ``values`` are the decoded live operands in order."""
    vals = list(values or ())
    ops: list[Any] = []
    it = iter(vals)
    try:
        for i in range(check.n):
            ops.append(check.consts[i] if i in check.consts else next(it))
    except StopIteration:
        return False
    if check.kind == "const":
        return bool(ops[0]) if not isinstance(ops[0], float) or math.isfinite(ops[0]) else False
    if check.kind == "truth":
        v = ops[0]
        ok = bool(v) if v is None or isinstance(v, bool | int | float | str | list | tuple | dict | set
                                                 | frozenset | bytes) else False
        if isinstance(v, float) and math.isnan(v):
            ok = False
        return (not ok) if check.ops == ["not"] else ok
    if check.kind == "close":
        try:
            a, b = float(ops[0]), float(ops[1])
        except (TypeError, ValueError):
            return False
        if not (math.isfinite(a) and math.isfinite(b)):
            return False
        rel, abs_ = check.tol
        return abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_) if rel else abs(a - b) < abs_
    return all(_cmp(op, ops[i], ops[i + 1]) for i, op in enumerate(check.ops))
