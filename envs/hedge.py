"""Hedges: the words and signs that turn a stated answer into a non-committal one.

"either 3 or 4", "at least 3", "not 3", "3, possibly 4", "one of 1, 2, 3", "between 1 and 10":
each names the right value without committing to it. ``qualifiers(text)`` lists the hedging
qualifiers found in a piece of text (the answer span or the words just around it); a task decides
which of them its gold makes legitimate (a gold ``x \\ge 3`` may be answered by an inequality,
a list gold by "1 or 2" or "between 12 and 13").

Qualifier names (stable, lower case): the word itself (``"not"``, ``"either"``, ``"or"``,
``"at least"``, ``"between"``, ``"possibly"``, ``"one of"``, ``"wrong"`` …; negated verbs such
as "isn't" are ``"not"``, "ou"/"oder"/"或" are ``"or"``), ``"question"`` for a question mark, and for
signs, ``"relation"`` (``≠ ≤ ≥ < > \\neq \\le \\ge``). Approximation words ("about 3") are not
hedges: they name one value, whose precision the task's number rules judge.

LaTeX spacing commands (``\\,``, ``\\;``, ``\\quad``, ``~`` …) count as spaces (``envs.spans.despace``).
Everything is one bounded regex pass over short windows (callers pass at most a few hundred
characters of context), never over a whole completion.
"""

from __future__ import annotations

import re

from envs.spans import despace

# Word qualifiers, longest first inside each alternative so "at least" wins over "at".
_WORDS = re.compile(
    r"(?<![A-Za-z\\])("
    r"not|never|neither|nor|either|or|ou|oder|或者|或|isn'?t|aren'?t|wasn'?t|can'?t|cannot|doesn'?t|won'?t"
    r"|at\s+least|at\s+most|no\s+more\s+than|no\s+less\s+than|no\s+fewer\s+than|more\s+than|less\s+than"
    r"|greater\s+than|smaller\s+than|fewer\s+than|larger\s+than|higher\s+than|lower\s+than|up\s+to"
    r"|between|possibly|maybe|perhaps|probably|likely|unlikely|might|could\s+be|may\s+be|guess|unsure"
    r"|uncertain|from|one\s+of|any\s+of|some\s+of|unless|except|otherwise|somewhere"
    r"|and/or|whichever|depending|depends|wrong|incorrect|false|invalid|impossible"
    r")(?![A-Za-z])",
    re.I,
)
_NEGATIONS = {"isnt", "arent", "wasnt", "cant", "cannot", "doesnt", "wont"}
# Relation signs: ≠ ≤ ≥ and their LaTeX/ASCII spellings; a lone < or > (not "->" or "<-").
_SIGNS = re.compile(r"[≠≤≥⩽⩾≮≯]|\\(?:neq?|leq?|geq?|leqslant|geqslant|lt|gt|nless|ngtr)(?![A-Za-z])"
                    r"|!=|<=|>=|(?<![-<=])<(?![-=])|(?<![-=>])>(?![=])")


def _name(word: str) -> str:
    w = " ".join(word.lower().replace("'", "").replace("’", "").split())
    if w in _NEGATIONS:
        return "not"
    if w in ("ou", "oder", "或者", "或"):
        return "or"
    return w


def qualifiers(text: str, signs: bool = True) -> set[str]:
    """The hedging qualifiers in ``text`` (see the module docstring for the names)."""
    text = despace(text)  # "\\>" is a space, not a sign
    found = {_name(m.group(1)) for m in _WORDS.finditer(text)}
    if signs and _SIGNS.search(text):
        found.add("relation")
    if "?" in text or "？" in text:
        found.add("question")  # "3?": asked, not answered
    return found


def is_hedge(text: str, allowed: set[str] | frozenset[str] = frozenset(), signs: bool = True) -> bool:
    """True when ``text`` holds a qualifier outside ``allowed``."""
    return bool(qualifiers(text, signs) - set(allowed))


_LIST_GAP = re.compile(r"\s*(?:[,;&–—~]|\.\.\.?|\band\b|\bor\b|\bto\b|\bthrough\b|\bet\b|\bou\b|\bà\b|\bbis\b"
                       r"|\by\b|\bo\b|和|或|至|到|、|，)?\s*(?:\\?\$\s*)*", re.I)
_NUM = re.compile(r"-?\\[dt]?frac\s*\{[^{}]{1,40}\}\s*\{[^{}]{1,40}\}|-?\\sqrt\s*\{[^{}]{1,40}\}"
                  r"|(?<![\^_{\\A-Za-z\d.,])-?\d+(?:[.,]\d+)*(?:\s*/\s*\d+)?")


def several(text: str) -> bool:
    """Two different numbers listed side by side ("3, 4", "3 and 4", "1 2 3", "3 or 4") or as a
    range ("3 to 4", "3–4")."""
    text = despace(text)
    found = list(_NUM.finditer(text))
    for a, b in zip(found, found[1:], strict=False):
        if a.group() != b.group() and _LIST_GAP.fullmatch(text, a.end(), b.start()):
            return True
    return False


def bare_numbers(text: str) -> set[str]:
    """Numbers written as values (not exponents, subscripts or command arguments)."""
    return {m.group().lstrip("-") for m in _NUM.finditer(despace(text))}
