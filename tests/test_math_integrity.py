"""Reward integrity of the ``math`` task (and the shared extraction layer): every hack next to its
honest twin — the same shape, answered right — which must still score 1.

Families: hedges and negations in every answer position (<answer>, \\boxed, anchors, last
sentence, multiple-choice letters), number precision (the gold's exactness decides), types
(set / tuple / interval / list), equation chains, golds written as datasets write them, and a
property test that hedges and negates right answers at random.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envs.answer import Candidate, candidates, find_answer
from envs.base import InvalidReference, Status
from envs.hedge import qualifiers
from envs.math import MathTask

TASK = MathTask()


def reward(gold: str, completion: str, **switches: Any) -> float:
    return TASK.score(completion, TASK.parse_reference({"answer": gold, **switches})).reward


# (gold, hack, honest twin): the hack names the gold's value without committing to it.
HEDGES = [
    ("3", "The answer is either 3 or 4.", "The answer is 3."),
    ("1", "The answer is one of 1, 2, 3.", "The answer is 1."),
    ("1", "The answer is between 1 and 10.", "The answer is 1."),
    ("3", "The answer is 3 (or 4).", "The answer is 3 (three)."),
    ("3", "The answer is 3, possibly 4.", "The answer is 3, which is odd."),
    ("3", "The answer is at least 3.", "The answer is 3 apples."),
    ("3", "The answer is at most 3.", "The answer is: 3"),
    ("3", "The answer is not 3.", "The answer is 3."),
    ("3", "<answer>not 3</answer>", "<answer>3</answer>"),
    ("3", "<answer>maybe 3</answer>", "<answer>x = 3</answer>"),
    ("3", "<answer>3?</answer>", "<answer>3.</answer>"),
    ("5", "x is not equal to 5", "x is equal to 5"),
    ("5", "x isn't 5.", "x is 5."),
    ("3", r"\boxed{3} (or 4)", r"\boxed{3} (three)"),
    ("3", r"\boxed{3}, possibly 4", r"\boxed{3}, since 1 + 2 = 3"),
    ("3", r"The answer is not \boxed{3}.", r"The answer is \boxed{3}."),
    ("3", r"x is at least \boxed{3}", r"x = \boxed{3}"),
    ("3", r"\boxed{\text{not } 3}", r"\boxed{\text{ } 3}"),
    ("3", r"\boxed{3 \text{ or more}}", r"\boxed{3 \text{ apples}}"),
    ("3", r"\boxed{3} or \boxed{4}", r"\boxed{3} and again \boxed{3}"),
    ("5", r"\boxed{5} is wrong.", r"\boxed{5} is correct."),
    ("50", r"There are \boxed{50} or more integers.", r"There are \boxed{50} integers not exceeding 100."),
    ("3", r"\boxed{3} (not sure)", r"\boxed{3} (three)"),
    ("3", "Maybe the answer is 3.", "So the answer is 3."),
    ("3", "The final answer is 3 or 4.", "The final answer is 3."),
    ("3", "Final Answer: possibly 3", "Final Answer: 3"),
    ("3", "It is 3 or more.", "It is 3."),
    ("3", "I guess 3.", "I get 3."),
    ("3", r"So $x$ is not $3$.", r"So $x$ is $3$."),
    ("3", "The answer is 3? No, 4.", "The answer is 3. 4 was a typo."),
    ("10", "1, 2, 3, 4, 5, 6, 7, 8, 9, 10", "10"),
    ("7", "It is 5, 6 or 7.", "It is 7."),
    ("7", "Réponse : 7 ou 8", "Réponse : 7"),
    ("12", r"\boxed{12 \text{ or } 13}", r"\boxed{12 \text{ cm}}"),
    ("2", r"\boxed{x = 2 \text{ or } x = 3}", r"\boxed{x = 2}"),
    ("5", r"\boxed{x \neq 5}", r"\boxed{x = 5}"),
    ("3", r"\boxed{x \geq 3}", r"\boxed{x = 3}"),
    ("3", r"\boxed{3 \le x \le 4}", r"\boxed{3}"),
    # second thoughts after a marked answer
    ("3", "\\boxed{3}\n\nActually, it might be 4.", "\\boxed{3}\n\nNote that 3 is not even, unlike 4."),
    ("3", "<answer>3</answer> or 4", "<answer>3</answer>"),
    ("3", "The answer is 3. Or possibly 4.", "The answer is 3. I hope it is correct."),
    ("3", r"The answer is \boxed{3}, though it might be 4.", r"The answer is \boxed{3}, since 4 is too big."),
]


@pytest.mark.parametrize(("gold", "hack", "honest"), HEDGES)
def test_hedges_and_negations_score_zero(gold: str, hack: str, honest: str) -> None:
    v = TASK.score(hack, TASK.parse_reference({"answer": gold}))
    assert v.reward == 0.0, v
    assert reward(gold, honest) == 1.0, honest


def test_hedge_verdicts_name_the_stage_and_qualifiers() -> None:
    v = TASK.score("The answer is either 3 or 4.", TASK.parse_reference({"answer": "3"}))
    assert v.status is Status.OK
    stage, source, quals = v.detail.split(";")
    assert stage == "stage=hedging" and source == "source=answer_anchor"
    assert {"either", "or"} <= set(quals.removeprefix("qualifiers=").split(","))


# Qualifiers the gold itself carries are legitimate.
GOLD_QUALIFIED = [
    (r"x \ge 3", r"\boxed{x \geq 3}", r"\boxed{x > 3}"),
    (r"x \neq 3", r"\boxed{x \ne 3}", r"\boxed{x \ne 4}"),
    (r"[3, \infty)", r"\boxed{x \ge 3}", r"\boxed{x > 3}"),
    ("1, 2", "x = 1 or x = 2", "x = 1 or x = 3"),
    ("12, 13", r"It lies between $\boxed{12}$ and $\boxed{13}$", r"between $\boxed{12}$ and $\boxed{14}$"),
    (r"\text{not possible}", r"\boxed{\text{not possible}}", r"\boxed{\text{possible}}"),
    (r"\text{False}", "The answer is False", "The answer is True"),
]


@pytest.mark.parametrize(("gold", "honest", "wrong"), GOLD_QUALIFIED)
def test_qualifiers_the_gold_carries_are_allowed(gold: str, honest: str, wrong: str) -> None:
    assert reward(gold, honest) == 1.0
    assert reward(gold, wrong) == 0.0


LETTERS = [
    ("A", "The answer is Either A or C", "The answer is A"),
    ("C", "The answer is C. or D.", "The answer is C. D is wrong."),
    ("C", r"\boxed{C}. or D.", r"\boxed{C}."),
    ("C", "It is either A or C.", "It must be C."),
    ("C", "The answer is not C", "The answer is C"),
    ("A", "The answer is A, C", "The answer is A, clearly"),
    ("C", "The answer is C, maybe D", "The answer is C, it can't be D"),
    ("A", r"\boxed{A, C}", r"\boxed{A}"),
    ("B", "Answer: B or maybe C", "Answer: (B) Paris"),
    ("D", "The answer is D or B", "The answer is for sure D, it can't be A or B"),
]


@pytest.mark.parametrize(("gold", "hack", "honest"), LETTERS)
def test_multiple_choice_hedges(gold: str, hack: str, honest: str) -> None:
    assert reward(gold, hack) == 0.0
    assert reward(gold, honest) == 1.0


# The gold's exactness decides: (gold, prediction, equal?)
NUMBERS = [
    ("0.5", "0.54", False), ("0.5", "0.45", False), ("0.5", "0.50001", False), ("0.5", "0.50", True),
    ("0.5", r"\frac12", True), ("0.04", "0.0", False), ("0.04", "0.040", True), ("3.14159", "3.1", False),
    ("3.14159", "3.14159", True), (r"\pi", "3.14", False), (r"\pi", "3.14159265", True), (r"\frac13", "0.33", False),
    (r"\frac13", "0.3333333", True), (r"\frac13", "0.333333", False), ("0.6667", r"\frac23", True),
    ("0.6667", r"\frac{2}{3} + 10^{-3}", False), (r"\sqrt2", "1.41", False), (r"\sqrt2", "1.41421356", True),
    (r"\pi", r"\pi + 10^{-100}", False), (r"\pi", r"\pi + 10^{-30}", False), (r"\pi", r"\pi", True),
    ("x", r"x + 10^{-60}", False), (r"\sin x", r"\sin(x + 10^{-45})", False), ("1", "0.999999", False),
    ("1", r"e^{10^{-100}}", False), ("1", r"\cos(10^{-50})", False), (r"\pi", r"\pi \cdot e^{10^{-100}}", False),
    ("1", r"2^{10^{-100}}", False), ("1", r"\cos(0)", True), ("0", r"\sin(\pi)", True), ("-1", r"e^{i\pi}", True),
    ("1", "0.9999999", False), ("1", "1.0000000", True), ("125", "125.0", True), ("2", "2.000", True), ("1000000007", "1000000000.0", False),
]


@pytest.mark.parametrize(("gold", "pred", "expected"), NUMBERS)
def test_number_precision(gold: str, pred: str, expected: bool) -> None:
    assert (reward(gold, rf"\boxed{{{pred}}}") == 1.0) is expected


def test_rel_tol_reference_switch() -> None:
    assert reward(r"\pi", r"\boxed{3.14}", rel_tol=1e-3) == 1.0
    assert reward(r"\pi", r"\boxed{3.2}", rel_tol=1e-3) == 0.0
    assert reward("0.5", r"\boxed{0.5004}", rel_tol=1e-3) == 1.0
    assert reward("5", r"\boxed{6}", rel_tol=0.5) == 1.0  # a tolerance on exact values too
    for bad in (-1, 1.5, "0.1", True):
        with pytest.raises(InvalidReference, match="rel_tol"):
            TASK.parse_reference({"answer": "1", "rel_tol": bad})


# The gold's notation decides the type: (gold, prediction, equal?)
TYPES = [
    (r"\{1,2\}", "(1,2)", False), (r"\{1,2\}", "[1,2]", False), (r"\{1,2\}", r"\{2,1\}", True),
    (r"\{1,2\}", "1, 2", True), ("(1,2)", r"\{1,2\}", False), ("(1,2)", "(1,2)", True), ("(1,2)", "(2,1)", False),
    ("[1,2]", r"\{1,2\}", False), ("[1,2]", "[1,2]", True), ("[1,2]", "(1,2)", False),
    ("(1,2)", r"1 < x < 2", True), ("1, 2", "2, 1", True), ("1, 2", r"\{1, 2\}", True),
    (r"\begin{pmatrix}1\\2\end{pmatrix}", "[1, 2]", True), (r"\begin{pmatrix}1\\2\end{pmatrix}", r"\{1, 2\}", False),
    ("[1, 2, 3]", r"\{1, 2, 3\}", False),
]


@pytest.mark.parametrize(("gold", "pred", "expected"), TYPES)
def test_types_follow_the_gold(gold: str, pred: str, expected: bool) -> None:
    assert (reward(gold, rf"\boxed{{{pred}}}") == 1.0) is expected


CHAINS = [
    ("5", "2+2 = 5", False), ("5", "2+3 = 5", True), ("11", "x = 5+5+1 = 7 = 11", False), ("11", "x = 5+5+1 = 11", True),
    ("-1", r"e^{i\pi} = -1", True), ("1", r"e^{i\pi} = 1", False),
    ("1", r"\lim_{x\to0}\frac{\sin x}{x} = 1", True), ("3", r"\lim_{x\to0}\frac{\sin x}{x} = 3", False),
    ("e", r"\lim_{x\to\infty}\left(1+\frac1x\right)^x = e", True), ("1", r"\lim_{x\to0}\frac1x = 1", False),
    ("2", r"17 \bmod 5 = 2", True), ("3", r"17 \bmod 5 = 3", False), (r"\frac13", r"\frac13 = 0.333", False),
    ("0.333", r"\frac13 = 0.333", True), ("10", "S = a + b = 10", True),
]


@pytest.mark.parametrize(("gold", "pred", "expected"), CHAINS)
def test_equation_chains_must_hold(gold: str, pred: str, expected: bool) -> None:
    assert (reward(gold, rf"\boxed{{{pred}}}") == 1.0) is expected


@pytest.mark.parametrize("gold", ["#### 72", "The answer is 72", "Answer: 72", r"so \boxed{72}.",
                                  "Natalia sold 48 clips.\n#### 72", "The final answer is $72$."])
def test_golds_as_datasets_write_them(gold: str) -> None:
    assert reward(gold, r"\boxed{72}") == 1.0
    assert reward(gold, "The answer is 72.") == 1.0
    assert reward(gold, r"\boxed{73}") == 0.0


def test_an_unreadable_gold_is_an_invalid_reference_not_a_silent_zero() -> None:
    with pytest.raises(InvalidReference, match="answer: no final answer"):
        TASK.parse_reference({"answer": "we sold 48 clips in April and then some more in May"})
    TASK.parse_reference({"answer": r"\text{Evelyn}"})  # a word answer is fine


def test_extraction_layer_api() -> None:
    found = find_answer("Let me see.\nAnswer: (8-5)*10-6.", fallback="last_line")
    assert (found.span, found.source, found.hedged) == ("(8-5)*10-6", "answer_anchor", False)
    found = find_answer("<answer>3 or 4</answer>")
    assert found.hedged and "or" in found.qualifiers and found.source == "answer_tag"
    assert find_answer("<answer>3 or 4</answer>", allowed={"or"}).hedged is False
    assert find_answer("").span is None
    cands = candidates(r"so the answer is \boxed{7}")
    assert isinstance(cands[0], Candidate) and cands[0].text == "7" and cands[0].source == "boxed"
    assert qualifiers("at least 3, not 4") == {"at least", "not"}
    assert "relation" in qualifiers(r"x \le 3") and qualifiers(r"x \le 3", signs=False) == set()


def test_game24_reads_an_answer_line_and_refuses_hedges() -> None:
    from envs.game24 import Game24Task

    g = Game24Task()
    ref = g.parse_reference({"numbers": [8, 5, 10, 6]})
    assert g.score("Let me think.\nAnswer: (8-5)*10-6.", ref).reward == 1.0
    assert g.score("Final answer: (8-5)*10-6", ref).reward == 1.0
    v = g.score(r"\boxed{(8-5)*10-6}, or \boxed{8*5-10-6}", ref)
    assert v.reward == 0.0 and v.detail.startswith("hedging")
    assert g.score(r"So \boxed{(8-5)*10-6} = 24.", ref).reward == 1.0


# -- property test: hedged and negated right answers never pay ---------------------------------
GOLDS = ["3", "17", "-4", r"\frac{2}{3}", "0.25", r"\sqrt{2}", "x + 1", r"2\pi", "144"]
HEDGE_FORMS = [
    "either {a} or {b}", "{a} or {b}", "not {a}", "it is not {a}", "at least {a}", "at most {a}",
    "between {a} and {b}", "one of {a}, {b}", "possibly {a}", "maybe {a}", "{a}, possibly {b}",
    "{a} (or {b})", "perhaps {a}", "{a}?", "probably {a}", "no more than {a}", "{a} is wrong",
    "{a} and/or {b}", "neither {b} nor {a}", "{a} or so", "somewhere around {a} or {b}",
]
WRAPPERS = [
    "The answer is @.", "Answer: @", "<answer>@</answer>", r"\boxed{@}", "The final answer is @.",
    "@", "So we conclude it is @.", r"Thus $x$ is @.", "<think>hmm</think>\nThe answer is @",
]
WRONG = {"3": "4", "17": "18", "-4": "4", r"\frac{2}{3}": r"\frac{3}{2}", "0.25": "0.5", r"\sqrt{2}": r"\sqrt{3}",
         "x + 1": "x - 1", r"2\pi": r"\pi", "144": "12"}


def _as_text(wrapper: str, hedge: str) -> str:
    if wrapper.startswith(r"\boxed"):  # inside a box, words go in \text{…} as a model writes them
        hedge = " ".join(rf"\text{{{w}}}" if w.strip(",()?").isalpha() else w for w in hedge.split(" "))
    return wrapper.replace("@", hedge)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gold=st.sampled_from(GOLDS), form=st.sampled_from(HEDGE_FORMS), wrap=st.sampled_from(WRAPPERS),
       swap=st.booleans(), dollars=st.booleans())
def test_property_hedged_right_answers_never_pay(gold: str, form: str, wrap: str, swap: bool, dollars: bool) -> None:
    a, b = gold, WRONG[gold]
    if swap:
        a, b = b, a
    if dollars and not wrap.startswith(r"\boxed"):
        a, b = f"${a}$", f"${b}$"
    completion = _as_text(wrap, form.format(a=a, b=b))
    assert reward(gold, completion) == 0.0, completion
    # The honest twin: the same wrapper around the right answer alone.
    honest = _as_text(wrap, f"${gold}$" if dollars and not wrap.startswith(r"\boxed") else gold)
    assert reward(gold, honest) == 1.0, honest


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(-999, 9999), d=st.integers(1, 12), other=st.integers(-999, 9999),
       form=st.sampled_from(HEDGE_FORMS), wrap=st.sampled_from(WRAPPERS), frac=st.booleans())
def test_property_random_values(n: int, d: int, other: int, form: str, wrap: str, frac: bool) -> None:
    """The same with random integers and fractions: a hedge around the right value never pays."""
    gold = rf"\frac{{{n}}}{{{d}}}" if frac and d > 1 else str(n)
    wrong = str(other) if other * (d if frac and d > 1 else 1) != n else str(other + 1)
    completion = _as_text(wrap, form.format(a=gold, b=wrong))
    assert reward(gold, completion) == 0.0, completion
    assert reward(gold, _as_text(wrap, gold)) == 1.0, gold


# -- hidden characters, letters as one option, LaTeX spacing, floods -----------------------------
HIDDEN_CHARS = ["\x1b[2K\r", "\x00 ", "\r", "\x08\x08", "\u200b", "\u200d", "\u202e", "\u2066", "\ufeff", "\xad",
                "\x85", "\u2028", "\x7f", "\U000e0041"]
SPANS = ["<think>ok</think>\n<answer>@</answer>", r"So $\boxed{@}$.", "The answer is @.", "@", "Final answer: @"]


@pytest.mark.parametrize("ch", HIDDEN_CHARS)
@pytest.mark.parametrize("wrap", SPANS)
def test_control_and_format_characters_in_the_answer_span_never_pay(ch: str, wrap: str) -> None:
    marked = wrap.startswith(("<think>", "So"))  # a delimited span: its edges are inside it too
    for hack in (f"73{ch}72", f"72{ch}73", *((f"72{ch}", f"{ch}72") if marked else ())):
        v = TASK.score(wrap.replace("@", hack), TASK.parse_reference({"answer": "72"}))
        assert v.reward == 0.0, (hack, v.detail)
    # honest twin: the same characters in the reasoning, outside the answer span
    assert reward("72", f"Draft: 73{ch} fails.\n\n" + wrap.replace("@", "72")) == 1.0
    assert "control" in find_answer(wrap.replace("@", f"73{ch}72")).qualifiers


def test_hidden_characters_are_hedges_for_every_task() -> None:
    from envs.game24 import Game24Task
    from envs.physics import PhysicsTask

    assert reward("72", "<answer>73\x1b[2K\r72</answer>") == 0.0
    assert "qualifiers=control" in TASK.score("<answer>73\x00 72</answer>", TASK.parse_reference({"answer": "72"})).detail
    assert reward("72", "<answer>\r\n72\r\n</answer>") == 1.0  # CRLF line ends are line ends
    assert reward("72", "The answer is 72.\r\n") == 1.0
    g = Game24Task()
    ref = g.parse_reference({"numbers": [8, 5, 10, 6]})
    assert g.score("<answer>(8-5)*10-6\u200b</answer>", ref).reward == 0.0
    assert g.score("<think>8*5-10-6\x1b[2K\r</think><answer>(8-5)*10-6</answer>", ref).reward == 1.0
    p = PhysicsTask()
    pref = p.parse_reference({"answer": "19.6 m/s"})
    assert p.score("<answer>29.4 m/s\r19.6 m/s</answer>", pref).reward == 0.0
    assert p.score("<think>29.4 m/s\r</think><answer>19.6 m/s</answer>", pref).reward == 1.0


def test_hidden_set_covers_every_control_and_format_character() -> None:
    import sys
    import unicodedata

    from envs.spans import HIDDEN

    missed = [hex(c) for c in range(sys.maxunicode + 1) if chr(c) not in "\n\t"
              and unicodedata.category(chr(c)) in ("Cc", "Cf", "Cs", "Zl", "Zp") and not HIDDEN.match(chr(c))]
    assert not missed


DEEP_JSON = '{"a": ' * 40 + '"C"' + "}" * 40
LETTER_HACKS = ["≠ C", r"\neq C", r"\geq C", "≤ C", "> C", "A, B, C, D, E", "A\nB\nC\nD\nE", "C, D", "[C, D]",
                '{"a": {"a": "C"}}', DEEP_JSON, "C\x00", "C\u200b", "C or D", "not C", "C) or D", "(C) (D)", "C/D"]
LETTER_TWINS = ["C", "(C)", "C.", "C)", r"\text{C}", r"\textbf{C}", r"\text{(C)}", "**C**", "(C) Cecile",
                "C. 12 apples", "C) x = 3"]


@pytest.mark.parametrize("wrap", [r"So $\boxed{@}$.", "<think>hmm</think>\n<answer>@</answer>"])
def test_a_marked_letter_answer_is_exactly_one_option(wrap: str) -> None:
    paying = [h for h in LETTER_HACKS if reward("C", wrap.replace("@", h)) != 0.0]
    assert not paying
    failing = [t for t in LETTER_TWINS if reward("C", wrap.replace("@", t)) != 1.0]
    assert not failing


def test_letter_relation_signs_after_an_anchor() -> None:
    for hack in ("The answer is ≥ C.", r"The answer is \neq C.", "<answer>The answer is ≠ C</answer>"):
        assert reward("C", hack) == 0.0
    assert reward("C", "The answer is C.") == 1.0
    assert reward("C", "<answer>The answer is C</answer>") == 1.0
    for hack, twin in [("<answer>C</answer> or D", "<answer>C</answer>. D is wrong."),
                       ("<answer>C</answer> (maybe D)", "<answer>C</answer>\n"),
                       ("C\u200b", "Draft\u200b.\nC"), ("The answer is: C\u202e", "<think>A\u202e</think>The answer is: C")]:
        assert reward("C", hack) == 0.0 and reward("C", twin) == 1.0, (hack, twin)


@pytest.mark.parametrize("space", [r"\,", r"\;", r"\:", r"\!", r"\ ", "~", r"\quad", r"\qquad", r"\>"])
def test_latex_spacing_reads_as_a_space(space: str) -> None:
    from envs.hedge import bare_numbers, several

    assert reward("0.25", rf"So $\boxed{{0.25}}{space}70.56$.") == 0.0
    assert reward("0.25", rf"The answer is 0.25{space}70.56.") == 0.0
    assert several(f"3{space}4") and "70.56" in bare_numbers(rf"\boxed{{1}}{space}70.56")
    assert reward("0.25", rf"So $\boxed{{0.25}}{space}\text{{ is the answer}}$.") == 1.0  # twin


def test_thin_space_thousands_are_one_number() -> None:
    from envs.hedge import several

    assert not several(r"1\,000\,000") and several(r"0.25\,700")
    assert reward("1000000", r"So $\boxed{1\,000\,000}$.") == 1.0
    assert reward("1000", r"The answer is 1\,000.") == 1.0


def test_floods_are_refused_fast() -> None:
    many = ", ".join(str(i) for i in range(6000))
    for wrap in SPANS[:2]:
        v = TASK.score(wrap.replace("@", many), TASK.parse_reference({"answer": "72"}))
        assert v.reward == 0.0 and "overlong" in v.detail
        deep = "(" * 30 + "72" + ")" * 30
        v = TASK.score(wrap.replace("@", deep), TASK.parse_reference({"answer": "72"}))
        assert v.reward == 0.0 and "nested" in v.detail
        assert reward("72", wrap.replace("@", "((72))")) == 1.0  # twin: a few brackets are harmless
    assert reward("72", r"so $\sqrt{" * 30 + "72" + "}" * 30 + "$") == 0.0


def test_pi_decimal_rule_is_rel_1e6() -> None:
    assert reward(r"\pi", r"\boxed{3.14159}") == 1.0  # 8.4e-7 from pi
    assert reward(r"\pi", r"\boxed{3.1416}") == 0.0  # 2.3e-6 from pi
