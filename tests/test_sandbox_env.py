"""The sandbox sees the server's own environment wherever it lives (a virtualenv under /tmp here),
and a sandbox that cannot import from it answers SANDBOX_ERROR, never a wrong answer."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import sysconfig

import pytest
from rpc import item, request, status, stub

from tests.serverproc import ServerProc

NUMPY_CODE = "```python\nimport numpy as np\nprint(int(np.arange(int(input())).sum()))\n```"
REF = {"language": "python", "tests": [{"input": "4\n", "output": "6"}, {"input": "5\n", "output": "10"}]}


def _tmp_venv(base: pathlib.Path) -> tuple[str, pathlib.Path]:
    """A virtualenv under /tmp whose own site-packages holds numpy; the other dependencies come from
    this environment through a .pth file (a directory the sandbox does not expose)."""
    assert str(base).startswith("/tmp/"), base
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    here = pathlib.Path(sysconfig.get_paths()["purelib"])
    import numpy

    site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    for name in os.listdir(here):
        if name == "numpy" or name.startswith(("numpy.libs", "numpy-")):
            src = here / name
            (shutil.copytree if src.is_dir() else shutil.copy2)(src, site / name)
    (site / "zz_deps.pth").write_text(f"import site; site.addsitedir({str(here)!r})\n")
    assert pathlib.Path(numpy.__file__).is_relative_to(here)
    return str(venv / "bin" / "python"), site


def test_server_in_a_tmp_virtualenv_runs_model_code_that_imports_numpy(tmp_path: pathlib.Path) -> None:
    python, site = _tmp_venv(tmp_path)
    where = subprocess.run([python, "-c", "import numpy; print(numpy.__file__)"], capture_output=True, text=True,
                           check=True).stdout
    assert where.startswith(str(site)), where  # the server's numpy is the one under /tmp
    with ServerProc(workers=1, python=python) as srv:
        s = stub(srv.address)
        resp = s.Score(request([item("code", NUMPY_CODE, REF), item("code", NUMPY_CODE.replace("sum", "prod"), REF)]),
                       timeout=120)
        assert [(status(r), r.reward, r.detail) for r in resp.results] == [("OK", 1.0, "AC,AC"), ("OK", 0.0, "WA,SKIP")]


def test_an_environment_runs_cannot_read_is_sandbox_error_never_a_wrong_answer(tmp_path: pathlib.Path) -> None:
    python, site = _tmp_venv(tmp_path)
    os.chmod(site, 0o700)  # readable by the server (root) only, not by a slot's uid
    if os.geteuid() != 0:
        pytest.fail("this check needs a root server (slot uids)")
    with ServerProc(workers=1, python=python, ready_service="rewardgym.v1.RewardService/game24") as srv:
        resp = stub(srv.address).Score(request([item("code", NUMPY_CODE, REF), item("game24", "x", {"numbers": [1, 2, 3, 4]})]),
                                       timeout=120)
        assert status(resp.results[0]) == "SANDBOX_ERROR" and resp.results[0].reward == 0.0, resp.results[0]
        assert "self-check" in resp.results[0].detail or "sandbox" in resp.results[0].detail
        assert status(resp.results[1]) in ("OK", "NO_ANSWER")
