#!/usr/bin/env bash
# Makes sure the Docker engine answers, starting it when it is installed but not running.
#
#   bash scripts/ensure_docker.sh
#
# Why: on CI machines the engine's daemon may be stopped before the job starts (its socket is left
# behind, so clients get "connection refused"); the docker-backend sandbox tests and the compose stage
# need it. Exits 0 when `docker info` works, 1 when there is no engine to start.
set -uo pipefail

docker info >/dev/null 2>&1 && exit 0
if ! command -v dockerd >/dev/null 2>&1; then
    echo "ensure_docker: no Docker engine installed (dockerd not found)" >&2
    exit 1
fi
if [ "$(id -u)" != 0 ]; then
    echo "ensure_docker: the Docker engine is not reachable and only root can start it" >&2
    exit 1
fi
echo "ensure_docker: Docker engine not reachable; starting it" >&2
# A daemon killed without cleanup leaves its pid file; a stale one stops the next start.
for pf in /var/run/docker.pid /var/run/docker-ssd.pid; do
    if [ -f "$pf" ] && ! kill -0 "$(cat "$pf" 2>/dev/null)" 2>/dev/null; then rm -f "$pf"; fi
done
if ! pgrep -x dockerd >/dev/null; then
    if [ -x /etc/init.d/docker ]; then /etc/init.d/docker start >/dev/null 2>&1 || true; fi
    sleep 1
    if ! pgrep -x dockerd >/dev/null; then
        setsid nohup dockerd >>/var/log/rewardgym-dockerd.log 2>&1 </dev/null &
    fi
fi
for _ in $(seq 90); do
    docker info >/dev/null 2>&1 && { echo "ensure_docker: engine up" >&2; exit 0; }
    sleep 1
done
echo "ensure_docker: the engine did not come up; last daemon log lines:" >&2
tail -n 20 /var/log/rewardgym-dockerd.log /var/log/docker.log 2>/dev/null >&2
exit 1
