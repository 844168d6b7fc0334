#!/usr/bin/env bash
# Build the offline images the tests (and the examples on a machine with no registry) use,
# from Debian packages only (a root filesystem tar, `docker import`, or `docker build FROM
# scratch` where a Dockerfile instruction is needed):
#   svc-test/haproxy:local   the real HAProxy (Debian's binary and the libraries ldd lists) laid
#                            out like the official Alpine image (haproxy:lts-alpine): busybox,
#                            USER haproxy (uid 99), root-owned /usr/local/etc/haproxy, WORKDIR
#                            /var/lib/haproxy, docker-entrypoint.sh adding -W -db, STOPSIGNAL
#                            SIGUSR1, CMD haproxy -f /usr/local/etc/haproxy/haproxy.cfg
#   svc-test/haproxy:debian  the same laid out like the official Debian images (haproxy:lts):
#                            dash and coreutils, and no nc, socat, wget, curl or busybox
#   svc-test/http:local     busybox httpd answering GET / with its container hostname, and
#                           /cgi-bin/headers with the request headers it received
#   svc-test/tcp:local      busybox nc answering every TCP connection with its hostname, then
#                           echoing what it receives
#   svc-test/warming:local  an app that listens at once and warms up (a JVM, a Rails app):
#                           busybox httpd whose GET / answers 503 for WARM_SECONDS (default 3)
#                           after the start, then 200 with the hostname; GET /healthz answers
#                           200 once warm (404 before)
#   svc-test/warming:healthcheck  the same with a Docker HEALTHCHECK (busybox wget of /, every
#                           second, 10 s start period, 3 retries)
#   svc-test/stubborn:local the same app ignoring SIGTERM (only SIGKILL stops it), warm at once
# Idempotent: an image that exists is kept unless FORCE=1.
set -euo pipefail

need() { command -v "$1" >/dev/null 2>&1; }
if ! need haproxy || ! [ -x /bin/busybox ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy busybox-static >/dev/null
fi

# Bump when an image's content changes: an image built by an older script is rebuilt.
VERSION=3
exists() {
  [ "${FORCE:-0}" != 1 ] &&
    [ "$(docker image inspect -f '{{index .Config.Labels "io.svc.test-image"}}' "$1" 2>/dev/null)" = "$VERSION" ]
}

busybox_root() { # $1 = root dir: busybox and its applets in /bin
  mkdir -p "$1/bin" "$1/tmp" "$1/etc"
  cp /bin/busybox "$1/bin/busybox"
  for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -sf busybox "$1/bin/$applet"; done
  chmod 1777 "$1/tmp"
  echo 'root:x:0:0:root:/root:/bin/sh' >"$1/etc/passwd"
  echo 'root:x:0:' >"$1/etc/group"
}

import() { # $1 = root dir, $2 = tag, rest = --change arguments
  local root=$1 tag=$2; shift 2
  tar -C "$root" -c . | docker import --change "LABEL io.svc.test-image=$VERSION" "$@" - "$tag" >/dev/null
  echo "built $tag"
}

copy_libs() { # $1 = root dir, $2 = binary: the shared libraries it needs
  for lib in $(ldd "$2" | grep -oE '/[^ ]+\.so[^ ]*'); do
    mkdir -p "$1$(dirname "$lib")"
    cp -L "$lib" "$1$lib"
  done
}

# The official image's layout around a root with HAProxy in it: users, directories, entrypoint,
# then `docker build` for what `docker import` cannot set (STOPSIGNAL).
official_haproxy() { # $1 = root dir, $2 = tag
  local root=$1 tag=$2
  mkdir -p "$root/usr/local/sbin" "$root/usr/local/bin" "$root/usr/local/etc/haproxy" "$root/var/lib/haproxy" "$root/etc" "$root/tmp"
  cp /usr/sbin/haproxy "$root/usr/local/sbin/haproxy"
  copy_libs "$root" /usr/sbin/haproxy
  grep -q '^root:' "$root/etc/passwd" 2>/dev/null || echo 'root:x:0:0:root:/root:/bin/sh' >>"$root/etc/passwd"
  grep -q '^root:' "$root/etc/group" 2>/dev/null || echo 'root:x:0:' >>"$root/etc/group"
  echo 'haproxy:x:99:99:haproxy:/var/lib/haproxy:/sbin/nologin' >>"$root/etc/passwd"
  echo 'haproxy:x:99:' >>"$root/etc/group"
  chown 99:99 "$root/var/lib/haproxy"
  chmod 755 "$root/usr/local/etc/haproxy"
  chmod 1777 "$root/tmp"
  # docker-library/haproxy's docker-entrypoint.sh
  cat >"$root/usr/local/bin/docker-entrypoint.sh" <<'SH'
#!/bin/sh
set -e
if [ "${1#-}" != "$1" ]; then
	set -- haproxy "$@"
fi
if [ "$1" = 'haproxy' ]; then
	shift
	set -- haproxy -W -db "$@"
fi
exec "$@"
SH
  chmod 755 "$root/usr/local/bin/docker-entrypoint.sh"
  local ctx=$work/ctx-${tag//[:\/]/-}
  mkdir -p "$ctx"
  tar -C "$root" -cf "$ctx/rootfs.tar" .
  cat >"$ctx/Dockerfile" <<EOF2
FROM scratch
ADD rootfs.tar /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LABEL io.svc.test-image=$VERSION
STOPSIGNAL SIGUSR1
ENTRYPOINT ["docker-entrypoint.sh"]
USER haproxy
WORKDIR /var/lib/haproxy
CMD ["haproxy", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]
EOF2
  if ! DOCKER_BUILDKIT=0 docker build -q -t "$tag" "$ctx" >"$ctx/build.log" 2>&1; then
    cat "$ctx/build.log" >&2
    exit 1
  fi
  echo "built $tag"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! exists svc-test/haproxy:local; then
  root=$work/haproxy-alpine
  busybox_root "$root"
  official_haproxy "$root" svc-test/haproxy:local
fi

if ! exists svc-test/haproxy:debian; then
  root=$work/haproxy-debian
  mkdir -p "$root/bin"
  cp /bin/dash "$root/bin/dash"
  ln -s dash "$root/bin/sh"
  copy_libs "$root" /bin/dash
  for f in $(dpkg -L coreutils | grep -E '^/(usr/)?bin/'); do
    if [ -f "$f" ] && [ ! -L "$f" ]; then
      mkdir -p "$root$(dirname "$f")"
      cp "$f" "$root$f"
      copy_libs "$root" "$f"
    fi
  done
  official_haproxy "$root" svc-test/haproxy:debian
  for tool in nc socat wget curl busybox; do
    if [ -e "$root/bin/$tool" ] || [ -e "$root/usr/bin/$tool" ]; then echo "$tool must not be in the Debian-like image" >&2; exit 1; fi
  done
fi

if ! exists svc-test/http:local; then
  root=$work/http
  busybox_root "$root"
  mkdir -p "$root/www/cgi-bin"
  cat >"$root/www/cgi-bin/headers" <<'CGI'
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
echo "host=$(hostname)"
env | grep '^HTTP_' | sort
echo "REMOTE_ADDR=$REMOTE_ADDR"
CGI
  chmod 755 "$root/www/cgi-bin/headers"
  cat >"$root/bin/serve-http" <<'SH'
#!/bin/sh
hostname >/www/index.html
# As PID 1 httpd would ignore SIGTERM (docker stop would wait for SIGKILL): stop on it.
httpd -f -p "${PORT:-80}" -h /www &
trap 'kill $!; exit 0' TERM INT
wait
SH
  chmod 755 "$root/bin/serve-http"
  import "$root" svc-test/http:local \
    --change 'ENV PATH=/bin' \
    --change 'CMD ["/bin/serve-http"]'
fi

if ! exists svc-test/tcp:local; then
  root=$work/tcp
  busybox_root "$root"
  cat >"$root/bin/tcp-reply" <<'SH'
#!/bin/sh
echo "hello from $(hostname)"
exec cat
SH
  chmod 755 "$root/bin/tcp-reply"
  cat >"$root/bin/serve-tcp" <<'SH'
#!/bin/sh
nc -ll -p "${PORT:-9000}" -e /bin/tcp-reply &
trap 'kill $!; exit 0' TERM INT
wait
SH
  chmod 755 "$root/bin/serve-tcp"
  import "$root" svc-test/tcp:local \
    --change 'ENV PATH=/bin' \
    --change 'CMD ["/bin/serve-tcp"]'
fi

# svc-test/tls:local  `openssl s_server -www` on $PORT (default 8443) with a certificate made at
#                     start, CN = the container's hostname: a TLS backend for `https` passthrough
#                     tests (the client sees which replica answered in the certificate it gets)
if ! exists svc-test/tls:local; then
  if ! need openssl; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null
  fi
  root=$work/tls
  busybox_root "$root"
  mkdir -p "$root/usr/bin" "$root/usr/lib/ssl" "$root/certs"
  cp "$(command -v openssl)" "$root/usr/bin/openssl"
  copy_libs "$root" "$(command -v openssl)"
  printf '[req]\ndistinguished_name = dn\n[dn]\n' >"$root/usr/lib/ssl/openssl.cnf"
  cat >"$root/bin/serve-tls" <<'SH'
#!/bin/sh
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=$(hostname)" -keyout /certs/key.pem -out /certs/cert.pem 2>/dev/null
openssl s_server -quiet -accept "${PORT:-8443}" -cert /certs/cert.pem -key /certs/key.pem -www &
trap 'kill $!; exit 0' TERM INT
wait
SH
  chmod 755 "$root/bin/serve-tls"
  import "$root" svc-test/tls:local \
    --change 'ENV PATH=/usr/bin:/bin' \
    --change 'ENV OPENSSL_CONF=/usr/lib/ssl/openssl.cnf' \
    --change 'CMD ["/bin/serve-tls"]'
fi

# svc-test/warming:local, :healthcheck and svc-test/stubborn:local: one root, three behaviours.
# The warm-up ends when /www/healthz appears (written WARM_SECONDS after the start), so / and
# /healthz turn at the same instant.
if ! exists svc-test/warming:local || ! exists svc-test/warming:healthcheck || ! exists svc-test/stubborn:local; then
  root=$work/warming
  busybox_root "$root"
  mkdir -p "$root/www/cgi-bin"
  cat >"$root/www/cgi-bin/index.cgi" <<'CGI'
#!/bin/sh
if [ -e /www/healthz ]; then
  printf 'Content-Type: text/plain\r\n\r\n%s\n' "$(hostname)"
else
  printf 'Status: 503\r\nContent-Type: text/plain\r\nRetry-After: 1\r\n\r\nwarming up\n'
fi
CGI
  chmod 755 "$root/www/cgi-bin/index.cgi"
  cat >"$root/bin/serve-warming" <<'SH'
#!/bin/sh
# Listens at once; warm (GET / 200, /healthz present) WARM_SECONDS later. TERM stops it, unless
# IGNORE_SIGTERM=1 (then only SIGKILL does).
rm -f /www/healthz
if [ "${IGNORE_SIGTERM:-0}" = 1 ]; then trap '' TERM; fi
httpd -f -p "${PORT:-80}" -h /www &
pid=$!
(sleep "${WARM_SECONDS:-3}" && echo ok >/www/healthz) &
if [ "${IGNORE_SIGTERM:-0}" != 1 ]; then trap 'kill $pid; exit 0' TERM INT; fi
wait "$pid"
SH
  chmod 755 "$root/bin/serve-warming"
  import "$root" svc-test/warming:local \
    --change 'ENV PATH=/bin' \
    --change 'CMD ["/bin/serve-warming"]'
  import "$root" svc-test/stubborn:local \
    --change 'ENV PATH=/bin' \
    --change 'ENV IGNORE_SIGTERM=1' \
    --change 'ENV WARM_SECONDS=0' \
    --change 'CMD ["/bin/serve-warming"]'
  # `docker import` cannot set a HEALTHCHECK: a Dockerfile on stdin (no context) can.
  if ! printf '%s\n' 'FROM svc-test/warming:local' \
    'HEALTHCHECK --interval=1s --timeout=2s --start-period=10s --retries=3 CMD wget -q -O /dev/null "http://127.0.0.1:${PORT:-80}/" || exit 1' |
    DOCKER_BUILDKIT=0 docker build -q -t svc-test/warming:healthcheck - >"$work/warming-build.log" 2>&1; then
    cat "$work/warming-build.log" >&2
    exit 1
  fi
  echo "built svc-test/warming:healthcheck"
fi
