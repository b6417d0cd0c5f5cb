"""Keep the local sandbox manager running: restart it on the same socket, with backoff, if it dies.

One thread owns the manager process: it waits on it (so a dead one is reaped at once, never left a
zombie), marks the sandbox down, and starts a new manager on the same socket path, which scoring
workers keep using. The thread lives as long as the server: the manager's parent-death signal
follows the thread that started it, so restarts must not come from short-lived threads.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import threading
import time
from typing import Any

from sandbox.api import SandboxError
from sandbox.local import LocalConfig, LocalHandle, start_local

log = logging.getLogger("sandbox.supervise")
BACKOFF_S = (0.1, 5.0)  # first retry, ceiling
STABLE_S = 30.0  # a manager that ran this long resets the backoff


class Supervisor:
    """A supervised local pool. ``up`` says whether it can take jobs now; ``addr`` never changes."""

    def __init__(self, config: LocalConfig | None = None, start_timeout: float = 60.0) -> None:
        self.config = config or LocalConfig()
        if not self.config.socket_path:
            self.config.socket_path = os.path.join(tempfile.mkdtemp(prefix="rewardgym-sandbox-"), "sandbox.sock")
        self.path = self.config.socket_path
        self.addr = f"unix:{self.path}"
        self.start_timeout = start_timeout
        self.handle: LocalHandle | None = None
        self.info: dict[str, Any] = {}
        self.restarts = 0
        self.last_error = ""
        self._up = threading.Event()
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def up(self) -> bool:
        return self._up.is_set()

    def start(self) -> Supervisor:
        """First start here (the caller's thread), then supervision in a thread of its own."""
        self._try_start()
        self._thread = threading.Thread(target=self._run, name="sandbox-supervisor", daemon=True)
        self._thread.start()
        return self

    def wait_up(self, timeout: float) -> bool:
        return self._up.wait(timeout)

    def _try_start(self) -> bool:
        try:
            h = start_local(self.config, export_env=False, timeout=self.start_timeout)
        except (SandboxError, OSError, ValueError) as exc:
            self.last_error = str(exc)
            log.error("sandbox failed to start: %s", exc)
            return False
        with self._lock:
            if self._closing.is_set():
                h.close()
                return False
            self.handle, self.info, self.last_error = h, h.info, ""
        self._up.set()
        return True

    def _run(self) -> None:
        delay = BACKOFF_S[0]
        while not self._closing.is_set():
            h = self.handle
            if h is not None and self._up.is_set():
                began = time.monotonic()
                code = h.proc.wait()  # reaps it: a killed manager is never left a zombie
                self._up.clear()
                if self._closing.is_set():
                    return
                if time.monotonic() - began > STABLE_S:
                    delay = BACKOFF_S[0]
                log.error("sandbox manager exited (%s); restarting in %.1fs", code, delay)
            if self._closing.wait(delay):
                return
            if self._try_start():
                self.restarts += 1
                log.warning("sandbox restarted (restart %d)", self.restarts)
            else:
                delay = min(delay * 2, BACKOFF_S[1])

    def executor(self) -> Any:
        from sandbox.local import LocalExecutor

        return LocalExecutor(self.path)

    def close(self) -> None:
        with self._lock:
            self._closing.set()
            h = self.handle
        self._up.clear()
        if h is not None:
            h.close()
        if self._thread is not None:
            self._thread.join(10)
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        with contextlib.suppress(OSError):
            os.rmdir(os.path.dirname(self.path))
        if os.environ.get("REWARDGYM_SANDBOX_ADDR") == self.addr:  # exported for workers: no longer valid
            del os.environ["REWARDGYM_SANDBOX_ADDR"]
