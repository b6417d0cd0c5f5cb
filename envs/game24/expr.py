"""Arithmetic answers for the 24 game and Countdown: normalise, parse, evaluate exactly.

Grammar (a whitelist; anything else is a syntax error with a reason):

    expr   := term (('+' | '-') term)*
    term   := factor (('*' | '/') factor)*
    factor := INT | '(' expr ')'

So unary minus, ``**``/``^``, ``//``, ``%``, ``!``, decimals, implicit multiplication and names are
all refused. Values are ``fractions.Fraction``: 8/(3-8/3) is exactly 24, never 23.999….
Nothing here calls ``eval``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

MAX_CHARS = 1_000  # an answer over four to six numbers never needs more
MAX_DEPTH = 64
MAX_LITERAL_DIGITS = 12

# Longest first, so "\times" is replaced before "\t..." style prefixes could interfere.
_REPLACEMENTS = (
    ("\\left", ""), ("\\right", ""), ("\\times", "*"), ("\\cdot", "*"), ("\\ast", "*"), ("\\div", "/"),
    ("\\over", "/"), ("\\!", ""), ("\\,", ""), ("\\;", ""), ("\\:", ""), ("\\ ", ""),
    ("\\(", ""), ("\\)", ""), ("\\[", ""), ("\\]", ""), ("\\{", "("), ("\\}", ")"),
    ("×", "*"), ("✕", "*"), ("⋅", "*"), ("·", "*"), ("∗", "*"), ("÷", "/"), ("∕", "/"),
    ("−", "-"), ("–", "-"), ("—", "-"), ("[", "("), ("]", ")"), ("$", ""),
)
_FRAC = re.compile(r"\\[dt]?frac\s*")


class ExprError(ValueError):
    """A refused answer; ``code`` is a short machine-readable reason."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code


def _rewrite_fracs(s: str) -> str:
    """``\\frac{a}{b}`` → ``((a)/(b))``, innermost fractions included, by brace matching."""
    out: list[str] = []
    i = 0
    while True:
        m = _FRAC.search(s, i)
        if not m:
            out.append(s[i:])
            return "".join(out)
        out.append(s[i : m.start()])
        j = m.end()
        args: list[str] = []
        for _ in range(2):
            if j >= len(s) or s[j] != "{":
                raise ExprError("frac_syntax", "\\frac needs two braced arguments")
            depth, k = 0, j
            while k < len(s):
                depth += {"{": 1, "}": -1}.get(s[k], 0)
                if depth == 0:
                    break
                k += 1
            if depth:
                raise ExprError("unbalanced", "unbalanced braces in \\frac")
            args.append(_rewrite_fracs(s[j + 1 : k]))
            j = k + 1
        out.append(f"(({args[0]})/({args[1]}))")
        i = j


def normalise(text: str) -> str:
    s = text.strip()
    for old, new in _REPLACEMENTS:
        if old in s:
            s = s.replace(old, new)
    if "frac" in s:
        s = _rewrite_fracs(s)
    s = s.replace("{", "(").replace("}", ")")
    # Whitespace is kept: the tokenizer skips it but still sees "1 2" as two numbers side by side.
    return s.strip().rstrip(".").strip()


_TOKEN = re.compile(r"\s*(?:(\d+)|(\*\*|//|[-+*/()^%!=.,]))\s*")


def tokenize(s: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    while pos < len(s):
        m = _TOKEN.match(s, pos)
        if not m:
            ch = s[pos]
            raise ExprError("bad_character", f"character {ch!r} is not allowed")
        pos = m.end()
        if m.group(1) is not None:
            if len(m.group(1)) > MAX_LITERAL_DIGITS:
                raise ExprError("literal_too_long", "number literal too long")
            if tokens and tokens[-1].isdigit():
                raise ExprError("concatenation", "two numbers side by side")
            tokens.append(m.group(1))
        else:
            tokens.append(m.group(2))
    return tokens


_REFUSED = {
    "**": ("power", "exponentiation is not allowed"),
    "^": ("power", "exponentiation is not allowed"),
    "//": ("floor_division", "floor division is not allowed"),
    "%": ("modulo", "modulo is not allowed"),
    "!": ("factorial", "factorial is not allowed"),
    ".": ("decimal", "decimal numbers are not allowed"),
    ",": ("comma", "commas are not allowed"),
}


@dataclass(slots=True)
class Parsed:
    value: Fraction
    literals: list[int]


class _Parser:
    __slots__ = ("toks", "i", "literals")

    def __init__(self, toks: list[str]) -> None:
        self.toks = toks
        self.i = 0
        self.literals: list[int] = []

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def expr(self, depth: int) -> Fraction:
        value = self.term(depth)
        while (op := self.peek()) in ("+", "-"):
            self.i += 1
            rhs = self.term(depth)
            value = value + rhs if op == "+" else value - rhs
        return value

    def term(self, depth: int) -> Fraction:
        value = self.factor(depth)
        while (op := self.peek()) in ("*", "/"):
            self.i += 1
            rhs = self.factor(depth)
            if op == "*":
                value = value * rhs
            elif rhs == 0:
                raise ExprError("division_by_zero", "division by zero")
            else:
                value = value / rhs
        return value

    def factor(self, depth: int) -> Fraction:
        tok = self.peek()
        if tok is None:
            raise ExprError("syntax", "expression ends early")
        if tok.isdigit():
            self.i += 1
            self.literals.append(int(tok))
            if self.peek() == "(":
                raise ExprError("implicit_multiplication", "implicit multiplication is not allowed")
            return Fraction(int(tok))
        if tok == "(":
            if depth >= MAX_DEPTH:
                raise ExprError("too_deep", "parentheses nested too deeply")
            self.i += 1
            value = self.expr(depth + 1)
            if self.peek() != ")":
                raise ExprError("unbalanced", "missing ')'")
            self.i += 1
            if self.peek() == "(" or (self.peek() or "").isdigit():
                raise ExprError("implicit_multiplication", "implicit multiplication is not allowed")
            return value
        if tok in ("-", "+"):
            raise ExprError("unary_sign", "unary signs are not allowed")
        code, msg = _REFUSED.get(tok, ("syntax", f"unexpected {tok!r}"))
        raise ExprError(code, msg)


def check_numbers(literals: list[int], numbers: list[int], use_all: bool) -> None:
    """The literals must be the puzzle's numbers (``use_all``) or a sub-multiset of them."""
    pool = Counter(numbers)
    used = Counter(literals)
    extra = used - pool
    if extra:
        bad = sorted(extra.elements())
        raise ExprError("wrong_numbers", f"uses {bad} which the puzzle does not give (or too often)")
    if use_all and used != pool:
        missing = sorted((pool - used).elements())
        raise ExprError("unused_numbers", f"does not use {missing}")


def parse(text: str, target: int | None = None, numbers: list[int] | None = None, use_all: bool = True) -> Parsed:
    """Normalise and evaluate an answer. A trailing ``= target`` is accepted when it equals the target.

    With ``numbers``, the literal multiset is checked before any arithmetic, which bounds the work.
    """
    if len(text) > MAX_CHARS:
        raise ExprError("too_long", f"answer longer than {MAX_CHARS} characters")
    s = normalise(text)
    if not s:
        raise ExprError("empty", "empty answer")
    if "=" in s:
        lhs, _, rhs = s.partition("=")
        rhs = rhs.strip()
        if "=" in rhs or not rhs.isdigit():
            raise ExprError("equation", "only a trailing '= <target>' is allowed")
        if target is None or int(rhs) != target:
            raise ExprError("claimed_value", f"claims '= {rhs}', which is not the target")
        s = lhs
    toks = tokenize(s)
    for tok in toks:  # name the first refused operator precisely, before any arithmetic
        if tok in _REFUSED:
            code, msg = _REFUSED[tok]
            raise ExprError(code, msg)
    if numbers is not None:
        check_numbers([int(t) for t in toks if t.isdigit()], numbers, use_all)
    p = _Parser(toks)
    value = p.expr(0)
    if p.i != len(toks):
        tok = toks[p.i]
        raise ExprError("unbalanced" if tok == ")" else "syntax", f"unexpected {tok!r}")
    return Parsed(value, p.literals)


