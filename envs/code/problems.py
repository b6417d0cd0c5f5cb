"""A small built-in set of simple problems for ``CodeTask.sample`` (and the Gymnasium env)."""

from __future__ import annotations

from typing import Any

_FMT = ("Write a complete program in Python that reads standard input and writes standard output. "
        "Put the code in a ```python fenced block.")
_FN = "Write the Python function. Put the code in a ```python fenced block."

PROBLEMS: list[dict[str, Any]] = [
    {"prompt": f"Read two integers a and b on one line and print a + b.\n\n{_FMT}",
     "reference": {"kind": "stdio", "language": "python", "tests": [
         {"input": "1 2", "output": "3"}, {"input": "-5 5", "output": "0"},
         {"input": "1000000000 1000000000", "output": "2000000000"}]}},
    {"prompt": f"Read a line of text and print it reversed.\n\n{_FMT}",
     "reference": {"kind": "stdio", "language": "python", "tests": [
         {"input": "abc", "output": "cba"}, {"input": "racecar", "output": "racecar"},
         {"input": "hello world", "output": "dlrow olleh"}]}},
    {"prompt": f"Read n, then n integers on the next line; print their maximum.\n\n{_FMT}",
     "reference": {"kind": "stdio", "language": "python", "tests": [
         {"input": "3\n1 5 2", "output": "5"}, {"input": "1\n-7", "output": "-7"},
         {"input": "4\n9 9 1 0", "output": "9"}]}},
    {"prompt": f"Write `def is_prime(n: int) -> bool` that says whether n is a prime number.\n\n{_FN}",
     "reference": {"kind": "assert", "language": "python", "entry_point": "is_prime",
                   "test": "def check(candidate):\n    assert candidate(2) == True\n    assert candidate(1) == False\n"
                           "    assert candidate(97) == True\n    assert candidate(91) == False\n"}},
    {"prompt": f"Write `def fib(n: int) -> int` returning the n-th Fibonacci number (fib(0)=0, fib(1)=1).\n\n{_FN}",
     "reference": {"kind": "call", "language": "python", "fn_name": "fib", "tests": [
         {"input": [0], "output": 0}, {"input": [1], "output": 1}, {"input": [10], "output": 55},
         {"input": [30], "output": 832040}]}},
    {"prompt": f"Write `def word_count(s: str) -> dict` mapping each whitespace-separated word to its count.\n\n{_FN}",
     "reference": {"kind": "call", "language": "python", "fn_name": "word_count", "tests": [
         {"input": ["a b a"], "output": {"a": 2, "b": 1}}, {"input": [""], "output": {}}]}},
]
