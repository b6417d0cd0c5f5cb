"""The remote backend (``python -m sandbox serve``) and the server-side wiring (``start_from_env``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

import sandbox
from envs.base import Status
from envs.code import CodeTask
from sandbox import Job, Limits
from sandbox.remote import RemoteExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def remote() -> Iterator[str]:
    addr = f"127.0.0.1:{_free_port()}"
    p = subprocess.Popen([sys.executable, "-m", "sandbox", "serve", "--addr", addr, "--workers", "2"], cwd=ROOT,
                         stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": ROOT})
    assert p.stdout is not None
    line = p.stdout.readline()
    assert b"serving" in line, line
    yield addr
    p.terminate()
    assert p.wait(20) == 0


def test_health_service_serving(remote: str) -> None:
    stub = health_pb2_grpc.HealthStub(grpc.insecure_channel(remote))
    for svc in ("", "rewardgym.v1.Sandbox"):
        r = stub.Check(health_pb2.HealthCheckRequest(service=svc), timeout=5)
        assert r.status == health_pb2.HealthCheckResponse.SERVING


def test_remote_execute_and_info(remote: str) -> None:
    ex = RemoteExecutor(remote)
    h = ex.health()
    assert "python" in h["languages"] and h["layers"]
    r = ex.execute(Job("cpp", "#include <cstdio>\nint main(){int a;scanf(\"%d\",&a);printf(\"%d\\n\",a*3);}",
                       stdins=["2", "5"]))
    assert [x.stdout for x in r.runs] == ["6\n", "15\n"] and r.compile is not None
    r = ex.execute(Job("python", "while True: pass", limits=Limits(time_s=0.3, wall_s=0.8)))
    assert r.runs[0].status == "TLE"


def test_code_task_over_remote(remote: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARDGYM_SANDBOX", "remote")
    monkeypatch.setenv("REWARDGYM_SANDBOX_ADDR", remote)
    assert sandbox.start_from_env() is None  # remote: nothing to start here
    t = CodeTask()
    t.setup()
    ref = t.parse_reference({"language": "python", "fn_name": "sq", "tests": [{"input": [3], "output": 9}]})
    assert t.score("def sq(x): return x * x", ref).reward == 1.0
    assert t.describe()["sandbox"] == "remote"


def test_remote_down_is_sandbox_error() -> None:
    t = CodeTask(executor=RemoteExecutor(f"127.0.0.1:{_free_port()}", timeout=2))
    v = t.score("print(1)", t.parse_reference({"language": "python", "tests": [{"input": "", "output": "1"}]}))
    assert v.status == Status.SANDBOX_ERROR


def test_start_from_env_local_exports_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARDGYM_SANDBOX_ADDR", "")  # restored (unset) after the test
    monkeypatch.delenv("REWARDGYM_SANDBOX_ADDR")
    monkeypatch.setenv("REWARDGYM_SANDBOX", "local")
    h = sandbox.start_from_env()
    try:
        addr = os.environ["REWARDGYM_SANDBOX_ADDR"]
        assert addr.startswith("unix:") and os.path.exists(addr[5:])
        info = sandbox.health()
        assert info["backend"] == "local" and info["layers"]
        # a forked worker inherits the address and connects in CodeTask.setup()
        t = CodeTask()
        t.setup()
        ref = t.parse_reference({"language": "python", "tests": [{"input": "4", "output": "16"}]})
        assert t.score("print(int(input()) ** 2)", ref).reward == 1.0
    finally:
        h.close()
    assert not os.path.exists(addr[5:]) and "REWARDGYM_SANDBOX_ADDR" not in os.environ


def test_bad_backend_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARDGYM_SANDBOX", "firecracker")
    with pytest.raises(sandbox.SandboxError):
        sandbox.start_from_env()
