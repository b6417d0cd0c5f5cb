"""Text rendering of a probe report."""

from __future__ import annotations

from rewardgym.probe.run import Report

_MARK = {"PAYS": "PAYS  <-", "FAILS": "FAILS <-"}


def _clean(s: str, n: int) -> str:
    s = "".join(c if c.isprintable() else "?" for c in s)
    return s if len(s) <= n else s[: n - 1] + "…"


def render(rep: Report, verbose: bool = False) -> str:
    """One line per answer (``verbose``) or only the ones that pay or fail, then a summary."""
    shown = rep.rows if verbose else [r for r in rep.rows if r.verdict in ("PAYS", "FAILS")]
    lines = [f"{'case':<4} {'role':<6} {'name':<36} {'reward':>6}  {'status':<15} verdict"] if shown else []
    for r in shown:
        lines.append(f"{r.case:<4} {r.role:<6} {_clean(r.name, 36):<36} {r.reward:>6.3f}  {r.status:<15} "
                     f"{_MARK.get(r.verdict, r.verdict)}" + (f"  {_clean(r.detail, 60)}" if r.verdict != "PASS" else ""))
    d = rep.as_dict()
    na = sum(r.verdict == "N/A" for r in rep.rows if r.role != "shape")
    lines.append(f"{rep.task}: {d['hacks']} hacks, {d['paying']} pay; {d['honest']} honest answers, "
                 f"{d['failing']} fail" + (f", {na} not applicable (format not read by the task)" if na else "")
                 + f"; exit {d['exit_code']}")
    return "\n".join(lines)
