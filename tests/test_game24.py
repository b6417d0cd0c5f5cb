"""Every 24-game / Countdown rule, both ways: what must score 1 and what must not."""

from __future__ import annotations

import itertools
import random
import time

import pytest

from envs.base import InvalidReference, Status
from envs.game24 import CountdownTask, Game24Task, solver

G = Game24Task()
C = CountdownTask()
R3388 = G.parse_reference({"numbers": [3, 3, 8, 8]})
R4781 = G.parse_reference({"numbers": [4, 7, 8, 1]})


def score(text: str, ref=R4781, task=G, **kw):
    return task.score(text, ref, **kw)


@pytest.mark.parametrize("text", [
    "<answer>(8-4)*(7-1)</answer>",
    "\\boxed{(8-4)*(7-1)}",
    "so the answer is\n(8-4)*(7-1)",
    "<answer>(8−4)×(7−1)</answer>",            # unicode minus and times
    "<answer>(8-4) \\times (7-1)</answer>",
    "<answer>(8-4) \\cdot (7-1)</answer>",
    "<answer>[8-4]*[7-1]</answer>",            # square brackets as parentheses
    "<answer>(8-4)*(7-1) = 24</answer>",       # trailing = target
    "<answer>(8-4)*(7-1).</answer>",           # trailing period
    "<answer>\\left(8-4\\right)*\\left(7-1\\right)</answer>",
    "<answer>$(8-4)*(7-1)$</answer>",
    "<answer>  ( 8 - 4 ) * ( 7 - 1 )  </answer>",
    "<answer>wrong</answer> then <answer>(8-4)*(7-1)</answer>",  # the last answer tag counts
    "\\boxed{1} \\boxed{(8-4)*(7-1)}",         # the last box counts
])
def test_accepted_forms(text):
    v = score(text)
    assert (v.status, v.reward) == (Status.OK, 1.0), v


@pytest.mark.parametrize("text", [
    "<answer>8/(3-8/3)</answer>",
    "<answer>\\frac{8}{3-\\frac{8}{3}}</answer>",
    "<answer>8 ÷ (3 − 8 ÷ 3)</answer>",
    "<answer>8 \\div (3 - 8 \\div 3)</answer>",
    "<answer>\\dfrac{8}{3-\\dfrac{8}{3}} = 24</answer>",
])
def test_fraction_solution_is_exact(text):
    v = score(text, R3388)
    assert (v.status, v.reward) == (Status.OK, 1.0), v


@pytest.mark.parametrize("text,code", [
    ("<answer>-4*(1-7)*8/8</answer>", "wrong_numbers"),        # literals don't match
    ("<answer>(8-4)*(7-1)*1</answer>", "wrong_numbers"),        # 1 used twice
    ("<answer>(8-4)*6</answer>", "wrong_numbers"),              # 6 not given
    ("<answer>8*(7-4)</answer>", "unused_numbers"),             # 1 unused
    ("<answer>8*(7-4)*1</answer>", "correct"),                 # (control) all four used
    ("<answer>0-4*(1-7)+8-8</answer>", "wrong_numbers"),
    ("<answer>(8-4)**(7-1)</answer>", "power"),
    ("<answer>(8-4)^(7-1)</answer>", "power"),
    ("<answer>(8-4)//(7-1)</answer>", "floor_division"),
    ("<answer>(8-4)%(7-1)</answer>", "modulo"),
    ("<answer>4!*(8-7)*1</answer>", "factorial"),
    ("<answer>(8.0-4)*(7-1)</answer>", "decimal"),
    ("<answer>(8-4)(7-1)</answer>", "implicit_multiplication"),
    ("<answer>8(7-4)*1</answer>", "implicit_multiplication"),
    ("<answer>(8-4)*(7-1) = 25</answer>", "claimed_value"),
    ("<answer>(8-4)*(7-1) = 24 = 24</answer>", "equation"),
    ("<answer>8*4-7+1</answer>", "wrong_value"),
    ("<answer>__import__('os').system('id')</answer>", "bad_character"),
    ("<answer>(8-4)*(7-1</answer>", "unbalanced"),
    ("<answer></answer>", "empty"),
])
def test_rules(text, code):
    v = score(text)
    assert v.status == Status.OK and v.detail.startswith(code), v
    assert v.reward == (1.0 if code == "correct" else 0.0)


def test_unary_minus_refused_even_with_right_numbers():
    ref = G.parse_reference({"numbers": [1, 2, 3, 4], "target": -24})
    v = score("<answer>-(1+2+3)*4</answer>", ref)
    assert v.detail.startswith("unary_sign") and v.reward == 0.0
    assert score("<answer>(1-2-3-4)*4/... </answer>", ref).reward == 0.0


def test_digit_concatenation_refused():
    ref = G.parse_reference({"numbers": [1, 2, 2, 1]})
    v = score("<answer>12*2*1</answer>", ref)  # 12 is not a given number
    assert v.reward == 0.0 and v.detail.startswith("wrong_numbers")
    assert score("<answer>1 2*2*1</answer>", ref).detail.startswith("concatenation")


def test_division_by_zero_is_a_reason_not_a_crash():
    ref = G.parse_reference({"numbers": [4, 4, 3, 3]})
    v = score("<answer>4/(4-4)*3*3</answer>", G.parse_reference({"numbers": [4, 4, 4, 3]}))
    assert v.detail.startswith("wrong_numbers")  # literal check first
    v = score("<answer>3/(4-4)*3</answer>", G.parse_reference({"numbers": [3, 4, 4, 3]}))
    assert v.reward == 0.0 and v.detail.startswith("division_by_zero")
    assert score("<answer>(3+3)*(4)</answer>", ref).reward == 0.0


def test_float_trap_is_not_accepted_by_rounding():
    v = score("<answer>8/(3-8/3)+1-1</answer>", R3388)  # wrong numbers, even if it "rounds to 24"
    assert v.reward == 0.0
    ref = G.parse_reference({"numbers": [1, 1, 2, 49], "target": 24})
    assert score("<answer>(49-1)/2*1</answer>", ref).reward == 1.0
    assert score("<answer>(49-2)/2*1</answer>", ref).reward == 0.0  # 23.5: wrong numbers anyway
    ref = G.parse_reference({"numbers": [7, 7, 2, 1]})
    v = score("<answer>7*7/2*1</answer>", ref)  # 24.5: int() truncation would pass it
    assert v.reward == 0.0 and v.detail.startswith("wrong_value: 49/2")


def test_no_answer_and_prose():
    assert score("").status == Status.NO_ANSWER
    assert score("   \n\n  ").status == Status.NO_ANSWER
    v = score("I could not find it.")
    assert v.status == Status.NO_ANSWER and v.reward == 0.0


def test_answer_only_inside_think_does_not_count():
    v = score("<think><answer>(8-4)*(7-1)</answer></think> I give up")
    assert v.reward == 0.0
    v = score("<think>(8-4)*(7-1)</think>")
    assert v.status == Status.NO_ANSWER


def test_over_long_and_over_nested_inputs_are_bounded():
    t0 = time.perf_counter()
    v = score("<answer>" + "(" * 5000 + "8" + ")" * 5000 + "</answer>")
    assert v.reward == 0.0 and v.detail.startswith("too_long")
    v = score("<answer>" + "(" * 100 + "(8-4)*(7-1)" + ")" * 100 + "</answer>")
    assert v.reward == 0.0 and v.detail.startswith("too_deep")
    v = score("x" * 200_000 + "<answer>(8-4)*(7-1)</answer>")
    assert v.reward == 1.0
    v = score("<answer>" + "9" * 500 + "</answer>")
    assert v.reward == 0.0
    assert time.perf_counter() - t0 < 1.0


def test_format_component_and_weights():
    good = "<think>try 8-4 and 7-1</think>\n<answer>(8-4)*(7-1)</answer>"
    v = score(good)
    assert v.components == {"accuracy": 1.0, "format": 1.0} and v.reward == 1.0  # default: accuracy only
    v = score(good, weights={"accuracy": 0.9, "format": 0.1})
    assert v.reward == pytest.approx(1.0)
    v = score("<answer>(8-4)*(7-1)</answer>", weights={"accuracy": 0.9, "format": 0.1})
    assert v.components["format"] == 0.0 and v.reward == pytest.approx(0.9)
    for bad in ("<think>a</think><think>b</think><answer>1</answer>", "<answer>1</answer><think>a</think>",
                "<think>a</think><answer>1</answer> trailing"):
        assert score(bad).components["format"] == 0.0, bad


@pytest.mark.parametrize("ref,field", [
    ({"numbers": [1, 2, 3]}, "numbers"),
    ({"numbers": [1, 2, 3, "4"]}, "numbers[3]"),
    ({"numbers": [1, 2, 3, True]}, "numbers[3]"),
    ({"numbers": [1, 2, 3, 4.5]}, "numbers[3]"),
    ({"numbers": [1, 2, 3, -4]}, "numbers"),
    ({"numbers": [1, 2, 3, 4], "target": "24"}, "target"),
    ({"numbers": [1, 2, 3, 4], "extra": 1}, "extra"),
    ({"nums": [1, 2, 3, 4]}, "nums"),
    ([1, 2, 3, 4], "reference"),
])
def test_invalid_references_name_the_field(ref, field):
    with pytest.raises(InvalidReference) as err:
        G.parse_reference(ref)
    assert str(err.value).startswith(field)


def test_countdown_use_all_and_subset():
    strict = C.parse_reference({"numbers": [25, 50, 75, 100, 3, 6], "target": 952})
    loose = C.parse_reference({"numbers": [25, 50, 75, 100, 3, 6], "target": 952, "use_all": False})
    full = "<answer>((100+6)*3*75-50)/25</answer>"   # 952, all six numbers
    assert score(full, strict, C).reward == 1.0
    part = C.parse_reference({"numbers": [1, 2, 3, 100], "target": 200, "use_all": False})
    assert score("<answer>100*2</answer>", part, C).reward == 1.0
    part_strict = C.parse_reference({"numbers": [1, 2, 3, 100], "target": 200})
    assert score("<answer>100*2</answer>", part_strict, C).detail.startswith("unused_numbers")
    assert score("<answer>100*2*1*1</answer>", part, C).detail.startswith("wrong_numbers")  # 1 twice
    assert score("<answer>952</answer>", loose, C).detail.startswith("wrong_numbers")
    with pytest.raises(InvalidReference, match="target"):
        C.parse_reference({"numbers": [1, 2]})
    with pytest.raises(InvalidReference, match="use_all"):
        C.parse_reference({"numbers": [1, 2], "target": 3, "use_all": "yes"})


def test_solvable_count_is_1362_of_1820():
    multisets = list(itertools.combinations_with_replacement(range(1, 14), 4))
    assert len(multisets) == 1820
    assert sum(solver.solvable(m) for m in multisets) == 1362


def test_fraction_only_puzzles_are_the_known_16():
    multisets = itertools.combinations_with_replacement(range(1, 14), 4)
    frac = [m for m in multisets if solver.solvable(m) and not solver.solvable_integer(m)]
    assert len(frac) == 16 and (3, 3, 8, 8) in frac and (1, 5, 5, 5) in frac


@pytest.mark.parametrize("difficulty", ["any", "easy", "medium", "hard", "fraction"])
def test_sample_is_solvable_tiered_and_reproducible(difficulty):
    a = [G.sample(random.Random(7), difficulty=difficulty) for _ in range(1)]
    b = [G.sample(random.Random(7), difficulty=difficulty) for _ in range(1)]
    assert [p.reference for p in a] == [p.reference for p in b]
    rng = random.Random(11)
    for _ in range(5):
        p = G.sample(rng, difficulty=difficulty)
        nums = p.reference["numbers"]
        assert solver.solvable(nums)
        n_sol = len(solver.solutions(nums))
        if difficulty == "hard":
            assert n_sol == 1
        elif difficulty == "easy":
            assert n_sol >= 8
        elif difficulty == "medium":
            assert 2 <= n_sol <= 7
        elif difficulty == "fraction":
            assert not solver.solvable_integer(nums)
        # and the solver's own solution scores 1 through the task
        sol, _ = solver.solutions(nums)[0]
        assert G.score(f"<answer>{sol}</answer>", G.parse_reference(p.reference)).reward == 1.0


def test_countdown_sample_is_solvable():
    rng = random.Random(5)
    for _ in range(20):
        p = C.sample(rng, count=4)
        ref = p.reference
        assert 10 <= ref["target"] <= 999
        assert solver.solvable(ref["numbers"], ref["target"])


def test_game24_scoring_is_fast_enough_for_the_service():
    # A sanity bound far above the measured ~30 µs: catches an accidental quadratic path.
    ref = G.parse_reference({"numbers": [4, 7, 8, 1]})
    t0 = time.perf_counter()
    for i in range(2000):
        G.score(f"<think>{i}</think><answer>(8-4)*(7-1)</answer>", ref)
    assert (time.perf_counter() - t0) / 2000 < 0.002
