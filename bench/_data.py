"""Where the public test corpora (``shared/data``) are, for tests and benchmarks.

The checkout normally sits beside ``shared/`` (``<root>/main`` and ``<root>/shared``); a clean clone
elsewhere points at it with ``REWARDGYM_SHARED``. A missing corpus is an error, never a skip.
"""

from __future__ import annotations

import os
import pathlib

_REPO = pathlib.Path(__file__).resolve().parents[1]


def shared_data() -> pathlib.Path:
    """The ``data`` folder of ``shared/``: $REWARDGYM_SHARED, else ``../shared`` of the checkout,
    else ``/work/shared``."""
    env = os.environ.get("REWARDGYM_SHARED")
    candidates = [pathlib.Path(env)] if env else [_REPO.parent / "shared", pathlib.Path("/work/shared")]
    for c in candidates:
        if (c / "data").is_dir():
            return c / "data"
    raise FileNotFoundError(
        f"shared test corpora not found (looked in {', '.join(str(c) for c in candidates)}); "
        "set REWARDGYM_SHARED to the folder that holds data/"
    )
