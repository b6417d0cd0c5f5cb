"""The real ``rewardgym`` command on common mistakes: one line on stderr saying what to do, a
documented exit code, no traceback unless --debug."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.serverproc import ROOT, ServerProc, free_port

ITEM = {"task": "game24", "completion": "<answer>(8-4)*(7-1)</answer>", "reference": {"numbers": [4, 7, 8, 1]}}


def rg(*args: str, stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "rewardgym", *args], capture_output=True, text=True, input=stdin,
                          timeout=timeout, env=env, cwd=ROOT)


def _lines(text: str) -> list[str]:
    # The test plugin package ships a deliberately broken entry point; its load warning is not ours.
    return [ln for ln in text.splitlines() if ln.strip() and "task plugin broken" not in ln]


def _items(tmp_path: Path, lines: list[str]) -> str:
    p = tmp_path / "items.jsonl"
    p.write_text("\n".join(lines) + "\n")
    return str(p)


def test_unreachable_server_one_line_nonzero_within_15s(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    path = _items(tmp_path, [json.dumps(ITEM)] * 100)
    t0 = time.monotonic()
    r = rg("score", "--server", f"127.0.0.1:{port}", path, "-q")
    took = time.monotonic() - t0
    assert r.returncode == 3 and took <= 15, (r.returncode, took)
    (line,) = _lines(r.stderr)
    assert "cannot reach a server" in line and "rewardgym serve" in line, line
    assert r.stdout == ""
    for cmd in (["tasks"], ["sample", "--task", "game24"]):
        r = rg(*cmd, "--server", f"127.0.0.1:{port}")
        assert r.returncode == 3 and len(_lines(r.stderr)) == 1 and "Traceback" not in r.stderr


def test_wrong_token_one_line(tmp_path: Path) -> None:
    with ServerProc(workers=1, token="s3cret") as srv:
        path = _items(tmp_path, [json.dumps(ITEM)])
        r = rg("score", "--server", srv.address, "--token", "nope", path, "-q")
        assert r.returncode == 3
        (line,) = _lines(r.stderr)
        assert "refused the token" in line and "--token" in line
        # the honest twin: the right token scores
        r = rg("score", "--server", srv.address, "--token", "s3cret", path, "-q")
        assert r.returncode == 0 and json.loads(r.stdout)["reward"] == 1.0, r.stderr


def test_every_line_invalid_exits_nonzero(tmp_path: Path) -> None:
    deep = '{"task": "game24", "completion": "x", "reference": ' + "[" * 200_000 + "]" * 200_000 + "}"
    path = _items(tmp_path, ["not json", json.dumps({"task": "game24"}), deep])
    r = rg("score", path, "-q")
    assert r.returncode == 1, r.stderr
    out = [json.loads(ln) for ln in r.stdout.splitlines()]
    assert [o["status"] for o in out] == ["invalid_reference"] * 3 and "nested deeper" in out[2]["detail"]
    assert "nothing could be scored" in r.stderr and "Traceback" not in r.stderr
    # the honest twin: one good line among them is scored, exit 0
    path = _items(tmp_path, ["not json", json.dumps(ITEM)])
    r = rg("score", path, "-q")
    assert r.returncode == 0 and [json.loads(ln)["reward"] for ln in r.stdout.splitlines()] == [0.0, 1.0]


def test_missing_file_bad_option_bad_weight_one_line_each(tmp_path: Path) -> None:
    cases = [
        (["score", str(tmp_path / "nope.jsonl")], "no such file"),
        (["sample", "--task", "game24", "--option", "difficulty=impossible"], "difficulty"),
        (["sample", "--task", "game24", "--option", "difficulty"], "NAME=VALUE"),
        (["score", _items(tmp_path, [json.dumps(ITEM)]), "--weight", "accuracy=nan"], "finite"),
        (["score", _items(tmp_path, [json.dumps(ITEM)]), "--weight", "acuracy=1"], "acuracy"),
    ]
    for args, want in cases:
        r = rg(*args)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        lines = _lines(r.stderr)
        assert len(lines) == 1 and want in lines[0] and "Traceback" not in r.stderr, (args, r.stderr)
    r = rg("--debug", "score", str(tmp_path / "nope.jsonl"))  # --debug: the traceback too
    assert r.returncode == 2 and "Traceback" in r.stderr


def test_busy_port_for_serve_one_line() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        r = rg("serve", "--address", f"127.0.0.1:{port}", "--workers", "1", timeout=60)
    assert r.returncode == 3
    (line,) = _lines(r.stderr)
    assert f"127.0.0.1:{port}" in line and "--address" in line


@pytest.mark.parametrize("cmd", [["sample", "--task", "game24", "-n", "20000"], ["tasks"]])
def test_output_closed_early_is_quiet(cmd: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.Popen([sys.executable, "-m", "rewardgym", *cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env, cwd=ROOT)
    assert p.stdout is not None and p.stderr is not None
    p.stdout.readline()
    p.stdout.close()  # what `| head -1` does
    err = p.stderr.read().decode()
    assert p.wait(60) == 0 and "Traceback" not in err and "BrokenPipe" not in err, err
