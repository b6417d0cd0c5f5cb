"""The ``docker`` backend: a warm pool of locked-down executor containers through the Docker SDK.

``start_docker()`` fork+execs a manager process (like the local pool's) that keeps ``containers``
executor containers warm and serves the same Unix-socket protocol as the local pool, so workers use
the same ``LocalExecutor`` client (``REWARDGYM_SANDBOX_ADDR=unix:...``). Each job goes to one idle
container, whose single-threaded zygote (``python -m sandbox.zygote /io/sock``) runs it.

Every container: ``network_mode=none``, read-only root, ``/tmp`` a size-capped tmpfs, all
capabilities dropped, ``no-new-privileges``, a non-root uid of its own (60000+k), pids/memory(=memory+swap)/CPU limits,
the zygote as PID 1 (it reaps); Docker's default seccomp profile stays on, and the zygote adds its own deny-list (which
also keeps a run from signalling its zygote, since they share a uid here). A container is recycled
(removed, replaced) after ``max_jobs`` jobs, after any run that was killed (TLE/MLE/OLE/signal), or
when its zygote reports the slot dirty. The executor code is bind-mounted read-only from this
checkout, so the image only provides toolchains: by default ``rewardgym/sandbox:dev`` built from
``docker/sandbox.Dockerfile`` on the registry-free base of ``docker/build_base.sh``
(``ensure_image()`` builds both when missing).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from sandbox.api import SandboxError
from sandbox.local import ROOT, LocalExecutor

DOCKER_UID_BASE = 60000  # executor containers run as 60000+k (non-root, no passwd entry needed)
DOCKER_UID_SPAN = 5000
KILLED = {"TLE", "MLE", "OLE"}


@dataclass
class DockerConfig:
    containers: int = 0  # warm containers (concurrent jobs); 0: cores
    image: str = os.environ.get("REWARDGYM_SANDBOX_IMAGE", "rewardgym/sandbox:dev")
    max_jobs: int = 200  # recycle a container after this many jobs
    memory_mb: int = 1024  # per container (memory == memory+swap)
    pids: int = 256
    cpus: float = 1.0
    tmp_mb: int = 128
    socket_path: str = ""
    label: str = "org.rewardgym.sandbox-executor"


def ensure_image(image: str) -> None:
    """Build the executor image when it is missing: the registry-free base (docker/build_base.sh)
    and docker/sandbox.Dockerfile on top of it. Nothing is pulled from a registry."""
    import docker

    client = docker.from_env()
    try:
        client.images.get(image)
        return
    except docker.errors.ImageNotFound:
        pass
    subprocess.run(["bash", os.path.join(ROOT, "docker", "build_base.sh")], check=True)
    subprocess.run(["docker", "build", "-f", os.path.join(ROOT, "docker", "sandbox.Dockerfile"),
                    "--build-arg", "BASE_IMAGE=rewardgym/base:bookworm", "-t", image, ROOT], check=True)


class DockerHandle:
    def __init__(self, proc: subprocess.Popen, path: str, info: dict[str, Any]) -> None:
        self.proc = proc
        self.path = path
        self.addr = f"unix:{path}"
        self.info = info
        self.label_value = info.get("pool", "")

    def executor(self) -> LocalExecutor:
        return LocalExecutor(self.path, backend="docker")

    def _containers(self) -> list[Any]:
        import docker

        for _ in range(5):  # a container may vanish between the list and its inspection (recycling)
            try:
                return docker.from_env().containers.list(
                    filters={"label": f"{DockerConfig.label}={self.label_value}"})
            except docker.errors.NotFound:
                time.sleep(0.2)
        return []

    def leftover_processes(self) -> list[str]:
        """Processes in the pool's containers besides each one's init and zygote."""
        out = []
        for c in self._containers():
            with contextlib.suppress(Exception):
                procs = c.top(ps_args="-eo pid,args").get("Processes") or []
                extra = [" ".join(p) for p in procs if "sandbox.zygote" not in " ".join(p)]
                out += extra
        return out

    def rss(self) -> int:
        total = 0
        for c in self._containers():
            with contextlib.suppress(Exception):
                total += int(c.stats(stream=False)["memory_stats"].get("usage", 0))
        return total

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if os.environ.get("REWARDGYM_SANDBOX_ADDR") == self.addr:  # exported by us: no longer valid
            del os.environ["REWARDGYM_SANDBOX_ADDR"]

    def __enter__(self) -> DockerHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def start_docker(config: DockerConfig | None = None, *, export_env: bool = True, timeout: float = 180.0) -> DockerHandle:
    cfg = config or DockerConfig()
    cfg.containers = cfg.containers or (os.cpu_count() or 1)
    ensure_image(cfg.image)
    path = cfg.socket_path or os.path.join(tempfile.mkdtemp(prefix="rewardgym-docker-"), "sandbox.sock")
    cfg.socket_path = path
    env = {"PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"), "LANG": "C.UTF-8", "PYTHONPATH": ROOT,
           "PYTHONDONTWRITEBYTECODE": "1"}
    for k in ("DOCKER_HOST", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY", "HOME"):
        if k in os.environ:
            env[k] = os.environ[k]
    boot = "import json, sys; from sandbox.docker_pool import _manager; _manager(json.loads(sys.argv[1]))"
    proc = subprocess.Popen([sys.executable, "-s", "-c", boot, json.dumps(asdict(cfg))], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, cwd="/", close_fds=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.wait(timeout)
        raise SandboxError(f"docker sandbox pool failed to start (exit {proc.returncode})")
    handle = DockerHandle(proc, path, json.loads(line))
    if export_env:
        os.environ["REWARDGYM_SANDBOX"] = "docker"
        os.environ["REWARDGYM_SANDBOX_ADDR"] = handle.addr
    return handle


# ---------------------------------------------------------------- manager process

class _Slot:
    def __init__(self, container: Any, sock: str, iodir: str) -> None:
        self.container = container
        self.sock = sock
        self.iodir = iodir
        self.jobs = 0


def _manager(c: dict[str, Any]) -> None:
    import docker
    from sandbox import layers
    from sandbox.zygote import recv_msg, send_msg

    with contextlib.suppress(OSError):
        layers.prctl(layers.PR_SET_PDEATHSIG, signal.SIGTERM)
    cfg = DockerConfig(**c)
    client = docker.from_env()
    pool_id = uuid.uuid4().hex[:12]
    base = tempfile.mkdtemp(prefix="rewardgym-docker-io-")
    os.chmod(base, 0o711)
    idle: queue.Queue[_Slot] = queue.Queue()
    stopping = threading.Event()
    info: dict[str, Any] = {}

    counter = iter(range(1 << 62))

    def new_slot() -> _Slot:
        # A uid of its own per container (RLIMIT_NPROC counts per uid across the host's containers),
        # and never the uid of a container still being removed.
        uid = DOCKER_UID_BASE + next(counter) % DOCKER_UID_SPAN
        iodir = tempfile.mkdtemp(dir=base)
        os.chown(iodir, uid, uid)
        os.chmod(iodir, 0o700)
        sock = os.path.join(iodir, "sock")
        ct = client.containers.run(
            cfg.image, entrypoint=["python", "-s", "-m", "sandbox.zygote"], command=["/io/sock", str(cfg.max_jobs)],
            detach=True, auto_remove=False, network_mode="none", read_only=True, user=f"{uid}:{uid}",
            tmpfs={"/tmp": f"rw,exec,nosuid,nodev,size={cfg.tmp_mb}m,nr_inodes=8192",
                   "/var/tmp": "rw,noexec,nosuid,nodev,size=1m,nr_inodes=64"},
            cap_drop=["ALL"], security_opt=["no-new-privileges"], pids_limit=cfg.pids,
            mem_limit=f"{cfg.memory_mb}m", memswap_limit=f"{cfg.memory_mb}m", nano_cpus=int(cfg.cpus * 1e9),
            # No docker-init: the zygote is PID 1 (a run cannot signal it, it reaps orphans) and,
            # non-dumpable, its /proc files (environ, mem) are closed to the runs sharing its uid.
            init=False, working_dir="/tmp", labels={cfg.label: pool_id}, healthcheck={"test": ["NONE"]},
            environment={"PYTHONPATH": "/opt/rg", "PYTHONDONTWRITEBYTECODE": "1", "HOME": "/tmp", "LANG": "C.UTF-8"},
            volumes={iodir: {"bind": "/io", "mode": "rw"},
                     os.path.join(ROOT, "sandbox"): {"bind": "/opt/rg/sandbox", "mode": "ro"}})
        deadline = time.monotonic() + 60
        while not os.path.exists(sock):
            ct.reload()
            if ct.status == "exited" or time.monotonic() > deadline:
                logs = ct.logs(tail=20).decode(errors="replace")
                with contextlib.suppress(Exception):
                    ct.remove(force=True)
                raise SandboxError(f"executor container did not start: {logs}")
            time.sleep(0.05)
        slot = _Slot(ct, sock, iodir)
        if not info:
            info.update(LocalExecutor(sock, backend="docker").health())
        return slot

    def retire(slot: _Slot) -> None:
        with contextlib.suppress(Exception):
            slot.container.remove(force=True)
        shutil.rmtree(slot.iodir, ignore_errors=True)

    def replace(slot: _Slot | None) -> None:
        if slot is not None:
            retire(slot)
        while not stopping.is_set():
            try:
                idle.put(new_slot())
                return
            except Exception as e:  # noqa: BLE001 - keep trying; jobs wait meanwhile
                sys.stderr.write(f"rewardgym docker sandbox: cannot start an executor: {e}\n")
                time.sleep(1)

    for _ in range(cfg.containers):
        idle.put(new_slot())

    def handle(conn: socket.socket) -> None:
        with conn:
            try:
                req = recv_msg(conn)
            except (OSError, ConnectionError, ValueError):
                return
            if req.get("op") == "health":
                send_msg(conn, {**info, "backend": "docker", "sandbox": "docker", "containers": cfg.containers,
                                "image": cfg.image, "container_layers": "network=none,read_only,cap_drop=ALL,"
                                "no_new_privileges,user=60000+k,pids,memory,cpus,tmpfs"})
                return
            for _attempt in range(3):
                slot = idle.get()
                try:
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.settimeout(3600)
                    s.connect(slot.sock)
                except OSError:
                    threading.Thread(target=replace, args=(slot,), daemon=True).start()
                    continue  # never sent: safe to retry on another container
                try:
                    with s:
                        send_msg(s, req)
                        res = recv_msg(s)
                except (OSError, ConnectionError, ValueError) as e:
                    res = {"error": f"docker executor failed mid-job: {e}", "runs": []}
                    threading.Thread(target=replace, args=(slot,), daemon=True).start()
                    break
                slot.jobs += 1
                killed = any(r.get("status") in KILLED or r.get("signal") for r in res.get("runs", []))
                if killed or slot.jobs >= cfg.max_jobs or res.get("error"):
                    threading.Thread(target=replace, args=(slot,), daemon=True).start()
                else:
                    idle.put(slot)
                break
            else:
                res = {"error": "no docker executor available", "runs": []}
            res["backend"] = "docker"
            with contextlib.suppress(OSError):
                send_msg(conn, res)

    path = cfg.socket_path
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(path)
    os.chmod(path, 0o600)
    lsock.listen(256)

    def stop(*_: Any) -> None:
        stopping.set()
        with contextlib.suppress(OSError):
            lsock.shutdown(socket.SHUT_RDWR)
        lsock.close()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(json.dumps({"pool": pool_id, "containers": cfg.containers, "image": cfg.image, "path": path, **info}),
          flush=True)
    sys.stderr.write(f"rewardgym docker sandbox: {cfg.containers} containers of {cfg.image}, "
                     f"layers in container={info.get('layers')} off={info.get('off')}\n")
    while not stopping.is_set():
        try:
            conn, _ = lsock.accept()
        except OSError:
            break
        threading.Thread(target=handle, args=(conn,), daemon=True).start()
    for ct in client.containers.list(all=True, filters={"label": f"{cfg.label}={pool_id}"}):
        with contextlib.suppress(Exception):
            ct.remove(force=True)
    shutil.rmtree(base, ignore_errors=True)
    with contextlib.suppress(OSError):
        os.unlink(path)
