"""Our own rules for the ``math`` task: every comparator both ways, extraction, policy switches,
hedging, think-only answers, invalid references, and hostile inputs answered quickly in-process."""

from __future__ import annotations

import pathlib
import re
import time
from typing import Any

import pytest

from envs.base import InvalidReference, Status
from envs.math import MathTask

TASK = MathTask()
PKG = pathlib.Path(__file__).resolve().parents[1] / "envs" / "math"


def score(gold: str, completion: str, **switches: Any):  # type: ignore[no-untyped-def]
    return TASK.score(completion, TASK.parse_reference({"answer": gold, **switches}))


def right(gold: str, completion: str, **switches: Any) -> bool:
    return score(gold, completion, **switches).reward == 1.0


# (gold, prediction, equal?, stage the verdict must name)
CASES = [
    # normalisation + exact string
    (r"\frac{1}{2}", r"\boxed{\dfrac{1}{2}}", True, "string"),
    (r"(x-2)(x+2)", r"\boxed{\left(x-2\right)\left(x+2\right)}", True, "string"),
    ("10", r"\boxed{10\text{ cm}}", True, "string"),
    ("10", r"\boxed{\$10}", True, "string"),
    ("1000", r"\boxed{1,000}", True, "string"),
    ("90", r"\boxed{90^\circ}", True, "structural"),
    # exact numeric path
    ("0.5", r"\boxed{\frac{1}{2}}", True, "numeric"),
    ("0.5", r"\boxed{\frac{1}{3}}", False, "numeric"),
    ("1.5", r"\boxed{1\frac{1}{2}}", True, "numeric"),
    ("2.5", r"\boxed{2 1/2}", True, "numeric"),
    ("1500", r"\boxed{1.5 \times 10^{3}}", True, "numeric"),
    ("1500", r"\boxed{1.5e3}", True, "structural"),
    ("1500", r"\boxed{1.6 \times 10^{3}}", False, "numeric"),
    (r"\frac{1}{2004!}", r"\boxed{\frac{1}{2006!}}", False, "numeric"),
    (r"\frac{1}{2^{99}}", r"\boxed{\frac{1}{2^{98}}}", False, "numeric"),
    (r"\frac{1}{2^{99}}", r"\boxed{2^{-99}}", True, "numeric"),
    ("5", r"\boxed{5.001}", False, "numeric"),
    (r"\frac{1}{3}", r"\boxed{0.3333}", False, "numeric"),  # a decimal must be within 1e-6 of an exact gold
    (r"\frac{1}{3}", r"\boxed{0.3333333}", True, "numeric"),
    (r"\frac{1}{3}", r"\boxed{0.35}", False, "numeric"),
    ("0.333", r"\boxed{0.3333}", False, "numeric"),  # two decimals: equal up to trailing zeros
    ("0.333", r"\boxed{0.3330}", True, "structural"),
    ("0.333", r"\boxed{0.3336}", False, "numeric"),
    # random-point identity
    (r"\frac{x+2}{7}", r"\boxed{\frac{x}{7}+\frac{2}{7}}", True, "numeric_identity"),
    (r"\tan^2(y)+1", r"\boxed{\sec^2(y)}", True, "numeric_identity"),
    (r"x^2+2x+1", r"\boxed{x^3+2x+1}", False, "numeric_identity"),
    (r"\sqrt{17}", r"\boxed{4.123105625617661}", True, "numeric_identity"),
    ("4", r"\boxed{4\sqrt{2}}", False, "numeric_identity"),
    (r"f(x)", r"\boxed{f(y)}", False, "numeric_identity"),
    # tuples (ordered)
    (r"(1, \frac{9}{2})", r"\boxed{(1, 4.5)}", True, "tuple"),
    (r"(1, 2, 3)", r"\boxed{(1, 3, 2)}", False, "tuple"),
    (r"(1, 2)", r"\boxed{(1, 2, 3)}", False, "tuple"),
    # sets and solution lists (unordered)
    (r"\{1, 2, 3\}", r"\boxed{\{3, 1, 2\}}", True, "set"),
    ("1, 2, 3", r"\boxed{3, 2, 1}", True, "set"),
    ("1, 2, 3", r"\boxed{3, 2, 4}", False, "set"),
    ("(1,2), (3,4)", r"\boxed{(3,4), (1,2)}", True, "set"),
    ("(1,2), (3,4)", r"\boxed{(4,3), (1,2)}", False, "set"),
    # intervals with openness
    ("[0, 1)", r"\boxed{[0, 1)}", True, "string"),
    ("[0, 1)", r"\boxed{[0, 1.0)}", True, "interval"),
    ("[0, 1)", r"\boxed{(0, 1)}", False, "interval"),
    (r"(-\infty, 2] \cup [3, \infty)", r"\boxed{(-\infty,2]\cup[3,\infty)}", True, "set"),
    (r"(-\infty, 2] \cup [3, \infty)", r"\boxed{(-\infty,2)\cup[3,\infty)}", False, "set"),
    # ±
    (r"1 \pm \sqrt{19}", r"\boxed{1+\sqrt{19}, 1-\sqrt{19}}", True, "set"),
    (r"1 \pm \sqrt{19}", r"\boxed{1+\sqrt{19}}", False, "set"),
    # matrices
    (r"\begin{pmatrix}1 & 2 \\ 3 & 4\end{pmatrix}", r"\boxed{\begin{bmatrix}1 & 2 \\ 3 & 4\end{bmatrix}}", True, "matrix"),
    (r"\begin{pmatrix}1 & 2 \\ 3 & 4\end{pmatrix}", r"\boxed{\begin{pmatrix}1 & 2 \\ 3 & 5\end{pmatrix}}", False, "matrix"),
    # equations up to a non-zero factor; assignments
    ("2x+4y-3=0", r"\boxed{y=-\frac{1}{2}x+\frac{3}{4}}", True, "equation"),
    ("3x-y+13=0", r"\boxed{3x+4y+14=0}", False, "equation"),
    ("x = 5", r"\boxed{5}", True, "structural"),
    ("5", r"\boxed{x = 5}", True, "structural"),
    ("5", r"\boxed{x = 6}", False, "numeric"),
    ("a+3z=0", r"\boxed{0}", False, "relation"),
    # inequalities and intervals (both ways by default)
    (r"x \geq 5", r"\boxed{5 \leq x}", True, "relation"),
    (r"x > 5", r"\boxed{x < 5}", False, "equation"),
    (r"[-2, 7]", r"\boxed{-2 \le x \le 7}", True, "interval"),
    # text answers, case-insensitively
    (r"\text{Evelyn}", r"\boxed{\text{evelyn}}", True, "text"),
    (r"\text{odd}", r"\boxed{\text{even}}", False, "text"),
    # percent (lenient default)
    (r"10\%", r"\boxed{10}", True, "structural"),
    (r"10\%", r"\boxed{0.1}", True, "numeric"),
    ("25", r"\boxed{25\%}", True, "structural"),
    ("25", r"\boxed{26\%}", False, "numeric"),
]


@pytest.mark.parametrize(("gold", "pred", "expected", "stage"), CASES)
def test_comparators(gold: str, pred: str, expected: bool, stage: str) -> None:
    v = score(gold, pred)
    assert v.status is Status.OK
    assert (v.reward == 1.0) is expected, v
    assert v.detail.split(";")[0] == f"stage={stage}", v.detail
    assert v.extracted


# One-sided rules are left out of the swap: a gold equation against a bare number, and the
# number rule (the gold's exactness decides: an exact prediction of a decimal gold is judged by
# rounding, a decimal prediction of an exact gold by a 1e-6 relative tolerance).
ONE_SIDED = {(r"\frac{1}{3}", r"\boxed{0.3333}"), (r"\frac{1}{3}", r"\boxed{0.35}")}
SYMMETRIC = [c for c in CASES if (c[3] != "relation" or c[2]) and (c[0], c[1]) not in ONE_SIDED]


@pytest.mark.parametrize(("gold", "pred", "expected", "stage"), SYMMETRIC)
def test_comparators_are_symmetric_where_maths_is(gold: str, pred: str, expected: bool, stage: str) -> None:
    """Swap gold and prediction: the verdict holds."""
    inner = re.fullmatch(r"\\boxed\{(.*)\}", pred, re.S)
    assert inner is not None
    assert right(inner.group(1), rf"\boxed{{{gold}}}") is expected


# Typical RL completions (GSM8K "####", AMC option labels, degrees, rounding, identities).
REALISTIC = [
 (r'\infty', 'The limit is infinity', True),
 (r'(1, \infty)', r'\boxed{(1, infinity)}', True),
 (r'\{1,2\}', r'\boxed{\lbrace 1, 2\rbrace}', True),
 ('(1,2,3)', r'\boxed{\langle 1,2,3\rangle}', True),
 (r'\emptyset', r'\boxed{\varnothing}', True),
 (r'\emptyset', r'\boxed{\{\}}', True),
 (r'\emptyset', r'\boxed{\{0\}}', False),
 ('5', r'\boxed{\lvert -5 \rvert}', True),
 (r'\frac{\sqrt3}{2}', 'sqrt(3)/2', True),
 (r'\frac{\pi}{4}', 'The angle is pi/4', True),
 ('73', '**73**', True),
 ('x^2', r'\boxed{x²}', True),
 (r'\sqrt{2}', r'\boxed{√2}', True),
 (r'2\sin x', r'\boxed{2 sin(x)}', True),
 (r'\frac{\sqrt3}{2}', 'sqrt(2)/2', False),
 ('42', 'Natalia sold 48/2 = 24 clips in May.\n#### 42', True),
 ('33', r'Thus the answer is \boxed{033}.', True),
 (r'\frac{\sqrt3}{2}', r'so $\boxed{\frac{\sqrt{3}}{2}}$', True),
 (r'(-\infty, 1)', r'Hence $x \in \boxed{(-\infty, 1)}$', True),
 (r'\frac{1}{2}', r'\boxed{1/2}', True),
 ('2', r'\boxed{2.0}', True),
 (r'\infty', r'\boxed{\infty}', True),
 (r'30^\circ', r'\boxed{\frac{\pi}{6}}', True),
 (r'5\sqrt{2}', r'\boxed{\sqrt{50}}', True),
 (r'5\sqrt{2}', r'\boxed{\sqrt{51}}', False),
 (r'12 \text{ inches}', r'\boxed{12}', True),
 (r'-\frac{1}{2}', r'\boxed{-0.5}', True),
 ('3', r'**Final Answer**' + '\n' + r'\[\boxed{3}\]', True),
 ('3', r'**Final Answer**' + '\n' + r'\[\boxed{4}\]', False),
 (r'\sqrt{2}', r'\boxed{1.41}', False),
 (r'\sqrt{2}', r'\boxed{1.41421356}', True),
 (r'\sqrt{2}', r'\boxed{1.4}', False),
 (r'\sqrt{2}', r'\boxed{1}', False),
 (r'\sqrt{2}', r'\boxed{1.5}', False),
 ('1', r'\boxed{0.99}', False),
 ('100', r'\boxed{99.9}', False),
 (r'\pi', r'\boxed{3.14}', False),
 (r'\pi', r'\boxed{3.1415926536}', True),
 (r'\pi', r'\boxed{3}', False),
 ('x^2', r'\boxed{x \cdot x}', True),
 ('2x', r'\boxed{x2}', True),
 (r'\binom{10}{3}', r'\boxed{120}', True),
 ('120', r'\boxed{5!}', True),
 (r'\log_2 8', r'\boxed{3}', True),
 (r'\ln(e^2)', r'\boxed{2}', True),
 (r'e^{i\pi}', r'\boxed{-1}', True),
 (r'\frac{a}{b}', r'\boxed{a/b}', True),
 (r'a^2-b^2', r'\boxed{(a-b)(a+b)}', True),
 (r'\sin^2 x + \cos^2 x', r'\boxed{1}', True),
 (r'2\sin x \cos x', r'\boxed{\sin 2x}', True),
 (r'\sqrt[3]{-8}', r'\boxed{-2}', True),
 (r'\frac{3}{4}', r'The probability is $\frac{3}{4}$.', True),
 ('6', r'The answer is: 6', True),
 ('6', 'The answer is 6 apples.', True),
 ('0.25', r'\boxed{25\%}', True),
 ('25\\%', r'\boxed{\frac{1}{4}}', True),
 ('5', r'\boxed{x=5 \text{ or } x=-5}', False),
 (r'\pm 5', r'\boxed{x = \pm 5}', True),
 (r'5, -5', r'\boxed{\pm 5}', True),
 (r'\{-5, 5\}', r'\boxed{x=5, x=-5}', True),
 ('4', r'\boxed{4} \boxed{5}', False),
 ('B', r'The correct option is (B).', True),
 ('B', r'\boxed{\textbf{(B)}\ 12}', True),
 ('12', r'\boxed{\textbf{(B)}\ 12}', True),
 ('1', r'<think>\boxed{1}</think><answer>1</answer>', True),
 (r'\frac{9}{4}', r'\boxed{2.25}', True),
 ('x=2', r'\boxed{2}', True),
 ('y=2x+1', r'\boxed{y=2x+1}', True),
 ('y=2x+1', r'\boxed{2x-y+1=0}', True),
 ('y=2x+1', r'\boxed{y=2x+2}', False),
 (r'\dfrac{7}{2}', r'\boxed{3.5}', True),
 (r'3\sqrt{3}', r'\boxed{5.196}', False),
 ('5.196', r'\boxed{3\sqrt{3}}', True),
 ('1024', r'\boxed{2^{10}}', True),
 ('0', r'\boxed{0}', True),
 ('-3', r'\boxed{- 3}', True),
 ('3', r'\boxed{-3}', False),
 ('(1,2)', r'\boxed{(2,1)}', False),
 ('10^{10}', r'\boxed{10000000000}', True),
]


@pytest.mark.parametrize(("gold", "completion", "expected"), REALISTIC)
def test_realistic_completions(gold: str, completion: str, expected: bool) -> None:
    assert right(gold, completion) is expected


def test_coarse_predicted_approximations_do_not_score() -> None:
    """A predicted decimal must be within 1e-6 of an exact gold; a rounded *gold* is answered by
    the exact value."""
    assert not right(r"\frac{1}{3}", r"\boxed{0.3}")
    assert not right(r"\frac{1}{3}", r"\boxed{0.33}")
    assert right("0.3", r"\boxed{\frac{1}{3}}")
    assert not right("0.3", r"\boxed{\frac{1}{2}}")


def test_matrix_arithmetic_and_grouped_assignments() -> None:
    a, b = r"\begin{pmatrix}1 & 2 \\ 3 & 4\end{pmatrix}", r"\begin{pmatrix}5 & 6 \\ 7 & 8\end{pmatrix}"
    assert right(r"\begin{pmatrix}6 & 8 \\ 10 & 12\end{pmatrix}", rf"\boxed{{{a} + {b}}}")
    assert right(r"\begin{pmatrix}19 & 22 \\ 43 & 50\end{pmatrix}", rf"\boxed{{{a} {b}}}")
    assert not right(r"\begin{pmatrix}19 & 22 \\ 43 & 50\end{pmatrix}", rf"\boxed{{{b} {a}}}")
    assert right(r"\begin{pmatrix}2 & 4 \\ 6 & 8\end{pmatrix}", rf"\boxed{{2{a}}}")
    assert not right(r"\begin{pmatrix}1 & 2\end{pmatrix}", rf"\boxed{{{a} + 1}}")
    # p=5, q=2 and p=7, q=2 are two solutions, not four values
    assert right(r"p = 5, q = 2 \text{ and } p = 7, q = 2", r"\boxed{(7, 2), (5, 2)}")
    assert not right(r"p = 5, q = 2 \text{ and } p = 7, q = 2", r"\boxed{(2, 7), (5, 2)}")


# Near misses that must not score (reciprocals, openness, names, hedges, 10^-50 perturbations…).
WRONG = [
 (r'\frac12', r'\boxed{2}'), ('x+1', r'\boxed{x-1}'), ('(1,2)', r'\boxed{[1,2]}'), ('[1,2]', r'\boxed{(1,2)}'),
 ('3', r'\boxed{3x}'), ('2', r'\boxed{2i}'), ('12', r'\boxed{21}'), ('0.5', r'\boxed{0.05}'), ('50', r'\boxed{0.5}'),
 (r'\frac{\pi}{2}', r'\boxed{\pi}'), (r'\sqrt{3}', r'\boxed{3}'), (r'x^2', r'\boxed{2x}'), ('1, 2', r'\boxed{1}'),
 ('1', r'\boxed{1, 2}'), (r'\{1, 2\}', r'\boxed{\{1, 2, 3\}}'), ('(0, 1)', r'\boxed{(0, 1]}'), ('y = 2x', r'\boxed{y = x}'),
 ('x = 2', r'\boxed{y = 2}'), ('5', r'\boxed{x = 6}'), (r'x > 3', r'\boxed{x \geq 3}'), (r'x > 3', r'\boxed{x > 4}'),
 (r'\text{yes}', r'\boxed{\text{no}}'), ('A', r'\boxed{B}'), ('A', 'The answer is B'), ('100', r'\boxed{10}'),
 ('1000', r'\boxed{1,000,1}'), ('2', r'\boxed{2.01}'), ('7', 'The answer is 7 or 8'),
 ('7', r'\boxed{7} \quad\text{or}\quad \boxed{8}'), ('7', r'<think>\boxed{7}</think>\boxed{8}'), ('7', r'<answer>8</answer> \boxed{7}'),
 (r'\begin{pmatrix}1\\2\end{pmatrix}', r'\boxed{\begin{pmatrix}2\\1\end{pmatrix}}'), ('-1', r'\boxed{1}'), ('0', r'\boxed{}'),
 ('0', ''), ('5', 'no idea'), ('2', r'\boxed{\sqrt{2}}'), ('4', r'\boxed{2^{3}}'), ('x', r'\boxed{X}'),
 (r'\frac{1}{2006!}', r'\boxed{\frac{1}{2004!}}'), (r'10^{-100}', r'\boxed{10^{-101}}'), (r'10^{100}', r'\boxed{10^{100}+1}'),
 (r'2^{1000}', r'\boxed{2^{1000}-1}'), ('1', r'\boxed{0.999999}'), ('x', r'\boxed{x+10^{-50}}'), (r'\sin x', r'\boxed{\sin(x + 10^{-30})}'),
 ('12', r'\boxed{12\text{ or }13}'), ('12', r'\boxed{12, 13}'), ('x^2+1', r'\boxed{x^2+1.0001}'),
 ('3', r'The answer is \boxed{3}. No wait, \boxed{4}.'), ('E', r'\boxed{e}'), ('e', r'\boxed{2.7}'),
]


@pytest.mark.parametrize(("gold", "completion"), WRONG)
def test_near_misses_score_zero(gold: str, completion: str) -> None:
    assert score(gold, completion).reward == 0.0


def test_multiple_choice_letters() -> None:
    assert right("C", "I think the answer is C.")
    assert right("(B) Paris", r"\boxed{B}")
    assert not right("(A) Cecile", r"\boxed{C}")
    assert right("D", "D. It cannot be A or B")
    assert not right("B", "The answer is A or B")  # hedge
    assert not right("E", r"\mathrm{E}*2")
    v = score("A", "nothing here")
    assert v.status is Status.NO_ANSWER


def test_hedging_scores_zero() -> None:
    v = score("3", r"So \boxed{3} or \boxed{4}.")
    assert v.reward == 0.0 and "stage=hedging" in v.detail
    assert not right("3", r"\boxed{3 \text{ or } 4}")
    assert not right("3", r"\boxed{3, 4}")
    assert right("3, 4", r"\boxed{3} and \boxed{4}")  # a list gold wants the list
    assert right("3", r"\boxed{3} and later again \boxed{3}")  # the same answer twice is not a hedge
    v = score("7", "I think it is 5, 6 or 7")
    assert v.reward == 0.0 and "stage=hedging" in v.detail
    assert not right("A", "A B C D E")
    assert not right("A", r"\boxed{A, C}")
    assert not right("6", "1 2 3")  # numbers side by side are not a product


def test_extraction_order() -> None:
    assert right("7", r"<think>maybe \boxed{5}</think><answer>7</answer>")
    assert right("7", r"First \boxed{5}, then finally \boxed{7}")
    # a final-answer sentence after the last box wins
    assert right("10455", r"\boxed{255} ... Final Answer: The final answer is $10,455$. I hope it is correct.")
    assert right("42", "The final answer is 42")
    assert right("-5", "-5")
    v = score("3", "")
    assert v.status is Status.NO_ANSWER and v.reward == 0.0


def test_answer_block_is_read_inside_itself_only() -> None:
    assert right("3", "<answer>The answer is 3</answer>")
    assert right("3", "<answer>so 3</answer> and later 4")
    assert not right("3", "<answer>4</answer> but really 3")
    assert not right("3", "<answer>I am not sure</answer> 3")


def test_think_only_answers_do_not_count() -> None:
    v = score("5", r"<think>The answer is \boxed{5}</think> I am not sure.")
    assert v.reward == 0.0
    assert right("5", r"<think>hmm \boxed{4}</think> so \boxed{5}")
    assert not right("5", r"<think>hmm \boxed{4}</think> so \boxed{4}")
    # an unclosed <think> is read as text by default, and hides everything with strict_think
    assert right("5", r"<think>long reasoning \boxed{5}")
    assert not right("5", r"<think>long reasoning \boxed{5}", strict_think=True)


def test_policy_switches() -> None:
    assert not right(r"10\%", r"\boxed{10}", percent="strict")
    assert right(r"10\%", r"\boxed{0.1}", percent="strict")
    assert not right(r"10\%", r"\boxed{0.1}", percent="ignore")
    assert not right("1, 2, 3", r"\boxed{3, 2, 1}", ordered_lists=True)
    assert right("[-2, 7]", r"\boxed{-2 \le x \le 7}")
    assert not right("[-2, 7]", r"\boxed{-2 \le x \le 7}", relation_vs_interval=False)
    assert right("42", "so it is 42")
    assert not right("42", "so it is 42", require_boxed=True)
    assert not right("42", "so it is 42", fallback="none")
    assert right("42", "The final answer is 42", fallback="none")


def test_format_component_and_weights() -> None:
    good = "<think>2+2</think> <answer>4</answer>"
    v = score("4", good)
    assert v.components == {"accuracy": 1.0, "format": 1.0} and v.reward == 1.0
    v = TASK.score(r"\boxed{4}", TASK.parse_reference({"answer": "4"}), {"accuracy": 0.5, "format": 0.5})
    assert v.components["format"] == 0.0 and v.reward == 0.5


def test_invalid_references_name_the_field() -> None:
    with pytest.raises(InvalidReference, match="answer"):
        TASK.parse_reference({})
    with pytest.raises(InvalidReference, match="answer"):
        TASK.parse_reference({"answer": "   "})
    with pytest.raises(InvalidReference, match="percent"):
        TASK.parse_reference({"answer": "1", "percent": "sometimes"})
    with pytest.raises(InvalidReference, match="ordered_lists"):
        TASK.parse_reference({"answer": "1", "ordered_lists": "yes"})
    with pytest.raises(InvalidReference, match="reference"):
        TASK.parse_reference(["1"])


def test_gold_may_be_a_whole_solution() -> None:
    prose = "We add the two numbers and simplify the fraction carefully, step by step. " * 5
    assert right(prose + r"So the result is $\frac{3}{4}$.", r"\boxed{0.75}")
    assert right(prose + r"Hence $\boxed{12}$ is our answer.", r"\boxed{12}")
    assert right(r"The final answer is $28\%$. I hope it is correct.", r"\boxed{28}")


def test_gold_is_parsed_once_and_answers_memoised() -> None:
    ref = TASK.parse_reference({"answer": r"\frac{1}{2}"})
    assert ref.answer is not None and ref.answer.node is not None
    for _ in range(3):
        assert TASK.score(r"\boxed{0.5}", ref).reward == 1.0
    assert len(ref.cache) == 1


HOSTILE = [
    ("power tower", "1", r"\boxed{5^{5^{5^{5^5}}}}"),
    ("Math-Verify #65", r"\dfrac{5^{5^{5^{5^5}}-4}-5}{16}", r"\boxed{\dfrac{5^{5^{5^{5^5}}-4}-6}{16}}"),
    ("huge factorial", "3", r"\boxed{(10^{100})!}"),
    ("huge factorial both sides", r"(10^{100})!", r"\boxed{(10^{100})! + 1}"),
    ("huge binomial", "3", r"\boxed{\binom{10^{100}}{10^{50}}}"),
    ("nested exponentials", "1", r"\boxed{\exp(\exp(\exp(10)))}"),
    ("symbolic power", "x+1", r"\boxed{(x+1)^{1000000}}"),
    ("3000-deep parentheses", "3", r"\boxed{" + "(" * 3000 + "1" + ")" * 3000 + "}"),
    ("3000-deep braces", "3", r"\boxed{" + "{" * 3000 + "1" + "}" * 3000 + "}"),
    ("3000 nested roots", "3", r"\boxed{" + r"\sqrt" * 3000 + "{2}}"),
    ("3000 unary minus", "3", r"\boxed{" + "-" * 3000 + "3}"),
    ("3000-level power chain", "3", r"\boxed{" + "2^" * 3000 + "2}"),
    ("200k prose then answer", "3", "x " * 100_000 + r"\boxed{3}"),
    ("200k dollars", "3", "$" * 200_000),
    ("unclosed boxes", "3", r"\boxed{" * 28_000),
    ("unclosed display math", "3", r"\[" * 100_000),
    ("200k list", "3", "1," * 100_000),
    ("anchor spam", "3", "final answer is " * 12_500),
    ("200k digits", "3", "9" * 200_000),
    ("5000-digit box", "3", r"\boxed{" + "9" * 5000 + "}"),
    ("10k boxes in think", "2", "<think>" + r"\boxed{2}" * 10_000 + "</think> the answer is 3"),
]


@pytest.mark.parametrize(("name", "gold", "completion"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_inputs_answer_quickly(name: str, gold: str, completion: str) -> None:
    t0 = time.perf_counter()
    v = score(gold, completion)
    elapsed = time.perf_counter() - t0
    # The service deadline is 2 s (+100 ms); in-process we demand far less so that slow machines
    # still pass and a regression to seconds is caught.
    assert elapsed < 0.5, (name, elapsed)
    assert v.status in (Status.OK, Status.NO_ANSWER)
    assert v.reward in (0.0, 1.0)
    if name == "200k prose then answer":
        assert v.reward == 1.0
    if name == "10k boxes in think":
        assert v.reward == 0.0  # the boxes are inside the reasoning; the answer after it is 3


def test_no_eval_and_small_modules() -> None:
    forbidden = re.compile(r"\b(?:eval|exec|sympify|parse_expr|parse_latex|pickle)\s*\(|import pickle")
    for path in PKG.glob("*.py"):
        text = path.read_text()
        assert not forbidden.search(text), path.name
        assert len(text.splitlines()) < 400, path.name


FUZZ_TOKENS = [
    "\\frac", "{", "}", "(", ")", "[", "]", "\\{", "\\}", "^", "_", "x", "y", "2", "3.5", "0", "-", "+", "*",
    "/", "=", "<", "\\le", ",", ";", "\\sqrt", "\\pi", "\\infty", "\\pm", "|", "!", "%", "\\circ", "\\sin",
    "\\log", "\\boxed{", "\\text{", "and", "or", "\\begin{pmatrix}", "\\end{pmatrix}", "&", "\\\\", "i", "e",
    "\\in", "\\cup", ":", "\\approx", "$", "\\left(", "\\right)", "10", "\\binom", "\\cdot", " ", "A", "B",
    ".", "1e5", "\\sum", "\\exp", "10^{10}", "9999", "\\dfrac", "\\%", "\\$", "<answer>", "</answer>",
    "<think>", "</think>", "final answer is",
]
FUZZ_GOLDS = ["5", r"\frac{1}{2}", "x+1", "(1,2)", "[0,1)", r"\{1,2\}", "x=3", "A", r"\text{odd}", "1,2,3",
              r"\sqrt{2}", "x^2-1", r"\begin{pmatrix}1&2\\3&4\end{pmatrix}", r"10\%", r"x \ge 2", r"1 \pm \sqrt3"]


def test_fuzz_never_raises_and_stays_fast() -> None:
    """Seeded random token soup, for gold and completion alike: a verdict every time, quickly."""
    import random

    rng = random.Random(20261124)
    TASK.setup()
    for _ in range(3000):
        completion = "".join(rng.choice(FUZZ_TOKENS) for _ in range(rng.randint(1, 25)))
        gold = rng.choice(FUZZ_GOLDS) if rng.random() < 0.7 else \
            "".join(rng.choice(FUZZ_TOKENS) for _ in range(rng.randint(1, 10)))
        try:
            ref = TASK.parse_reference({"answer": gold})
        except InvalidReference:
            continue
        t0 = time.perf_counter()
        v = TASK.score(completion, ref)
        assert time.perf_counter() - t0 < 0.5, (gold, completion)
        assert v.reward in (0.0, 1.0) and v.status in (Status.OK, Status.NO_ANSWER)
