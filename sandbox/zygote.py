"""The fork server ("zygote"): a single-threaded process that runs one job at a time in its own slot.

Per run: zygote --fork--> shim (unshare pid/net/mnt/ipc/uts) --fork--> ns-init (pid 1 of the run):
setsid, fresh /proc, size-capped tmpfs /tmp, stdin from a memfd, cgroup join, cleared environment,
setgroups([]) + setresuid(slot uid), PDEATHSIG, rlimits, seccomp; then the Python fast path execs the
code in-process (stdlib pre-imported, ``gc.freeze()``d) or ``execve``s the compiled program.
The zygote supervises: poll-drains stdout/stderr/records with caps, enforces the wall deadline,
SIGKILLs the ns-init (the kernel then kills the whole pid namespace), and reuses the slot only when
its cgroup (or, without one, its uid) owns no process.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import hashlib
import io
import json
import os
import resource
import select
import shutil
import signal
import socket
import struct
import sys
import time
from typing import Any

from sandbox import langs, layers, pyharness, sitedirs
from sandbox.api import CE, MLE, OK, OLE, RE, SE, SKIPPED, TLE, Job, JobResult, Limits, RunResult

# Modules a submission commonly imports: loaded once here so each run pays nothing for them.
# Not `threading` (nor subprocess/queue, which import it): once loaded, its at-fork handler costs
# every run ~0.25 ms in the child, more than the rare submission that imports it pays itself.
PRELOAD = ("math", "cmath", "re", "collections", "collections.abc", "itertools", "functools", "heapq", "bisect",
           "string", "json", "typing", "fractions", "decimal", "random", "statistics", "operator", "copy",
           "io", "hashlib", "datetime", "array", "dataclasses", "enum", "numbers", "traceback", "textwrap",
           "unicodedata", "struct", "time", "ctypes", "signal", "socket",
           "abc", "contextlib", "locale", "calendar", "pprint", "inspect", "ast", "zlib", "base64", "difflib")
STDERR_KEEP = 8192
ST_FD = 200  # the run's status pipe, above anything the run keeps (0-3) and below RLIMIT_NOFILE's reach
STDERR_CAP = 16 << 20
RECORDS_CAP = 16 << 20
RUN_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8",
           "LC_ALL": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONIOENCODING": "utf-8"}
HIDE_DIRS = ("/root", "/home", "/work", "/srv", "/mnt", "/media", "/opt", "/var/tmp", "/var/lib", "/var/log",
             "/var/cache", "/var/mail", "/var/spool", "/var/backups", "/boot", "/lost+found")


def _memfd_with(data: bytes) -> int:
    fd = os.memfd_create("stdin")
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
    os.lseek(fd, 0, 0)
    return fd


class Zygote:
    """One slot. ``scope="slot"`` (default): the zygote itself enters new net/IPC/UTS/mount namespaces
    and a pid namespace (a tiny init mounts its /proc and reaps orphans) at startup; each run is a
    plain fork into them, and between runs the slot is reset: no process of the slot survives (cgroup
    + uid check, kill-all), the slot's tmpfs /tmp is re-created if the run wrote to it, SysV/POSIX IPC
    is denied by seccomp. ``scope="run"``: every run gets brand-new namespaces (one ``clone``), slower.
    """

    def __init__(self, index: int, uid: int, cfg: dict[str, Any], probe: dict[str, Any]) -> None:
        self.index = index
        self.uid = uid
        self.cfg = cfg
        self.probe = probe
        self.ok = {k for k, v in probe.items() if v is True}
        self.scope = cfg.get("scope", "slot")
        self.ns_flags = 0
        for name, flag in (("pidns", layers.CLONE_NEWPID), ("netns", layers.CLONE_NEWNET),
                           ("ipcns", layers.CLONE_NEWIPC), ("utsns", layers.CLONE_NEWUTS)):
            if name in self.ok:
                self.ns_flags |= flag
        self.mnt = {"mntns", "tmpfs"} <= self.ok
        if self.mnt:
            self.ns_flags |= layers.CLONE_NEWNS
        self.pidns = bool(self.ns_flags & layers.CLONE_NEWPID)
        self.setuid = "setuid" in self.ok
        # Without the setuid layer a run shares our uid: the filter also keeps it from signalling us.
        protect = () if self.setuid else (os.getpid(), os.getpgid(0), 1)
        self.seccomp = layers.Seccomp(layers.build_seccomp_bpf(protect)) if "seccomp" in self.ok else None
        self.dedicated = bool(cfg.get("dedicated"))  # a container of our own: scrub /tmp, /dev/shm after runs
        self.sock_ino = 0  # dedicated: the inode of our listening socket (a run must not replace it)
        self._st = -1
        self.retire = ""  # set when the slot cannot be trusted any more: finish the reply, then exit
        self.cgroup: layers.Cgroup | None = None
        if "cgroup" in self.ok:
            try:
                self.cgroup = layers.Cgroup(f"slot{uid}")
            except OSError:
                self.cgroup = None
        self.langs = langs.available()
        self.root = cfg.get("state_dir") or "/tmp/rewardgym-sandbox"
        self.cache: dict[str, float] = {}
        self.jobs = 0
        self.runs = 0
        self.init_pid = 0
        self.pid = os.getpid()
        self.tmp_mb = 0
        self.cg_limits: tuple[int, int] | None = None
        self.vm_size = 0
        self.ooms = 0
        self.sites = sitedirs.Plan()

    # ------------------------------------------------------------ startup
    def setup(self) -> None:
        """Private mount namespace for the zygote: host secrets hidden, a root-owned state dir."""
        layers.prctl(layers.PR_SET_CHILD_SUBREAPER, 1)  # orphans of a run come back to us, never leak
        if not self.setuid:  # runs share our uid: keep our /proc/<pid>/{environ,mem,fd} closed to them
            layers.prctl(layers.PR_SET_DUMPABLE, 0)
        if self.mnt:
            flags = layers.CLONE_NEWNS
            if self.scope == "slot":
                flags |= self.ns_flags & (layers.CLONE_NEWNET | layers.CLONE_NEWIPC | layers.CLONE_NEWUTS)
            layers.unshare(flags)
            layers.mount("none", "/", None, layers.MS_REC | layers.MS_PRIVATE)
            # The server's interpreter and site directories stay visible (read-only) wherever they
            # live. Opened before the covers: a bind from the path afterwards would bind the empty
            # tmpfs directory onto itself. Our source tree is not kept.
            self.sites = sitedirs.plan(self.cfg.get("expose", []), HIDE_DIRS)
            for d in HIDE_DIRS:
                if not os.path.isdir(d) or os.path.islink(d):
                    continue
                layers.mount("tmpfs", d, "tmpfs", layers.MS_NOSUID | layers.MS_NODEV, "size=64k,mode=755")
                for p in self.sites.targets_under(d):
                    os.makedirs(p, exist_ok=True)
                with contextlib.suppress(OSError):
                    layers.mount("tmpfs", d, None, layers.MS_REMOUNT | layers.MS_RDONLY | layers.MS_NOSUID
                                 | layers.MS_NODEV, "size=64k,mode=755")
            layers.mount("tmpfs", "/dev/shm", "tmpfs", layers.MS_NOSUID | layers.MS_NODEV | layers.MS_NOEXEC
                         | layers.MS_RDONLY, "size=4k,mode=755")
            self.root = "/run/rewardgym-sandbox"
            os.makedirs("/run", exist_ok=True)
            layers.mount("tmpfs", "/run", "tmpfs", layers.MS_NOSUID | layers.MS_NODEV, "mode=755")
            sitedirs.apply(self.sites, layers.mount, layers)
        elif self.scope == "slot" and self.ns_flags & (layers.CLONE_NEWNET | layers.CLONE_NEWIPC | layers.CLONE_NEWUTS):
            layers.unshare(self.ns_flags & (layers.CLONE_NEWNET | layers.CLONE_NEWIPC | layers.CLONE_NEWUTS))
        os.makedirs(f"{self.root}/bin", mode=0o755, exist_ok=True)
        os.makedirs(f"{self.root}/build", mode=0o711, exist_ok=True)
        os.makedirs(f"{self.root}/work", mode=0o711, exist_ok=True)
        if self.scope == "slot" and self.mnt:
            self._reset_tmp(32)
        self.pid = os.getpid()
        if self.cgroup:
            # Join the slot's cgroup once, here: every run then starts in it by fork, which is far
            # cheaper than a cgroup v1 migration per run. Our own pages stay charged where they were.
            self.cgroup.join()
            with contextlib.suppress(OSError):
                _write_file("/proc/self/oom_score_adj", "-1000")
        for m in PRELOAD:
            with contextlib.suppress(Exception):
                __import__(m)
        # The runs' environment, set once here rather than per run (~0.2 ms each: every unsetenv and
        # putenv writes pages the fork shares). Nothing after this point reads ours.
        os.environ.clear()
        os.environ.update(RUN_ENV)
        sys.stdout.flush()
        sys.stderr.flush()
        gc.collect()
        self.vm_size = _vm_size()  # before the slot's /proc (of the new pid namespace) covers ours
        if self.scope == "slot" and self.pidns:
            self._start_init()
        gc.freeze()
        self.ooms = self.cgroup.oom_kills() if self.cgroup else 0
        self._self_check()

    def _self_check(self) -> None:
        """One real run (slot uid, every layer on) through the Python harness, importing from each
        directory of the server's environment: a slot that cannot is never started. (A standalone
        zygote in its own image, ``main()``, is checked by its container's health instead.)"""
        if "expose" not in self.cfg:
            return
        job = sitedirs.probe_job(self.cfg.get("expose", []), self.sites)
        res = self.run(argv=None, code=sitedirs.PROBE_SRC, harness=job, stdin="",
                       lim=Limits(time_s=10.0, memory_mb=256, wall_s=20.0), records=True)
        bad = sitedirs.probe_failures(res.records)
        if bad is None:
            raise RuntimeError(f"sandbox self-check: the Python harness did not answer ({res.status} "
                               f"{res.detail} {res.stderr[-300:]!r})")
        if bad:
            raise RuntimeError(f"sandbox self-check: runs cannot import the server's environment: {'; '.join(bad)[:500]}")
        if self.retire:
            raise RuntimeError(f"sandbox self-check: {self.retire}")

    def _start_init(self) -> None:
        """Enter a slot pid namespace: its pid 1 mounts /proc for it and reaps orphans until we die."""
        layers.unshare(layers.CLONE_NEWPID)
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(r)
                os.setsid()
                layers.prctl(layers.PR_SET_PDEATHSIG, signal.SIGKILL)
                if self.mnt:
                    layers.mount("proc", "/proc", "proc", layers.MS_NOSUID | layers.MS_NODEV | layers.MS_NOEXEC)
                os.closerange(0, 1 << 20)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
            except BaseException:  # noqa: BLE001
                os._exit(1)
            while True:  # reap every orphan the namespace hands us; SIGCHLD is blocked and waited for
                try:
                    while os.waitpid(-1, os.WNOHANG)[0] > 0:
                        pass
                except ChildProcessError:
                    pass
                with contextlib.suppress(InterruptedError):
                    signal.sigtimedwait({signal.SIGCHLD}, 1.0)
        os.close(w)
        os.read(r, 16)  # EOF once the init closed its fds: /proc is mounted
        os.close(r)
        self.init_pid = pid

    def _reset_tmp(self, size_mb: int) -> None:
        """(Re)create the slot's private, size- and inode-capped /tmp (unmounting drops every file)."""
        if self.tmp_mb:
            layers.umount("/tmp")
        owner = f",uid={self.uid},gid={self.uid}" if self.setuid else ""
        layers.mount("tmpfs", "/tmp", "tmpfs", layers.MS_NOSUID | layers.MS_NODEV,
                     f"size={size_mb}m,nr_inodes=4096,mode=700{owner}")
        self.tmp_mb = size_mb

    # ------------------------------------------------------------ one run
    def run(self, *, argv: list[str] | None, code: str | None, harness: dict | None, stdin: str, lim: Limits,
            cwd: str | None = None, records: bool = False, address_space: bool = True, extra_procs: int = 0,
            compile_step: bool = False) -> RunResult:
        t0 = time.perf_counter()
        self.runs += 1
        if self.scope == "slot" and self.mnt and self.tmp_mb != lim.file_mb:
            self._reset_tmp(lim.file_mb)
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        st_r, st_w = os.pipe()
        rec_r, rec_w = os.pipe() if records else (-1, -1)
        workdir = None
        if not self.mnt and cwd is None:
            workdir = f"{self.root}/work/run{self.runs}-{os.getpid()}"
            os.mkdir(workdir, 0o700)
            if self.setuid:
                os.chown(workdir, self.uid, self.uid)
            cwd = workdir
        mem = lim.memory_mb << 20
        procs = lim.processes + extra_procs
        if self.cgroup:
            want = (mem + (64 << 20 if code is not None else 0), procs + 4)
            if want != self.cg_limits:  # a write per limit change, not per run
                try:
                    self.cgroup.set_limits(*want)
                    self.cg_limits = want
                except OSError as e:
                    raise SlotDirty(f"cgroup limits: {e}") from e
        stdin_b = stdin.encode("utf-8", "surrogateescape")
        sys.stdout.flush()
        sys.stderr.flush()
        pid = layers.clone_fork(self.ns_flags) if self.scope == "run" and self.ns_flags else os.fork()
        if pid == 0:  # ---- the run
            try:
                os.close(out_r), os.close(err_r), os.close(st_r)
                if rec_r >= 0:
                    os.close(rec_r)
                # The status pipe outlives the fd clean-up (moved to fd 200, close-on-exec) and is closed
                # before any submission code runs: a program can never report a "sandbox" failure.
                self._st = fcntl.fcntl(st_w, fcntl.F_DUPFD_CLOEXEC, ST_FD)
                self._init(out_w, err_w, rec_w, argv, code, harness, stdin_b, lim, cwd, address_space, procs)
            except BaseException as e:  # noqa: BLE001
                with contextlib.suppress(Exception):
                    os.write(self._st, f"E setup {type(e).__name__}: {e}\n".encode())
                os._exit(71)
            os._exit(72)
        for fd in (out_w, err_w, st_w, rec_w):
            if fd >= 0:
                os.close(fd)
        res = self._supervise(pid, out_r, err_r, st_r, rec_r, lim, t0)
        if self.cgroup and res.signal is not None:  # an OOM kill is a SIGKILL: look only then
            ooms = self.cgroup.oom_kills()
            if ooms > self.ooms:
                res.status, res.detail = MLE, "oom_kill"
            self.ooms = ooms
        if res.status == RE and not compile_step and (
                "MemoryError" in res.stderr[-2000:] or "bad_alloc" in res.stderr[-2000:]
                or "heap out of memory" in res.stderr[-3000:] or "OutOfMemoryError" in res.stderr[-3000:]):
            res.status = MLE
        if res.status == OK and res.cpu_ms > lim.time_s * 1000:
            res.status, res.detail = TLE, "cpu"
        try:
            self._ensure_empty()
            if self.dedicated and not self.mnt:
                self._scrub()
        except SlotDirty as e:  # the run's verdict stands; this slot serves no more runs
            self.retire = str(e)
        if workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        # tmpfs reports a directory's size as 20 bytes per entry (2 for . and ..): one stat, no listing.
        if self.scope == "slot" and self.mnt and cwd is None and os.stat("/tmp").st_size > 40:
            self._reset_tmp(lim.file_mb)
        return res

    def _init(self, out_w: int, err_w: int, rec_w: int, argv: list[str] | None, code: str | None,
              harness: dict | None, stdin_b: bytes, lim: Limits, cwd: str | None, address_space: bool,
              procs: int) -> None:
        os.setsid()
        if self.scope == "run" and self.mnt:
            if self.pidns:
                layers.mount("proc", "/proc", "proc", layers.MS_NOSUID | layers.MS_NODEV | layers.MS_NOEXEC)
            owner = f",uid={self.uid},gid={self.uid}" if self.setuid else ""
            layers.mount("tmpfs", "/tmp", "tmpfs", layers.MS_NOSUID | layers.MS_NODEV,
                         f"size={lim.file_mb}m,nr_inodes=4096,mode=700{owner}")
        os.chdir(cwd or "/tmp")
        in_fd = _memfd_with(stdin_b)
        os.dup2(in_fd, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        if rec_w >= 0:
            os.dup2(rec_w, 3)
            os.closerange(4, self._st)
        else:
            os.closerange(3, self._st)
        os.closerange(self._st + 1, 1 << 20)
        if self.cgroup:  # the run, never its zygote (which shares the slot cgroup), is the OOM victim
            _write_file("/proc/self/oom_score_adj", "1000")
        if self.setuid:
            os.setgroups([])
            os.setresgid(self.uid, self.uid, self.uid)
            os.setresuid(self.uid, self.uid, self.uid)
        layers.prctl(layers.PR_SET_PDEATHSIG, signal.SIGKILL)
        if not self.setuid:
            layers.prctl(layers.PR_SET_DUMPABLE, 1)  # the run's own /proc stays usable to it
        cpu = int(lim.time_s) + 1
        rl = resource.setrlimit
        rl(resource.RLIMIT_CPU, (cpu, cpu + 1))
        rl(resource.RLIMIT_CORE, (0, 0))
        rl(resource.RLIMIT_FSIZE, (lim.file_mb << 20, lim.file_mb << 20))
        rl(resource.RLIMIT_NOFILE, (64, 64))
        # Deep recursion is normal in contest code: a stack as large as the memory limit (bounded by
        # RLIMIT_AS/cgroup anyway), never above the hard limit.
        hard = resource.getrlimit(resource.RLIMIT_STACK)[1]
        stack = lim.memory_mb << 20 if hard == resource.RLIM_INFINITY else min(hard, lim.memory_mb << 20)
        rl(resource.RLIMIT_STACK, (stack, hard))
        if self.setuid or self.dedicated:  # a uid of the slot's (or container's) own: NPROC is ours
            rl(resource.RLIMIT_NPROC, (procs, procs))
        if address_space:
            base = self.vm_size if code is not None else 0
            as_ = base + (lim.memory_mb << 20) + (64 << 20)
            rl(resource.RLIMIT_AS, (as_, as_))
        elif not self.cgroup:
            # JVM/V8 reserve far more address space than they use, so RLIMIT_AS is normally off for
            # them and the cgroup bounds memory. Without a cgroup keep a generous backstop anyway.
            as_ = (lim.memory_mb << 20) + (4 << 30)
            rl(resource.RLIMIT_AS, (as_, as_))
        if self.seccomp:
            self.seccomp.load()
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGCHLD, signal.SIGXFSZ, signal.SIGXCPU):
            signal.signal(s, signal.SIG_DFL)
        if code is None:
            assert argv
            os.execve(argv[0], argv, RUN_ENV)
        os.close(self._st)
        self._st = -1
        # Python fast path: fresh std streams on the new fds, then run the submission here.
        sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8",
                                     errors="replace")
        sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False), 1 << 16),
                                      encoding="utf-8", errors="backslashreplace")
        sys.stderr = io.TextIOWrapper(io.BufferedWriter(io.FileIO(2, "w", closefd=False), 1 << 14),
                                      encoding="utf-8", errors="backslashreplace")
        for f, m in ((sys.stdin, "r"), (sys.stdout, "w"), (sys.stderr, "w")):
            f.mode = m  # type: ignore[misc] - as open() sets it (FastIO templates read file.mode)
        sys.__stdin__, sys.__stdout__, sys.__stderr__ = sys.stdin, sys.stdout, sys.stderr  # type: ignore[misc]
        sys.argv = ["main.py"]
        sys.setrecursionlimit(10000)
        rc = pyharness.run(code, harness)
        for s in (sys.stdout, sys.stderr):
            with contextlib.suppress(BaseException):
                s.flush()
        os._exit(rc & 0xFF)

    def _supervise(self, pid: int, out_r: int, err_r: int, st_r: int, rec_r: int, lim: Limits,
                   t0: float) -> RunResult:
        deadline = t0 + lim.wall()
        bufs: dict[int, list[bytes]] = {out_r: [], err_r: [], st_r: [], rec_r: []}
        sizes = dict.fromkeys(bufs, 0)
        caps = {out_r: lim.output_bytes, err_r: STDERR_CAP, st_r: 1 << 16, rec_r: RECORDS_CAP}
        open_fds = [fd for fd in (out_r, err_r, st_r, rec_r) if fd >= 0]
        pidfd = os.pidfd_open(pid)
        poller = select.poll()
        for fd in (*open_fds, pidfd):
            poller.register(fd, select.POLLIN)
        killed = ""
        status = None
        ru = None
        while open_fds or status is None:
            now = time.perf_counter()
            if not killed and now >= deadline:
                killed = TLE
                self._kill_run(pid)
                deadline = now + 2.0
            elif killed and now >= deadline:
                break  # pipes held open past a kill: give up on them
            for fd, _ev in poller.poll(max(1, int((deadline - now) * 1000) + 1)):
                if fd == pidfd:
                    poller.unregister(pidfd)
                    status, ru = _wait(pid)
                    if open_fds:  # descendants still hold the pipes: they do not outlive the run
                        self._kill_run(0)
                    continue
                try:
                    data = os.read(fd, 1 << 16)
                except OSError:
                    data = b""
                if not data:
                    poller.unregister(fd)
                    open_fds.remove(fd)
                    continue
                sizes[fd] += len(data)
                if fd == err_r:
                    bufs[fd].append(data)
                    if sizes[fd] > 4 * STDERR_KEEP:  # keep the tail only
                        bufs[fd] = [b"".join(bufs[fd])[-STDERR_KEEP:]]
                elif sizes[fd] <= caps[fd]:
                    bufs[fd].append(data)
                if sizes[fd] > caps[fd] and not killed:
                    killed = OLE
                    self._kill_run(pid)
                    deadline = time.perf_counter() + 2.0
        for fd in (out_r, err_r, st_r, rec_r, pidfd):
            if fd >= 0:
                os.close(fd)
        if status is None:
            self._kill_run(pid)
            status, ru = _wait(pid)
        wall = (time.perf_counter() - t0) * 1000
        st_text = b"".join(bufs[st_r]).decode(errors="replace")
        out = b"".join(bufs[out_r])[: lim.output_bytes].decode("utf-8", errors="replace")
        err = b"".join(bufs[err_r])[-STDERR_KEEP:].decode("utf-8", errors="replace")
        rec = b"".join(bufs[rec_r]).decode("utf-8", errors="replace") if rec_r >= 0 else ""
        res = RunResult(status=RE, stdout=out, stderr=err, records=rec, wall_ms=round(wall, 3),
                        cpu_ms=round((ru.ru_utime + ru.ru_stime) * 1000, 1) if ru else 0.0)
        for line in st_text.splitlines():
            if line.startswith("E "):
                res.detail = line[2:][:300]
        if killed:
            res.status = killed
            res.detail = res.detail or ("wall" if killed == TLE else "output")
            return res
        if os.WIFSIGNALED(status):
            res.signal = os.WTERMSIG(status)
            res.detail = f"signal {signal.Signals(res.signal).name}" if res.signal in signal.valid_signals() else ""
            if res.signal in (signal.SIGXCPU, signal.SIGKILL) and res.cpu_ms >= lim.time_s * 1000:
                res.status = TLE
            elif res.signal == signal.SIGXFSZ:
                res.status, res.detail = OLE, "file size"
            else:
                res.status = RE
        else:
            res.exit_code = os.WEXITSTATUS(status)
            res.status = OK if res.exit_code == 0 else RE
            if res.exit_code in (71, 72) and res.detail.startswith("setup"):
                res.status = SE
        return res

    def _kill_run(self, pid: int) -> None:
        """Kill the run and everything it started."""
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)  # scope=run: pid 1 of the run, the kernel kills the namespace
        if self.scope == "run" and self.pidns:
            return
        if self.setuid:
            self._kill_uid()
        else:
            for p in self._leftovers():
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(p, signal.SIGKILL)

    def _leftovers(self) -> list[int]:
        """Processes of the slot still alive. Never a host-wide list: the cgroup's members, the slot
        uid's processes, or (neither layer on) the zygote's own descendants (it is a subreaper)."""
        if self.cgroup:  # zombies are reaped at once by the slot's pid-1; we and that pid-1 are members
            return [p for p in self.cgroup.procs() if p not in (self.pid, self.init_pid)]
        if self.setuid:  # zombies included: they still count against the uid's RLIMIT_NPROC
            return _uid_procs(self.uid, self.init_pid)
        return _descendants(os.getpid(), self.init_pid)

    def _ensure_empty(self) -> None:
        """Reuse the slot only when nothing of the last run survives."""
        if self.scope == "run" and self.pidns and not self.cgroup:
            return  # the pid namespace died with its init
        for i in range(200):  # up to ~2 s on a loaded host, then the slot retires
            _reap()
            left = self._leftovers()
            if not left:
                return
            self._kill_run(0)
            time.sleep(0.002 if i < 20 else 0.01)
        raise SlotDirty(f"slot uid {self.uid} still owns processes")

    def _scrub(self) -> None:
        """Dedicated container without a private /tmp: remove what the run left in shared places."""
        for d in ("/tmp", "/dev/shm", "/var/tmp"):
            with contextlib.suppress(OSError), os.scandir(d) as it:
                for e in it:
                    if e.path == self.root or e.path == self.cfg.get("socket_dir"):
                        continue
                    with contextlib.suppress(OSError):
                        if e.is_dir(follow_symlinks=False):
                            shutil.rmtree(e.path, ignore_errors=True)
                        else:
                            os.unlink(e.path)
        sock = self.cfg.get("socket_path")
        if sock:
            try:
                st = os.lstat(sock)
                extra = set(os.listdir(os.path.dirname(sock))) - {os.path.basename(sock)}
            except OSError as e:
                raise SlotDirty(f"socket gone: {e}") from e
            if st.st_ino != self.sock_ino or extra:
                raise SlotDirty("socket directory tampered with")

    def _kill_uid(self) -> None:
        """kill(-1, SIGKILL) as the slot uid: atomic against forks, reaches only the slot's processes."""
        pid = os.fork()
        if pid == 0:
            try:
                os.setresuid(self.uid, self.uid, self.uid)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)

    # ------------------------------------------------------------ jobs
    def execute(self, job: Job) -> JobResult:
        self.jobs += 1
        lang_name = langs.canonical(job.language)
        if lang_name not in self.langs:
            return JobResult(error=f"unsupported language {job.language!r} (have {','.join(self.langs)})")
        lang = langs.LANGS[lang_name]
        res = JobResult(backend="local")
        lim = job.limits
        argv: list[str] | None = None
        if lang_name != "python":
            bindir, compile_res = self._build(lang, job.code, lim)
            res.compile = compile_res
            if bindir is None:
                res.runs = [RunResult(status=CE if compile_res and compile_res.status != SE else SE,
                                      detail="compile") for _ in job.stdins]
                return res
            tools = self.langs[lang_name]
            main = langs.java_main_class(job.code) if lang_name == "java" else ""
            argv = [tools.get(a, a).format(bin=bindir, mem=lim.memory_mb, main=main) for a in lang.run]
        failed = False
        for stdin in job.stdins:
            if failed:
                res.runs.append(RunResult(status=SKIPPED))
                continue
            if self.retire:
                res.runs.append(RunResult(status=SE, detail=f"slot retired: {self.retire}"))
                res.error = f"sandbox slot retired: {self.retire}"
                continue
            r = self.run(argv=argv, code=job.code if argv is None else None, harness=job.harness, stdin=stdin,
                         lim=lim, records=job.harness is not None, address_space=lang.address_space,
                         extra_procs=lang.extra_procs)
            res.runs.append(r)
            if r.status == SE:
                res.error = f"sandbox error: {r.detail}"
                break
            failed = job.stop_on_error and r.status != OK
        return res

    def _build(self, lang: langs.Lang, code: str, lim: Limits) -> tuple[str | None, RunResult | None]:
        key = hashlib.sha256(f"{lang.name}\0{code}".encode()).hexdigest()[:32]
        bindir = f"{self.root}/bin/{key}"
        if key in self.cache and os.path.isdir(bindir):
            self.cache[key] = time.monotonic()
            return bindir, None
        build = f"{self.root}/build/{key}-{os.getpid()}"
        shutil.rmtree(build, ignore_errors=True)
        os.mkdir(build, 0o700)
        src_name = langs.java_main_class(code) + ".java" if lang.name == "java" else lang.source
        fd = os.open(f"{build}/{src_name}", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(code)
        if self.setuid:
            os.chown(build, self.uid, self.uid)
        cres = None
        try:
            if lang.compile:
                tools = self.langs[lang.name]
                argv = [tools.get(a, a).format(src=src_name) for a in lang.compile]
                clim = Limits(time_s=float(self.cfg.get("compile_time_s", 20)), memory_mb=1024,
                              output_bytes=1 << 16, processes=64, file_mb=64, wall_s=float(self.cfg.get("compile_time_s", 20)) * 2)
                cres = self.run(argv=argv, code=None, harness=None, stdin="", lim=clim, cwd=build,
                                address_space=False, extra_procs=lang.extra_procs, compile_step=True)
                if cres.status != OK:
                    if cres.status == RE:
                        cres.status = CE
                    return None, cres
            tmp = f"{bindir}.tmp{os.getpid()}"
            shutil.rmtree(tmp, ignore_errors=True)
            os.mkdir(tmp, 0o755)
            n = 0
            for name in os.listdir(build):
                if n > 256:
                    break
                try:
                    sfd = os.open(f"{build}/{name}", os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
                except OSError:
                    continue  # symlinks and the like are never followed
                try:
                    st = os.fstat(sfd)
                    if (st.st_mode & 0o170000) != 0o100000 or st.st_size > (256 << 20):
                        continue
                    mode = 0o755 if st.st_mode & 0o100 else 0o644
                    dfd = os.open(f"{tmp}/{name}", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
                    with os.fdopen(dfd, "wb") as dst, os.fdopen(sfd, "rb", closefd=False) as src:
                        shutil.copyfileobj(src, dst, 1 << 20)
                    n += 1
                finally:
                    os.close(sfd)
            os.rename(tmp, bindir)
        finally:
            shutil.rmtree(build, ignore_errors=True)
        self.cache[key] = time.monotonic()
        if len(self.cache) > int(self.cfg.get("compile_cache", 128)):
            old = min(self.cache, key=self.cache.__getitem__)
            del self.cache[old]
            shutil.rmtree(f"{self.root}/bin/{old}", ignore_errors=True)
        return bindir, cres

    def health(self) -> dict[str, Any]:
        return {"backend": "local", "languages": ",".join(self.langs), "layers": layers.layers_string(self.probe),
                "off": {k: v for k, v in self.probe.items() if v is not True}, "slot_uid": self.uid,
                "jobs": self.jobs}


class SlotDirty(RuntimeError):
    pass


def _vm_size() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * resource.getpagesize()


def _write_file(path: str, value: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)


def _wait(pid: int) -> tuple[int, Any]:
    try:
        _, status, ru = os.wait4(pid, 0)
        return status, ru
    except ChildProcessError:  # already reaped: report it as killed
        return signal.SIGKILL, None


def _reap() -> None:
    """Reap whatever exited among our children (orphans re-parented to us, the subreaper)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _descendants(root: int, init_pid: int = 0) -> list[int]:
    """Live (non-zombie) descendants of ``root`` from /proc, excluding ``init_pid``."""
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            kids.setdefault(int(fields[1]), []).append(int(name))
    out, todo = [], [root]
    while todo:
        for c in kids.get(todo.pop(), []):
            if c != init_pid:
                out.append(c)
                todo.append(c)
    return out


def _uid_procs(uid: int | None, init_pid: int = 0) -> list[int]:
    me = os.getpid()
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in (me, 1, init_pid):
            continue
        try:
            st = os.stat(f"/proc/{name}")
        except OSError:
            continue
        if uid is None or st.st_uid == uid:
            if uid is None:
                try:
                    with open(f"/proc/{name}/stat") as f:
                        if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                            continue
                except OSError:
                    continue
            out.append(int(name))
    return out


# ---------------------------------------------------------------- wire protocol

def send_msg(sock: socket.socket, obj: Any) -> None:
    data = json.dumps(obj, separators=(",", ":"), allow_nan=True).encode()
    sock.sendall(struct.pack(">I", len(data)) + data)


def recv_msg(sock: socket.socket, limit: int = 256 << 20) -> Any:
    head = _recv_exact(sock, 4)
    (n,) = struct.unpack(">I", head)
    if n > limit:
        raise ValueError("message too large")
    return json.loads(_recv_exact(sock, n))


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            raise ConnectionError("peer closed")
        buf += chunk
    return bytes(buf)


def serve(listen: socket.socket, z: Zygote, max_jobs: int = 0) -> int:
    """Accept one connection at a time: each carries one request ({"op": "execute"|"health", ...})."""
    while True:
        try:
            conn, _ = listen.accept()
        except InterruptedError:
            continue
        with conn:
            try:
                req = recv_msg(conn)
                if req.get("op") == "health":
                    send_msg(conn, z.health())
                    continue
                try:
                    job = Job.from_json(req["job"])
                except (KeyError, TypeError, ValueError) as e:
                    send_msg(conn, JobResult(error=f"bad job: {e}").to_json())
                    continue
                try:
                    result = z.execute(job)
                except SlotDirty:
                    send_msg(conn, JobResult(error="sandbox slot dirty; zygote restarting").to_json())
                    return 3
                except Exception as e:  # noqa: BLE001 - never serve again from a slot in an unknown state
                    sys.stderr.write(f"rewardgym sandbox: zygote {os.getpid()} failed a job: {e!r}\n")
                    with contextlib.suppress(OSError):
                        send_msg(conn, JobResult(error=f"sandbox internal error: {e!r}"[:300]).to_json())
                    return 4
                send_msg(conn, result.to_json())
                if z.retire:
                    sys.stderr.write(f"rewardgym sandbox: zygote {os.getpid()} retires: {z.retire}\n")
                    return 3
            except (OSError, ConnectionError, ValueError) as e:
                sys.stderr.write(f"rewardgym sandbox: connection error: {e!r}\n")
                continue
        if max_jobs and z.jobs >= max_jobs:
            return 0


def main() -> None:
    """Standalone zygote (used inside containers): ``python -m sandbox.zygote SOCKET_PATH [max_jobs]``."""
    path = sys.argv[1]
    max_jobs = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    probe = layers.probe()
    uid = os.geteuid() if probe.get("setuid") is not True else 20000
    z = Zygote(0, uid, {"dedicated": True, "socket_path": path, "socket_dir": os.path.dirname(path)}, probe)
    z.setup()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    os.chmod(path, 0o600)
    z.sock_ino = os.lstat(path).st_ino
    s.listen(16)
    print(json.dumps({"ready": True, **z.health()}), flush=True)
    sys.exit(serve(s, z, max_jobs))


if __name__ == "__main__":
    main()
