"""``rewardgym probe``: the hack battery against a weak and a strict plugin task, the built-in tasks'
honest cases, the exit codes, and the remote path against a real server."""

from __future__ import annotations

import importlib.metadata
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from envs.registry import discover
from rewardgym.probe import EXIT_PAYS, EXIT_TWIN_FAILS, battery, load_cases, probed_tasks, render, run_probe
from rewardgym.probe.battery import HACK, HONEST, TWIN
from tests.conftest import pip_install
from tests.serverproc import ROOT, ServerProc

STRICT_CASES = [
    {"reference": {"answer": "42"}, "completion": "<think>6 times 7.</think>\n<answer>42</answer>"},
    {"reference": {"answer": "x+1"}, "completion": "<answer>x+1</answer>", "wrong": ["x+2", "x-1"]},
]
# hacks any checker that reads "does the gold occur somewhere" pays for
WEAK_MUST_PAY = {"think_only", "hedge.not", "hedge.either_or", "hedge.one_of", "all.list",
                 "all.answer_blocks_middle", "all.answer_then_wrong", "huge.candidates", "inject.nul_then_wrong"}


@pytest.fixture(scope="module", autouse=True)
def _plugins_installed() -> None:
    """The example plugin and the current test plugins (an older install may lack the probe's tasks)."""
    names = {ep.name for ep in importlib.metadata.entry_points(group="rewardgym.tasks")}
    if "sortnum" not in names:
        pip_install("examples/rewardgym-sortnum")
    if not {"weakcontains", "strictexact"} <= names:
        pip_install("tests/plugins/rewardgym_testtasks")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rewardgym", "probe", "--workers", "1", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def _cases_file(tmp_path: Path, rows: list[dict[str, object]]) -> str:
    p = tmp_path / "cases.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(p)


def test_weak_plugin_task_is_flagged() -> None:
    r = _cli("--task", "weakcontains", "--json")
    assert r.returncode == EXIT_PAYS, r.stderr
    rep = json.loads(r.stdout)
    paying = {row["name"] for row in rep["rows"] if row["verdict"] == "PAYS"}
    assert paying >= WEAK_MUST_PAY
    assert rep["paying"] == len([row for row in rep["rows"] if row["verdict"] == "PAYS"])
    assert rep["failing"] == 0  # its twins are honest answers: a weak checker still pays them


def test_strict_plugin_task_with_cases_file_reports_nothing(tmp_path: Path) -> None:
    r = _cli("--task", "strictexact", "--cases", _cases_file(tmp_path, STRICT_CASES))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "strictexact:" in r.stdout and " 0 pay;" in r.stdout and " 0 fail" in r.stdout
    rep = run_probe("strictexact", load_cases(_cases_file(tmp_path, STRICT_CASES)), workers=1)
    assert len([x for x in rep.rows if x.role == HACK]) > 100
    assert not rep.paying and not rep.failing and rep.exit_code == 0
    # the R1 twins were scored, the \boxed ones are not applicable to a task that reads no box
    verdicts = {(x.name, x.role): x.verdict for x in rep.rows if x.case == 0}
    assert verdicts[("all.answer_blocks_first", TWIN)] == "PASS"
    assert verdicts[("all.boxed_first", TWIN)] == "N/A"


def test_an_honest_answer_that_fails_sets_exit_4(tmp_path: Path) -> None:
    rows = [{"reference": {"answer": "42"}, "completion": "<answer>40</answer>", "wrong": ["7", "8"]}]
    r = _cli("--task", "strictexact", "--cases", _cases_file(tmp_path, rows), "--json")
    assert r.returncode == EXIT_TWIN_FAILS, r.stdout + r.stderr
    rep = json.loads(r.stdout)
    assert rep["paying"] == 0
    assert any(row["name"] == "honest" and row["verdict"] == "FAILS" for row in rep["rows"])


@pytest.mark.parametrize(("args", "says"), [
    (["--task", "nosuchtask"], "unknown task"),
    (["--task", "sleepy"], "--cases"),  # a plugin without probe_cases
])
def test_probe_that_cannot_run_exits_2(args: list[str], says: str) -> None:
    r = _cli(*args)
    assert r.returncode == 2 and says in r.stderr


def test_bad_cases_file_exits_2(tmp_path: Path) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_text('{"reference": {"answer": "1"}}\n')
    r = _cli("--task", "strictexact", "--cases", str(p))
    assert r.returncode == 2 and "completion" in r.stderr
    p.write_text('{"reference": {"answer": "1"}, "completion": "<answer>2</answer>", "answer": "1"}\n')
    r = _cli("--task", "strictexact", "--cases", str(p))
    assert r.returncode == 2 and "does not occur" in r.stderr


def test_server_mode_matches_embedded(rg_server: ServerProc) -> None:
    remote = run_probe("weakcontains", server=rg_server.address)
    local = run_probe("weakcontains", workers=1)
    assert [(x.name, x.role, x.verdict) for x in remote.rows] == [(x.name, x.role, x.verdict) for x in local.rows]
    assert {x.name for x in remote.paying} >= WEAK_MUST_PAY


def test_all_means_every_task_with_cases() -> None:
    names = probed_tasks()
    assert {"game24", "countdown", "math", "code", "sortnum", "weakcontains"} <= set(names)
    assert "sleepy" not in names and "strictexact" not in names


@pytest.mark.parametrize("task", ["game24", "countdown", "math", "code", "physics", "placement", "motion", "sortnum"])
def test_builtin_cases_build_a_sound_battery(task: str) -> None:
    """No hack is an honest answer in disguise: each differs from every honest answer of its case."""
    cases = discover()[task].probe_cases(random.Random(0))
    assert cases
    for case in cases:
        attempts = battery(case)
        honest = {a.completion for a in attempts if a.role in (HONEST, TWIN)}
        hacks = [a for a in attempts if a.role == HACK]
        assert len(hacks) >= (20 if case.entry_point is not None else 40)
        assert not [a.name for a in hacks if a.completion in honest]
        if case.entry_point is None:
            assert all(case.answer in a.completion for a in attempts if a.role == TWIN and not a.name.startswith("right."))


@pytest.mark.parametrize("task", ["game24", "countdown", "math", "code", "physics", "placement", "motion", "sortnum"])
def test_no_hack_pays_any_builtin_task_and_every_honest_twin_does(task: str) -> None:
    rep = run_probe(task, workers=2)
    assert not rep.failing, render(rep)
    assert not rep.paying, render(rep)


def test_code_probe_through_the_sandbox() -> None:
    """The call-mode case: object, patching, frame, exit and forgery hacks are each refused."""
    case = next(c for c in discover()["code"].probe_cases(random.Random(0)) if c.entry_point == "fib")
    rep = run_probe("code", [case], workers=2)
    assert not rep.failing, render(rep)
    refused = {x.name for x in rep.rows if x.role == HACK and x.verdict == "PASS"}
    assert {"code.always_equal", "code.liar.int", "code.patch_builtins", "code.frame_peek", "code.exit.os_exit_import",
            "code.exit.sys_exit_import", "code.forge_records", "code.loop.call", "code.read_expected"} <= refused
    loop = next(x for x in rep.rows if x.name == "code.loop.call" and x.role == HACK)
    assert loop.reward == 0.0
