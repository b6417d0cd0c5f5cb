"""The ``local`` backend: a manager process owning a pool of zygotes behind one Unix socket.

``start_local()`` execs the manager with a clean environment (so no server secret is in its memory
or ``/proc/<pid>/environ``), which probes the host's isolation layers, binds the socket and forks one
zygote per slot (each single-threaded, each with its own slot uid and cgroup). Every zygote blocks
in ``accept()`` on the shared socket, so the kernel hands each job to an idle one. Clients open one
connection per job. A zygote that dies or finds its slot dirty is replaced with a fresh slot uid.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox import sitedirs
from sandbox.api import Executor, Job, JobResult, SandboxError

if TYPE_CHECKING:
    import subprocess

# subprocess and tempfile are imported where used, never at module level: the manager and its
# zygotes import this module, and a zygote that has `threading` loaded (subprocess imports it) pays
# ~0.25 ms more per run in the child's at-fork handlers.

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UID_BASE = 20000
UID_SPAN = 1000  # slot uids of one pool: [base, base + UID_SPAN); pools on one host get disjoint ranges
UID_RANGES = 40
LOCK_DIR = "/run/rewardgym-sandbox-uids"
RECONNECT_S = 5.0  # a job that lost its zygote is re-run once if the pool listens again within this


@dataclass
class LocalConfig:
    workers: int = 0  # zygotes (concurrent jobs); 0: REWARDGYM_SANDBOX_WORKERS, else one per core
    uid_base: int = 0  # 0: the first free range of UID_SPAN uids from UID_BASE (a lock file per range)
    socket_path: str = ""  # "" : a fresh private directory under /tmp
    compile_time_s: float = 20.0
    extra: dict[str, Any] = field(default_factory=dict)


class LocalHandle:
    """The running pool. ``addr`` goes into ``REWARDGYM_SANDBOX_ADDR`` for worker processes."""

    def __init__(self, proc: subprocess.Popen, path: str, info: dict[str, Any]) -> None:
        self.proc = proc
        self.path = path
        self.addr = f"unix:{path}"
        self.info = info

    def rss(self) -> int:
        """Resident memory of the manager and its zygotes (bytes)."""
        total = 0
        pids = [self.proc.pid]
        with contextlib.suppress(OSError), open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as f:
            pids += [int(x) for x in f.read().split()]
        for pid in pids:
            with contextlib.suppress(OSError, ValueError), open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        return total

    def executor(self) -> LocalExecutor:
        return LocalExecutor(self.path)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            import subprocess

            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        with contextlib.suppress(OSError):
            os.unlink(self.path)
            os.rmdir(os.path.dirname(self.path))
        if os.environ.get("REWARDGYM_SANDBOX_ADDR") == self.addr:  # exported by us: no longer valid
            del os.environ["REWARDGYM_SANDBOX_ADDR"]

    def __enter__(self) -> LocalHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def start_local(config: LocalConfig | None = None, *, export_env: bool = True, timeout: float = 30.0) -> LocalHandle:
    """Start the local sandbox pool; returns once it serves. Safe to call with gRPC threads running
    (it fork+execs a fresh interpreter), but the server should call it at startup anyway.
    With ``export_env`` it sets ``REWARDGYM_SANDBOX=local`` and ``REWARDGYM_SANDBOX_ADDR``."""
    import subprocess
    import tempfile

    cfg = config or LocalConfig()
    path = cfg.socket_path or os.path.join(tempfile.mkdtemp(prefix="rewardgym-sandbox-"), "sandbox.sock")
    # One zygote per core measured fastest for CPU-bound runs (2 cores: ~430-510 runs/s vs ~370-380
    # with 4); raise it where many runs sleep or wait on I/O.
    workers = cfg.workers or int(os.environ.get("REWARDGYM_SANDBOX_WORKERS", "0") or 0) or (os.cpu_count() or 1)
    args = {"path": path, "workers": workers, "uid_base": cfg.uid_base, "compile_time_s": cfg.compile_time_s,
            **cfg.extra}
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONPATH": ROOT,
           "PYTHONDONTWRITEBYTECODE": "1"}
    # -S: no `site`. Its .pth hooks (editable-install finders, certificate shims) import ~80 modules,
    # and every page they occupy is copied and torn down again on each run's fork: a -S zygote forks
    # in about half the time. Submissions still import what is installed: the directories of our
    # sys.path (site-packages among them) are appended, without running any .pth code.
    args["sys_path"] = [p for p in sys.path if p and os.path.isdir(p) and p != ROOT]
    args["expose"] = sitedirs.env_dirs()  # what runs must import from, wherever it lives
    boot = ("import json, sys; a = json.loads(sys.argv[1]); sys.path += a['sys_path']; "
            "from sandbox.local import _manager; _manager(a)")
    proc = subprocess.Popen([sys.executable, "-S", "-c", boot, json.dumps(args)], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, cwd="/", close_fds=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()  # the manager prints one JSON line once every zygote serves
    if not line:
        proc.wait(timeout)
        raise SandboxError(f"local sandbox failed to start (exit {proc.returncode})")
    info = json.loads(line)
    if "error" in info:
        proc.wait(timeout)
        raise SandboxError(f"local sandbox failed to start: {info['error']}")
    handle = LocalHandle(proc, path, info)
    if export_env:
        os.environ["REWARDGYM_SANDBOX"] = "local"
        os.environ["REWARDGYM_SANDBOX_ADDR"] = handle.addr
    return handle


class LocalExecutor(Executor):
    """Client of a local pool (or of a containerised zygote): one Unix-socket connection per job."""

    name = "local"

    def __init__(self, path: str, timeout: float = 600.0, backend: str = "local") -> None:
        self.path = path.removeprefix("unix:")
        self.timeout = timeout
        self.name = backend

    def _call(self, req: dict[str, Any], timeout: float) -> Any:
        from sandbox.zygote import recv_msg, send_msg

        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(self.path)
            send_msg(s, req)
            return recv_msg(s)
        except (OSError, ConnectionError, ValueError) as e:
            raise SandboxError(f"{self.name} sandbox at {self.path}: {e}") from e
        finally:
            s.close()

    def execute(self, job: Job) -> JobResult:
        budget = (job.limits.wall() + 1.0) * max(1, len(job.stdins)) + 120.0
        req = {"op": "execute", "job": job.to_json()}
        try:
            d = self._call(req, min(self.timeout, budget))
        except SandboxError as exc:
            # No reply: the zygote (or the whole pool) died under the job, or the pool is restarting.
            # Run it once more, on a pool that answers again within RECONNECT_S; a timeout is final.
            lost = isinstance(exc.__cause__, (ConnectionError, FileNotFoundError))  # not a timeout
            if not lost or not self._wait_listening(RECONNECT_S):
                raise
            d = self._call(req, min(self.timeout, budget))
        res = JobResult.from_json(d)
        res.backend = res.backend or self.name
        return res

    def _wait_listening(self, timeout: float) -> bool:
        """True once a zygote answers a health request (the pool is back), within ``timeout``."""
        end = time.monotonic() + timeout
        while (left := end - time.monotonic()) > 0:
            try:
                self._call({"op": "health"}, left)
                return True
            except SandboxError:
                time.sleep(0.05)
        return False

    def health(self) -> dict[str, Any]:
        return self._call({"op": "health"}, 10.0)


# ---------------------------------------------------------------- manager process

def _claim_uids(base: int) -> tuple[int, Any]:
    """A uid range no other pool on this host uses: RLIMIT_NPROC counts per uid host-wide, so two
    pools sharing slot uids would throttle each other. Held by an flock for the manager's lifetime."""
    import fcntl

    if base:
        return base, None
    os.makedirs(LOCK_DIR, mode=0o700, exist_ok=True)
    for k in range(UID_RANGES):
        b = UID_BASE + k * UID_SPAN
        f = open(f"{LOCK_DIR}/{b}", "w")  # noqa: SIM115 - held open on purpose (the lock)
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.close()
            continue
        return b, f
    raise RuntimeError(f"no free slot-uid range under {LOCK_DIR}")


def _manager(args: dict[str, Any]) -> None:
    from sandbox import layers, zygote

    with contextlib.suppress(OSError):
        layers.prctl(layers.PR_SET_PDEATHSIG, signal.SIGTERM)
    layers.prctl(layers.PR_SET_CHILD_SUBREAPER, 1)
    probe = layers.probe()
    path = args["path"]
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(path)
    os.chmod(path, 0o600)
    lsock.listen(256)
    n = int(args["workers"])
    uid_base, _lock = _claim_uids(int(args["uid_base"]))
    gen = 0
    slots: dict[int, int] = {}  # pid -> index
    stopping = False

    used: set[int] = set()

    def spawn(i: int, uid: int) -> int:
        used.add(uid)
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            code = 1
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                layers.prctl(layers.PR_SET_PDEATHSIG, signal.SIGKILL)
                z = zygote.Zygote(i, uid, args, probe)
                z.setup()
                os.write(w, json.dumps(z.health()).encode())
                os.close(w)
                code = zygote.serve(lsock, z)
            except BaseException as e:  # noqa: BLE001
                with contextlib.suppress(Exception):
                    os.write(w, json.dumps({"error": repr(e)}).encode())
            os._exit(code)
        os.close(w)
        data = b""
        while chunk := os.read(r, 65536):
            data += chunk
        os.close(r)
        info = json.loads(data or b'{"error": "zygote died"}')
        if "error" in info:
            raise RuntimeError(f"zygote {i}: {info['error']}")
        slots[pid] = i
        return pid

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(slots):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        for i in range(n):
            spawn(i, uid_base + i)
    except RuntimeError as e:  # the server reports why instead of a bare exit status
        stop()
        print(json.dumps({"error": str(e)[:2000]}), flush=True)
        raise SystemExit(1) from None
    from sandbox import langs

    infos = {"workers": n, "uid_base": uid_base, "uid_span": UID_SPAN, "layers": layers.layers_string(probe), "off": {k: v for k, v in probe.items() if v is not True},
             "languages": ",".join(langs.available()), "path": path}
    print(json.dumps(infos), flush=True)
    sys.stderr.write(f"rewardgym sandbox: {n} zygotes, layers={infos['layers']} off={infos['off']}\n")
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            if stopping:
                break
            time.sleep(0.1)
            continue
        except InterruptedError:
            continue
        if pid not in slots:
            continue  # a reparented orphan (we are a subreaper)
        i = slots.pop(pid)
        if stopping:
            if not slots:
                break
            continue
        gen += 1
        uid = uid_base + (n * gen + i) % UID_SPAN  # a fresh uid: the old one may still be dirty
        sys.stderr.write(f"rewardgym sandbox: zygote {i} exited ({status}); respawning with uid {uid}\n")
        try:
            spawn(i, uid)
        except RuntimeError as e:
            sys.stderr.write(f"rewardgym sandbox: respawn failed: {e}\n")
            time.sleep(1)
    with contextlib.suppress(OSError):
        os.unlink(path)
    for _ in range(20):  # the killed zygotes' cgroups empty out (their pid-1 dies with them)
        time.sleep(0.05)
        for uid in list(used):
            layers.Cgroup.remove_named(f"slot{uid}")
            if not layers.Cgroup.exists_named(f"slot{uid}"):
                used.discard(uid)
        if not used:
            break


if __name__ == "__main__":
    _manager(json.loads(sys.argv[1]))
