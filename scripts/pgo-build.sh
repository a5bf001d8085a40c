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
#      failed request;
#   5. BOLT (llvm-bolt from Debian's bolt-19; STRATA_BOLT=0 skips it): the
#      optimized binary (linked with --emit-relocs) instrumented by BOLT,
#      trained on the same loads, then rewritten from that profile: hot
#      functions laid out together in call order, their basic blocks in
#      the order they run, cold blocks split off. Instruction-cache misses
#      per proxied request fall by about a half on h1 and a quarter on h2
#      (cachegrind, docs/bench.md); the instructions stay the same;
#   6. check the rewritten binary with the same loads; it becomes
#      build-pgo/strata (the GCC-only one stays as build-pgo/strata.pgo);
#      then write build-pgo/pgo-checked (bench/run takes build-pgo/strata
#      only with that mark, newer than the binary).
# libnghttp2 is linked statically (Debian's libnghttp2.a), so BOLT can
# place its hot functions too. Same sources and flags as `make build`
# otherwise. Takes about two release
# builds plus two minutes; `make build-pgo` runs it. Traffic: 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=${PGO_DIR:-$ROOT/build-pgo}
JOBS=${JOBS:-$(nproc)}
SECS=${PGO_SECONDS:-3}
for t in wrk h2load; do
  command -v $t >/dev/null || { echo "pgo-build: $t missing (scripts/deps.sh installs it)" >&2; exit 1; }
done

configure() {
  cmake -S "$ROOT" -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTRATA_WERROR=ON -DSTRATA_TESTS=OFF \
    -DSTRATA_PGO="$1" -DSTRATA_STATIC_NGHTTP2=ON >/dev/null
  cmake --build "$B" -j "$JOBS" --target strata
}

WORK=$(mktemp -d /tmp/strata-pgo.XXXXXX)
PIDS=()
cleanup() {
  local rc=$?
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  if [ "$rc" -ne 0 ]; then
    for f in "$WORK"/*.log; do
      if [ -s "$f" ]; then echo "--- $f (last lines)" >&2; tail -n 20 "$f" >&2; fi
    done
    echo "pgo-build: failed; $B/strata is not a checked profile-guided build" >&2
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

free_ports() {  # N free TCP (and UDP) ports on 127.0.0.1
  python3 -c '
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
print(" ".join(map(str, out)))' "$1"
}

wait_port() {  # wait until 127.0.0.1:$1 accepts (10 s at most)
  for _ in $(seq 100); do
    if (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "pgo-build: nothing listens on 127.0.0.1:$1" >&2
  return 1
}

# check_wrk URL SECONDS CONNS: fails unless responses came and all were 2xx.
check_wrk() {
  local out
  if ! out=$(wrk -t1 -c"$3" -d"$2s" "$1" 2>&1); then
    echo "pgo-build: wrk $1 failed: $out" >&2
    return 1
  fi
  if grep -q "Non-2xx\|Socket errors" <<<"$out" || ! grep -Eq "^ *[1-9][0-9]* requests in" <<<"$out"; then
    echo "pgo-build: wrk $1:" >&2
    echo "$out" >&2
    return 1
  fi
}

# check_h2load ARGS...: fails unless requests succeeded and none failed or errored.
check_h2load() {
  local out
  if ! out=$(h2load "$@" 2>&1); then
    echo "pgo-build: h2load $* failed: $out" >&2
    return 1
  fi
  if ! grep -Eq "^requests: [0-9]+ total, [0-9]+ started, [0-9]+ done, [1-9][0-9]* succeeded, 0 failed, 0 errored" <<<"$out"; then
    echo "pgo-build: h2load $*:" >&2
    echo "$out" >&2
    return 1
  fi
}

# check_h3 BIN URL: strata's own load generator over HTTP/3, same rule.
check_h3() {
  local out
  if ! out=$("$1" load --h3 -c 4 -m 8 -D 1 --json "$2" 2>&1); then
    echo "pgo-build: strata load --h3 failed: $out" >&2
    return 1
  fi
  if ! python3 -c 'import json, sys
r = json.loads(sys.argv[1])["requests"]
sys.exit(0 if r["succeeded"] > 0 and r["failed"] == 0 else 1)' "$out"; then
    echo "pgo-build: strata load --h3: $out" >&2
    return 1
  fi
}

# run_loads BIN [ORIGIN_BIN]: origin and proxy on fresh loopback ports, the
# training mix through the proxy; fails when a client reports a failed
# request or the proxy does not exit cleanly on SIGTERM.
run_loads() {
  local bin=$1 obin=${2:-$1} origin h1 tls
  read -r origin h1 tls < <(free_ports 3)
  cat > "$WORK/strata.yaml" <<EOF
workers: 1
state_dir: $WORK/state
listeners:
  - {name: h1, address: "127.0.0.1:$h1", routes: main}
  - name: tls
    address: "127.0.0.1:$tls"
    routes: main
    protocols: [h1, h2, h3]
    tls: {self_signed: true}
route_tables:
  main:
    - match: {prefix: "/"}
      proxy: {cluster: origin}
clusters:
  origin:
    endpoints: ["127.0.0.1:$origin"]
EOF
  echo "pgo-build: loads through 127.0.0.1 ports $origin (origin), $h1 (h1), $tls (TLS, QUIC)"
  "$obin" --log-level warn origin --listen 127.0.0.1:"$origin" --workers 1 > "$WORK/origin.log" 2>&1 &
  local opid=$!
  PIDS+=("$opid")
  "$bin" --log-level warn serve -c "$WORK/strata.yaml" > "$WORK/serve.log" 2>&1 &
  local spid=$!
  PIDS+=("$spid")
  SERVE_PID=$spid
  wait_port "$origin"
  wait_port "$h1"
  wait_port "$tls"
  # Ours answered, not something else that took a port meanwhile.
  kill -0 "$opid"
  kill -0 "$spid"
  check_wrk "http://127.0.0.1:$h1/bytes/100" "$SECS" 64
  check_wrk "http://127.0.0.1:$h1/bytes/102400" 1 16
  check_h2load -t1 -c16 -m16 -D "$SECS" "https://127.0.0.1:$tls/bytes/100"
  check_h2load --h1 -t1 -c16 -D 1 "https://127.0.0.1:$tls/bytes/100"
  check_h3 "$obin" "https://127.0.0.1:$tls/bytes/100"
  kill -TERM "$spid"
  local rc=0
  wait "$spid" || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "pgo-build: strata serve exited with $rc on SIGTERM" >&2
    return 1
  fi
  kill -TERM "$opid"
  wait "$opid" || true
  PIDS=()
}

rm -f "$B/pgo-checked"
echo "pgo-build: 1/6 instrumented build in $B"
configure generate
find "$B" -name '*.gcda' -delete
echo "pgo-build: 2/6 training"
run_loads "$B/strata"
n=$(find "$B" -name '*.gcda' | wc -l)
if [ "$n" -eq 0 ]; then
  echo "pgo-build: the training wrote no profile" >&2
  exit 1
fi
echo "pgo-build: 3/6 optimized build ($n profiles)"
configure use
echo "pgo-build: 4/6 check: the same loads against $B/strata"
run_loads "$B/strata"
BOLT=/usr/lib/llvm-19/bin/llvm-bolt
if [ "${STRATA_BOLT:-1}" != 0 ] && [ -x "$BOLT" ]; then
  echo "pgo-build: 5/6 BOLT: instrument, train, rewrite"
  # The instrumented copy writes its profile when it exits (SIGTERM), named
  # by its pid; the origin and the HTTP/3 client run the uninstrumented
  # binary, and the proxy's own file is the one taken.
  "$BOLT" "$B/strata" -instrument -o "$WORK/strata.instr" \
    -instrumentation-file="$WORK/bolt.fdata" -instrumentation-file-append-pid > "$WORK/bolt-instrument.log" 2>&1
  run_loads "$WORK/strata.instr" "$B/strata"
  prof="$WORK/bolt.fdata.$SERVE_PID.fdata"
  if [ ! -s "$prof" ]; then
    echo "pgo-build: the BOLT training wrote no profile ($prof)" >&2
    exit 1
  fi
  # No -use-gnu-stack: it would give the PT_GNU_STACK header to the new
  # code segment, and an executable without one gets an executable stack.
  "$BOLT" "$B/strata" -o "$WORK/strata.bolt" -data="$prof" -reorder-blocks=ext-tsp \
    -reorder-functions=cdsort -split-functions -split-all-cold -split-eh -icf=1 > "$WORK/bolt.log" 2>&1
  readelf -lW "$WORK/strata.bolt" > "$WORK/bolt-headers.txt"
  if ! grep -Eq "GNU_STACK.* RW  " "$WORK/bolt-headers.txt"; then
    echo "pgo-build: the BOLT output has no non-executable stack header" >&2
    exit 1
  fi
  echo "pgo-build: 6/6 check: the same loads against the BOLT output"
  run_loads "$WORK/strata.bolt"
  cp -p "$B/strata" "$B/strata.pgo"
  cp "$WORK/strata.bolt" "$B/strata.new"
  mv -f "$B/strata.new" "$B/strata"
else
  echo "pgo-build: 5/6 and 6/6 skipped (no $BOLT, or STRATA_BOLT=0)"
fi
git -C "$ROOT" rev-parse HEAD > "$B/pgo-checked" 2>/dev/null || date > "$B/pgo-checked"
echo "pgo-build: done: $B/strata"
