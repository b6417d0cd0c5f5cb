"""The server's own Python environment, visible (read-only) to runs wherever it lives.

A zygote hides host directories (``/home``, ``/root``, ``/work``…) behind empty tmpfs mounts and
gives every slot a private ``/tmp``. The interpreter's library and site-packages may live in any of
them (a pyenv build under ``/root``, a virtualenv under ``/tmp``), so each is bound back read-only:
at its own path when it sits under a hidden directory (the cover is static), under
``/run/rewardgym-env/<n>`` when it sits under a directory the zygote re-mounts (``/tmp``, ``/run``),
with the zygote's ``sys.path`` rewritten to match. Only what Python imports from is exposed: the
interpreter's ``lib*`` directories and the site directories, never the working directory, PYTHONPATH
or our source tree. A self-check run then proves, as the slot uid with every layer on, that each
directory can be imported from; a sandbox that cannot is not started (``SANDBOX_ERROR``), so a
missing package is never scored as the model's runtime error.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any

COVERED = ("/tmp", "/dev/shm", "/run")  # the zygote mounts over these itself
REMAP_ROOT = "/run/rewardgym-env"

PROBE_SRC = """
import os
from importlib.machinery import PathFinder

def probe(pairs):
    bad = []
    for path, mod in pairs:
        if not os.path.isdir(path):
            bad.append(path + ": not visible")
            continue
        if mod:
            spec = PathFinder.find_spec(mod, [path])
            if spec is None or not spec.origin or not os.access(spec.origin, os.R_OK):
                bad.append(path + ": cannot import " + mod)
    return bad
"""


def env_dirs() -> list[list[str]]:
    """Server side: ``[path, a module found there]`` for each ``sys.path`` directory of the
    interpreter (``<prefix>/lib*``) or a site directory."""
    import site

    libs = {os.path.realpath(p).rstrip("/") + "/lib" for p in
            (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    sites = {os.path.realpath(p) for p in [*site.getsitepackages(), site.getusersitepackages()]}
    out: list[list[str]] = []
    for p in dict.fromkeys(sys.path):
        if not p or not os.path.isdir(p):
            continue
        rp = os.path.realpath(p)
        if rp in sites or rp.startswith(tuple(libs)):
            out.append([p, _probe_module(p)])
    return out


def _probe_module(path: str) -> str:
    """A plain module or package in ``path`` (one is enough to prove the directory imports)."""
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return ""
    for n in names:
        stem, ext = os.path.splitext(n)
        if ext == ".py" and stem.isidentifier():
            return stem
        if n.isidentifier() and os.path.isfile(os.path.join(path, n, "__init__.py")):
            return n
    return ""


@dataclass
class Plan:
    binds: list[tuple[str, str, int]] = field(default_factory=list)  # (real source, target, O_PATH fd)
    path_map: dict[str, str] = field(default_factory=dict)  # sys.path entry -> where a run finds it

    def targets_under(self, d: str) -> list[str]:
        return [t for _, t, _ in self.binds if t.startswith(d + "/")]


def plan(expose: list[list[str]], hidden: tuple[str, ...]) -> Plan:
    """Zygote side, before any cover is mounted: which directories to bind back, and where."""
    covered = tuple(d + "/" for d in (*hidden, *COVERED))
    out = Plan()
    roots: list[tuple[str, str]] = []  # (real source, target), outermost first
    for p, _ in sorted(expose, key=lambda e: os.path.realpath(e[0])):
        rp = os.path.realpath(p)
        if not rp.startswith(covered):
            continue  # visible as it is
        outer = next(((s, t) for s, t in roots if rp == s or rp.startswith(s + "/")), None)
        if outer is None:
            under_hidden = rp.startswith(tuple(d + "/" for d in hidden))
            target = rp if under_hidden else f"{REMAP_ROOT}/{len(roots)}"
            outer = (rp, target)
            roots.append(outer)
            out.binds.append((rp, target, os.open(rp, os.O_PATH | os.O_DIRECTORY)))
        out.path_map[p] = outer[1] + rp[len(outer[0]):]
    return out


def apply(p: Plan, mount: Any, flags: Any) -> None:
    """After every cover is mounted: bind each source back read-only, then point sys.path at it."""
    for _src, target, fd in p.binds:
        os.makedirs(target, exist_ok=True)  # under a hidden dir: made before its cover went read-only
        mount(f"/proc/self/fd/{fd}", target, None, flags.MS_BIND | flags.MS_REC)
        os.close(fd)
        mount("none", target, None, flags.MS_REMOUNT | flags.MS_BIND | flags.MS_RDONLY | flags.MS_NOSUID
              | flags.MS_NODEV)
    if p.path_map:
        sys.path[:] = [p.path_map.get(e, e) for e in sys.path]
        sys.path_importer_cache.clear()


def probe_job(expose: list[list[str]], p: Plan) -> dict[str, Any]:
    """The self-check run's harness: each exposed directory, where a run sees it, and a module in it."""
    pairs = [[p.path_map.get(path, path), mod] for path, mod in expose]
    return {"kind": "call", "fn": "probe", "inputs": json.dumps([[pairs]]), "setup": "", "stop_on_error": False}


def probe_failures(records: str) -> list[str] | None:
    """Failures the probe reported (empty: all good); None when it never answered."""
    for line in records.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict) and rec.get("i") == 0:
            v = rec.get("v")
            if isinstance(v, dict) and isinstance(v.get("l"), list):
                return [str(x) for x in v["l"]]
            return [f"probe raised {rec.get('exc')}: {rec.get('msg')}"]
    return None
