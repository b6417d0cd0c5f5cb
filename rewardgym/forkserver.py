"""A minimal fork server for scoring workers.

Why our own and not multiprocessing's: that one re-imports the caller's ``__main__`` in every child,
which breaks scripts and embedded use. This one is a fresh interpreter (started with fork+exec,
safe even after gRPC threads exist) that preloads the task modules once, then forks a worker per
request. The parent sends one end of a socketpair with SCM_RIGHTS; the worker speaks on it.
The shared status array is a memfd both sides map.
"""

from __future__ import annotations

import importlib
import mmap
import os
import signal
import socket
import subprocess
import sys
import threading
import time

WORDS_PER_SLOT = 3  # [seq of the running item or -1, its start in monotonic ns, highest seq it may start]


NO_CUTOFF = 2**63 - 1


class ForkServer:
    """Parent-side handle. ``spawn(slot)`` → (pid, socket) of a fresh worker."""

    def __init__(self, slots: int, preload: list[str]) -> None:
        self.slots = slots
        self.preload = preload
        self.lock = threading.Lock()
        self.memfd = os.memfd_create("rewardgym-status", 0)
        os.ftruncate(self.memfd, max(mmap.PAGESIZE, slots * WORDS_PER_SLOT * 8))
        self.mm = mmap.mmap(self.memfd, 0)
        self.status = memoryview(self.mm).cast("q")
        for i in range(slots):
            self.status[WORDS_PER_SLOT * i] = -1
            self.status[WORDS_PER_SLOT * i + 2] = NO_CUTOFF
        self.restarts = 0
        self._retry_at = 0.0
        self._delay = 0.1
        self._start()

    def _start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rewardgym.forkserver", str(theirs.fileno()), str(self.memfd), *self.preload],
            pass_fds=(theirs.fileno(), self.memfd), env=env, close_fds=True,
        )
        theirs.close()
        self.ctrl = ours
        ready = self._readline()
        if ready != "ready":
            raise RuntimeError(f"fork server failed to start: {ready!r}")

    def _readline(self) -> str:
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = self.ctrl.recv(4096)
            if not chunk:
                raise RuntimeError("fork server exited")
            buf += chunk
        return buf.decode().strip()

    def alive(self) -> bool:
        return self.proc.poll() is None  # poll() also reaps a dead one

    def restart(self) -> bool:
        """Start a fresh fork server if this one died (fork+exec: safe with gRPC threads running).
        False when it could not; the next call retries after a growing pause (0.1 s doubling to 5 s)."""
        with self.lock:
            if self.proc.poll() is None:
                return True
            if time.monotonic() < self._retry_at:
                return False
            try:
                self.ctrl.close()
                self._start()
            except Exception as exc:  # noqa: BLE001 - reported, retried
                print(f"rewardgym fork server: restart failed: {exc!r}", file=sys.stderr)
                self._retry_at = time.monotonic() + self._delay
                self._delay = min(self._delay * 2, 5.0)
                return False
            self._delay = 0.1
            self.restarts += 1
            return True

    def spawn(self, slot: int) -> tuple[int, socket.socket]:
        with self.lock:
            if self.proc.poll() is not None:  # killed from outside: start another (fork+exec is safe)
                self.ctrl.close()
                self._start()
            parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                socket.send_fds(self.ctrl, [f"{slot}\n".encode()], [child_end.fileno()])
                pid = int(self._readline())
            finally:
                child_end.close()
            return pid, parent_end

    def close(self) -> None:
        try:
            self.ctrl.close()
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait(5)
            self.status.release()
            self.mm.close()
            os.close(self.memfd)


def _serve(ctrl_fd: int, memfd: int, preload: list[str]) -> None:
    from rewardgym import worker

    for name in preload:
        try:
            importlib.import_module(name)
        except Exception as exc:  # a broken plugin is reported by the registry, not fatal here
            print(f"rewardgym fork server: preload {name} failed: {exc!r}", file=sys.stderr)
    tasks = worker.load_tasks()  # instantiated once; every worker inherits them
    ctrl = socket.socket(fileno=ctrl_fd)
    mm = mmap.mmap(memfd, 0)
    status = memoryview(mm).cast("q")
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps our children
    ctrl.sendall(b"ready\n")
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(ctrl, 64, 1)
        except OSError:
            break
        if not msg:
            break  # the server is gone: so are we (workers see EOF on their own sockets)
        slot = int(msg.decode().strip())
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                ctrl.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                worker.serve(fds[0], status, slot, tasks)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(fds[0])
        ctrl.sendall(f"{pid}\n".encode())
    os._exit(0)


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:])
