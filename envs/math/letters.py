"""Multiple-choice answers: a gold that is one capital letter switches extraction to letter mode."""

from __future__ import annotations

import re

from envs.answer import after_words, around
from envs.hedge import qualifiers
from envs.math.normalize import clean_latex, unwrap
from envs.spans import ANCHOR, TAIL, answer_tag, boxed_group, strip_think

_GOLD = re.compile(r"\s*\(?([A-Z])\)?(?:[.:)]?\s+[A-Za-z].*)?\s*", re.S)
_SINGLE = re.compile(r"[\s(\[{*]*([A-Z])[\s)\]}.*:。]*")
_LEADING = re.compile(r"\s*(?:\*\*)?\(?([A-Z])\)?(?=[.:)\s。，,]|[^\x00-\x7f]|$)")
_AFTER_ANCHOR = re.compile(r"[\s:*$(\[{]*(?:option\s+|choice\s+)?\(?([A-Z])\)?(?![A-Za-z*^_])")
_STANDALONE = re.compile(r"(?<![A-Za-z\\*^_{])\(?([A-E])\)?(?![A-Za-z*^_(+\-=/])")
_LIST = re.compile(r"\s*[,/ ]\s*\(?[A-E]\)?(?![A-Za-z])")
# A new clause ("D, it can't be A"): punctuation then a word, unless the word continues a hedge.
_BREAK = re.compile(r"[,;.:]\s+(?!(?:or|and|maybe|possibly|perhaps|either|nor|not|also|too|probably)\b)"
                    r"(?=[a-z]{2,}|[A-Z][a-z])|\s(?:because|since|but|therefore|so|as)\s")
_NEGATED = re.compile(r"(?:\bnot|\bnon|\bno|n['’]t|\bnever|\bnicht|\bpas|\bexcept)\b[\w\s]{0,9}$", re.I)
_END = re.compile(r"[.!?。！？](?=\s+[A-Z(]|\s*$)|\n")
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
    """(letter, source, hedged) for a completion answering a multiple-choice gold.

    Hedged: several options named ("Either A or C", "C. or D.", ``\\boxed{A, C}``) or a qualifier
    in or around the chosen letter ("not A", "maybe B").
    """
    body = strip_think(text, strict_think)
    tag = answer_tag(body)
    box = boxed_group(tag if tag is not None else body)
    marked = ", ".join(box[0]) if box else tag
    if marked is not None:
        s = _clean(marked)
        near = around(tag if tag is not None else body, box[2], box[1] + 1) if box else frozenset()
        near = near - {"several"}
        if box and tag is None:
            near |= frozenset("several" for x in _STANDALONE.findall(_clean(after_words(body, box[1] + 1))))
        m = _SINGLE.fullmatch(s)
        hedged = bool(qualifiers(s, signs=False) | near)
        if m:
            return m.group(1), "boxed" if box else "answer_tag", hedged
        found = set(_STANDALONE.findall(s))
        if len(found) > 1:  # \boxed{A, C}: several options marked
            return sorted(found)[0], "boxed", True
        return (None, "boxed", False) if not found else (found.pop(), "boxed", hedged)
    tail = _clean(body[-TAIL:])
    anchors = list(ANCHOR.finditer(tail))
    if anchors:
        rest = tail[anchors[-1].end():]
        stop = _END.search(rest)
        clause = _BREAK.split(rest[:stop.start()] if stop else rest, maxsplit=1)[0]
        m = _AFTER_ANCHOR.match(tail, anchors[-1].end())
        letter, hedged = _choose(clause)
        if letter is None and m is not None:  # an option past E ("The answer is U.")
            letter, hedged = m.group(1), bool(qualifiers(clause, signs=False))
        if letter is not None:
            return letter, "answer_anchor", hedged or (m is not None and bool(_HEDGE.match(tail, m.end())))
    m = _SINGLE.fullmatch(tail)
    if m:
        return m.group(1), "short", False
    m = _LEADING.match(tail)
    if m:
        return m.group(1), "leading_letter", bool(_LIST.match(tail, m.end()))
    last_sentence = re.split(r"[.!?。！？\n]\s*(?=[A-Z(]|$)", tail.strip())
    for sent in reversed(last_sentence):
        for clause in reversed(_BREAK.split(sent)):
            letter, hedged = _choose(clause)
            if letter is not None:
                return letter, "last_letter", hedged
    return None, "none", False


def _choose(clause: str) -> tuple[str | None, bool]:
    """The option a clause commits to, and whether it hedges: options excluded by a negation
    ("it can't be A", "C non A") are set aside; several kept options or a qualifier is a hedge."""
    kept: list[str] = []
    excluded: list[str] = []
    for m in _STANDALONE.finditer(clause):
        (excluded if _NEGATED.search(clause[max(0, m.start() - 14):m.start()]) else kept).append(m.group(1))
    if not kept:
        return (excluded[0], True) if excluded else (None, False)
    quals = qualifiers(clause, signs=False) - ({"not"} if excluded else set())
    return kept[0], len(set(kept)) > 1 or bool(quals)
