#!/usr/bin/env bash
# Set svc up from a clone, as root on Debian: a Docker engine (Debian's docker.io, installed and
# started when no engine answers), the offline images (svc-test/*, built from Debian packages: no
# registry needed), the Node packages (`npm ci`) and the build (dist/, what ./bin/svc.js runs).
# With --tests, also what only the test suites use: Debian packages (sshd, zsh, fish, openssl,
# docker-registry and htpasswd for a private registry, chromium for the dashboard's browser
# test), the second Swarm node's image, and git.
#
#   bash scripts/setup.sh            # then: ./bin/svc.js create -f examples/hello-http.yaml ...
#   bash scripts/setup.sh --tests    # then: npm test
#
# Idempotent: what is already there is kept (a running engine, installed packages, images
# built by the current scripts, node_modules newer than package-lock.json), so a second run, or
# a run on a machine whose engine already runs (DOCKER_HOST is honoured), takes seconds. Needs
# Node.js 20 or newer with npm.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

tests=0
case "${1:-}" in
  '') ;;
  --tests) tests=1 ;;
  *) echo "usage: bash scripts/setup.sh [--tests]" >&2; exit 2 ;;
esac

step() { echo "== $*"; }

# Debian packages whose command is missing: "command package" pairs.
need_packages() {
  local missing=() cmd pkg
  while [ $# -gt 1 ]; do
    cmd=$1 pkg=$2
    shift 2
    command -v "$cmd" >/dev/null 2>&1 || [ -x "$cmd" ] || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  step "Debian packages: ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
}

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ] || ! command -v npm >/dev/null 2>&1; then
  echo "svc needs Node.js 20 or newer with npm (found: $(node --version 2>/dev/null || echo none)):" >&2
  echo "install it from https://nodejs.org or your distribution, then run this again" >&2
  exit 1
fi

step "Docker engine"
bash scripts/start-docker.sh
echo "engine ${DOCKER_HOST:-unix:///var/run/docker.sock}: Docker $(docker version --format '{{.Server.Version}}')"

need_packages curl curl
if [ "$tests" = 1 ]; then
  need_packages git git openssl openssl /usr/sbin/sshd openssh-server zsh zsh fish fish debootstrap debootstrap \
    docker-registry docker-registry htpasswd apache2-utils /usr/bin/chromium chromium
fi

step "offline images"
bash scripts/build-test-images.sh
if [ "$tests" = 1 ]; then bash scripts/build-node-image.sh; fi

step "node packages"
if [ node_modules/.package-lock.json -nt package-lock.json ] && [ node_modules/.package-lock.json -nt package.json ]; then
  echo "node_modules is up to date"
else
  npm ci --no-audit --no-fund --prefer-offline
fi

step "build"
npm run --silent build
echo "svc is ready: ./bin/svc.js --help"
