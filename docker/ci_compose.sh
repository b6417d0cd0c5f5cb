#!/usr/bin/env bash
# CI stage: the compose stack, built and tested for real (called by .ci/run after the unit tests).
#
#   bash docker/ci_compose.sh
#
# 1. base image without a registry (docker/build_base.sh: debootstrap + docker import; reused if present)
# 2. server and sandbox images with --build-arg BASE_IMAGE=<that base>
# 3. `compose up -d` + wait until healthy (time-to-healthy printed), smoke test through the published
#    port: health, reflection, one game24 + one math + code items in every language
# 4. scale to 2 servers + 2 sandboxes: DNS round-robin from a client inside the compose network
# 5. fault (3 sandboxes): stop one sandbox container (SIGTERM), then kill another (SIGKILL), each in the
#    middle of a batch of 300 code items (0.3 s each): every item answered (scored, retried or SANDBOX_ERROR), none
#    lost, none disguised as a wrong answer, server healthy, code still scored afterwards
# 6. failover: kill a server replica while a round-robin client keeps calling
# 7. restore; a client inside the network on dns:///server:50051 while a server replica is killed
# 8. `compose down -v` — also on failure (trap), after printing logs.
#
# Env: PYTHON (host python with grpcio, default python3), BASE_IMAGE (default rewardgym/base:bookworm,
# built here when missing),
# CI_PORT / CI_PORTS (host port of the single server, default 30051; range for the scaled servers,
# default 30052-30060; below the kernel's ephemeral range so no client socket holds them), BUILD_NETWORK (e.g. "host" where build containers have no network of their own),
# KEEP_STACK=1 (leave the stack up for debugging).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PY=${PYTHON:-python3}
PROJECT=${CI_COMPOSE_PROJECT:-rewardgym-ci}
BASE=${BASE_IMAGE:-rewardgym/base:bookworm}
PORT=${CI_PORT:-30051}
PORTS=${CI_PORTS:-30052-30060}
export BASE_IMAGE=$BASE
export REWARDGYM_SERVER_IMAGE=rewardgym/server:ci
export REWARDGYM_SANDBOX_IMAGE=rewardgym/sandbox:ci
export REWARDGYM_PORTS=$PORT   # phase 1: the default layout, one fixed port
STAGE_START=$(date +%s)

log() { printf '\n=== [%4ss] %s\n' "$(( $(date +%s) - STAGE_START ))" "$*"; }
die() { echo "ci_compose: FAIL: $*" >&2; exit 1; }

# ------------------------------------------------------------------ docker engine, compose v2 or v1
bash scripts/ensure_docker.sh || die "no docker engine"
if docker compose version >/dev/null 2>&1; then
    DC=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
    DC=(docker-compose)
else
    die "neither 'docker compose' nor 'docker-compose' is installed"
fi
dc() { "${DC[@]}" -p "$PROJECT" -f compose.yaml "$@"; }
echo "ci_compose: using '${DC[*]}' ($("${DC[@]}" version --short 2>/dev/null || true)), docker $(docker version --format '{{.Server.Version}}')"

cleanup() {
    local rc=$?
    if [[ $rc -ne 0 ]]; then
        echo "ci_compose: failed (rc=$rc); state and logs follow" >&2
        dc ps -a || true
        dc logs --no-color --tail 80 || true
    fi
    if [[ -z "${KEEP_STACK:-}" ]]; then
        dc --profile metrics down -v --remove-orphans --timeout 5 >/dev/null 2>&1 || true
    fi
    log "compose stage finished rc=$rc in $(( $(date +%s) - STAGE_START ))s"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A stack left over from an interrupted run would hold the ports.
dc --profile metrics down -v --remove-orphans --timeout 5 >/dev/null 2>&1 || true

# ------------------------------------------------------------------ host python for the smoke test
if ! "$PY" -c "import grpc, grpc_health.v1, grpc_reflection.v1alpha, google.protobuf" 2>/dev/null; then
    log "installing grpcio, health checking and reflection for $PY"
    "$PY" -m pip install -q grpcio grpcio-health-checking grpcio-reflection protobuf
fi

# ------------------------------------------------------------------ images
log "compose config (default and metrics profile)"
dc config -q
dc --profile metrics config -q

log "Kubernetes manifests (deploy/k8s) against the 1.30 schemas"
KV=${KV_VENV:-/var/tmp/rewardgym-kubernetes-validate}
[[ -x "$KV/bin/kubernetes-validate" ]] || { "$PY" -m venv "$KV" && "$KV/bin/pip" install -q kubernetes-validate; }
"$KV/bin/kubernetes-validate" --strict -k 1.30.0 deploy/k8s/sandbox.yaml deploy/k8s/server.yaml

log "base image $BASE"
if ! docker image inspect "$BASE" >/dev/null 2>&1; then
    command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
    BASE_TAG=$BASE docker/build_base.sh
else
    echo "reusing $BASE"
fi

build() {  # build <Dockerfile> <tag>
    local t0=$(date +%s)
    docker build ${BUILD_NETWORK:+--network "$BUILD_NETWORK"} -q --force-rm --build-arg BASE_IMAGE="$BASE" \
        -f "$1" -t "$2" . >/dev/null || { docker build --build-arg BASE_IMAGE="$BASE" -f "$1" -t "$2" . | tail -40; return 1; }
    echo "built $2 in $(( $(date +%s) - t0 ))s"
}
log "building images (cached layers reused)"
build docker/server.Dockerfile "$REWARDGYM_SERVER_IMAGE"
build docker/sandbox.Dockerfile "$REWARDGYM_SANDBOX_IMAGE"
# Old builds of ours that the new tags replaced.
docker image prune -f --filter label=org.rewardgym.image >/dev/null || true
docker image ls --format 'table {{.Repository}}:{{.Tag}}\t{{.Size}}\t{{.CreatedSince}}' | grep -E '^(REPOSITORY|rewardgym/)'

# ------------------------------------------------------------------ wait for health
containers() { dc ps -q "$@"; }
wait_healthy() {  # wait_healthy <timeout_s>; every container of the project healthy
    local deadline=$(( $(date +%s) + $1 )) ids st bad
    while :; do
        ids=$(containers)
        bad=""
        for id in $ids; do
            st=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id")
            [[ "$st" == healthy ]] || bad+=" $(docker inspect -f '{{.Name}}' "$id"):$st"
        done
        [[ -n "$ids" && -z "$bad" ]] && return 0
        if (( $(date +%s) > deadline )); then echo "not healthy:$bad" >&2; return 1; fi
        sleep 1
    done
}
up_wait() {  # compose up, then wait: `up --wait` on Compose v2, polling on v1
    local t0=$(date +%s%N)
    local help=""
    [[ "${DC[*]}" == "docker compose" ]] && help=$(docker compose up --help 2>/dev/null || true)
    if grep -q -- '--wait ' <<<"$help"; then
        if grep -q -- '--wait-timeout' <<<"$help"; then
            dc up -d --no-build --wait --wait-timeout 240 "$@"
        else
            timeout 300 "${DC[@]}" -p "$PROJECT" -f compose.yaml up -d --no-build --wait "$@"
        fi
    else
        dc up -d --no-build "$@"
        wait_healthy 240
    fi
    wait_healthy 30  # both paths: every container reports healthy
    HEALTHY_S=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN{printf "%.1f", (b-a)/1e9}')
}

log "compose up -d (1 server, 1 sandbox)"
up_wait
echo "TIME-TO-HEALTHY: ${HEALTHY_S}s (compose up to every container healthy)"
dc ps

# The sandbox network has no route out; checked from its definition (no traffic is sent anywhere).
SB=$(containers sandbox | head -n1)
[[ $(docker network inspect -f '{{.Internal}}' "${PROJECT}_sandbox") == true ]] || die "sandbox network is not internal"
nets=$(docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' "$SB")
[[ "$nets" == "${PROJECT}_sandbox " ]] || die "sandbox container is on networks: $nets"
[[ $(docker inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$SB") == true ]] || die "sandbox root is writable"
echo "sandbox: internal network only ($nets), read-only root, caps: $(docker inspect -f '{{.HostConfig.CapAdd}}' "$SB")"
dc logs --no-color sandbox 2>&1 | grep -iE 'layer|probe|language' | tail -n 5 || true

log "smoke test through the published port 127.0.0.1:$PORT"
"$PY" tests/compose/smoke.py smoke --address "127.0.0.1:$PORT"

# ------------------------------------------------------------------ scaled
log "scale: 2 servers, 2 sandboxes (servers published on a port range: REWARDGYM_PORTS=$PORTS)"
export REWARDGYM_PORTS=$PORTS
up_wait --scale server=2 --scale sandbox=2
echo "TIME-TO-HEALTHY (scale-up): ${HEALTHY_S}s"
dc ps
server_addrs() {  # the host addresses of the running server replicas, comma-separated
    local id out=()
    for id in $(containers server); do out+=("127.0.0.1:$(docker port "$id" 50051/tcp | grep -oE '[0-9]+$' | head -n1)"); done
    (IFS=,; echo "${out[*]}")
}
ADDRS=$(server_addrs)
[[ $(tr ',' '\n' <<<"$ADDRS" | wc -l) == 2 ]] || die "expected 2 published server ports, got: $ADDRS"
echo "server replicas published on $ADDRS"

log "DNS round-robin inside the compose network (dns:///server:50051 from a client container)"
docker run --rm --network "${PROJECT}_public" -v "$PWD/tests/compose:/smoke:ro" \
    --entrypoint python "$REWARDGYM_SERVER_IMAGE" /smoke/smoke.py dns --address dns:///server:50051 \
    --metrics-host server --calls 40 --batch 16

log "fault 1: stop a sandbox container (SIGTERM) in the middle of a batch of code items"
up_wait --scale server=2 --scale sandbox=3   # one sandbox for each fault, one that survives both
ADDRS=$(server_addrs)
"$PY" tests/compose/smoke.py fault --address "$ADDRS" --items "${FAULT_ITEMS:-300}" --sleep 0.3 --stop-after 60 \
    --stop-busy "docker stop -t 2" --project "$PROJECT"   # a sandbox that is running code at that moment

log "fault 2: kill a sandbox container (SIGKILL) in the middle of a batch of code items"
"$PY" tests/compose/smoke.py fault --address "$ADDRS" --items "${FAULT_ITEMS:-300}" --sleep 0.3 --stop-after 60 \
    --stop-busy "docker kill" --project "$PROJECT"

log "failover: kill one server replica (SIGKILL) while a round-robin client keeps calling"
SVICTIM=$(containers server | head -n1)
"$PY" tests/compose/smoke.py failover --address "$ADDRS" \
    --calls 60 --batch 128 --stop "docker kill $SVICTIM"

log "restore: compose up brings the stopped containers back, healthy"
up_wait --scale server=2 --scale sandbox=3
echo "TIME-TO-HEALTHY (recovery): ${HEALTHY_S}s"
ADDRS=$(server_addrs)   # a restarted replica takes another free port of the range
for a in ${ADDRS//,/ }; do "$PY" tests/compose/smoke.py health --address "$a"; done
"$PY" tests/compose/smoke.py smoke --address "$ADDRS" --languages python

log "DNS failover: kill a server replica while a client inside the network keeps calling dns:///server:50051"
docker run --rm --network "${PROJECT}_public" -v "$PWD/tests/compose:/smoke:ro" \
    --entrypoint python "$REWARDGYM_SERVER_IMAGE" /smoke/smoke.py dns --address dns:///server:50051 \
    --metrics-host server --calls 150 --batch 32 --pause 0.03 &
DNS_CLIENT=$!
sleep 3
docker kill "$(containers server | head -n1)" >/dev/null && echo "killed one server replica"
wait "$DNS_CLIENT" || die "the dns:/// client did not keep going"
up_wait --scale server=2 --scale sandbox=3
echo "TIME-TO-HEALTHY (recovery): ${HEALTHY_S}s"

log "image sizes"
docker image ls --format 'table {{.Repository}}:{{.Tag}}\t{{.Size}}' | grep -E '^(REPOSITORY|rewardgym/)'

log "compose down -v"
dc down -v --remove-orphans --timeout 10
echo "ci_compose: PASS"
