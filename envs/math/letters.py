"""Multiple-choice answers: a gold that is one capital letter switches extraction to letter mode."""

from __future__ import annotations

import re

from envs.answer import after_words, around
from envs.hedge import qualifiers
from envs.math.normalize import clean_latex, unwrap
from envs.spans import ANCHOR, TAIL, answer_tag, boxed_group, hidden, strip_think

_GOLD = re.compile(r"\s*\(?([A-Z])\)?(?:[.:)]?\s+[A-Za-z].*)?\s*", re.S)
_SINGLE = re.compile(r"[\s(\[{*]*([A-Z])[\s)\]}.*:。]*")
_LEADING = re.compile(r"\s*(?:\*\*)?\(?([A-Z])\)?(?=[.:)\s。，,]|[^\x00-\x7f]|$)")
_AFTER_ANCHOR = re.compile(r"[\s:*$(\[{]*(?:option\s+|choice\s+)?\(?([A-Z])\)?(?![A-Za-z*^_])")
_STANDALONE = re.compile(r"(?<![A-Za-z\\*^_{])\(?([A-E])\)?(?![A-Za-z*^_(+\-=/])")
_LIST = re.compile(r"\s*[,/ ]\s*\(?[A-E]\)?(?![A-Za-z])")
# A new clause ("D, it can't be A"): punctuation then a word, unless the word continues a hedge.
_BREAK = re.compile(r"[,;.:]\s+(?!(?:or|and|maybe|possibly|perhaps|either|nor|not|also|too|probably)\b)"
                    r"(?=[a-z]{2,}|[A-Z][a-z])|\s(?:because|since|but|therefore|so|as)\s")
_NEGATED = re.compile(r"(?:(?:\bnot|\bnon|\bno|n['’]t|\bnever|\bnicht|\bpas|\bexcept)\b|不是|并非|不)[\w\s]{0,9}$",
                      re.I)
_END = re.compile(r"[.!?。！？](?=\s+[A-Z(]|\s*$)|\n")
# A marked answer (box or <answer> block) is exactly one option: the letter with harmless decoration
# ("C", "(C)", "[C]", "C.", "C)", "**C**", "\\text{C}"), or the letter then its option's text ("(C) Cecile").
_ONE = re.compile(r"\s*(?:\*\*)?\s*(?:\(([A-Z])\)|\[([A-Z])\]|([A-Z]))\s*[.:)。]?\s*(?:\*\*)?\s*[.。]?\s*")
_WITH_TEXT = re.compile(r"\s*(?:\*\*)?\s*(?:\(([A-Z])\)|([A-Z])[.:)]?)(?:\*\*)?[.:]?\s+([^\n]{1,200}?)\s*", re.S)
_OPTION_TEXT = re.compile(r'[A-Za-z0-9][^{}\[\]"<>≠≤≥\\]*')
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
    in or around the chosen letter ("not A", "maybe B"), or a control or format character where
    an unmarked letter was read (the last line, or the text after the last anchor).
    """
    letter, source, hedged = _pred_letter(text, strict_think)
    if letter is None or hedged or source in ("boxed", "answer_tag"):
        return letter, source, hedged
    tail = strip_think(text, strict_think)[-TAIL:]
    anchors = list(ANCHOR.finditer(tail)) if source == "answer_anchor" else []
    region = tail[anchors[-1].start():] if anchors else tail.rstrip().rsplit("\n", 1)[-1]
    return letter, source, hidden(region)


def _pred_letter(text: str, strict_think: bool) -> tuple[str | None, str, bool]:
    body = strip_think(text, strict_think)
    tag = answer_tag(body)
    box = boxed_group(tag if tag is not None else body)
    marked = ", ".join(box[0]) if box else tag
    if marked is not None:
        source = "boxed" if box else "answer_tag"
        if len(marked) > 2000:  # no option is spelled in 2,000 characters: a flood, not an answer
            return None, source, False
        s = _clean(marked)
        near = around(tag if tag is not None else body, box[2], box[1] + 1) if box else frozenset()
        near = near - {"several"}
        if box and tag is None:
            near |= frozenset("several" for x in _STANDALONE.findall(_clean(after_words(body, box[1] + 1))))
        if tag is not None:  # "<answer>C</answer> or D", "<answer>C</answer> (maybe D)"
            after = _clean(after_words(body, body.rfind("</answer>") + len("</answer>"), verdicts=True))
            near |= qualifiers(after, signs=False) | frozenset("several" for x in _STANDALONE.findall(after))
        near |= frozenset({"control"}) if hidden(tag if tag is not None else marked) else frozenset()
        letter = _one_option(s)
        if letter is not None:
            return letter, source, bool(qualifiers(s, signs=False) | near)
        if tag is not None and box is None and ANCHOR.search(s):  # "<answer>The answer is C</answer>"
            letter, _, hedged = pred_letter(s)
            return letter, source, hedged or bool(near)
        # Signs, several letters or structure around the letter ("≠ C", "A, B, C", '{"a": "C"}'):
        # not one option, so a hedge when it names one at all.
        found = _STANDALONE.findall(s) or _LETTERS.findall(s)
        return (found[0], source, True) if found else (None, source, False)
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
        letter, hedged = _choose(_BREAK.split(tail, maxsplit=1)[0])
        hedged = hedged if letter == m.group(1) else False
        return m.group(1), "leading_letter", hedged or bool(_LIST.match(tail, m.end()))
    last_sentence = re.split(r"[.!?。！？\n]\s*(?=[A-Z(]|$)", tail.strip())
    for sent in reversed(last_sentence):
        for clause in reversed(_BREAK.split(sent)):
            letter, hedged = _choose(clause)
            if letter is not None:
                return letter, "last_letter", hedged
    return None, "none", False


_LETTERS = re.compile(r"(?<![A-Za-z])([A-Z])(?![A-Za-z])")


def _one_option(s: str) -> str | None:
    """The letter when ``s`` is exactly one option (see ``_ONE``/``_WITH_TEXT``), else None."""
    m = _ONE.fullmatch(s)
    if m:
        return m.group(1) or m.group(2) or m.group(3)
    m = _WITH_TEXT.fullmatch(s)
    if m is None:
        return None
    letter, text = m.group(1) or m.group(2), m.group(3)
    if not _OPTION_TEXT.fullmatch(text) or _STANDALONE.search(text) or _LETTERS.fullmatch(text.strip(".")):
        return None
    return letter


def _choose(clause: str) -> tuple[str | None, bool]:
    """The option a clause commits to, and whether it hedges: options excluded by a negation
    ("it can't be A", "C non A") are set aside; several kept options or a qualifier is a hedge."""
    kept: list[str] = []
    excluded: list[str] = []
    for m in _STANDALONE.finditer(clause):
        (excluded if _NEGATED.search(clause[max(0, m.start() - 14):m.start()]) else kept).append(m.group(1))
    if not kept:
        return (excluded[0], True) if excluded else (None, False)
    quals = qualifiers(clause) - ({"not"} if excluded else set())
    return kept[0], len(set(kept)) > 1 or bool(quals)
