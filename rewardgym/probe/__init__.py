"""``rewardgym probe``: a battery of generic reward hacks, each with an honest twin, run against a task.

>>> report = run_probe("game24")            # doctest: +SKIP
>>> [r.name for r in report.paying]         # hacks that earned a reward above 0
"""

from rewardgym.probe.run import (
    EXIT_PAYS,
    EXIT_TWIN_FAILS,
    ProbeError,
    Report,
    Row,
    battery,
    load_cases,
    probed_tasks,
    run_probe,
)
from rewardgym.probe.table import render

__all__ = ["EXIT_PAYS", "EXIT_TWIN_FAILS", "ProbeError", "Report", "Row", "battery", "load_cases", "probed_tasks",
           "render", "run_probe"]
