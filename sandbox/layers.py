"""Kernel isolation primitives through ctypes (no extra packages): namespaces, mounts, prctl,
seccomp (libseccomp2 builds the filter once; each run only loads the compiled BPF), cgroup v1/v2,
and the startup probe that decides which layers this host allows.
"""

from __future__ import annotations

import ctypes
import errno
import os
from typing import Any

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
CLONE_NEWCGROUP = 0x02000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38
PR_SET_CHILD_SUBREAPER = 36
SECCOMP_MODE_FILTER = 2

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
_libc.unshare.argtypes = [ctypes.c_int]
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]


def _check(rc: int, what: str) -> None:
    if rc != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"{what}: {os.strerror(e)}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


_pyapi = ctypes.pythonapi
_libc_gil = ctypes.PyDLL(None, use_errno=True)  # calls that keep the GIL held (needed around a raw clone)
_syscall = _libc_gil.syscall
_syscall.restype = ctypes.c_long
_syscall.argtypes = [ctypes.c_long, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                     ctypes.c_ulong]
SYS_clone = {"x86_64": 56, "aarch64": 220}.get(os.uname().machine)


def clone_fork(flags: int) -> int:
    """``os.fork()`` that also enters new namespaces (``clone(flags|SIGCHLD)``), saving the second fork a
    shim + ``unshare`` would cost. Follows os.fork's protocol: PyOS_BeforeFork/AfterFork_* around the
    raw syscall (the zygote is single-threaded, so glibc's own fork bookkeeping is not needed)."""
    if SYS_clone is None:
        raise OSError(errno.ENOSYS, "clone_fork: unsupported architecture")
    _pyapi.PyOS_BeforeFork()
    pid = _syscall(SYS_clone, flags | 17, None, None, None, 0)  # 17 = SIGCHLD
    if pid == 0:
        _pyapi.PyOS_AfterFork_Child()
        return 0
    e = ctypes.get_errno()
    _pyapi.PyOS_AfterFork_Parent()
    if pid < 0:
        raise OSError(e, "clone")
    return pid


def mount(src: str, target: str, fstype: str | None, flags: int = 0, data: str | None = None) -> None:
    _check(_libc.mount(src.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                       data.encode() if data else None), f"mount {target}")


def umount(target: str) -> None:
    _check(_libc.umount2(target.encode(), 2), f"umount {target}")  # MNT_DETACH


def prctl(op: int, a: int = 0, b: int = 0, c: int = 0, d: int = 0) -> None:
    _check(_libc.prctl(op, a, b, c, d), f"prctl {op}")


# ---------------------------------------------------------------- seccomp

DENY_SYSCALLS = [
    "ptrace", "process_vm_readv", "process_vm_writev", "keyctl", "add_key", "request_key", "bpf",
    "perf_event_open", "io_uring_setup", "io_uring_enter", "io_uring_register", "userfaultfd",
    "mount", "umount2", "unshare", "setns", "pivot_root", "chroot", "init_module", "finit_module",
    "delete_module", "kexec_load", "kexec_file_load", "personality", "acct", "swapon", "swapoff",
    "reboot", "sethostname", "setdomainname", "iopl", "ioperm", "open_by_handle_at", "name_to_handle_at",
    "fanotify_init", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick", "syslog",
    "quotactl", "lookup_dcookie", "vhangup", "mount_setattr", "pidfd_getfd", "kcmp",
    # SysV/POSIX IPC objects outlive processes: deny them, so a slot-wide IPC namespace stays empty.
    "shmget", "semget", "msgget", "mq_open",
]
AF_UNIX = 1
SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_CMP_NE = 1
SCMP_CMP_MASKED_EQ = 7


def SCMP_ACT_ERRNO(e: int) -> int:  # noqa: N802 - libseccomp's name
    return 0x00050000 | (e & 0xFFFF)


class _ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("a", ctypes.c_uint64), ("b", ctypes.c_uint64)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def build_seccomp_bpf(protect: tuple[int, ...] = ()) -> bytes:
    """Compile the deny-list with libseccomp once; returns the raw BPF program.

    ``protect``: pids the run must not signal or re-limit, for hosts where the run shares the
    executor's uid (no setuid layer, e.g. a non-root container): kill/tkill/tgkill/prlimit64 on them,
    kill(-1), kill(-pgid) of theirs, and pidfd_open/pidfd_send_signal are refused."""
    try:
        lib = ctypes.CDLL("libseccomp.so.2")
    except OSError:
        # ctypes.util imports subprocess (and threading) into the zygote: only when the soname fails.
        from ctypes import util as ctypes_util

        lib = ctypes.CDLL(ctypes_util.find_library("seccomp") or "libseccomp.so")
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                           ctypes.POINTER(_ArgCmp)]
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    ctx = lib.seccomp_init(SCMP_ACT_ALLOW)
    if not ctx:
        raise OSError("seccomp_init failed")
    try:
        def rule(action: int, sysname: str, *cmps: tuple[int, int, int, int]) -> None:
            nr = lib.seccomp_syscall_resolve_name(sysname.encode())
            if nr < 0:
                return  # unknown on this arch
            arr = (_ArgCmp * max(1, len(cmps)))(*[_ArgCmp(*c) for c in cmps])
            rc = lib.seccomp_rule_add_array(ctx, action, nr, len(cmps), arr)
            if rc != 0:
                raise OSError(-rc, f"seccomp_rule_add {sysname}")

        for s in DENY_SYSCALLS:
            rule(SCMP_ACT_ERRNO(errno.EPERM), s)
        # clone3 hides its flags in memory: make libc fall back to clone, whose flags we can check.
        rule(SCMP_ACT_ERRNO(errno.ENOSYS), "clone3")
        for flag in (CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
                     CLONE_NEWCGROUP):
            rule(SCMP_ACT_ERRNO(errno.EPERM), "clone", (0, SCMP_CMP_MASKED_EQ, flag, flag))
        # Only AF_UNIX sockets: no inet/inet6/netlink/packet/vsock.
        rule(SCMP_ACT_ERRNO(errno.EACCES), "socket", (0, SCMP_CMP_NE, AF_UNIX, 0))
        rule(SCMP_ACT_ERRNO(errno.EACCES), "socketpair", (0, SCMP_CMP_NE, AF_UNIX, 0))
        if protect:
            m32 = 0xFFFFFFFF
            targets = {p & m32 for p in protect} | {(-p) & m32 for p in protect} | {(-1) & m32}
            for t in sorted(targets):
                for sysname in ("kill", "tkill", "prlimit64"):
                    rule(SCMP_ACT_ERRNO(errno.EPERM), sysname, (0, SCMP_CMP_MASKED_EQ, m32, t))
                rule(SCMP_ACT_ERRNO(errno.EPERM), "tgkill", (0, SCMP_CMP_MASKED_EQ, m32, t))
            for sysname in ("pidfd_open", "pidfd_send_signal"):
                rule(SCMP_ACT_ERRNO(errno.EPERM), sysname)
        fd = os.memfd_create("seccomp-bpf")
        try:
            rc = lib.seccomp_export_bpf(ctx, fd)
            if rc != 0:
                raise OSError(-rc, "seccomp_export_bpf")
            os.lseek(fd, 0, 0)
            chunks = []
            while b := os.read(fd, 65536):
                chunks.append(b)
            return b"".join(chunks)
        finally:
            os.close(fd)
    finally:
        lib.seccomp_release(ctx)


class Seccomp:
    """A compiled filter kept in memory; ``load()`` installs it on the calling process (µs)."""

    def __init__(self, bpf: bytes) -> None:
        self._buf = ctypes.create_string_buffer(bpf, len(bpf))
        self._prog = _SockFprog(len(bpf) // 8, ctypes.cast(self._buf, ctypes.c_void_p))

    def load(self) -> None:
        prctl(PR_SET_NO_NEW_PRIVS, 1)
        _check(_libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(self._prog), 0, 0), "seccomp")


# ---------------------------------------------------------------- cgroups

def _own_cgroups() -> dict[str, str]:
    """This process's cgroup per v1 controller ("" key: the v2 path), from /proc/self/cgroup."""
    out: dict[str, str] = {}
    try:
        with open("/proc/self/cgroup") as f:
            for line in f:
                _, ctls, path = line.rstrip("\n").split(":", 2)
                for c in ctls.split(",") if ctls else [""]:
                    out[c] = path
    except OSError:
        pass
    return out


class Cgroup:
    """A per-slot cgroup (v2 or v1 memory+pids), pre-created at startup; joining costs one write.

    Created *under the cgroup the sandbox itself runs in* (``<own>/rewardgym-sandbox/<name>``), never at
    the hierarchy root: whatever bounds the service (a container, a systemd slice, an operator's wall)
    keeps bounding the runs. Both controllers are required: memory alone or pids alone is reported off.
    """

    def __init__(self, name: str) -> None:
        self.paths: dict[str, str] = {}
        self.version = 0
        own = _own_cgroups()
        v2 = "/sys/fs/cgroup"
        if os.path.exists(f"{v2}/cgroup.controllers") and not os.path.isdir(f"{v2}/memory"):
            p = f"{v2}{own.get('', '/').rstrip('/')}/rewardgym-sandbox/{name}"
            os.makedirs(p, exist_ok=True)
            ctl = self._r(f"{os.path.dirname(p)}/cgroup.controllers").split()
            if not {"memory", "pids"} <= set(ctl):
                raise OSError(f"cgroup v2: memory/pids controllers not delegated to {os.path.dirname(p)}")
            self.paths = {"v2": p}
            self.version = 2
        else:
            for ctl in ("memory", "pids"):
                base = f"/sys/fs/cgroup/{ctl}"
                if not os.path.isdir(base):
                    raise OSError(f"cgroup v1 {ctl} controller not mounted")
                p = f"{base}{own.get(ctl, '/').rstrip('/')}/rewardgym-sandbox/{name}"
                os.makedirs(p, exist_ok=True)
                self.paths[ctl] = p
            self.version = 1

    @staticmethod
    def remove_named(name: str) -> None:
        """Remove the (empty) per-slot cgroup ``name`` wherever ``Cgroup(name)`` would have made it."""
        own = _own_cgroups()
        for ctl in ("", "memory", "pids"):
            base = "/sys/fs/cgroup" if ctl == "" else f"/sys/fs/cgroup/{ctl}"
            with _suppress():
                os.rmdir(f"{base}{own.get(ctl, '/').rstrip('/')}/rewardgym-sandbox/{name}")

    @staticmethod
    def exists_named(name: str) -> bool:
        own = _own_cgroups()
        return any(os.path.isdir(f"{base}{own.get(ctl, '/').rstrip('/')}/rewardgym-sandbox/{name}")
                   for ctl, base in (("", "/sys/fs/cgroup"), ("memory", "/sys/fs/cgroup/memory"),
                                     ("pids", "/sys/fs/cgroup/pids")))

    def remove(self) -> None:
        for p in self.paths.values():
            with _suppress():
                os.rmdir(p)

    def _w(self, path: str, value: str) -> None:
        with open(path, "w") as f:
            f.write(value)

    def _r(self, path: str) -> str:
        with open(path) as f:
            return f.read()

    def set_limits(self, memory_bytes: int, pids: int) -> None:
        if self.version == 2:
            p = self.paths["v2"]
            self._w(f"{p}/memory.max", str(memory_bytes))
            with _suppress():
                self._w(f"{p}/memory.swap.max", "0")
            self._w(f"{p}/pids.max", str(pids))
            return
        if "memory" in self.paths:
            p = self.paths["memory"]
            with _suppress():
                self._w(f"{p}/memory.memsw.limit_in_bytes", "-1")
            self._w(f"{p}/memory.limit_in_bytes", str(memory_bytes))
            with _suppress():
                self._w(f"{p}/memory.memsw.limit_in_bytes", str(memory_bytes))
            with _suppress():
                self._w(f"{p}/memory.swappiness", "0")
        if "pids" in self.paths:
            self._w(f"{self.paths['pids']}/pids.max", str(pids))

    def oom_kills(self) -> int:
        try:
            key, path = (("oom_kill", f"{self.paths['v2']}/memory.events") if self.version == 2
                         else ("oom_kill", f"{self.paths['memory']}/memory.oom_control"))
            for line in self._r(path).splitlines():
                k, _, v = line.partition(" ")
                if k == key:
                    return int(v)
        except (OSError, KeyError, ValueError):
            pass
        return 0

    def failcnt(self) -> int:
        if self.version == 1 and "memory" in self.paths:
            try:
                return int(self._r(f"{self.paths['memory']}/memory.failcnt"))
            except (OSError, ValueError):
                return 0
        return 0

    def join(self) -> None:
        """Move the calling process into this cgroup (called by the run before dropping root)."""
        if self.version == 2:
            self._w(f"{self.paths['v2']}/cgroup.procs", "0")
        else:
            for p in self.paths.values():
                self._w(f"{p}/tasks", "0")

    def procs(self) -> list[int]:
        path = (f"{self.paths['v2']}/cgroup.procs" if self.version == 2
                else f"{next(iter(self.paths.values()))}/cgroup.procs")
        try:
            return [int(x) for x in self._r(path).split()]
        except OSError:
            return []


class _suppress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> bool:
        return exc[0] is not None and issubclass(exc[0], OSError)


# ---------------------------------------------------------------- probe

def _try_in_child(fn: Any) -> str:
    """Run ``fn`` in a forked child; returns "" on success or the error text."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            fn()
            os.write(w, b"ok")
            os._exit(0)
        except BaseException as e:  # noqa: BLE001
            os.write(w, str(e).encode()[:500])
            os._exit(1)
    os.close(w)
    out = b""
    while b := os.read(r, 4096):
        out += b
    os.close(r)
    os.waitpid(pid, 0)
    return "" if out == b"ok" else (out.decode(errors="replace") or "child died")


def probe() -> dict[str, Any]:
    """Which isolation layers this host allows. Returns {layer: True | "reason it is off"}."""
    res: dict[str, Any] = {}
    is_root = os.geteuid() == 0
    for name, flag in (("pidns", CLONE_NEWPID), ("netns", CLONE_NEWNET), ("mntns", CLONE_NEWNS),
                       ("ipcns", CLONE_NEWIPC), ("utsns", CLONE_NEWUTS)):
        err = _try_in_child(lambda f=flag: unshare(f))
        res[name] = err or True

    def _tmpfs() -> None:
        unshare(CLONE_NEWNS)
        mount("none", "/", None, MS_REC | MS_PRIVATE)
        mount("tmpfs", "/mnt", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m")

    res["tmpfs"] = True if is_root and not (err := _try_in_child(_tmpfs)) else (err if is_root else "not root")
    res["setuid"] = True if is_root else "not root: runs share the service uid"
    try:
        bpf = build_seccomp_bpf()
        sc = Seccomp(bpf)
        err = _try_in_child(sc.load)
        res["seccomp"] = err or True
    except OSError as e:
        res["seccomp"] = f"libseccomp: {e}"
    try:
        cg = Cgroup("probe")
        cg.set_limits(64 << 20, 8)
        cg.remove()
        res["cgroup"] = True
    except OSError as e:
        res["cgroup"] = str(e)
    res["rlimits"] = True
    return res


def layers_string(p: dict[str, Any]) -> str:
    return ",".join(k for k, v in p.items() if v is True)
