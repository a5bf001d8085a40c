#!/bin/sh
# One fan-out run (10,000 subscribers of one channel, 50 pubs/s for 5 s)
# with `perf record -g` on the strata server (1 worker on CPU 1, clients on
# CPU 0); then: perf report -i /tmp/fan.perf --no-children --sort dso
# usage: bench/hub/fanout_perf.sh [path/to/strata]
ulimit -n 20000
D=$(mktemp -d); PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
cat > $D/c.yaml <<Y
workers: 1
listeners:
  - {name: h1, address: "127.0.0.1:$PORT", routes: main}
hub:
  api_keys: ["benchkey-123"]
  namespaces:
    - {name: "", anonymous: true}
route_tables:
  main:
    - {match: {prefix: "/hub/api"}, hub_api: {}}
    - {match: {prefix: "/hub"}, hub: {}}
Y
S=${1:-build/strata}
taskset -c 1 $S --log-level warn serve -c $D/c.yaml & SP=$!
sleep 1
taskset -c 0 $S load --hub ws -c 10000 --channel fan --ready-file $D/ready --json --idle-exit 3 -D 70 --connect-concurrency 256 "ws://127.0.0.1:$PORT/hub?channels={channel}" > $D/sub.json 2>/dev/null & LP=$!
i=0; while [ ! -f $D/ready ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
perf record -g -p $SP -o /tmp/fan.perf -- sleep 5 > /dev/null 2>&1 &
PP=$!
taskset -c 0 $S load --hub pub -c 4 -m 8 -D 5 --channel fan --payload-size 100 --rate 50 --body '{"channel":"{channel}","data":{payload}}' --api-key benchkey-123 --json http://127.0.0.1:$PORT/hub/api/publish > /dev/null
wait $PP; wait $LP; kill $SP; wait $SP
