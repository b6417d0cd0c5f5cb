"""Shared fixtures: real servers on loopback ports. No mocks of our own parts."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

from tests.serverproc import ROOT, ServerProc

sys.path.insert(0, str(ROOT / "tests"))


def pip_install(path: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", str(ROOT / path)], check=True)


@pytest.fixture(scope="session", autouse=True)
def _test_tasks_installed() -> None:
    """The misbehaving test tasks (sleepy, crashy) are a plugin package: install it once."""
    try:
        importlib.metadata.distribution("rewardgym-testtasks")
    except importlib.metadata.PackageNotFoundError:
        pip_install("tests/plugins/rewardgym_testtasks")


@pytest.fixture
def rg_server() -> Iterator[ServerProc]:
    srv = ServerProc(workers=2).start()
    yield srv
    srv.stop()


@pytest.fixture
def rg_server_factory() -> Iterator[Callable[..., ServerProc]]:
    made: list[ServerProc] = []

    def make(**kw: object) -> ServerProc:
        srv = ServerProc(**kw).start()  # type: ignore[arg-type]
        made.append(srv)
        return srv

    yield make
    for srv in made:
        srv.stop()


@pytest.fixture(scope="module")
def shared_server() -> Iterator[ServerProc]:
    """One server for a module of read-mostly tests (its cache is shared: use distinct items)."""
    srv = ServerProc(workers=2).start()
    yield srv
    srv.stop()
