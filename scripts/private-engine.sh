#!/usr/bin/env bash
# A private Docker engine in its own network namespace, beside the machine's engine: its own
# dockerd, data root, socket, bridges, iptables and loopback. Tests run in that namespace talk to
# it and to the services it publishes on 127.0.0.1 without touching the machine's engine or its
# ports, so several people (or agents) can run the integration suite at once, and a test may
# restart or kill that engine. Needs root and Debian's docker.io (dockerd).
#
#   private-engine.sh start NAME          start (or keep) engine NAME; copies the svc-test/*
#                                         images from the machine's engine. It keeps Docker's
#                                         default address pools: its bridges and routes live in
#                                         its own namespace, so they never meet the machine's.
#   private-engine.sh exec NAME CMD...    run CMD in NAME's namespace with DOCKER_HOST set
#   private-engine.sh env NAME            print the DOCKER_HOST line for NAME
#   private-engine.sh stop NAME           stop NAME's dockerd (TERM, as an engine restart does)
#   private-engine.sh kill NAME           SIGKILL NAME's dockerd (a crash)
#   private-engine.sh destroy NAME        stop it and remove its namespace and data
set -euo pipefail

cmd=${1:?usage: private-engine.sh start|exec|env|stop|kill|destroy NAME ...}
name=${2:?NAME required}
shift 2
run="/var/run/svc-engine-$name"
data="/var/lib/svc-engine-$name"
sock="unix://$run/docker.sock"
log="/var/log/svc-engine-$name.log"

pid() { cat "$run/docker.pid" 2>/dev/null || true; }
running() { local p; p=$(pid); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
answers() { DOCKER_HOST=$sock docker info >/dev/null 2>&1; }
in_ns() { nsenter --net="/var/run/netns/$name" "$@"; }

start() {
  [ -e "/var/run/netns/$name" ] || ip netns add "$name"
  in_ns ip link set lo up
  mkdir -p "$run" "$data"
  if ! running; then
    rm -f "$run/docker.pid"
    # nsenter, not `ip netns exec`: that remounts /sys, and dockerd needs the host's cgroups.
    nohup nsenter --net="/var/run/netns/$name" dockerd --data-root "$data" --exec-root "$run/exec" \
      --pidfile "$run/docker.pid" -H "$sock" >>"$log" 2>&1 &
  fi
  for _ in $(seq 1 60); do
    if answers; then break; fi
    sleep 1
  done
  answers || { tail -n 20 "$log" >&2; exit 1; }
  # The offline test images, from the machine's engine (they cannot be pulled).
  local missing=()
  for image in $(docker -H unix:///var/run/docker.sock images --format '{{.Repository}}:{{.Tag}}' 'svc-test/*' 2>/dev/null); do
    DOCKER_HOST=$sock docker image inspect "$image" >/dev/null 2>&1 || missing+=("$image")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    docker -H unix:///var/run/docker.sock save "${missing[@]}" | DOCKER_HOST=$sock docker load -q
  fi
  echo "engine $name is up: DOCKER_HOST=$sock; run commands with: bash $0 exec $name CMD..."
}

stop_with() { # $1 = signal
  local p; p=$(pid)
  if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
    kill "-$1" "$p"
    for _ in $(seq 1 60); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.5; done
  fi
}

case "$cmd" in
  start) start "$@" ;;
  exec) DOCKER_HOST=$sock in_ns "$@" ;;
  env) echo "DOCKER_HOST=$sock" ;;
  stop) stop_with TERM ;;
  kill) stop_with KILL ;;
  destroy)
    stop_with TERM
    ip netns delete "$name" 2>/dev/null || true
    rm -rf "$data" "$run"
    ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
