"""Assert tests prepared for record/replay, by parsing alone (no test or program text runs here).

``prepare`` rewrites every ``assert`` into ``try: assert ... except BaseException as e:
_rg_fail(k, e) else: _rg_ok(k)`` (the replay harness counts each one), and decides which names the
program provides: the ``entry_point`` plus every name the test and its setup read but neither they,
the reference's prefix, Python's builtins nor the standard library define. Those names become stubs
in the replay process; a standard-library module the test uses without importing it (it relied on
the program's import) is imported there instead. The prefix (e.g. HumanEval's prompt) runs in the
replay process, so helpers it defines are the reference's, never the program's; a function it only
declares (a docstring or ``pass`` for a body, like HumanEval's entry point) is the program's.
"""

from __future__ import annotations

import ast
import builtins
import sys
from dataclasses import dataclass

_BUILTINS = frozenset(dir(builtins))
_STDLIB = frozenset(sys.stdlib_module_names)


@dataclass(frozen=True, slots=True)
class TestProgram:
    source: str  # the rewritten test program
    n_asserts: int
    markers: tuple[int, ...]  # asserts of a constant false value (`assert False`): reached only on failure
    stubs: tuple[str, ...]  # names the program provides (called in the program's process)
    modules: tuple[str, ...]  # standard-library modules the test reads without importing them
    prefix: str  # the reference's prefix, made to compile ("" when there is none or it cannot)
    setup: str


class _Asserts(ast.NodeTransformer):
    def __init__(self) -> None:
        self.n = 0
        self.markers: list[int] = []

    def visit_Assert(self, node: ast.Assert) -> ast.stmt:  # noqa: N802 - ast API
        k = self.n
        self.n += 1
        if isinstance(node.test, ast.Constant) and not node.test.value:
            self.markers.append(k)
        call = lambda f, *a: ast.Expr(ast.Call(ast.Name(f, ast.Load()), [ast.Constant(k), *a], []))  # noqa: E731
        fail = ast.ExceptHandler(ast.Name("BaseException", ast.Load()), "_rg_e",
                                 [call("_rg_fail", ast.Name("_rg_e", ast.Load()))])
        return ast.copy_location(ast.Try([node], [fail], [call("_rg_ok")], []), node)


def _bound(tree: ast.AST) -> set[str]:
    out: set[str] = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store | ast.Del):
            out.add(n.id)
        elif isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            out.add(n.name)
        elif isinstance(n, ast.Import | ast.ImportFrom):
            out.update((a.asname or a.name).split(".")[0] for a in n.names)
        elif isinstance(n, ast.arg):
            out.add(n.arg)
        elif isinstance(n, ast.ExceptHandler) and n.name:
            out.add(n.name)
    return out


def _attr_bases(tree: ast.AST) -> set[str]:
    """Names only ever used as ``name.attr`` (modules), never called or passed around."""
    base_nodes = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)}
    bases, other = set(), set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Name):
            (bases if id(n) in base_nodes else other).add(n.id)
    return bases - other


def _loads(tree: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _open_defs(tree: ast.Module) -> set[str]:
    """Functions of the prefix with no body but a docstring or ``pass``: signatures the program fills."""
    out = set()
    for n in tree.body:
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and all(
                isinstance(b, ast.Pass) or (isinstance(b, ast.Expr) and isinstance(b.value, ast.Constant))
                for b in n.body):
            out.add(n.name)
    return out


def _prefix(prefix: str) -> tuple[str, ast.AST | None]:
    """The prefix as a module that compiles: as is, or with a ``pass`` body for an open ``def``."""
    if not prefix.strip():
        return "", None
    for cand in (prefix, prefix.rstrip() + "\n    pass\n", prefix + "pass\n"):
        try:
            return cand, ast.parse(cand)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
    return "", None


def prepare(test: str, entry_point: str = "", prefix: str = "", setup: str = "") -> TestProgram:
    """Raises SyntaxError/ValueError for a test or setup that does not parse."""
    tree = ast.parse(test)
    setup_tree = ast.parse(setup or "")
    if entry_point and any(isinstance(n, ast.FunctionDef) and n.name == "check" for n in tree.body):
        tree.body.append(ast.Expr(ast.Call(ast.Name("check", ast.Load()), [ast.Name(entry_point, ast.Load())], [])))
    rw = _Asserts()
    tree = ast.fix_missing_locations(rw.visit(tree))
    pre_src, pre_tree = _prefix(prefix)
    bound = _bound(tree) | _bound(setup_tree) | (_bound(pre_tree) if pre_tree else set())
    free = {n for n in (_loads(tree) | _loads(setup_tree)) - bound
            if not n.startswith("__") and n not in ("_rg_ok", "_rg_fail")}
    attr_only = _attr_bases(ast.Module([*tree.body, *setup_tree.body], []))
    modules = {n for n in free & attr_only if n in _STDLIB and n not in _BUILTINS and n != entry_point}
    stubs = {n for n in free if n not in _BUILTINS} - modules
    if pre_tree is not None:
        stubs |= _open_defs(pre_tree) & (_loads(tree) | _loads(setup_tree))
    if entry_point:
        stubs.add(entry_point)
    return TestProgram(ast.unparse(tree), rw.n, tuple(rw.markers), tuple(sorted(stubs)), tuple(sorted(modules)), pre_src, setup or "")
