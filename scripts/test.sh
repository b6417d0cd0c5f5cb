#!/usr/bin/env bash
# The test command of the README and of CI: installs everything the tests need, then runs them.
#
#   bash scripts/test.sh [pytest args…]
#
# Installs, and says so as it goes:
# - the Debian packages in .ci/apt-packages.txt (when root and missing);
# - a dedicated virtualenv, .venv-test/ (git-ignored; REWARDGYM_TEST_VENV moves it), with this project
#   (editable, dev extra), the example plugin and the test-only plugins. Nothing is installed into the
#   Python environment the command is run from; delete .venv-test/ to remove every test package. The
#   venv is reused, and refreshed only when a pyproject.toml it was built from changes;
# - the client-compatibility venv .venv-test-oldpins/ (oldest supported grpcio/protobuf, client only),
#   built by tests/test_client_oldpins.py on its first run;
# - starts the Docker engine when it is installed but stopped (scripts/ensure_docker.sh); the docker
#   sandbox-backend tests build the images rewardgym/base:bookworm and rewardgym/sandbox:dev once.
# Then ruff and the whole suite (pytest-xdist: one process per core, at most 4).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}
VENV=${REWARDGYM_TEST_VENV:-.venv-test}

if [ -f .ci/apt-packages.txt ]; then
    mapfile -t pkgs < <(grep -v '^\s*#' .ci/apt-packages.txt | awk 'NF{print $1}' | sort -u)
    missing=()
    for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    if [ ${#missing[@]} -gt 0 ]; then
        if [ "$(id -u)" = 0 ]; then
            echo "test.sh: installing Debian packages: ${missing[*]}"
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        else
            echo "test.sh: missing Debian packages (install them as root): ${missing[*]}" >&2
            exit 1
        fi
    fi
fi

# The test venv: rebuilt when a pyproject.toml it was installed from changes (the stamp is their hash).
stamp=$(cat pyproject.toml examples/rewardgym-sortnum/pyproject.toml tests/plugins/*/pyproject.toml \
        | sha256sum | cut -d' ' -f1)
VPY=$VENV/bin/python
if [ ! -x "$VPY" ]; then
    echo "test.sh: creating the test virtualenv $VENV"
    "$PY" -m venv "$VENV"
fi
if [ "$(cat "$VENV/.rewardgym-stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "test.sh: installing this project [dev] and the test plugins into $VENV"
    "$VPY" -m pip install -q --disable-pip-version-check --upgrade -e ".[dev]"
    "$VPY" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation --force-reinstall \
        ./examples/rewardgym-sortnum ./tests/plugins/rewardgym_testtasks
    echo "$stamp" > "$VENV/.rewardgym-stamp"
fi

"$VPY" -m ruff check .
# The docker sandbox backend's tests need the engine; start it if it is installed but stopped.
bash scripts/ensure_docker.sh || echo "test.sh: no Docker engine here: the docker-backend tests will fail" >&2
# Two or more files at a time (a file's tests stay in one process: they share module fixtures), the
# slowest files first so that no long one starts last. REWARDGYM_TEST_WORKERS=0: one process.
n=${REWARDGYM_TEST_WORKERS:-$(nproc)}; (( n > 4 )) && n=4
if [ $# -eq 0 ]; then
    slow=(tests/test_sandbox_hostile.py tests/test_code_task.py tests/test_client_server.py)
    set -- "${slow[@]}" $(ls tests/test_*.py | grep -vxF -f <(printf '%s\n' "${slow[@]}"))
fi
exec "$VPY" -m pytest -q -n "$n" --dist loadfile "$@"
