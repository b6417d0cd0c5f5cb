"""`bash scripts/test.sh` installs nothing into the Python environment it is run from: the test-only
plugins (one of them deliberately broken) and the dev tools live in its own virtualenv."""

from __future__ import annotations

import os
import subprocess
import venv
from pathlib import Path

from tests.serverproc import ROOT


def _freeze(py: Path) -> list[str]:
    out = subprocess.run([str(py), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    return sorted(out.split())


def test_test_command_leaves_the_calling_environment_alone(tmp_path: Path):
    user = tmp_path / "user-env"
    venv.create(user, with_pip=True)
    py = user / "bin" / "python"
    before = _freeze(py)
    r = subprocess.run(["bash", "scripts/test.sh", "--collect-only", "-q", "-n", "0", "tests/test_math_rules.py"],
                       cwd=ROOT, env={**os.environ, "PYTHON": str(py)}, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "test_math_rules.py" in r.stdout
    assert _freeze(py) == before
    assert not (user / "bin" / "rewardgym").exists()
