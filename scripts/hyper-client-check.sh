#!/usr/bin/env bash
# Run the original Go client, `hyper` (hypercli 1.10.17, unmodified), against `svc serve`: every
# service and volume command and the error cases, checking its exit codes and what it prints. It uses its own
# tenant, key, config dirs and ports, and removes what it made.
#
# Needs a built svc (npm run build), a Docker engine with the test images
# (scripts/build-test-images.sh), openssl, and the client. CI cannot build it (its source is on
# GitHub); with Go from Debian (apt-get install golang-go, Go 1.19) it builds as its build.sh does:
#   mkdir -p ~/go/src/github.com/hyperhq && cd ~/go/src/github.com/hyperhq
#   git clone https://github.com/hyperhq/hypercli && cd hypercli
#   GO111MODULE=off GOPATH=~/go bash build.sh          # makes hyper/hyper
# Then:
#   HYPER=~/go/src/github.com/hyperhq/hypercli/hyper/hyper bash scripts/hyper-client-check.sh
# SVC_BACKEND=swarm runs it on the swarm backend (the engine must be a swarm manager; the FIP is
# then 0.0.0.0, the only one Swarm's host-mode ports can honour).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${HYPER:?set HYPER to the hyper binary}"
LB_IMAGE="${SVC_LB_IMAGE:-svc-test/haproxy:local}"
IMAGE=svc-test/http:local
FIP=127.0.0.1
SERVE_POLICY=()
# On Swarm a FIP is 0.0.0.0: the server's operator allows keys to publish there.
if [ "${SVC_BACKEND:-local}" = swarm ]; then FIP=0.0.0.0 SERVE_POLICY=(--allow-fip 0.0.0.0); fi

work="$(mktemp -d)"
export SVC_CONFIG_DIR="$work/svc" SVC_LB_IMAGE="$LB_IMAGE"
SVC_TENANT="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export SVC_TENANT
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
API_PORT=$(free_port) WEB_PORT=$(free_port) TLS_PORT=$(free_port) TCP_PORT=$(free_port)
svc() { node bin/svc.js "$@"; }
cleanup() {
  for s in web secure echo; do svc rm --volumes "$s" >/dev/null 2>&1 || true; done
  svc sg rm office >/dev/null 2>&1 || true
  docker rmi svc-test/http:hyper-v2 >/dev/null 2>&1 || true
  for v in "hvol-${SVC_TENANT:0:8}" "hextra-${SVC_TENANT:0:8}"; do svc volume rm "$v" >/dev/null 2>&1 || true; done
  [ -n "${serve_pid:-}" ] && kill "$serve_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

passed=0
# check NAME WANT_RC REGEX CMD…: run CMD, want its exit code and REGEX in its stdout+stderr.
check() {
  local name="$1" want_rc="$2" regex="$3" rc=0 out
  shift 3
  out="$("$@" 2>&1)" || rc=$?
  if [ "$rc" != "$want_rc" ] || ! grep -Eq -- "$regex" <<<"$out"; then
    printf 'FAIL %s: exit %s (wanted %s), output:\n%s\n(wanted /%s/)\n' "$name" "$rc" "$want_rc" "$out" "$regex" >&2
    exit 1
  fi
  passed=$((passed + 1))
  printf 'ok   %s\n' "$name"
}

keys="$(svc serve keys create --tenant "$SVC_TENANT")"
access="$(node -p 'JSON.parse(process.argv[1]).AccessKey' "$keys")"
secret="$(node -p 'JSON.parse(process.argv[1]).SecretKey' "$keys")"
svc serve --listen "127.0.0.1:$API_PORT" "${SERVE_POLICY[@]}" >"$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 50); do grep -q '"msg":"listening"' "$work/serve.log" 2>/dev/null && break; sleep 0.2; done
endpoint="tcp://127.0.0.1:$API_PORT"
hyper() { "$HYPER" --config="$work/hyper" -R "$endpoint" "$@"; }
rows() { hyper service ls "$@" | tail -n +2 | grep -c . || true; }
configure() { # DIR ACCESS SECRET
  echo us-west-1 | "$HYPER" --config="$1" config --accesskey "$2" --secretkey "$3" "$endpoint"
}

check 'config' 0 'credentials has been saved' configure "$work/hyper" "$access" "$secret"
check 'version' 0 'API version: +1\.23' hyper version
check 'info: the tenant' 0 "ID: $SVC_TENANT" hyper info

sed "s/8083/$WEB_PORT/g" examples/security-group.yaml >"$work/sg.yaml"
svc sg create -f "$work/sg.yaml" >/dev/null
check 'create, every option' 0 'Service web is created' \
  hyper service create --name web --replicas 2 --service-port "$WEB_PORT" --container-port 80 \
  --protocol http -e A=1 -e B=two -l app=web -l tier=front -v "hvol-${SVC_TENANT:0:8}:/data" \
  --sg office --stop-signal SIGTERM -w /tmp --health-check-interval 1 --algorithm leastconn \
  --size s3 --entrypoint /bin/serve-http "$IMAGE"
check "on the ${SVC_BACKEND:-local} backend" 0 "\"Backend\": \"${SVC_BACKEND:-local}\"" svc inspect web
vol="hvol-${SVC_TENANT:0:8}"
check 'volume ls: the named volume, by its name' 0 "^local +$vol " hyper volume ls
check 'volume inspect (no host path shown)' 0 "^$vol local \\|$" \
  hyper volume inspect -f '{{.Name}} {{.Driver}} {{.Mountpoint}}|' "$vol"
check '... the engine volume is the tenant'"'"'s' 0 "^$SVC_TENANT$" \
  docker volume inspect -f '{{index .Labels "io.svc.tenant"}}' "svc-${SVC_TENANT}_$vol"
check 'volume create' 0 "^hextra-${SVC_TENANT:0:8}$" hyper volume create --name "hextra-${SVC_TENANT:0:8}"
check 'volume rm' 0 "^hextra-${SVC_TENANT:0:8}$" hyper volume rm "hextra-${SVC_TENANT:0:8}"
check 'volume rm, in use' 1 "used by service web" hyper volume rm "$vol"
check 'a host path is refused' 1 'refused by this server.s policy' \
  hyper service create --name host --replicas 1 --service-port "$WEB_PORT" -v /etc:/hostetc "$IMAGE"
check 'ls' 0 '^web +[0-9a-f]{12}, [0-9a-f]{12} +active' hyper service ls
check 'ls -f name=' 0 '^web ' hyper service ls -f name=web
check 'ls -f label=' 0 '^web ' hyper service ls -f label=app=web
check 'ls -f label=, no match' 0 '^0$' rows -f label=app=none
check 'inspect -f: maps, lists, status' 0 \
  "^web 2 map\[hvol-${SVC_TENANT:0:8}:/data:\{\}\] map\[office:\{\}\] \[A=1 B=two\] map\[app:web tier:front\] active$" \
  hyper service inspect -f '{{.Name}} {{.Replicas}} {{.Volumes}} {{.SecurityGroups}} {{.Env}} {{.Labels}} {{.Status}}' web
check 'attach-fip' 0 '^web$' hyper service attach-fip --fip "$FIP" web
check 'the FIP answers' 0 '^[0-9a-f]{12}$' curl -sf -m 5 "http://127.0.0.1:$WEB_PORT/"
check 'scale' 0 '^web$' hyper service scale web=3
check 'inspect after scale' 0 "^3 ${FIP//./\\.} active\$" hyper service inspect -f '{{.Replicas}} {{.FIP}} {{.Status}}' web
docker tag "$IMAGE" svc-test/http:hyper-v2
check 'rolling-update' 0 'Rolling-update is requested for service web' \
  hyper service rolling-update --image svc-test/http:hyper-v2 web
check 'inspect after rolling-update' 0 '^svc-test/http:hyper-v2 3 active$' \
  hyper service inspect -f '{{.Image}} {{.Replicas}} {{.Status}}' web
check 'detach-fip' 0 '^web$' hyper service detach-fip web
check 'inspect after detach-fip' 0 '^\|active$' hyper service inspect -f '{{.FIP}}|{{.Status}}' web

check 'duplicate create' 1 'already exists' \
  hyper service create --name web --replicas 1 --service-port "$WEB_PORT" "$IMAGE"
check 'bad spec' 1 'ServicePort: must be between 1 and 65535' \
  hyper service create --name bad --replicas 1 --service-port 70000 "$IMAGE"
check 'missing service' 1 'No such service: nope' hyper service inspect nope
check 'scale a missing service' 1 'no such service: nope' hyper service scale nope=2
check 'rolling-update to an image that cannot be pulled' 1 'svc-test/none:404' \
  hyper service rolling-update --image svc-test/none:404 web
check '... and the service is as before' 0 '^svc-test/http:hyper-v2 3 active$' \
  hyper service inspect -f '{{.Image}} {{.Replicas}} {{.Status}}' web
configure "$work/wrong" "$access" "not-$secret" >/dev/null 2>&1
check 'wrong secret' 1 'unauthorized' "$HYPER" --config="$work/wrong" -R "$endpoint" service ls

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/k.pem" -out "$work/c.pem" -days 30 \
  -subj /CN=localhost 2>/dev/null
cat "$work/c.pem" "$work/k.pem" >"$work/site.pem"
check 'create httpsTerm with --ssl-cert and sticky sessions' 0 'Service secure is created' \
  hyper service create --name secure --replicas 2 --service-port "$TLS_PORT" --container-port 80 \
  --protocol httpsTerm --ssl-cert "$work/site.pem" --session-affinity "$IMAGE"
check 'inspect: the certificate described, never its key' 0 '^httpsTerm true subject=CN=localhost; notAfter=' \
  hyper service inspect -f '{{.Protocol}} {{.SessionAffinity}} {{.SSLCert}}' secure
check 'create with -t -i' 0 'Service echo is created' \
  hyper service create --name echo --replicas 1 --service-port "$TCP_PORT" -t -i svc-test/tcp:local
check 'inspect -t -i' 0 '^true true tcp$' hyper service inspect -f '{{.Tty}} {{.Stdin}} {{.Protocol}}' echo
check 'ls, three services' 0 '^secure ' hyper service ls
check 'rm two' 0 '^secure$' hyper service rm secure echo
check 'rm' 0 '^web$' hyper service rm web
check 'ls, none left' 0 '^0$' rows
# (Swarm removes a removed service's task containers in the seconds after.)
for _ in $(seq 30); do
  left="$(docker ps -aq --filter "label=io.svc.tenant=$SVC_TENANT" --filter label=io.svc.role=replica)"
  [ -z "$left" ] && break
  sleep 1
done
[ -z "$left" ] || { echo "FAIL rm left replicas: $left" >&2; exit 1; }
check 'volume rm, once its service is gone' 0 "^$vol$" hyper volume rm "$vol"
check 'volume ls -q, none left' 0 '^$' hyper volume ls -q
echo "all $passed checks passed: $("$HYPER" --version) against svc serve $(svc --version)"
