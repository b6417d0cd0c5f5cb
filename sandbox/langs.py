"""Toolchains: how each language is compiled (once per submission) and run (once per test)."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Lang:
    name: str
    source: str  # file name of the source in the build dir ("" for the Python fork path)
    compile: tuple[str, ...] = ()  # argv run in the build dir; empty: the source is the artifact
    run: tuple[str, ...] = ()  # argv; {bin} = artifact dir, {mem} = memory limit in MB, {main} = main class
    address_space: bool = True  # RLIMIT_AS works for it (not for JVM/V8, which reserve huge ranges)
    extra_procs: int = 0  # threads the runtime itself starts (JVM)


LANGS: dict[str, Lang] = {
    "python": Lang("python", ""),
    "c": Lang("c", "main.c", ("gcc", "-O2", "-std=gnu17", "-pipe", "-o", "prog", "main.c", "-lm"), ("{bin}/prog",)),
    "cpp": Lang("cpp", "main.cpp", ("g++", "-O2", "-std=gnu++17", "-pipe", "-o", "prog", "main.cpp"), ("{bin}/prog",)),
    "javascript": Lang("javascript", "main.js", (), ("node", "--max-old-space-size={mem}", "--stack-size=65500",
                                                     "{bin}/main.js"), address_space=False),
    "java": Lang("java", "Main.java", ("javac", "-J-Xmx512m", "-J-XX:+UseSerialGC", "-J-XX:TieredStopAtLevel=1",
                                       "-encoding", "UTF-8", "-nowarn", "{src}"),
                 ("java", "-Xmx{mem}m", "-Xss64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                  "-Xshare:auto", "-XX:-UsePerfData", "-cp", "{bin}", "{main}"), address_space=False, extra_procs=64),
}
ALIASES = {"py": "python", "python3": "python", "c++": "cpp", "cxx": "cpp", "js": "javascript", "node": "javascript",
           "nodejs": "javascript", "gcc": "c"}

_JAVA_CLASS = re.compile(r"public\s+(?:final\s+|abstract\s+)*class\s+([A-Za-z_]\w*)")


def canonical(language: str) -> str:
    lang = language.strip().lower()
    return ALIASES.get(lang, lang)


def java_main_class(code: str) -> str:
    m = _JAVA_CLASS.search(code)
    return m.group(1) if m else "Main"


def resolve(lang: Lang) -> dict[str, str] | None:
    """Absolute paths of the tools a language needs, or None when a tool is missing here."""
    tools = {}
    for argv in (lang.compile, lang.run):
        if argv and not argv[0].startswith("{"):
            p = shutil.which(argv[0], path="/usr/local/bin:/usr/bin:/bin")
            if not p:
                return None
            tools[argv[0]] = p
    return tools


def available() -> dict[str, dict[str, str]]:
    out = {}
    for name, lang in LANGS.items():
        t = resolve(lang)
        if t is not None:
            out[name] = t
    return out
