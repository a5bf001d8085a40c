#!/bin/bash
# Profile-guided release build (issue 13): build-pgo/strata.
#
#   1. build an instrumented strata (-DSTRATA_PGO=generate) in build-pgo;
#   2. train it: `strata origin` and `strata serve` on loopback ports, driven
#      by wrk (HTTP/1.1), h2load (HTTP/2 over TLS, HTTP/1.1 over TLS) and
#      `strata load --h3`, the request mix of bench/run; SIGTERM writes the
#      profiles (*.gcda next to the objects);
#   3. rebuild the same directory with -DSTRATA_PGO=use (GCC's
#      -fprofile-use -fprofile-partial-training: code the training did not
#      run is optimized as in the plain release build, not for size);
#   4. check the result: the same loads against the optimized binary, no
#      failed request.
# Same sources and flags as `make build` otherwise. Takes about two release
# builds plus a minute; `make build-pgo` runs it. Traffic: 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=${PGO_DIR:-$ROOT/build-pgo}
JOBS=${JOBS:-$(nproc)}
SECS=${PGO_SECONDS:-3}
for t in wrk h2load openssl; do
  command -v $t >/dev/null || { echo "pgo-build: $t missing (scripts/deps.sh installs it)" >&2; exit 1; }
done

configure() {
  cmake -S "$ROOT" -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTRATA_WERROR=ON -DSTRATA_TESTS=OFF \
    -DSTRATA_PGO="$1" >/dev/null
  cmake --build "$B" -j "$JOBS" --target strata
}

WORK=$(mktemp -d /tmp/strata-pgo.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_ports() {  # N free TCP (and UDP) ports on 127.0.0.1
  python3 - "$1" <<'EOF'
import socket, sys
out, keep = [], []
while len(out) < int(sys.argv[1]):
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p))
    except OSError:
        t.close(); continue
    keep += [t, u]; out.append(p)
print(" ".join(map(str, out)))
EOF
}

wait_port() {  # wait until 127.0.0.1:$1 accepts (10 s at most)
  for _ in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "pgo-build: nothing listens on 127.0.0.1:$1" >&2; return 1
}

# run_loads BIN: the training mix; fails when a client reports a failed request.
run_loads() {
  local bin=$1 origin=$2 h1=$3 tls=$4
  : > "$WORK/serve.log"
  "$bin" --log-level warn origin --listen 127.0.0.1:"$origin" --workers 1 > "$WORK/origin.log" 2>&1 &
  local opid=$!; PIDS+=("$opid")
  "$bin" --log-level warn serve -c "$WORK/strata.yaml" > "$WORK/serve.log" 2>&1 &
  local spid=$!; PIDS+=("$spid")
  wait_port "$origin"; wait_port "$h1"; wait_port "$tls"
  local out
  out=$(wrk -t1 -c64 -d"${SECS}s" "http://127.0.0.1:$h1/bytes/100")
  grep -q "Non-2xx\|Socket errors" <<<"$out" && { echo "$out" >&2; return 1; }
  wrk -t1 -c16 -d1s "http://127.0.0.1:$h1/bytes/102400" | grep -q "Non-2xx\|Socket errors" && return 1
  out=$(h2load -t1 -c16 -m16 -D "$SECS" "https://127.0.0.1:$tls/bytes/100")
  grep -q " 0 failed, 0 errored" <<<"$out" || { echo "$out" >&2; return 1; }
  out=$(h2load --h1 -t1 -c16 -D 1 "https://127.0.0.1:$tls/bytes/100")
  grep -q " 0 failed, 0 errored" <<<"$out" || { echo "$out" >&2; return 1; }
  out=$("$bin" load --h3 -c 4 -m 8 -D 1 --json "https://127.0.0.1:$tls/bytes/100")
  python3 -c 'import json,sys; r=json.loads(sys.argv[1])["requests"]; sys.exit(0 if r["succeeded"] > 0 and r["failed"] == 0 else 1)' "$out" \
    || { echo "$out" >&2; return 1; }
  kill -TERM "$spid"; wait "$spid" || { echo "pgo-build: strata serve exited with $?" >&2; return 1; }
  kill -TERM "$opid"; wait "$opid" || true
  PIDS=()
}

read -r ORIGIN H1 TLS < <(free_ports 3)
cat > "$WORK/strata.yaml" <<EOF
workers: 1
state_dir: $WORK/state
listeners:
  - {name: h1, address: "127.0.0.1:$H1", routes: main}
  - name: tls
    address: "127.0.0.1:$TLS"
    routes: main
    protocols: [h1, h2, h3]
    tls: {self_signed: true}
route_tables:
  main:
    - match: {prefix: "/"}
      proxy: {cluster: origin}
clusters:
  origin:
    endpoints: ["127.0.0.1:$ORIGIN"]
EOF

echo "pgo-build: 1/4 instrumented build in $B"
configure generate
find "$B" -name '*.gcda' -delete
echo "pgo-build: 2/4 training (127.0.0.1 ports $ORIGIN $H1 $TLS)"
run_loads "$B/strata" "$ORIGIN" "$H1" "$TLS"
n=$(find "$B" -name '*.gcda' | wc -l)
[ "$n" -gt 0 ] || { echo "pgo-build: the training wrote no profile" >&2; exit 1; }
echo "pgo-build: 3/4 optimized build ($n profiles)"
configure use
echo "pgo-build: 4/4 check: the same loads against $B/strata"
run_loads "$B/strata" "$ORIGIN" "$H1" "$TLS"
echo "pgo-build: done: $B/strata"
