#!/usr/bin/env bash
# Build the base image rewardgym/base:bookworm without any container registry:
# debootstrap a minimal Debian bookworm (python3 3.11, venv, pip, CA certificates) into a folder
# and `docker import` it. The Dockerfiles default to python:3.11-slim; on a machine that cannot pull,
# pass --build-arg BASE_IMAGE=rewardgym/base:bookworm instead.
#
#   docker/build_base.sh            # no-op when the image already exists
#   REBUILD_BASE=1 docker/build_base.sh
#
# Env: BASE_TAG (default rewardgym/base:bookworm), DEBIAN_MIRROR (default: the Debian mirror this
# host's apt uses), BASE_CACHE (debootstrap .deb cache, default /var/cache/rewardgym-debootstrap).
set -euo pipefail

TAG=${BASE_TAG:-rewardgym/base:bookworm}
CACHE=${BASE_CACHE:-/var/cache/rewardgym-debootstrap}

if [[ -z "${REBUILD_BASE:-}" ]] && docker image inspect "$TAG" >/dev/null 2>&1; then
    echo "build_base: $TAG already present, reusing it"
    exit 0
fi

detect_mirror() {
    # The first apt source serving the main Debian archive (not -security, not third-party repos).
    local f uri
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [[ -r "$f" ]] || continue
        uri=$(grep -hoE '^(deb|URIs:)[[:space:]]+(\[[^]]*\][[:space:]]+)?[a-z]+://[^[:space:]]+' "$f" \
            | grep -oE '[a-z]+://[^[:space:]]+' | grep -E '/debian/?$' | head -n1 || true)
        if [[ -n "$uri" ]]; then echo "${uri%/}"; return; fi
    done
    echo "http://deb.debian.org/debian"
}
MIRROR=${DEBIAN_MIRROR:-$(detect_mirror)}

command -v debootstrap >/dev/null || { echo "build_base: debootstrap missing (apt-get install -y debootstrap)" >&2; exit 1; }
[[ $(id -u) == 0 ]] || { echo "build_base: debootstrap needs root" >&2; exit 1; }

ROOT=$(mktemp -d /var/tmp/rewardgym-base.XXXXXX)
trap 'rm -rf --one-file-system "$ROOT"' EXIT
mkdir -p "$CACHE"

echo "build_base: debootstrap bookworm from $MIRROR into $ROOT"
start=$(date +%s)
debootstrap --variant=minbase --cache-dir="$CACHE" \
    --include=python3,python3-venv,python3-pip,ca-certificates \
    bookworm "$ROOT" "$MIRROR" >/tmp/rewardgym-debootstrap.log 2>&1 \
    || { tail -n 30 /tmp/rewardgym-debootstrap.log >&2; exit 1; }

# Trust what this host trusts: a machine behind a TLS-inspecting proxy has its CA in the host bundle,
# and pip inside `docker build` must reach PyPI through it. Certificates the host trusts beyond Debian's
# set go to /usr/local/share/ca-certificates (they survive later update-ca-certificates runs).
HOST_CA=${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
if [[ -r "$HOST_CA" ]]; then
    python3 - "$HOST_CA" "$ROOT/etc/ssl/certs/ca-certificates.crt" "$ROOT/usr/local/share/ca-certificates" <<'PY'
import re, sys, pathlib
pem = re.compile(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", re.S)
host, image, out = sys.argv[1:]
known = {c.strip() for c in pem.findall(open(image).read())}
extra = [c for c in pem.findall(open(host).read()) if c.strip() not in known]
for i, c in enumerate(extra):
    pathlib.Path(out, f"host-extra-{i}.crt").write_text(c + "\n")
print(f"build_base: {len(extra)} extra CA certificate(s) from the host bundle")
PY
    chroot "$ROOT" update-ca-certificates >/dev/null 2>&1
fi

# apt inside the image uses the same mirror; keep the image lean.
printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' "$MIRROR" "$MIRROR" >"$ROOT/etc/apt/sources.list"
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/* "$ROOT"/tmp/* "$ROOT"/var/log/*.log
# Docker mounts these at run time; what debootstrap left there must not shadow them.
rm -f "$ROOT/etc/hostname" "$ROOT/etc/resolv.conf"
: >"$ROOT/etc/resolv.conf"

tar --numeric-owner -C "$ROOT" -c . | docker import \
    -c 'ENV LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'CMD ["/bin/bash"]' \
    -m "debootstrap --variant=minbase bookworm ($MIRROR)" - "$TAG" >/dev/null
echo "build_base: $TAG built in $(( $(date +%s) - start ))s"
docker image ls "$TAG"
