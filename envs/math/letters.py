"""Multiple-choice answers: a gold that is one capital letter switches extraction to letter mode."""

from __future__ import annotations

import re

from envs.spans import ANCHOR, TAIL, answer_tag, boxed_group, strip_think
from envs.math.normalize import clean_latex, unwrap

_GOLD = re.compile(r"\s*\(?([A-Z])\)?(?:[.:)]?\s+[A-Za-z].*)?\s*", re.S)
_SINGLE = re.compile(r"[\s(\[{*]*([A-Z])[\s)\]}.*:。]*")
_LEADING = re.compile(r"\s*(?:\*\*)?\(?([A-Z])\)?(?=[.:)\s。，,]|[^\x00-\x7f]|$)")
_AFTER_ANCHOR = re.compile(r"[\s:*$(\[{]*(?:option\s+|choice\s+)?\(?([A-Z])\)?(?![A-Za-z*^_])")
_STANDALONE = re.compile(r"(?<![A-Za-z\\*^_{])\(?([A-E])\)?(?![A-Za-z*^_(+\-=/])")
_LIST = re.compile(r"\s*[,/ ]\s*\(?[A-E]\)?(?![A-Za-z])")
_HEDGE = re.compile(r"\s*(?:or|and|/|,)\s*\(?[A-E]\)?(?![A-Za-z])")


def _clean(s: str) -> str:
    return unwrap(clean_latex(s), pad="").replace("$", " ").replace("\\(", " ").replace("\\)", " ")


def gold_letter(gold: str) -> str | None:
    """'C', '(D) Alina', 'C Cecile', '\\text{(C)}', '…the answer is (C) Cecile' → the letter."""
    s = _clean(gold).strip()
    box = boxed_group(s)
    if box is not None:
        s = _clean(box[0][-1]).strip()
    m = _GOLD.fullmatch(s)
    if m and (len(s) <= 1 or s[0] == "(" or s[1] in " .:)\n"):
        return m.group(1)
    anchors = list(ANCHOR.finditer(s))
    if anchors and len(s) < 300:
        m2 = _AFTER_ANCHOR.match(s, anchors[-1].end())
        if m2:
            return m2.group(1)
    return None


def pred_letter(text: str, strict_think: bool = False) -> tuple[str | None, str, bool]:
    """(letter, source, hedged) for a completion answering a multiple-choice gold."""
    body = strip_think(text, strict_think)
    tag = answer_tag(body)
    box = boxed_group(tag if tag is not None else body)
    marked = ", ".join(box[0]) if box else tag
    if marked is not None:
        s = _clean(marked)
        m = _SINGLE.fullmatch(s)
        if m:
            return m.group(1), "boxed" if box else "answer_tag", False
        found = set(_STANDALONE.findall(s))
        if len(found) > 1:  # \boxed{A, C}: several options marked
            return sorted(found)[0], "boxed", True
        return (None, "boxed", False) if not found else (found.pop(), "boxed", False)
    tail = _clean(body[-TAIL:])
    anchors = list(ANCHOR.finditer(tail))
    if anchors:
        m = _AFTER_ANCHOR.match(tail, anchors[-1].end())
        if m:
            return m.group(1), "answer_anchor", bool(_HEDGE.match(tail, m.end()))
    m = _SINGLE.fullmatch(tail)
    if m:
        return m.group(1), "short", False
    m = _LEADING.match(tail)
    if m:
        return m.group(1), "leading_letter", bool(_LIST.match(tail, m.end()))
    last_sentence = re.split(r"[.!?。！？\n]\s*", tail.strip())
    for sent in reversed(last_sentence):
        found = _STANDALONE.findall(sent)
        if found:
            return found[-1], "last_letter", False
    return None, "none", False
