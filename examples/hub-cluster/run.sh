#!/bin/sh
# Starts the three-node hub demo on loopback: one redis-server on
# 127.0.0.1:6379 (unless one already answers there) and strata nodes A, B, C
# (node-a.yaml .. node-c.yaml: web 8081-8083, admin 9911-9913), all sharing
# that Redis. Ctrl-C stops everything this script started.
#   examples/hub-cluster/run.sh           run until Ctrl-C
#   examples/hub-cluster/run.sh --check   publish on A, expect it on C (SSE), stop
# STRATA_BIN picks the binary (default: build/strata of this tree).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
STRATA=${STRATA_BIN:-$ROOT/build/strata}
RUN=$(mktemp -d "${TMPDIR:-/tmp}/strata-hub-cluster.XXXXXX")
PIDS=""

cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null || true; done
  for p in $PIDS; do wait "$p" 2>/dev/null || true; done
  rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x "$STRATA" ] || { echo "no strata binary at $STRATA (make build, or set STRATA_BIN)" >&2; exit 1; }

if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "using the Redis already on 127.0.0.1:6379"
else
  command -v redis-server >/dev/null || { echo "redis-server not installed" >&2; exit 1; }
  redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no --dir "$RUN" \
    --logfile "$RUN/redis.log" &
  PIDS="$PIDS $!"
  i=0
  until redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "redis did not start" >&2; exit 1; }
    sleep 0.1
  done
  echo "redis-server on 127.0.0.1:6379 (log $RUN/redis.log)"
fi

for n in a b c; do
  STRATA_STATE_DIR="$RUN/state-$n" "$STRATA" serve -c "$HERE/node-$n.yaml" >"$RUN/node-$n.log" 2>&1 &
  PIDS="$PIDS $!"
done
for port in 8081 8082 8083; do
  i=0
  until curl -s -o /dev/null "http://127.0.0.1:$port/"; do
    i=$((i + 1)); [ $i -lt 200 ] || { echo "node on $port did not start; logs in $RUN" >&2; cat "$RUN"/node-*.log >&2; exit 1; }
    sleep 0.1
  done
done
echo "nodes: A http://127.0.0.1:8081/  B http://127.0.0.1:8082/  C http://127.0.0.1:8083/ (logs in $RUN)"

if [ "${1:-}" = "--check" ]; then
  # An SSE subscriber on C, a publication on A through the publish API.
  curl -sN --max-time 5 -H 'Accept: text/event-stream' \
    'http://127.0.0.1:8083/hub?channels=chat:check' >"$RUN/sse.txt" &
  SSE=$!
  i=0
  until grep -q 'event: subscribe' "$RUN/sse.txt" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "SSE subscriber on C not subscribed" >&2; exit 1; }
    sleep 0.05
  done
  curl -sS -H 'authorization: apikey demo-key' \
    -d '{"channel":"chat:check","data":{"text":"from A"}}' http://127.0.0.1:8081/hub/api/publish
  echo
  wait $SSE || true
  if grep -q '"text":"from A"' "$RUN/sse.txt"; then
    echo "ok: published on A, received on C"
    exit 0
  fi
  echo "FAILED: C did not receive the publication:" >&2
  cat "$RUN/sse.txt" >&2
  exit 1
fi
echo "Ctrl-C to stop"
while :; do sleep 3600; done
