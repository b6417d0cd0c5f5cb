"""Reward integrity of the ``code`` task: hostile submissions through the real server and sandbox.

Every hack below scores 0 and its honest twin (same shape, answered right) scores 1. The assert
forms are the ones a rewrite-the-assert grader cannot see through; they are graded by record/replay,
so the forms themselves do not matter: what is tested is that no object, patch, frame walk or early
exit of the submission reaches the process where the assertions run.
"""

from __future__ import annotations

import pytest

from tests.rpc import item, request, status, stub

# An object that agrees with everything: the classic way to pass an assert without an answer.
ALWAYS = """
class AE:
    __eq__ = lambda s, o: True
    __ne__ = lambda s, o: False
    __lt__ = __le__ = __gt__ = __ge__ = lambda s, o: True
    __sub__ = __rsub__ = __add__ = __radd__ = lambda s, o: 0
    __abs__ = __neg__ = lambda s: 0
    __float__ = lambda s: 0.0
    __bool__ = lambda s: True
    __hash__ = lambda s: 0
    __iter__ = lambda s: iter(())
    __len__ = lambda s: 0
    __contains__ = lambda s, o: True
"""
DOUBLE = "def f(x):\n    return 2 * x\n"
AE_F = ALWAYS + "def f(x):\n    return AE()\n"


def _ref(test: str, **kw: object) -> dict:
    return {"language": "python", "test": test, "entry_point": "f", **kw}


# name -> (reference, hack completion, honest completion)
CASES: dict[str, tuple[dict, str, str]] = {
    "not_ne": (_ref("assert not f(3) != 6"), AE_F, DOUBLE),
    "eq_or": (_ref("assert f(3) == 6 or f(4) == 8"), AE_F, DOUBLE),
    "eq_eq_true": (_ref("assert (f(3) == 6) == True"), AE_F, DOUBLE),
    "all_gen": (_ref("assert all(f(a) == b for a, b in [(1, 2), (3, 6)])"), AE_F, DOUBLE),
    "fabs_lt": (_ref("import math\nassert math.fabs(f(1.5) - 3.0) < 1e-6"), AE_F, DOUBLE),
    "eps_gt_abs": (_ref("eps = 1e-6\nassert eps > abs(f(1.5) - 3.0)"), AE_F, DOUBLE),
    "sub_eq_0": (_ref("assert f(3) - 6 == 0"), AE_F, DOUBLE),
    "abs_le_name": (_ref("tol = 1e-9\nassert abs(f(1.5) - 3.0) <= tol"), AE_F, DOUBLE),
    "helper_eq": (_ref("def eq(a, b):\n    return a == b\n\nassert eq(f(3), 6)"), AE_F, DOUBLE),
    "plain_eq": (_ref("def check(candidate):\n    assert candidate(3) == 6\n"), AE_F, DOUBLE),
    "in_list": (_ref("assert f(3) in [6]"), AE_F, DOUBLE),
    "truthy": (_ref("assert f(3)"), AE_F, DOUBLE),
    "isclose_patched": (
        _ref("import math\nassert math.isclose(f(1.5), 3.0, rel_tol=1e-9)"),
        "import math\nmath.isclose = lambda *a, **k: True\ndef f(x):\n    return 0.0\n", DOUBLE),
    "builtins_patched": (
        _ref("assert abs(f(1.5) - 3.0) < 1e-9"),
        "import builtins\nbuiltins.abs = lambda x: 0\ndef f(x):\n    return 0.0\n", DOUBLE),
    "builtin_shadowed": (
        _ref("assert all([f(3) == 6, f(4) == 8])"),
        "def all(x):\n    return True\ndef f(x):\n    return 0\n", DOUBLE),
    "frame_empties_globals": (
        _ref("CASES = {3: 6, 4: 8}\ndef check(candidate):\n    for k, v in CASES.items():\n"
             "        assert candidate(k) == v\n"),
        "import sys, gc\ndef f(x):\n    fr = sys._getframe(1)\n    while fr:\n"
        "        fr.f_globals.get('CASES', {}).clear()\n        fr = fr.f_back\n"
        "    for o in gc.get_objects():\n        if type(o) is dict and o.get(3) == 6:\n            o.clear()\n"
        "    return 0\n", DOUBLE),
    "frame_reads_expected": (
        _ref("def check(candidate):\n    for x, expected in [(3, 6), (4, 8)]:\n        assert candidate(x) == expected\n"),
        "import sys\ndef f(x):\n    fr = sys._getframe(1)\n    while fr:\n        if 'expected' in fr.f_locals:\n"
        "            return fr.f_locals['expected']\n        fr = fr.f_back\n    return None\n", DOUBLE),
    "exit_at_import": (_ref("assert f(3) == 6"), "import sys\nsys.exit(0)\n", DOUBLE),
    "os_exit_in_call": (_ref("assert f(3) == 6\nassert f(4) == 8"),
                        "import os\ndef f(x):\n    if x == 4:\n        os._exit(0)\n    return 2 * x\n", DOUBLE),
    "system_exit_in_call": (_ref("assert f(3) == 6"), "def f(x):\n    raise SystemExit(0)\n", DOUBLE),
    "eq_raises": (_ref("try:\n    ok = f(3) == 6\nexcept Exception:\n    ok = True\nassert ok"),
                  "class R:\n    def __eq__(s, o):\n        raise ValueError\ndef f(x):\n    return R()\n", DOUBLE),
    "fake_pass_output": (_ref("assert f(3) == 6"),
                         "print('PASS')\nprint('{\"done\": 1}')\nprint('All tests passed')\ndef f(x):\n    return 0\n",
                         DOUBLE),
    "int_subclass": (_ref("assert f(3) == 6"),
                     "class I(int):\n    __eq__ = lambda s, o: True\ndef f(x):\n    return I(0)\n", DOUBLE),
    "str_subclass": (_ref("assert f('ab') == 'abab'"),
                     "class S(str):\n    __eq__ = lambda s, o: True\ndef f(x):\n    return S('')\n", DOUBLE),
    "list_subclass": (_ref("assert f([1]) == [1, 1]"),
                      "class L(list):\n    __eq__ = lambda s, o: True\ndef f(x):\n    return L()\n", DOUBLE),
    "fake_class_attr": (_ref("assert f(3) == 6"),
                        "class F:\n    __class__ = int\n    __eq__ = lambda s, o: True\ndef f(x):\n    return F()\n",
                        DOUBLE),
    "iterator_return": (_ref("assert list(f(3)) == [6]"), "def f(x):\n    return iter(AE())\n" + ALWAYS,
                        "def f(x):\n    return [2 * x]\n"),
    "nan": (_ref("assert f(3) == 6.0"), "def f(x):\n    return float('nan')\n", DOUBLE),
    "return_none_true_asserts": (
        _ref("def check(candidate):\n    assert True\n    assert candidate(3) == 6\n    assert True\n"),
        "def f(x):\n    return None\n", DOUBLE),
    "prefix_helper_redefined": (
        {"language": "python", "entry_point": "decode",
         "prefix": "def encode(s):\n    return s[::-1] + 'x'\n\ndef decode(s):\n    \"\"\"Invert encode.\"\"\"\n",
         "test": "for s in ['abc', 'hello']:\n    assert decode(encode(s)) == s\n"},
        "def encode(s):\n    return s\n\ndef decode(s):\n    return s\n",
        "def encode(s):\n    return s[::-1] + 'x'\n\ndef decode(s):\n    return s[:-1][::-1]\n"),
    "mutation_claimed_none": (_ref("a = [3, 1, 2]\nf(a)\nassert a == [1, 2, 3]"), "def f(a):\n    return None\n",
                              "def f(a):\n    a.sort()\n"),
    "mutation_forbidden": (_ref("a = [3, 1, 2]\nassert f(a) == [1, 2, 3]\nassert a == [3, 1, 2]"),
                           "def f(a):\n    a.sort()\n    return a\n", "def f(a):\n    return sorted(a)\n"),
    "random_inputs": (
        _ref("import random\nfor _ in range(50):\n    x = random.randint(0, 10**6)\n    assert f(x) == 2 * x\n"),
        "import random\nrandom.seed(1)\ndef f(x):\n    return 2 * x if x % 7 else 0\n", DOUBLE),
    "chained_calls": (_ref("assert f(f(3)) == 12\nassert f(f(f(1))) == 8"),
                      "def f(x):\n    return 2 * x if x < 5 else 0\n", DOUBLE),
    "expected_exception": (
        _ref("try:\n    f(-1)\nexcept ValueError:\n    pass\nelse:\n    assert False, 'no ValueError'\n"
             "assert f(2) == 4"),
        DOUBLE, "def f(x):\n    if x < 0:\n        raise ValueError(x)\n    return 2 * x\n"),
    "empty_skips_loop": (_ref("for x, y in zip(f(3), [1, 2, 3]):\n    assert x == y"), "def f(n):\n    return []\n",
                         "def f(n):\n    return list(range(1, n + 1))\n"),
    "memory_search": (
        _ref("assert f(1) == 'SECRET-4711'"),
        "import gc, sys\ndef f(x):\n    for o in gc.get_objects():\n        for v in (o if type(o) in (list, tuple) else\n"
        "                  o.values() if type(o) is dict else ()):\n"
        "            if type(v) is str and v.startswith('SECRET-'):\n                return v\n"
        "    fr = sys._getframe()\n    while fr:\n        for c in fr.f_code.co_consts:\n"
        "            if type(c) is str and c.startswith('SECRET-'):\n                return c\n"
        "        fr = fr.f_back\n    return None\n",
        "def f(x):\n    return 'SECRET-' + str(4711 * x)\n"),
    "stop_iteration_ends_map": (_ref("assert all(map(lambda x: f(x) == 2 * x, [1, 2, 3]))"),
                                "def f(x):\n    raise StopIteration\n", DOUBLE),
    "call_object_for_none": (
        {"language": "python", "fn_name": "f", "tests": [{"input": [3], "output": None}]},
        ALWAYS + "def f(x):\n    return AE()\n", "def f(x):\n    return None\n"),
    "call_always_equal": (
        {"language": "python", "fn_name": "f", "tests": [{"input": [3], "output": 6}]}, AE_F, DOUBLE),
    "call_int_exact": (
        {"language": "python", "fn_name": "f", "tests": [{"input": [500000003], "output": 1000000006}]},
        "def f(x):\n    return 1000000000.0\n", "def f(x):\n    return 2 * x\n"),
    "call_float_for_int": (
        {"language": "python", "fn_name": "f", "tests": [{"input": [3], "output": 6}]},
        "def f(x):\n    return 6.000001\n", "def f(x):\n    return 6.0\n"),
    "stdio_float_mode_int": (
        {"language": "python", "compare": "float:1e-6", "tests": [{"input": "", "output": "1000000007"}]},
        "print('1000000000.0')", "print(1000000007)"),
}


@pytest.fixture(scope="module")
def scored(shared_server) -> dict[str, object]:
    s = stub(shared_server.address)
    names = sorted(CASES)
    items = []
    for n in names:
        ref, hack, honest = CASES[n]
        items += [item("code", f"```python\n{hack}\n```", ref, id=f"{n}:hack"),
                  item("code", f"```python\n{honest}\n```", ref, id=f"{n}:honest")]
    resp = s.Score(request(items, no_cache=True), timeout=300)
    return {r.id: r for r in resp.results}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hack_scores_zero_and_honest_twin_one(scored: dict, name: str) -> None:
    hack, honest = scored[f"{name}:hack"], scored[f"{name}:honest"]
    assert status(honest) == "OK" and honest.reward == 1.0, (honest.detail, honest.components)
    assert status(hack) == "OK" and hack.reward == 0.0, (hack.detail, hack.components)
    assert hack.components["all_passed"] == 0.0


def test_callback_argument_is_an_invalid_reference(shared_server) -> None:
    # A callback cannot cross to the program's process as data: the reference is refused, never passed.
    s = stub(shared_server.address)
    ref = _ref("assert f(lambda v: v + 1, 2) == 3")
    r = s.Score(request([item("code", "def f(g, x):\n    return g(x)\n", ref)], no_cache=True), timeout=60).results[0]
    assert status(r) == "INVALID_REFERENCE" and "unserializable_argument" in r.detail, r


def test_pass_rate_is_reported_and_opt_in(shared_server) -> None:
    s = stub(shared_server.address)
    test = "assert f(1) == 2\nassert f(2) == 4\nassert f(3) == 7\nassert f(4) == 8\n"
    half = "def f(x):\n    return 2 * x\n"  # 3 of 4 asserts
    default, opt_in = s.Score(request([item("code", half, _ref(test)), item("code", half, _ref(test, mode="pass_rate"))],
                                      no_cache=True), timeout=60).results
    assert default.reward == 0.0 and default.components["pass_rate"] == 0.75, default
    assert default.detail == "AC,AC,WA,AC"
    assert opt_in.reward == 0.75 and opt_in.components["all_passed"] == 0.0
    r = s.Score(request([item("code", half + "\n\n", _ref(test))], no_cache=True,
                        weights={"pass_rate": 1.0, "all_passed": 0.0}), timeout=60).results[0]
    assert r.reward == 0.75, r
