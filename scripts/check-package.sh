#!/usr/bin/env bash
# The package as users get it: `npm pack` (prepack builds dist/), the tarball's contents checked,
# installed globally into a throwaway prefix (`npm i -g --prefix DIR ./pkg.tgz`), and the
# installed `svc` run from outside the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== npm pack"
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
files=$(tar -tzf "$work/$tarball" | sed 's|^package/||' | sort)
echo "$tarball: $(echo "$files" | wc -l) files"
for want in package.json README.md LICENSE bin/svc.js dist/cli.js dist/THIRD-PARTY-LICENSES.txt \
  docs/commands.md schema/service.schema.json schema/security-group.schema.json; do
  grep -qx "$want" <<<"$files" || { echo "missing from the package: $want" >&2; exit 1; }
done
if grep -E '\.map$|^src/|^test/' <<<"$files"; then
  echo "the package must ship no source maps, sources or tests (above)" >&2
  exit 1
fi

echo "== npm i -g $tarball (prefix $work/prefix)"
npm i -g --prefix "$work/prefix" "$work/$tarball" --no-audit --no-fund --loglevel=error
svc="$work/prefix/bin/svc"
cd "$work" # away from the repository's node_modules
export SVC_CONFIG_DIR="$work/config" # its tenant file, not the user's

want=$(node -p "require('$OLDPWD/package.json').version")
got=$("$svc" --version)
[[ "$got" == "$want" ]] || { echo "svc --version printed '$got', expected '$want'" >&2; exit 1; }
echo "svc --version: $got"
help=$("$svc" --help)
grep -q '^Usage: svc ' <<<"$help" || { echo "svc --help printed no usage" >&2; exit 1; }
echo "svc --help: ok"
# yaml is the one dependency loaded from node_modules: a YAML spec needs it.
name=$(printf 'Name: web\nImage: nginx\nServicePort: 80\n' | "$svc" create -f - --dry-run -q)
[[ "$name" == web ]] || { echo "svc create -f - --dry-run printed '$name'" >&2; exit 1; }
echo "svc create -f - --dry-run: ok"
"$svc" schema | cmp - "$work/prefix/lib/node_modules/svc-lb/schema/service.schema.json" ||
  { echo "svc schema differs from the packaged schema/service.schema.json" >&2; exit 1; }
echo "svc schema: ok"
"$svc" completion bash | bash -n || { echo "svc completion bash is not valid bash" >&2; exit 1; }
echo "svc completion bash: ok"
# Without an engine: the client part on stdout, exit 5.
status=0
client=$("$svc" -H unix:///nonexistent/docker.sock version -o json 2>/dev/null) || status=$?
[[ $status == 5 ]] && grep -q '"Server": null' <<<"$client" ||
  { echo "svc version without an engine: exit $status, printed: $client" >&2; exit 1; }
echo "svc version (no engine): ok"
