"""Every ```bash and ```python block of README.md and docs/*.md runs as written.

Blocks run one by one, each in a fresh process in an empty temporary directory, with this environment's
``python`` and ``rewardgym`` first on PATH, against a real server this module starts; the address the
docs use, 127.0.0.1:50051, is replaced by that server's. A block passes when it exits 0 (the docs'
examples assert their own results where they state them).

A block that cannot run here (it starts a long-lived server, needs Docker, a GPU or a trainer package,
or is the test command itself) carries an HTML comment on the line just before its fence:

    <!-- docs-test: syntax-only (why) -->

It is still checked: Python must compile, bash must parse (``bash -n``), and every ``rewardgym <command>``
in it must answer ``--help``. The reason is required. Any other ``docs-test:`` comment is an error, and
so is a ```sh/```shell/```py block (use bash/python for runnable code, text/json/toml for the rest).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.serverproc import ROOT, ServerProc

DOC_ADDRESS = "127.0.0.1:50051"
MARK = re.compile(r"<!--\s*docs-test:\s*(.*?)\s*-->")
SYNTAX_ONLY = re.compile(r"syntax-only \((.+)\)")
FENCE = re.compile(r"^(\s*)```(\S*)\s*$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int
    lang: str
    code: str
    mark: str | None  # the docs-test comment before the fence, if any

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def blocks(path: Path) -> list[Block]:
    out: list[Block] = []
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, lang, start = m.group(1), m.group(2), i
        body: list[str] = []
        i += 1
        while i < len(lines) and not re.match(rf"^{re.escape(indent)}```\s*$", lines[i]):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        i += 1
        prev = lines[start - 1] if start > 0 else ""
        mark = MARK.search(prev)
        out.append(Block(path, start + 1, lang, "\n".join(body) + "\n", mark.group(1) if mark else None))
    return out


ALL = [b for f in doc_files() for b in blocks(f)]
CODE = [b for b in ALL if b.lang in ("bash", "python")]
RUN = [b for b in CODE if b.mark is None]
SYNTAX = [b for b in CODE if b.mark is not None]


def test_docs_are_found_and_use_the_convention():
    assert len(doc_files()) >= 5 and len(RUN) >= 8
    for b in ALL:
        assert b.lang not in ("sh", "shell", "console", "py", "python3"), f"{b.id}: use ```bash or ```python"
        if b.mark is not None:
            assert b.lang in ("bash", "python"), f"{b.id}: docs-test marks only bash/python blocks"
            assert SYNTAX_ONLY.fullmatch(b.mark), f"{b.id}: expected 'docs-test: syntax-only (reason)', got {b.mark!r}"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProc]:
    with ServerProc(workers=2) as srv:
        yield srv


def _env() -> dict[str, str]:
    bindir = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(ROOT)}


@pytest.mark.parametrize("block", RUN, ids=[b.id for b in RUN])
def test_block_runs(block: Block, server: ServerProc, tmp_path: Path):
    code = block.code.replace(DOC_ADDRESS, server.address)
    cmd = ["bash", "-euo", "pipefail", "-c", code] if block.lang == "bash" else [sys.executable, "-c", code]
    r = subprocess.run(cmd, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, f"{block.id} exited {r.returncode}\n--- code\n{code}--- stdout\n{r.stdout[-2000:]}" \
                              f"--- stderr\n{r.stderr[-3000:]}"


def _rewardgym_commands(code: str) -> set[str]:
    """The subcommands of every simple command that starts with ``rewardgym`` (after VAR=value)."""
    cmds = set()
    for line in code.replace("\\\n", " ").splitlines():
        lex = shlex.shlex(line, posix=True, punctuation_chars=True)
        lex.whitespace_split = True
        words: list[str] = []
        for tok in [*lex, ";"]:
            if tok and set(tok) <= set("();<>|&"):  # an operator ends a simple command
                while words and "=" in words[0] and not words[0].startswith("-"):
                    words = words[1:]
                if len(words) >= 2 and words[0] == "rewardgym" and not words[1].startswith("-"):
                    cmds.add(words[1])
                words = []
            else:
                words.append(tok)
    return cmds


@pytest.mark.parametrize("block", SYNTAX, ids=[b.id for b in SYNTAX])
def test_marked_block_is_valid(block: Block):
    if block.lang == "python":
        compile(block.code, block.id, "exec")
        return
    r = subprocess.run(["bash", "-n", "-c", block.code], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, f"{block.id}: {r.stderr}"
    for cmd in sorted(_rewardgym_commands(block.code)):
        h = subprocess.run(["rewardgym", cmd, "--help"], env=_env(), capture_output=True, text=True, timeout=60)
        assert h.returncode == 0 and "usage" in h.stdout, f"{block.id}: rewardgym {cmd} --help: {h.stderr[-500:]}"
