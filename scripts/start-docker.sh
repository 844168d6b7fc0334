#!/usr/bin/env bash
# Start a Docker engine when none answers (CI and fresh machines): installs docker.io from
# Debian when dockerd is missing, clears a stale pid file, waits for the socket to answer.
# It listens on the usual socket and on tcp://127.0.0.1:2375 (loopback only, no TLS), which the
# integration tests use as a remote engine (DOCKER_HOST=tcp://…); DOCKER_TCP=0 leaves that out.
set -euo pipefail
if docker info >/dev/null 2>&1; then exit 0; fi
if ! command -v dockerd >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi
if [ -f /var/run/docker.pid ] && ! pgrep -x dockerd >/dev/null; then rm -f /var/run/docker.pid; fi
if ! pgrep -x dockerd >/dev/null; then
  hosts=(-H unix:///var/run/docker.sock)
  if [ "${DOCKER_TCP:-1}" != 0 ]; then hosts+=(-H tcp://127.0.0.1:2375); fi
  nohup dockerd "${hosts[@]}" >/var/log/dockerd.log 2>&1 &
fi
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then echo "docker engine is up: $(docker version --format '{{.Server.Version}}')"; exit 0; fi
  sleep 1
done
echo "dockerd did not come up; last lines of /var/log/dockerd.log:" >&2
tail -n 30 /var/log/dockerd.log >&2
exit 1
