#!/usr/bin/env bash
# Build svc-test/docker-node:local, a second Docker engine for the two-node Swarm test: Debian's
# docker.io package (dockerd, containerd, runc, iptables) in a root filesystem made by debootstrap
# from Debian's archive (no registry), imported with `docker import`. test/integration/support/
# swarm-node.ts runs it (with the flags it needs) and joins it to the host's swarm as a worker;
# its dockerd keeps its images in the anonymous volume at /var/lib/docker, so overlay2 works.
# Idempotent: an image that exists is kept unless FORCE=1.
set -euo pipefail

IMAGE=svc-test/docker-node:local
VERSION=1
if [ "${FORCE:-0}" != 1 ] &&
  [ "$(docker image inspect -f '{{index .Config.Labels "io.svc.test-image"}}' "$IMAGE" 2>/dev/null)" = "$VERSION" ]; then
  echo "$IMAGE is up to date"
  exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi
# This machine's Debian release (the same one its apt uses), and Debian's archive.
codename="$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)"
SUITE="${DEBIAN_SUITE:-${codename:-bookworm}}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase --include=docker.io,iptables,procps "$SUITE" "$root" "$MIRROR" >/dev/null
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc \
  "$root"/usr/share/man "$root"/usr/share/locale
cat >"$root/usr/local/bin/node-entrypoint" <<'EOF'
#!/bin/sh
# A Docker engine in a container: the second Swarm node of svc's tests.
set -e
mount -t securityfs none /sys/kernel/security 2>/dev/null || true
rm -f /var/run/docker.pid /run/docker/containerd/containerd.pid
exec dockerd --host unix:///var/run/docker.sock "$@"
EOF
chmod +x "$root/usr/local/bin/node-entrypoint"
tar -C "$root" -c . | docker import \
  -c 'ENTRYPOINT ["/usr/local/bin/node-entrypoint"]' \
  -c 'VOLUME /var/lib/docker' \
  -c "LABEL io.svc.test-image=$VERSION" \
  - "$IMAGE" >/dev/null
echo "built $IMAGE ($SUITE, $(docker run --rm --entrypoint dockerd "$IMAGE" --version))"
