"""The ``math`` task: reference parsing (once per gold) and scoring (per completion)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any

from envs.answer import FLOOD, candidates, format_ok
from envs.base import InvalidReference, ProbeCase, Problem, Status, Task, Verdict
from envs.hedge import qualifiers
from envs.math.ast import CONTAINERS, Node
from envs.math.compare import TRUST_CHAINS, Policy, equal, items_of, typed
from envs.math.generate import sample_problem
from envs.math.latex import ParseError, parse
from envs.math.letters import gold_letter, pred_letter
from envs.math.normalize import Norm, normalize, text_key
from envs.math.probe import probe_cases
from envs.math.symbolic import sympy_equal
from envs.spans import ANCHOR, hidden, math_spans

MAX_GOLD = 4000
_PROSE = re.compile(r"(?<![\\A-Za-z_{])(?!(?:sin|cos|tan|sec|csc|cot|log|exp|sqrt|max|min|gcd|lcm|det|mod|pmod|"
                    r"arcsin|arccos|arctan|sinh|cosh|tanh|frac|infty|cdot|times|text|begin|end|pmatrix|"
                    r"bmatrix|matrix|array|cases|left|right|binom|pi|le|ge|neq)(?![A-Za-z]))[A-Za-z]{3,}"
                    r"|(?<![\\A-Za-z_{])[A-Za-z]{2,}\s+(?:[A-Za-z]{2,}(?![A-Za-z]*\()|\d)")
_SENTENCE = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}\s+[A-Za-z]{2,}(?![A-Za-z]*\()")
_DEC_COMMA = re.compile(r"(-?\d+),(\d+)")
_PRIMARY = ("boxed",)  # a box is final; an <answer> block may be read further (inside itself only)
# Spans the completion itself marks as its answer: a qualifier there is a hedge even when the
# span does not parse ("<answer>5?</answer>", "the answer is at least 3").
_MARKED = ("boxed", "answer_tag", "final_answer", "answer_anchor")


@dataclass(slots=True)
class Answer:
    """One analysed answer string: normalised text, typed tree (None when unparsed)."""

    norm: Norm
    node: Node | None
    alt: Node | None = None  # decimal-comma reading of "1,22"


@dataclass(slots=True)
class GoldRef:
    raw: str
    policy: Policy
    letter: str | None = None
    answer: Answer | None = None
    allowed: frozenset[str] = frozenset()  # qualifiers the gold itself makes legitimate
    cache: dict[str, tuple[bool, str]] = field(default_factory=dict)


MEMO_MAX_CHARS = 1000  # longer spans are analysed every time: the memo must not pin megabytes


def analyse(span: str) -> Answer:
    """Normalise, parse and type one answer span (memoised for short spans: GRPO groups repeat)."""
    return _analyse_memo(span) if len(span) <= MEMO_MAX_CHARS else _analyse(span)


def analyse_gold(span: str) -> Answer:
    """A gold is analysed like an answer, but its equation chains are trusted as written."""
    token = TRUST_CHAINS.set(True)
    try:
        return _analyse(span)
    finally:
        TRUST_CHAINS.reset(token)


def clear_memo() -> None:
    _analyse_memo.cache_clear()


def _analyse(span: str) -> Answer:
    norm = normalize(span[:MAX_GOLD * 2])
    if norm.is_text or not norm.text:
        return Answer(norm, None)
    if _PROSE.search(norm.text):
        norm.is_text = True  # words, not maths: compared as text
        return Answer(norm, None)
    node = alt = None
    try:
        node = typed(parse(norm.text))
    except ParseError:
        node = None
    m = _DEC_COMMA.fullmatch(norm.text)
    if m and (len(m.group(2)) != 3 or m.group(1).lstrip("-") == "0"):
        try:
            alt = typed(parse(m.group(1) + "." + m.group(2)))
        except ParseError:
            alt = None
    return Answer(norm, node, alt)


_analyse_memo = lru_cache(maxsize=4096)(_analyse)


def gold_span(gold: str) -> str:
    """The answer part of a gold, read like a completion's: itself, the text after GSM8K's
    ``####``, or the box / final answer / "answer is" / last math of a solution."""
    s = gold.strip()
    low = s.lower()
    if "####" in s:
        return s[s.rindex("####") + 4:].strip()
    if "\\boxed" in s or "\\fbox" in s or "final answer" in low or "<answer>" in low or ANCHOR.search(s[-2000:]):
        cands = candidates(s, fallback="last_sentence")
        for cand in cands:  # the first that reads as an answer, as for a completion
            a = analyse(cand.text)
            if a.node is not None or cand.source in _PRIMARY:
                return cand.text
        if cands:
            return cands[0].text
    if len(s) > 300 and ("$" in s or "\\(" in s):
        spans = math_spans(s)
        if spans:
            return ", ".join(spans[0])
    return s


def allowed_qualifiers(span: str, ans: Answer) -> frozenset[str]:
    """Qualifiers a prediction may carry because the gold does: its own words and signs, and
    "or"/"between"/several values for a gold that is itself a list."""
    allowed = set(qualifiers(span))
    if hidden(span):  # "\x0crac" in a gold: a "\frac" mis-escaped upstream, and its completions with it
        allowed.add("control")
    if ans.norm.has_or or (ans.node is not None and ans.node[0] in CONTAINERS):
        allowed |= {"or", "between", "several"}  # "x = 1 or x = 2", "between 12 and 13"
    return frozenset(allowed)


def judge(g: Answer, p: Answer, policy: Policy) -> tuple[bool, str]:
    gt, pt = g.norm.text, p.norm.text
    if gt and gt == pt and g.norm.percent == p.norm.percent:
        return True, "string"
    if g.norm.is_text or p.norm.is_text or g.node is None or p.node is None:
        if g.node is None and p.node is None or g.norm.is_text or p.norm.is_text:
            return bool(gt) and text_key(gt) == text_key(pt), "text"
        return False, "unparsed"
    ok, stage = equal(g.node, p.node, policy)
    if not ok and g.alt is not None:
        ok, stage = equal(g.alt, p.node, policy)
    if not ok and p.alt is not None and g.node[0] not in CONTAINERS:
        ok, stage = equal(g.node, p.alt, policy)
    if ok and p.norm.has_or and p.node[0] in CONTAINERS and len(items_of(p.node)[0]) > 1 \
            and g.node[0] not in CONTAINERS:
        return False, "hedging"
    return ok, stage


class MathTask(Task):
    name = "math"
    version = "1.0.0"
    description = ("Math answers (LaTeX or plain) checked against a gold answer: exact numbers, typed "
                   "tuples/sets/intervals/equations, guarded symbolic identity; no eval.")
    reference_schema = {
        "type": "object",
        "required": ["answer"],
        "properties": {
            "answer": {"type": "string", "minLength": 1, "maxLength": MAX_GOLD},
            "percent": {"enum": ["lenient", "strict", "ignore"]},
            "ordered_lists": {"type": "boolean"},
            "relation_vs_interval": {"type": "boolean"},
            "require_boxed": {"type": "boolean"},
            "fallback": {"enum": ["last_sentence", "none"]},
            "strict_think": {"type": "boolean"},
            "rel_tol": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
        },
    }
    default_deadline_s = 2.0
    default_weights = {"accuracy": 1.0, "format": 0.0}

    def describe(self) -> dict[str, str]:
        return {"switches": ",".join(f"{f.name}={f.default}" for f in fields(Policy)), "docs": "docs/math.md"}

    def sample(self, rng: random.Random, **options: Any) -> Problem:
        """Generated problems with exact gold answers (``family``: see ``envs.math.generate``)."""
        return sample_problem(rng, **options)

    def probe_cases(self, rng: random.Random) -> list[ProbeCase]:
        """One gold of each answer type (``envs.math.probe``) and two generated problems."""
        return probe_cases(self.sample, rng)

    def setup(self) -> None:
        """Warm a fresh worker: sympy's first simplify costs ~0.2 s, pay it before the first item."""
        self.score(r"\boxed{\frac{x^2-1}{x-1}}", self.parse_reference({"answer": "x+1"}))
        sympy_equal(parse(r"\sin(x)^2 + \cos(x)^2 + \log(x)"), parse(r"1 + \log(x)"))
        clear_memo()

    def parse_reference(self, obj: Any) -> GoldRef:
        if not isinstance(obj, dict):
            raise InvalidReference("reference: expected a JSON object")
        gold = obj.get("answer")
        if not isinstance(gold, str) or not gold.strip():
            raise InvalidReference("answer: expected a non-empty string")
        if len(gold) > MAX_GOLD:
            raise InvalidReference(f"answer: longer than {MAX_GOLD} characters")
        kwargs: dict[str, Any] = {}
        for f in fields(Policy):
            if f.name in obj:
                val = obj[f.name]
                if f.name == "rel_tol":
                    if isinstance(val, bool) or not isinstance(val, int | float) or not 0 <= val < 1:
                        raise InvalidReference("rel_tol: expected a number in [0, 1)")
                    val = float(val)
                if type(val) is not type(f.default):
                    raise InvalidReference(f"{f.name}: expected {type(f.default).__name__}")
                kwargs[f.name] = val
        try:
            policy = Policy(**kwargs)
        except TypeError as exc:
            raise InvalidReference(f"reference: {exc}") from exc
        if policy.percent not in ("lenient", "strict", "ignore"):
            raise InvalidReference("percent: expected lenient, strict or ignore")
        if policy.fallback not in ("last_sentence", "none"):
            raise InvalidReference("fallback: expected last_sentence or none")
        ref = GoldRef(gold, policy, letter=gold_letter(gold))
        if ref.letter is None:
            span = gold_span(gold)
            ref.answer = analyse_gold(span)
            if ref.answer.norm.is_text and any(c.isdigit() for c in ref.answer.norm.text) \
                    and _SENTENCE.search(ref.answer.norm.text):  # a sentence holding the answer somewhere
                raise InvalidReference(f"answer: no final answer could be read from {gold[:80]!r} "
                                       "(give the bare answer, or mark it with \\boxed{}, '####' or 'Answer:')")
            ref.allowed = allowed_qualifiers(span, ref.answer)
        return ref

    def score(self, completion: str, reference: Any, weights: dict[str, float] | None = None) -> Verdict:
        ref = reference if isinstance(reference, GoldRef) else self.parse_reference(reference)
        fmt = 1.0 if format_ok(completion) else 0.0
        pol = ref.policy
        if ref.letter is not None:
            letter, source, hedged = pred_letter(completion, pol.strict_think)
            if letter is None:
                return self._verdict(0.0, fmt, weights, "", f"stage=none;source={source}", Status.NO_ANSWER)
            ok = letter == ref.letter and not hedged
            stage = "hedging" if hedged else "letter"
            return self._verdict(float(ok), fmt, weights, letter, f"stage={stage};source={source}")
        cands = candidates(completion, fallback=pol.fallback, require_marked=pol.require_boxed,
                           strict_think=pol.strict_think)
        if not cands:
            return self._verdict(0.0, fmt, weights, "", "stage=none;source=none", Status.NO_ANSWER)
        chosen = (cands[0].text, cands[0].source)
        pred = analyse(chosen[0])
        for cand in cands:
            if FLOOD & cand.around:  # a flood of candidates, or structure around one, is refused unread
                return self._verdict(0.0, fmt, weights, cand.text.strip()[:200], f"stage=hedging;source="
                                     f"{cand.source};qualifiers={','.join(sorted(FLOOD & cand.around))}")
            a = analyse(cand.text)
            if a.node is not None or (a.norm.is_text and ref.answer is not None and ref.answer.norm.is_text) \
                    or cand.source in _MARKED:
                # Relation signs inside the span are typed by the parser; words and context are not.
                bad = cand.hedge(ref.allowed, signs=False)
                if bad:
                    return self._verdict(0.0, fmt, weights, cand.text.strip()[:200],
                                         f"stage=hedging;source={cand.source};qualifiers={','.join(sorted(bad))}")
            if a.node is not None or (a.norm.is_text and ref.answer is not None and ref.answer.norm.is_text):
                chosen, pred = (cand.text, cand.source), a
                break
            if cand.source in _PRIMARY:
                break  # an explicitly marked answer is not second-guessed by a fallback
        assert ref.answer is not None
        key = pred.norm.text + ("%" if pred.norm.percent else "") + ("|or" if pred.norm.has_or else "")
        hit = ref.cache.get(key)
        if hit is None:
            hit = judge(ref.answer, pred, pol)
            if len(ref.cache) < 64 and len(key) <= MEMO_MAX_CHARS:  # bounded: refs are cached by the thousand
                ref.cache[key] = hit
        ok, stage = hit
        return self._verdict(float(ok), fmt, weights, pred.norm.text or chosen[0].strip()[:200],
                             f"stage={stage};source={chosen[1]}")

    def _verdict(self, acc: float, fmt: float, weights: dict[str, float] | None, extracted: str,
                 detail: str, status: Status = Status.OK) -> Verdict:
        comps = {"accuracy": acc, "format": fmt}
        return Verdict(self.combine(comps, weights), status, comps, extracted[:500], detail)
