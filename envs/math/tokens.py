"""Tokens of the math grammar: one ``re.finditer`` pass, number literals, operator tables."""

from __future__ import annotations

import re
from fractions import Fraction

from envs.math.ast import Node

MAX_TOKENS = 2000


class ParseError(ValueError):
    pass


TOKEN = re.compile(
    r"(?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+(?![a-zA-Z]))?|\.\d+)"
    r"|(?P<cmd>\\[a-zA-Z]+|\\[{}|%,;#&_\\])"
    r"|(?P<id>[a-zA-Z])"
    r"|(?P<op><=|>=|!=|==|->|\*\*|[^\s])"
)
OPEN = {"(": ")", "[": "]", "\\{": "\\}", "{": "}"}
REL = {"=": "=", "==": "=", "<": "<", ">": ">", "<=": "<=", ">=": ">=", "!=": "!=",
        "\\le": "<=", "\\leq": "<=", "\\ge": ">=", "\\geq": ">=", "\\ne": "!=", "\\neq": "!=",
        "\\approx": "~", "\\in": "in", ":": ":", "\\to": "->", "->": "->", "\\rightarrow": "->",
        "\\Rightarrow": "=>", "\\implies": "=>", "\\equiv": "=", "\\sim": "~", "\\simeq": "~"}
CONST = {"\\pi": ("c", "pi"), "\\infty": ("c", "oo"), "\\infinity": ("c", "oo"), "\\e": ("c", "e"),
         "\\emptyset": ("set", ())}
GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta",
          "iota", "kappa", "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon", "phi", "varphi",
          "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Sigma", "Phi", "Psi", "Omega"}
MUL = {"*", "\\cdot", "\\times", "**"}
ENVS = {"pmatrix", "bmatrix", "Bmatrix", "vmatrix", "matrix", "smallmatrix", "array", "cases", "aligned",
         "align", "align*", "gathered", "split"}
STOP = {")", "]", "}", "\\}", ",", ";", "&", "\\\\", "|", "\\end", "\\right", "\\rfloor", "\\rceil"}


def max_nesting(s: str) -> int:
    depth = best = 0
    for c in s:
        if c in "({[":
            depth += 1
            best = max(best, depth)
        elif c in ")}]":
            depth -= 1
    return best


def tokenize(s: str) -> list[tuple[str, str]]:
    toks = [(m.lastgroup or "op", m.group()) for m in TOKEN.finditer(s)]
    if len(toks) > MAX_TOKENS:
        raise ParseError("too many tokens")
    return toks


def num_token(text: str) -> Node:
    """A number literal: exact value plus its count of decimal places (None when exact)."""
    mant, _, exp = text.lower().partition("e")
    places = None
    if "." in mant:
        whole, frac = mant.split(".")
        places = len(frac)
        value = Fraction(int(whole or "0") * 10 ** places + int(frac or "0"), 10 ** places)
    else:
        value = Fraction(int(mant))
    if exp:
        e = int(exp)
        if abs(e) > 400:
            raise ParseError("exponent too large")
        value *= Fraction(10) ** e
        if places is not None:
            places = max(0, places - e)
    return ("n", value, places)
