#!/usr/bin/env bash
# Build the offline images the tests (and the examples on a machine with no registry) use,
# from Debian packages only, with `docker import` of a root filesystem tar:
#   svc-test/haproxy:local  the real HAProxy (Debian's binary and the libraries ldd lists, plus
#                           busybox for sh/nc), with the official image's command, so one code
#                           path serves it and the official haproxy image alike
#   svc-test/http:local     busybox httpd answering GET / with its container hostname, and
#                           /cgi-bin/headers with the request headers it received
#   svc-test/tcp:local      busybox nc answering every TCP connection with its hostname, then
#                           echoing what it receives
# Idempotent: an image that exists is kept unless FORCE=1.
set -euo pipefail

need() { command -v "$1" >/dev/null 2>&1; }
if ! need haproxy || ! [ -x /bin/busybox ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy busybox-static >/dev/null
fi

exists() { [ "${FORCE:-0}" != 1 ] && docker image inspect "$1" >/dev/null 2>&1; }

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
  tar -C "$root" -c . | docker import "$@" - "$tag" >/dev/null
  echo "built $tag"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! exists svc-test/haproxy:local; then
  root=$work/haproxy
  busybox_root "$root"
  mkdir -p "$root/usr/local/sbin" "$root/usr/local/etc/haproxy" "$root/var/lib/haproxy" "$root/run"
  cp /usr/sbin/haproxy "$root/usr/local/sbin/haproxy"
  for lib in $(ldd /usr/sbin/haproxy | grep -oE '/[^ ]+\.so[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  echo 'haproxy:x:99:99:haproxy:/var/lib/haproxy:/bin/false' >>"$root/etc/passwd"
  echo 'haproxy:x:99:' >>"$root/etc/group"
  import "$root" svc-test/haproxy:local \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'WORKDIR /var/lib/haproxy' \
    --change 'CMD ["haproxy","-W","-db","-f","/usr/local/etc/haproxy/haproxy.cfg"]'
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
  for lib in $(ldd "$(command -v openssl)" | grep -oE '/[^ ]+\.so[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
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
