"""The client under the oldest grpcio/protobuf it supports, against a real server of the main environment.

A second virtualenv (.venv-test-oldpins/, git-ignored, built once and rebuilt when the pins or
pyproject.toml change) gets the oldest pins and then `pip install .` without extras, so pip itself checks
that the client's declared requirements accept them. The newest pins are what the main test venv has.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serverproc import ROOT, ServerProc

OLDEST = {"grpcio": "1.60.0", "protobuf": "4.25.0"}
VENV = ROOT / ".venv-test-oldpins"


def _pip(py: Path, *args: str) -> None:
    subprocess.run([str(py), "-m", "pip", "-q", "--disable-pip-version-check", *args], check=True, timeout=900)


@pytest.fixture(scope="module")
def old_python() -> Path:
    py = VENV / "bin" / "python"
    stamp = hashlib.sha256(json.dumps(OLDEST).encode() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp_file = VENV / ".rewardgym-stamp"
    if not py.exists() or not stamp_file.exists() or stamp_file.read_text() != stamp:
        venv.create(VENV, with_pip=True, clear=True)
        _pip(py, "install", *(f"{k}=={v}" for k, v in OLDEST.items()), "pytest>=8", "pytest-timeout>=2.2")
        _pip(py, "install", str(ROOT))  # the client-only install: no extras
        stamp_file.write_text(stamp)
    return py


def _env() -> dict[str, str]:
    # The working tree first, so the code under test is the current one, not the copy `pip install .` made.
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT), "HOME": str(VENV)}


def test_oldest_pins_are_what_the_old_venv_runs(old_python: Path):
    out = subprocess.run([str(old_python), "-c", "import grpc, google.protobuf as p; print(grpc.__version__, p.__version__)"],
                         capture_output=True, text=True, env=_env(), timeout=60, check=True).stdout.split()
    assert out == [OLDEST["grpcio"], OLDEST["protobuf"]]
    # nothing of the server came with the client-only install
    missing = subprocess.run([str(old_python), "-c", "import importlib.util as u; print([m for m in "
                              "('sympy', 'gymnasium', 'numpy', 'grpc_health', 'grpc_tools') if u.find_spec(m)])"],
                             capture_output=True, text=True, env=_env(), timeout=60, check=True).stdout.strip()
    assert missing == "[]"


def test_client_unit_tests_pass_under_oldest_pins(old_python: Path):
    r = subprocess.run([str(old_python), "-m", "pytest", "-q", "--noconftest", "-p", "no:cacheprovider",
                        "tests/test_client_core.py"], cwd=ROOT, capture_output=True, text=True, env=_env(), timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert " passed" in r.stdout and "skipped" not in r.stdout


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProc]:
    with ServerProc(workers=1, token="t0k") as srv:
        yield srv


def test_client_scores_against_a_server_under_oldest_pins(old_python: Path, server: ServerProc):
    r = subprocess.run([str(old_python), str(ROOT / "tests" / "oldpins_client.py"), server.address, "t0k"],
                       capture_output=True, text=True, env=_env(), timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout)
    assert (out["grpc"], out["protobuf"]) == (OLDEST["grpcio"], OLDEST["protobuf"])
    assert out["score"] == [[str(i), float(i % 2), "ok"] for i in range(10)]
    assert out["texts"] == [1.0, 0.0, 0.0]
    assert out["stream"] == [[i, float(i % 2)] for i in range(9)]
    assert {"game24", "countdown", "math", "code"} <= set(out["tasks"])
    assert len(out["sample"]) == 2 and all("numbers" in ref for ref in out["sample"])
    assert out["step"] == "no_answer"
    assert "UNAUTHENTICATED" in out["bad_token"]
    assert out["async_score"] == [[str(i), float(i % 2), "ok"] for i in range(7)]
    assert out["async_stream"] == [[i, float(i % 2)] for i in range(5)]
    assert sys.executable != str(old_python)
