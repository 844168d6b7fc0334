#!/usr/bin/env bash
# Start a Docker engine when none answers (CI and fresh machines): installs docker.io from
# Debian when dockerd is missing, clears a stale pid file, waits for the socket to answer.
# It listens on the usual socket only (the tests that want a tcp:// engine bring their own
# loopback front of it: test/integration/support/tcp-front.ts).
set -euo pipefail
if docker info >/dev/null 2>&1; then exit 0; fi
if ! command -v dockerd >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi
if [ -f /var/run/docker.pid ] && ! pgrep -x dockerd >/dev/null; then rm -f /var/run/docker.pid; fi
if ! pgrep -x dockerd >/dev/null; then
  nohup dockerd -H unix:///var/run/docker.sock >/var/log/dockerd.log 2>&1 &
fi
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then echo "docker engine is up: $(docker version --format '{{.Server.Version}}')"; exit 0; fi
  sleep 1
done
echo "dockerd did not come up; last lines of /var/log/dockerd.log:" >&2
tail -n 30 /var/log/dockerd.log >&2
exit 1
