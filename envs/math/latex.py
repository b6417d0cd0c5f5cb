"""A small LaTeX/plain-math parser: our own grammar, no ``eval`` and no ``sympify``.

It turns a normalised answer into a tree of plain tuples (see ``ast.py`` for the node kinds).
The tokenizer is one ``re.finditer`` pass (linear). The parser is a precedence-climbing parser
whose recursion is bounded twice: a linear pre-scan refuses any input nested deeper than
``MAX_NESTING`` brackets, and a depth counter refuses anything that still recurses too far, so
3,000-deep nesting is a ``ParseError`` (then compared as a string), never a ``RecursionError``.
"""

from __future__ import annotations

from envs.math.ast import Node, num
from envs.math.commands import CommandsMixin
from envs.math.tokens import MUL, OPEN, REL, STOP, ParseError, max_nesting, num_token, tokenize

MAX_NESTING = 60
MAX_DEPTH = 200


class Parser(CommandsMixin):
    def __init__(self, s: str) -> None:
        if max_nesting(s) > MAX_NESTING:
            raise ParseError("nesting too deep")
        self.toks = tokenize(s)
        self.i = 0
        self.depth = 0
        self.abs_open = 0

    # -- helpers -------------------------------------------------------------------------------
    def peek(self, k: int = 0) -> tuple[str, str]:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else ("eof", "")

    def next(self) -> tuple[str, str]:
        t = self.peek()
        self.i += 1
        return t

    def expect(self, val: str) -> None:
        t = self.next()
        if t[1] != val:
            raise ParseError(f"expected {val!r}, got {t[1]!r}")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ParseError("too deep")

    # -- grammar -------------------------------------------------------------------------------
    def parse(self) -> Node:
        node = self.seq()
        if self.peek()[0] != "eof":
            raise ParseError(f"trailing {self.peek()[1]!r}")
        return node

    def seq(self) -> Node:
        """Items separated by ';' (outer) and ',' (inner)."""
        groups: list[Node] = []
        semi = False
        while True:
            items = [self.rel()]
            while self.peek()[1] == ",":
                self.next()
                items.append(self.rel())
            groups.append(items[0] if len(items) == 1 else ("seq", tuple(items)))
            if self.peek()[1] == ";":
                self.next()
                semi = True
                continue
            break
        if semi:
            return ("semi", tuple(groups))
        return groups[0]

    def rel(self) -> Node:
        self.enter()
        operands = [self.union()]
        ops: list[str] = []
        while True:
            t = self.peek()
            op = REL.get(t[1])
            if op is None or t[0] == "num":
                break
            self.next()
            ops.append(op)
            operands.append(self.union())
        self.depth -= 1
        if not ops:
            return operands[0]
        return ("rel", tuple(ops), tuple(operands))

    def union(self) -> Node:
        left = self.additive()
        while self.peek()[1] in ("\\cup", "\\cap", "\\setminus", "U"):
            if self.peek()[1] == "U" and self.peek(1)[1] not in ("(", "["):
                break
            op = self.next()[1]
            right = self.additive()
            kind = "union" if op in ("\\cup", "U") else op[1:]
            left = (kind, (left, right))
        return left

    def additive(self) -> Node:
        self.enter()
        terms: list[Node] = []
        pm: list[Node] = []
        first = True
        while True:
            t = self.peek()[1]
            if t in ("+", "-", "\\pm", "\\mp"):
                self.next()
                term = self.term()
                if t == "-":
                    term = ("neg", term)
                elif t in ("\\pm", "\\mp"):
                    pm.append(term)
                    first = False
                    continue
            elif first:
                term = self.term()
            else:
                break
            terms.append(term)
            first = False
        self.depth -= 1
        base: Node = terms[0] if len(terms) == 1 else ("+", tuple(terms)) if terms else num(0)
        for p in pm:
            base = ("pm", base, p)
        return base

    def starts_operand(self) -> bool:
        kind, val = self.peek()
        if kind in ("num", "id"):
            return True
        if kind == "cmd":
            if val in REL or val in MUL or val in STOP or val in ("\\pm", "\\mp", "\\cup", "\\cap", "\\div",
                                                                       "\\setminus", "\\%", "\\quad", "\\bmod",
                                                                       "\\mod"):
                return False
            return val != "\\end"
        if val in ("(", "{", "\\{"):
            return True
        return val == "|" and self.abs_open == 0

    def term(self) -> Node:
        self.enter()
        factors = [self.unary()]
        while True:
            val = self.peek()[1]
            if val in MUL:
                self.next()
                factors.append(self.unary())
            elif val in ("/", "\\div"):
                self.next()
                factors.append(("inv", self.unary()))
            elif val in ("\\bmod", "\\mod"):  # 17 \bmod 5: binds like a product
                self.next()
                left = factors[0] if len(factors) == 1 else ("*", tuple(factors))
                factors = [("f", "mod", (left, self.unary()))]
            elif self.starts_operand():
                if self.peek()[0] == "num" and factors[-1][0] == "n":
                    raise ParseError("two numbers side by side")  # "1 2 3" is a list, not 6
                factors.append(self.power())
            else:
                break
        self.depth -= 1
        return factors[0] if len(factors) == 1 else ("*", tuple(factors))

    def unary(self) -> Node:
        val = self.peek()[1]
        if val == "-":
            self.next()
            self.enter()
            inner = self.unary()
            self.depth -= 1
            return ("neg", inner)
        if val == "+":
            self.next()
            return self.unary()
        return self.power()

    def power(self) -> Node:
        self.enter()
        base = self.postfix(self.primary())
        if self.peek()[1] in ("^", "**"):
            self.next()
            exp = self.script()
            base = self.postfix(("^", base, exp))
        self.depth -= 1
        return base

    def script(self) -> Node:
        """A superscript/argument: a braced group, or one token (``2^10`` means 2^1 then 0)."""
        kind, val = self.peek()
        if val == "{":
            self.next()
            inner = self.seq()
            self.expect("}")
            return inner
        if kind == "num":
            self.next()
            if len(val) > 1 and "." not in val:
                self.toks.insert(self.i, ("num", val[1:]))
                val = val[0]
            return num_token(val)
        if val == "-":
            self.next()
            return ("neg", self.script())
        return self.primary()

    def postfix(self, node: Node) -> Node:
        while True:
            val = self.peek()[1]
            if val == "!":
                self.next()
                node = ("!", node)
            elif val in ("%", "\\%"):
                self.next()
                node = ("%", node)
            elif val == "°":
                self.next()
                node = ("deg", node)
            elif val == "'" and node[0] == "s":
                self.next()
                node = ("s", node[1] + "'")
            else:
                return node

    def primary(self) -> Node:
        self.enter()
        try:
            return self._primary()
        finally:
            self.depth -= 1

    def _primary(self) -> Node:
        kind, val = self.next()
        if kind == "num":
            node = num_token(val)
            if self.peek()[1] == "_":  # base notation: 204_5
                self.next()
                sub = self.subscript_text()
                return ("s", f"{val}_{sub}")
            return node
        if kind == "id":
            if val == "_":
                raise ParseError("stray _")
            name = val
            if self.peek()[1] == "_":
                self.next()
                name += "_" + self.subscript_text()
            return ("s", name)
        if val in OPEN:
            return self.group(val)
        if val == "|":
            self.abs_open += 1
            inner = self.seq()
            self.abs_open -= 1
            self.expect("|")
            return ("f", "abs", (inner,))
        if kind == "cmd":
            return self.command(val)
        raise ParseError(f"unexpected {val!r}")

    def subscript_text(self) -> str:
        kind, val = self.next()
        if val == "{":
            start = self.i
            depth = 1
            while depth:
                k, v = self.next()
                if k == "eof":
                    raise ParseError("unclosed subscript")
                depth += v == "{"
                depth -= v == "}"
            return "".join(v for _, v in self.toks[start:self.i - 1])
        if kind == "num" and len(val) > 1:
            return val  # x_12 is read as x_{12}: the common intent in answers
        return val

    def group(self, opener: str) -> Node:
        if self.peek()[1] == OPEN[opener] and opener != "{":
            self.next()
            return ("set", ()) if opener == "\\{" else ("tuple", ())
        inner = self.seq()
        close = self.next()[1]
        items = inner[1] if inner[0] == "seq" else (inner,)
        if opener == "\\{":
            if close != "\\}":
                raise ParseError("unclosed set")
            return ("set", items)
        if opener == "{":
            if close != "}":
                raise ParseError("unclosed brace")
            # Bare braces only group in LaTeX ({1,3} shows as 1,3): a bare list, not a set.
            return ("seq", items) if len(items) > 1 else inner
        if close not in (")", "]"):
            raise ParseError("unclosed bracket")
        if len(items) == 1 and inner[0] == "mat":  # \left[\begin{array}…\end{array}\right]
            return inner
        if opener == "(" and close == ")":
            if inner[0] == "semi" and not any(x[0] == "seq" for x in inner[1]):
                return ("tuple", inner[1])  # (0;-2;6): a point written with semicolons
            return ("tuple", items) if len(items) > 1 else inner
        if len(items) == 2:
            return ("iv", items[0], items[1], opener == "[", close == "]")
        if opener == "[" and close == "]":
            return ("list", items)
        raise ParseError("mixed brackets")

def parse(s: str) -> Node:
    if not s.strip():
        raise ParseError("empty")
    try:
        return Parser(s).parse()
    except RecursionError as exc:  # belt and braces: the depth counter should fire first
        raise ParseError("recursion") from exc
    except (IndexError, ValueError, ZeroDivisionError) as exc:
        if isinstance(exc, ParseError):
            raise
        raise ParseError(str(exc)) from exc
