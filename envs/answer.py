"""The one answer-extraction layer every task calls: the final answer span, where it came from,
and whether the words in or around it make it a hedge.

Public API (stable; tasks and plugins may rely on it):

``find_answer(text, *, fallback="last_sentence", require_marked=False, strict_think=False,
allowed=frozenset())`` → ``Found``
    The final answer: ``span`` (str or None), ``source``, ``hedged`` (bool) and ``qualifiers``
    (the hedging qualifiers that were not ``allowed``). A hedged answer must score 0.
``candidates(text, *, fallback="last_sentence", require_marked=False, strict_think=False)``
    Every answer span in priority order (``Candidate``: ``text``, ``source``, ``around``), for a
    task that parses spans itself and takes the first it can read (the math task does).
``Candidate.hedge(allowed)``
    The qualifiers of the span and of the words around it, minus ``allowed``.
``format_ok(text)``, ``strip_think(text, strict)``, ``answer_tag(text)``, ``boxed_group(text)``,
``last_nonempty_line(text)``, ``extract(text)`` (tag, box or last line, unchecked; kept for plugins).
``envs.hedge.qualifiers(text)`` names the qualifiers (``not``, ``or``, ``at least``, ``relation`` …).
The layer adds ``control`` (a control or format character in the span, ``envs.spans.hidden``) and
``overlong`` / ``nested`` (a span past ``MAX_SPAN`` characters or ``MAX_DEPTH`` brackets deep).

Sources, in priority order: ``answer_tag`` (the last ``<answer>…</answer>``, read inside itself
only), ``boxed`` (the last ``\\boxed{}``/``\\fbox{}`` and the boxes joined to it by connectors),
``final_answer`` ("the final answer is …"), then with ``fallback="last_sentence"``: ``short`` (a
short completion that is itself an answer), ``answer_anchor`` ("answer is / Answer: …"),
``last_math`` (the last ``$…$``) and ``last_number``; with ``fallback="last_line"``: the anchor,
then the last non-empty line. Only text after the last ``</think>`` counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from envs.hedge import bare_numbers, qualifiers, several
from envs.spans import (
    _FINAL_CUT,
    _SENT_END,
    ANCHOR,
    TAIL,
    answer_tag,
    boxed_group,
    despace,
    final_answer,
    hidden,
    last_number,
    math_spans,
    numbers,
    strip_think,
    too_deep,
)

__all__ = [
    "FLOOD", "MAX_DEPTH", "MAX_SPAN", "Candidate", "Found", "after_words", "answer_tag", "around", "before_words",
    "boxed_group", "candidates",
    "extract", "find_answer", "format_ok", "last_nonempty_line", "second_thoughts", "strip_think",
]

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"
ANSWER_OPEN, ANSWER_CLOSE = "<answer>", "</answer>"
CONTEXT = 120  # characters of context read on each side of a span
# No final answer is longer: a longer box or <answer> block is a flood of candidates (a hedge,
# qualifier ``overlong``), refused before any reading so that it costs no more than a short one.
MAX_SPAN = 20_000
MAX_DEPTH = 16  # brackets nested deeper (qualifier ``nested``) are structure around an answer, not one
TAIL_WINDOW = 300  # characters after a marked answer read for second thoughts
_PROPOSING = frozenset({"or", "either", "maybe", "possibly", "perhaps", "probably", "might", "could be", "may be",
                        "guess", "unsure", "uncertain"})
# Where the words qualifying a value start: the last clause break before it.
_CLAUSE_START = re.compile(r"[,;:!?،]\s|\.\s|\n|(?<![A-Za-z])(?:so|thus|therefore|hence|then|is|are|was|be|equals|"
                           r"gives?|get|obtain|answer|[a-z]+['’]s)(?![A-Za-z])|=", re.I)
# Where an explanation after a value starts ("3 because 1 + 2 = 3", "5, which is prime").
_EXPLAIN = re.compile(r"[;]|(?<![A-Za-z\\])(?:because|since|as|which|where|given|due|by|using|when|so|thus|"
                      r"hence|therefore|for|with|that|after|per|in|on|of|is|are|was|this|it)(?![A-Za-z])",
                      re.I)
_LEAD_CUT = re.compile(r"[,;:.!?]\s|(?<![A-Za-z])(?:which|that|so|thus|hence|therefore|then)(?![A-Za-z])", re.I)
_EXPLAIN_VERDICT = re.compile(_EXPLAIN.pattern.replace("|is|are|was|", "|"), re.I)
_SENTENCE_END = re.compile(r"[.!?。！？](?=\s+[A-Z\\$*]|\s*$)|\n")
_PLAIN_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z'’]{2,}")
# Words that may sit between a value and its qualifier: "3 is not", "3 at least", "3 (or more)".
_GLUE = {"is", "are", "was", "be", "it", "its", "it's", "the", "this", "that", "answer", "text", "at", "least",
         "most", "no", "more", "less", "than", "one", "of", "could", "may", "up", "to", "any", "some", "and",
         "am", "i'm", "sure", "correct", "right", "true", "so", "close", "really", "definitely"}
_WORD_PAREN = re.compile(r"\s*\(\s*[A-Za-z][A-Za-z\s'\-]*\)\s*[.!]?\s*$")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One answer span: its text, where it came from, and the qualifiers in the words around it."""

    text: str
    source: str
    around: frozenset[str] = frozenset()

    def hedge(self, allowed: frozenset[str] | set[str] = frozenset(), signs: bool = True) -> set[str]:
        """Qualifiers of the span (relation signs only when ``signs``) and around it, not ``allowed``."""
        if FLOOD & self.around:
            return set(FLOOD & self.around)
        return (qualifiers(self.text, signs) | self.around) - set(allowed)


@dataclass(frozen=True, slots=True)
class Found:
    """The final answer: ``span`` (None when nothing was found), ``source``, and ``hedged`` with
    the ``qualifiers`` that made it a hedge."""

    span: str | None
    source: str
    hedged: bool = False
    qualifiers: frozenset[str] = frozenset()


def before_words(text: str, start: int) -> str:
    """The words of the clause that lead up to ``start`` ("x is at least " → "at least ")."""
    window = despace(text[max(0, start - CONTEXT):start])
    cut = 0
    for m in _CLAUSE_START.finditer(window):
        cut = m.end()
    return window[cut:]


def after_words(text: str, end: int, verdicts: bool = False) -> str:
    """The words after ``end`` up to the end of the sentence or the start of an explanation
    (with ``verdicts``, "is wrong" / "is not" are kept: they judge the value just given)."""
    window = despace(text[end:end + CONTEXT])  # "\\;" is a space, not a clause break
    stop = _SENTENCE_END.search(window)
    if stop:  # a question mark ending the sentence stays: "3?" asks, it does not answer
        window = window[:stop.start() + (window[stop.start()] in "?？")]
    explain = (_EXPLAIN_VERDICT if verdicts else _EXPLAIN).search(window)
    window = window[:explain.start()] if explain else window
    eq = window.find("=")  # "\boxed{(8-5)*10-6} = 24": the value it makes, not another answer
    return window[:eq] if eq >= 0 else window


def judging_words(after: str) -> str:
    """The words right after a value that can still qualify it: up to the first plain word that
    is neither a qualifier nor glue (" (or 4)", " is wrong", ", possibly 4" are kept; in
    " integers not exceeding 100" the noun ends it)."""
    for m in _PLAIN_WORD.finditer(after):
        word = m.group().lower()
        if word not in _GLUE and not qualifiers(word, signs=False):
            return after[:m.start()]
    return after


def around(text: str, start: int, end: int, span: str = "") -> frozenset[str]:
    """Qualifiers in the clause around ``text[start:end]``; ``several`` when other numbers follow."""
    after = judging_words(after_words(text, end))
    found = qualifiers(before_words(text, start)) | qualifiers(judging_words(after_words(text, end, verdicts=True)))
    if bare_numbers(after) - bare_numbers(span):
        found.add("several")  # "\boxed{3} 4", "\boxed{3} (4)"
    return frozenset(found)


def second_thoughts(text: str, end: int, span: str) -> frozenset[str]:
    """An alternative offered after the answer ("\\boxed{3}. Or maybe 4."): a proposing
    qualifier together with a value the answer does not hold, within ``TAIL_WINDOW`` characters."""
    tail = text[end:end + TAIL_WINDOW]
    found = qualifiers(tail, signs=False) & _PROPOSING
    return frozenset(found) if found and bare_numbers(tail) - bare_numbers(span) else frozenset()


def trim(span: str, verdicts: bool = False) -> str:
    """An anchor's span up to its explanation, without a trailing word-only parenthesis (with
    ``verdicts``, "is wrong" / "is not" stay: they judge the value)."""
    explain = _EXPLAIN_VERDICT if verdicts else _EXPLAIN
    spaced = despace(span, keep_length=True)  # "0.25\\;70.56": the ";" of a space is no clause break
    m = explain.search(spaced, 1)
    while m is not None and not re.search(r"[\d\\$)}\]]", span[:m.start()]):
        m = explain.search(spaced, m.end())  # "is the number of …": nothing stated yet, read on
    if m is not None:
        span = span[:m.start()]
    return _WORD_PAREN.sub("", span).strip().rstrip(",").strip()


def _anchor_span(body: str) -> tuple[str, int, int] | None:
    tail_at = max(0, len(body) - TAIL)
    anchors = list(ANCHOR.finditer(body, tail_at))
    if not anchors:
        return None
    start = anchors[-1].end()
    span = body[start:]
    cut = _FINAL_CUT.search(span)
    span = span[:cut.start()] if cut else span
    sent = _SENT_END.search(span[1:])
    if sent:  # a question mark stays: "The answer is 3? No, 4." asks, it does not answer
        span = span[: sent.start() + (2 if span[sent.start() + 1] in "?？" else 1)]
    return span, start, anchors[-1].start()


def _narrowed(span: str) -> Candidate | None:
    """The one number of an anchor's span that is not itself readable ("6 apples and pears")."""
    nums = numbers(span)
    if not nums:
        return None
    extra = frozenset({"several"}) if several(span) else frozenset()
    return Candidate(nums[0], "answer_anchor", qualifiers(span) | extra)


def candidates(text: str, *, fallback: str = "last_sentence", require_marked: bool = False,
               strict_think: bool = False, join_boxes: bool = True, read_inside: bool = True) -> list[Candidate]:
    """Answer spans in priority order (see the module docstring). ``join_boxes=False`` takes the
    last box alone; ``read_inside=False`` takes an ``<answer>`` block whole, never its sentences.

    A box or ``<answer>`` block longer than ``MAX_SPAN`` (or nesting brackets deeper than ``MAX_DEPTH``)
    is the only candidate and carries ``overlong`` (``nested``): a flood, refused unread.
    A span holding a control or format character (``envs.spans.HIDDEN``: "73\\x1b[2K\\r72",
    "72\\u200b73", a bidi override) carries the qualifier ``control``: what it displays is not
    what it says, so it is a hedge. Every span read inside such an ``<answer>`` block carries it too."""
    body = strip_think(text, strict_think)
    tag = answer_tag(body)
    out = _candidates(body, tag, fallback, require_marked, join_boxes, read_inside)
    taint = _CONTROL if tag is not None and hidden(tag) else frozenset()
    return [Candidate(c.text, c.source, c.around | taint | _flood(c.text) | (_CONTROL if hidden(c.text) else _NONE))
            for c in out]


_CONTROL = frozenset({"control"})
_NONE: frozenset[str] = frozenset()
FLOOD = frozenset({"overlong", "nested"})


def _flood(span: str) -> frozenset[str]:
    """``overlong`` / ``nested`` for a span no answer could be (see ``MAX_SPAN``, ``MAX_DEPTH``)."""
    if len(span) > MAX_SPAN:
        return frozenset({"overlong"})
    return frozenset({"nested"}) if len(span) > 2 * MAX_DEPTH and too_deep(span, MAX_DEPTH) else frozenset()


def _candidates(body: str, tag: str | None, fallback: str, require_marked: bool, join_boxes: bool,
                read_inside: bool) -> list[Candidate]:
    after: frozenset[str] = frozenset()
    if tag is not None and len(tag) <= MAX_SPAN:  # "<answer>3</answer> or 4": the words after it count too
        close = body.rfind(ANSWER_CLOSE) + len(ANSWER_CLOSE)
        after = frozenset(qualifiers(after_words(body, close, verdicts=True), signs=False)) \
            | second_thoughts(body, close, tag)
    flood = _flood(tag) if tag is not None else frozenset()
    if tag is not None and (not read_inside or flood):
        return [Candidate(tag, "answer_tag", after | flood)]
    if tag is not None:
        box = boxed_group(tag)
        if box is not None:
            content = ", ".join(box[0])
            return [Candidate(content, "answer_tag", around(tag, box[2], box[1] + 1, content) | after)]
        # "<answer>The answer is 3</answer>": read inside the block, never outside it.
        inner = [Candidate(c.text, "answer_tag", c.around | after) for c in candidates(tag, fallback="last_sentence")] \
            if ANSWER_OPEN not in tag else []
        whole = Candidate(tag, "answer_tag", after)
        # A block holding a whole explanation is read through its own final answer first.
        return [*inner, whole] if len(tag) > 200 or "\n" in tag.strip() else [whole, *inner]
    out: list[Candidate] = []
    box = boxed_group(body)
    if box is not None and not join_boxes:
        box = ([box[0][-1]], box[1], box[1] - len(box[0][-1]))
    flood = _flood(", ".join(box[0])) if box is not None else frozenset()
    if box is not None and flood:
        return [Candidate(", ".join(box[0]), "boxed", flood)]
    fin = None if require_marked else final_answer(body)
    boxed = Candidate(", ".join(box[0]), "boxed", around(body, box[2], box[1] + 1, ", ".join(box[0]))
                      | second_thoughts(body, box[1] + 1, ", ".join(box[0]))) if box else None
    if boxed is not None and box is not None and (fin is None or fin[1] < box[1]):
        out.append(boxed)
    if fin is not None and fin[0]:
        out.append(Candidate(trim(fin[0]) or fin[0], "final_answer", qualifiers(trim(fin[0], verdicts=True))))
    if boxed is not None and (not out or out[0].source != "boxed"):
        out.append(boxed)
    if require_marked or fallback == "none":
        return out
    body = _before_chat(body)
    hope = body.rfind("I hope it is correct")
    if hope >= 0 and len(body) - hope < 40:
        body = body[:hope]
    if fallback == "last_line":  # strict tasks: an "Answer: …" last line, else the last line itself
        line = last_nonempty_line(body)
        anchor = _anchor_span(body)
        if anchor is not None and line is not None and anchor[2] >= body.rstrip().rfind(line):
            lead = qualifiers(before_words(body, anchor[2])) | qualifiers(trim(anchor[0], verdicts=True))
            out.append(Candidate(trim(anchor[0]), "answer_anchor", frozenset(lead)))
        if line is not None:
            out.append(Candidate(line, "last_line"))
        return out
    stripped = body.strip()
    if 0 < len(stripped) <= 80 and "\n" not in stripped:
        if not ANCHOR.search(stripped):  # "The answer is False": the anchor's span is the answer
            out.append(Candidate(stripped, "short"))
        k = stripped.rfind(" is ")
        if k >= 0:  # "The angle is pi/4" (and "Maybe the angle is pi/4" hedges)
            lead = _LEAD_CUT.split(stripped[:k])[-1]
            out.append(Candidate(stripped[k + 4:], "short", qualifiers(lead)))
    anchor = _anchor_span(body)
    if anchor is not None:
        lead = frozenset(qualifiers(before_words(body, anchor[2])) - {"relation"})
        lead |= qualifiers(trim(anchor[0], verdicts=True), signs=False)
        lead |= second_thoughts(body, anchor[1] + len(anchor[0]), anchor[0])
        span = trim(anchor[0])
        out.append(Candidate(span, "answer_anchor", lead))
        narrowed = _narrowed(span)
        if narrowed is not None:
            taint = (_CONTROL if hidden(anchor[0]) else _NONE) | _flood(anchor[0])
            out.append(Candidate(narrowed.text, narrowed.source, narrowed.around | lead | taint))
    spans = math_spans(body)
    num = last_number(body)
    late: list[tuple[int, Candidate]] = []
    if spans:
        joined = ", ".join(spans[0])
        late.append((spans[1], Candidate(joined, "last_math", around(body, spans[2], spans[1], joined))))
    if num:
        clause = before_words(body, num[2])
        found = qualifiers(clause) | qualifiers(judging_words(after_words(body, num[1], verdicts=True)))
        if " or " not in num[0] and several(body[max(0, num[2] - 40):num[1]]):
            found.add("several")  # the last of a list: "1, 2, 3, 4"
        line_end = body.find("\n", num[1])
        line = body[max(body.rfind("\n", 0, num[2]) + 1, num[2] - TAIL):line_end if line_end >= 0 else len(body)]
        if hidden(line):
            found.add("control")  # "73\x1b[2K\r72": the number is drawn over another
        if too_deep(line, MAX_DEPTH):
            found.add("nested")  # "\sqrt{\sqrt{…{72}}}": the number is deep inside something else
        late.append((num[1], Candidate(num[0], "last_number", frozenset(found))))
    for _, cand in sorted(late, key=lambda x: -x[0]):  # whichever the text ends with first
        out.append(cand)
    return out


def find_answer(text: str, *, fallback: str = "last_sentence", require_marked: bool = False,
                strict_think: bool = False, allowed: frozenset[str] | set[str] = frozenset(),
                join_boxes: bool = True) -> Found:
    """The first candidate span (an ``<answer>`` block whole), flagged as a hedge when it or the
    words around it qualify it with anything outside ``allowed``."""
    found = candidates(text, fallback=fallback, require_marked=require_marked, strict_think=strict_think,
                       join_boxes=join_boxes, read_inside=False)
    if not found:
        return Found(None, "none")
    first = found[0]
    bad = first.hedge(allowed)
    span = first.text.strip()
    if first.source in ("answer_anchor", "final_answer", "last_line"):
        span = span.rstrip(".。").strip()
    return Found(span, first.source, bool(bad), frozenset(bad))


def _before_chat(body: str) -> str:
    """A chat template leaking past the answer ("…<|im_end|><|im_start|>user …"): nothing from the
    first marker on counts, unless the completion goes on after its last closed turn (the template
    text then sat in the reasoning, and the answer comes after it)."""
    chat = body.find("<|im_")
    if chat < 0:
        return body
    end = body.rfind("<|im_end|>")
    if end > body.rfind("<|im_start|>") and body[end + len("<|im_end|>"):].strip():
        return body
    return body[:chat]


def last_nonempty_line(text: str) -> str | None:
    end = len(text)
    while end > 0:
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end].strip()
        if line:
            return line
        end = start - 1
    return None


def extract(text: str) -> tuple[str | None, str]:
    """The answer and where it came from: ``answer_tag``, ``boxed``, ``last_line`` or ``none``
    (no hedge check: prefer ``find_answer``)."""
    body = strip_think(text, strict=True)
    found = answer_tag(body)
    if found is not None:
        return found, "answer_tag"
    box = boxed_group(body)
    if box is not None:
        return box[0][-1], "boxed"
    line = last_nonempty_line(body)
    return (line, "last_line") if line is not None else (None, "none")


def format_ok(text: str) -> bool:
    """DeepSeek-R1 format: ``<think>…</think>`` then ``<answer>…</answer>`` and nothing else."""
    s = text.strip()
    if not (s.startswith(THINK_OPEN) and s.endswith(ANSWER_CLOSE)):
        return False
    if any(s.count(tag) != 1 for tag in (THINK_OPEN, THINK_CLOSE, ANSWER_OPEN, ANSWER_CLOSE)):
        return False
    think_end = s.index(THINK_CLOSE)
    rest = s[think_end + len(THINK_CLOSE) :].lstrip()
    return rest.startswith(ANSWER_OPEN) and s.index(ANSWER_OPEN) > think_end
