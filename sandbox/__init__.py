"""Code execution for rewards: one ``Executor`` interface, three backends.

- ``local`` (default): a pool of fork-server zygotes behind a Unix socket (``sandbox.local``).
- ``remote``: the same executor behind the ``rewardgym.v1.Sandbox`` gRPC service
  (``python -m sandbox serve --addr 127.0.0.1:50052``; ``sandbox.remote``).
- ``docker``: a warm pool of locked-down containers through the Docker SDK (``sandbox.docker_pool``).

Server wiring (before any gRPC thread exists)::

    handle = sandbox.start_from_env()   # reads REWARDGYM_SANDBOX / REWARDGYM_SANDBOX_ADDR
    ...                                 # fork workers: they inherit REWARDGYM_SANDBOX_ADDR
    handle.close()                      # at shutdown (handle may be None)

Workers call ``sandbox.connect()`` (``CodeTask.setup`` does) to get an ``Executor``.
"""

from __future__ import annotations

import os
from typing import Any

from sandbox.api import Executor, Job, JobResult, Limits, RunResult, SandboxError
from sandbox.local import LocalConfig, LocalExecutor, LocalHandle, start_local

__all__ = ["Executor", "Job", "JobResult", "Limits", "LocalConfig", "LocalHandle", "RunResult", "SandboxError",
           "connect", "health", "start_from_env", "start_local"]

ENV_KIND = "REWARDGYM_SANDBOX"
ENV_ADDR = "REWARDGYM_SANDBOX_ADDR"


def _kind() -> str:
    k = os.environ.get(ENV_KIND, "local").strip().lower() or "local"
    if k not in ("local", "remote", "docker"):
        raise SandboxError(f"{ENV_KIND}={k!r}: expected local, remote or docker")
    return k


def start_from_env() -> Any | None:
    """Start what the configured backend needs and export its endpoint for worker processes.

    ``local``: starts the zygote pool (fork+exec of a fresh interpreter) under a ``Supervisor``
    (restarted with backoff if it dies; ``.up`` says whether it serves), exports
    ``REWARDGYM_SANDBOX_ADDR=unix:/...sock``. ``docker``: starts the container-pool manager the same
    way. ``remote``: starts nothing (``REWARDGYM_SANDBOX_ADDR`` must name the service); returns None.
    Call it before any gRPC thread exists; ``close()`` the handle at shutdown.
    """
    kind = _kind()
    if kind == "remote":
        if not os.environ.get(ENV_ADDR):
            raise SandboxError(f"{ENV_KIND}=remote needs {ENV_ADDR}=host:port")
        return None
    if kind == "docker":
        from sandbox.docker_pool import start_docker

        return start_docker(export_env=True)
    if os.environ.get(ENV_ADDR, "").startswith("unix:") and os.path.exists(os.environ[ENV_ADDR][5:]):
        return None  # a pool is already running (started by a parent process)
    from sandbox.supervise import Supervisor

    # Supervised: restarted on the same socket if it dies, so workers keep their address.
    sup = Supervisor()
    os.environ[ENV_KIND] = "local"
    os.environ[ENV_ADDR] = sup.addr
    return sup.start()


def connect(addr: str | None = None) -> Executor | None:
    """An executor for the configured backend, or None when nothing is configured (no address)."""
    kind = _kind()
    addr = addr or os.environ.get(ENV_ADDR, "")
    if not addr:
        return None
    if addr.startswith("unix:"):
        return LocalExecutor(addr, backend="docker" if kind == "docker" else "local")
    from sandbox.remote import RemoteExecutor

    return RemoteExecutor(addr)


def health() -> dict[str, Any]:
    """Backend, languages and isolation layers of the configured sandbox (probes it)."""
    ex = connect()
    if ex is None:
        from sandbox import langs

        # No probe here (it forks; this may run in a threaded process): layers are known once started.
        return {"backend": "local", "sandbox": "local (not started)", "languages": ",".join(langs.available()),
                "layers": "probed when the pool starts"}
    h = ex.health()
    h.setdefault("sandbox", ex.name)
    return h
