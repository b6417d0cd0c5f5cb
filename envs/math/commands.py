"""LaTeX commands, functions and environments of the math grammar (a mixin of ``latex.Parser``)."""

from __future__ import annotations

from typing import Any

from envs.math.ast import FUNCS, Node, num
from envs.math.tokens import CONST, ENVS, GREEK, ParseError


class CommandsMixin:
    """``\\frac``, ``\\sqrt``, ``\\sin``…, ``\\begin{pmatrix}``; uses the parser's cursor methods."""

    peek: Any
    next: Any
    expect: Any
    script: Any
    seq: Any
    rel: Any
    term: Any
    power: Any
    postfix: Any
    primary: Any
    subscript_text: Any
    starts_operand: Any

    def command(self, val: str) -> Node:
        name = val[1:]
        if val in CONST:
            return CONST[val]
        if name in GREEK:
            return ("s", name)
        if name in ("frac", "over"):
            a = self.script()
            b = self.script()
            return ("*", (a, ("inv", b)))
        if name == "sqrt":
            if self.peek()[1] == "[":
                self.next()
                idx = self.seq()
                self.expect("]")
                return ("^", self.script(), ("inv", idx))
            return ("f", "sqrt", (self.script(),))
        if name == "binom":
            return ("f", "binom", (self.script(), self.script()))
        if name in ("lfloor", "lceil"):
            inner = self.seq()
            self.expect("\\rfloor" if name == "lfloor" else "\\rceil")
            return ("f", name[1:], (inner,))
        if name == "begin":
            return self.environment()
        if name in ("sum", "prod", "int", "lim"):
            # Kept as structure (compared canonically), never evaluated.
            lo = hi = num(0)
            for _ in range(2):
                if self.peek()[1] == "_":
                    self.next()
                    lo = self.script()
                elif self.peek()[1] == "^":
                    self.next()
                    hi = self.script()
            return ("big", name, lo, hi, self.term())
        if name in FUNCS or name in ("log", "ln", "lg"):
            return self.function(name)
        if name == "mathbb" or name == "mathcal":
            return ("s", self.subscript_text())
        if name in ("vec", "overline", "bar", "hat", "tilde", "overrightarrow", "mathbf", "widehat"):
            inner = self.script()
            return ("s", f"{name}({inner})")
        if name in ("angle", "triangle"):
            return ("s", name) if not self.starts_operand() else ("*", (("s", name), self.power()))
        # An unknown command is an opaque name (the same on both sides), never a guess at meaning.
        return ("s", val)

    def function(self, name: str) -> Node:
        power: Node | None = None
        base: Node | None = None
        if name == "log" and self.peek()[1] == "_":
            self.next()
            base = self.script()
        if self.peek()[1] == "^":
            self.next()
            power = self.script()
            if power == ("neg", num(1)) and name in ("sin", "cos", "tan", "sec", "csc", "cot"):
                name, power = "arc" + name, None
        if self.peek()[1] in ("(", "{"):
            arg = self.primary()
        else:
            # "\sin 2x": the argument is the following product of simple atoms, stopping at the
            # next function so that "\sin b \cos a" is sin(b)·cos(a).
            factors = [self.postfix(self.primary())]
            while self.peek()[0] in ("num", "id") or (
                    self.peek()[0] == "cmd" and (self.peek()[1] in CONST or self.peek()[1][1:] in GREEK)):
                factors.append(self.postfix(self.primary()))
            arg = factors[0] if len(factors) == 1 else ("*", tuple(factors))
        args = (arg,) if arg[0] != "tuple" else arg[1]
        if name in ("ln",):
            name = "log"
        node: Node = ("f", name, args)
        if name == "log" and base is not None:
            node = ("*", (("f", "log", args), ("inv", ("f", "log", (base,)))))
        elif name == "lg":
            node = ("*", (("f", "log", args), ("inv", ("f", "log", (num(10),)))))
        if power is not None:
            node = ("^", node, power)
        return node

    def environment(self) -> Node:
        self.expect("{")
        env = ""
        while self.peek()[1] != "}":
            k, v = self.next()
            if k == "eof":
                raise ParseError("bad \\begin")
            env += v
        self.next()
        if env not in ENVS:
            raise ParseError(f"unknown environment {env}")
        if env == "array" and self.peek()[1] == "{":  # column spec
            while self.next()[1] != "}":
                if self.peek()[0] == "eof":
                    raise ParseError("bad array")
        rows: list[tuple[Node, ...]] = []
        row: list[Node] = []
        while True:
            val = self.peek()[1]
            if val == "\\end":
                break
            if val in ("\\\\",):
                self.next()
                if row:
                    rows.append(tuple(row))
                row = []
                continue
            if val == "&":
                self.next()
                continue
            if self.peek()[0] == "eof":
                raise ParseError("unclosed environment")
            row.append(self.rel())
        if row:
            rows.append(tuple(row))
        self.next()
        self.expect("{")
        while self.next()[1] != "}":
            if self.peek()[0] == "eof":
                raise ParseError("bad \\end")
        if env in ("cases", "aligned", "align", "align*", "gathered", "split"):
            return ("seq", tuple(r[0] if len(r) == 1 else ("rel", ("=",), r) for r in rows))
        return ("mat", tuple(rows))
