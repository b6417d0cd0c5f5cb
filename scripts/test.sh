#!/usr/bin/env bash
# The test command of the README and of CI: installs everything the tests need, then runs them.
#
#   bash scripts/test.sh [pytest args…]
#
# Installs: the Debian packages in .ci/apt-packages.txt (when root and missing), this project with its
# dev extra (editable), the example plugin and the test-only plugin; starts the Docker engine when it
# is installed but stopped (scripts/ensure_docker.sh). Then runs the whole suite.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}

if [ -f .ci/apt-packages.txt ]; then
    mapfile -t pkgs < <(grep -v '^\s*#' .ci/apt-packages.txt | awk 'NF{print $1}' | sort -u)
    missing=()
    for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    if [ ${#missing[@]} -gt 0 ]; then
        if [ "$(id -u)" = 0 ]; then
            echo "installing Debian packages: ${missing[*]}"
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        else
            echo "missing Debian packages (install them as root): ${missing[*]}" >&2
            exit 1
        fi
    fi
fi

"$PY" -m pip install -q --disable-pip-version-check -e ".[dev]"
"$PY" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation \
    ./examples/rewardgym-sortnum ./tests/plugins/rewardgym_testtasks
"$PY" -m ruff check .
# The docker sandbox backend's tests need the engine; start it if it is installed but stopped.
bash scripts/ensure_docker.sh || echo "test.sh: no Docker engine here: the docker-backend tests will fail" >&2
exec "$PY" -m pytest -q "$@"
