"""The public contract, the plugin mechanism, Gymnasium registration and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import gymnasium
import pytest
from gymnasium.utils.env_checker import check_env
from rpc import item, request, status, stub

from envs.registry import discover
from tests.conftest import pip_install
from tests.serverproc import ROOT, ServerProc


def test_committed_stubs_match_the_proto():
    r = subprocess.run([sys.executable, "-m", "rewardgym.protogen", "--check"], cwd=ROOT, capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_client_side_imports_need_only_grpc_and_protobuf():
    code = ("import sys\n"
            "for m in ('sympy','gymnasium','numpy','docker','envs'): sys.modules[m] = None\n"
            "import rewardgym, rewardgym.v1.reward_pb2, rewardgym.v1.reward_pb2_grpc, trainer_client\n"
            "print('ok')")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.stdout.strip() == "ok", r.stderr


def test_builtin_tasks_come_through_entry_points():
    errors: list[str] = []
    tasks = discover(errors)
    assert {"game24", "countdown", "sleepy", "crashy"} <= set(tasks)
    # a plugin whose entry point is broken is reported, not fatal
    assert any("broken" in e for e in errors)


def _pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args, "-q", "--disable-pip-version-check"], check=True)


def test_out_of_tree_plugin_is_discovered_and_scored_through_a_server():
    _pip("uninstall", "-y", "rewardgym-sortnum")
    ref = {"numbers": [3, -1, 2]}
    try:
        with ServerProc(workers=1) as srv:
            r = stub(srv.address).Score(request([item("sortnum", "<answer>-1 2 3</answer>", ref)]), timeout=10)
            assert status(r.results[0]) == "UNKNOWN_TASK"
        pip_install("examples/rewardgym-sortnum")
        with ServerProc(workers=1) as srv:
            s = stub(srv.address)
            names = [t.name for t in s.ListTasks(__import__("rewardgym.v1.reward_pb2", fromlist=["x"]).ListTasksRequest(),
                                                 timeout=10).tasks]
            assert "sortnum" in names
            r = s.Score(request([item("sortnum", "<answer>-1, 2, 3</answer>", ref),
                                 item("sortnum", "<answer>3 2 -1</answer>", ref),
                                 item("sortnum", "<answer>1 2 3</answer>", {"numbers": "x"})]), timeout=10)
            assert [(status(x), x.reward) for x in r.results] == [("OK", 1.0), ("OK", 0.0), ("INVALID_REFERENCE", 0.0)]
        import importlib

        import envs.gym_env

        importlib.reload(envs.gym_env)  # picks up the newly installed entry point
        env = gymnasium.make("rewardgym/Sortnum-v0")
        obs, info = env.reset(seed=1)
        assert "Sort" in obs
    finally:
        pip_install("examples/rewardgym-sortnum")  # leave it installed for the rest of the suite


@pytest.mark.parametrize("env_id", ["rewardgym/Game24-v0", "rewardgym/Countdown-v0"])
def test_builtin_envs_pass_check_env(env_id):
    import envs.gym_env  # noqa: F401  (registers the rewardgym/ namespace)

    env = gymnasium.make(env_id)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a checker warning is a failure here
        check_env(env.unwrapped, skip_render_check=True)
    obs, info = env.reset(seed=5)
    obs2, _ = env.reset(seed=5)
    assert obs == obs2 and info["reference"]["numbers"]
    _, reward, terminated, truncated, info = env.step("<answer>1+1</answer>")
    assert (reward, terminated, truncated) == (0.0, True, False) and info["status"] == "ok"


def test_every_sampling_builtin_passes_check_env():
    import envs.gym_env

    builtin = {n: t for n, t in envs.gym_env._tasks().items() if type(t).__module__.startswith("envs.")}
    assert builtin
    for name, task in builtin.items():
        assert task.can_sample, f"built-in task {name} has no generator"
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            check_env(envs.gym_env.TaskEnv(name), skip_render_check=True)


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rewardgym", *args], cwd=ROOT, capture_output=True, text=True,
                          input=stdin, timeout=120)


def test_cli_sample_and_embedded_score(tmp_path):
    r = _cli("sample", "--task", "game24", "-n", "20", "--seed", "1")
    assert r.returncode == 0, r.stderr
    problems = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(problems) == 20 and _cli("sample", "--task", "game24", "-n", "20", "--seed", "1").stdout == r.stdout
    from envs.game24 import solver

    items = tmp_path / "items.jsonl"
    with items.open("w") as f:
        for k, p in enumerate(problems):
            sol = solver.solutions(p["reference"]["numbers"])[0][0] if k % 2 == 0 else "1+1"
            f.write(json.dumps({"id": f"p{k}", "task": "game24", "completion": f"<answer>{sol}</answer>",
                                "reference": p["reference"]}) + "\n")
        f.write("{broken json\n")
        f.write(json.dumps({"task": "nope", "completion": "x", "reference": {}}) + "\n")
    out = tmp_path / "results.jsonl"
    r = _cli("score", str(items), "-o", str(out), "--workers", "2")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 22
    assert set(rows[0]) == {"id", "index", "reward", "status", "components", "extracted", "detail", "task_version"}
    assert [x["reward"] for x in rows[:20]] == [1.0 if k % 2 == 0 else 0.0 for k in range(20)]
    assert rows[0]["id"] == "p0" and rows[0]["status"] == "ok"
    assert rows[20]["status"] == "invalid_reference" and "line 21" in rows[20]["detail"]
    assert rows[21]["status"] == "unknown_task"
    assert "mean reward 0.4545" in r.stderr and "ok=20" in r.stderr and "unknown_task=1" in r.stderr


def test_cli_against_a_server(shared_server, tmp_path):
    items = tmp_path / "items.jsonl"
    items.write_text("".join(json.dumps({"task": "game24", "completion": f"<answer>(8-4)*(7-1)</answer> {k}",
                                         "reference": {"numbers": [4, 7, 8, 1]}}) + "\n" for k in range(5)))
    r = _cli("score", str(items), "--server", shared_server.address)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [x["reward"] for x in rows] == [1.0] * 5 and [x["index"] for x in rows] == list(range(5))
    r = _cli("tasks", "--server", shared_server.address, "--json")
    assert "game24" in {t["name"] for t in json.loads(r.stdout)}
    assert _cli("health", "--address", shared_server.address).returncode == 0
    assert _cli("health", "--address", "127.0.0.1:1", "--timeout", "0.5").returncode == 1
