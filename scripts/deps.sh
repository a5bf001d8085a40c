#!/bin/sh
# Installs every Debian 12 package the build, the tests and the benchmarks
# need. Idempotent: does nothing when all are present.
set -eu
PKGS="build-essential cmake ninja-build ccache pkg-config git
libboost1.81-all-dev libboost-url1.81-dev libssl-dev libnghttp2-dev
libngtcp2-dev libngtcp2-crypto-gnutls-dev libgnutls28-dev libnghttp3-dev
libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
libhiredis-dev zlib1g-dev libbrotli-dev libzstd-dev libxxhash-dev libre2-dev
libjwt-dev libgtest-dev libgmock-dev libbenchmark-dev clang-14 libclang-rt-14-dev
curl nghttp2-client wrk nginx-light haproxy ngtcp2-client openssl redis-server
python3 python3-h2 python3-pytest python3-websockets procps iproute2 chromium
pushpin zurl nodejs libsystemd-dev systemd"
PKGS="$PKGS liburing-dev"  # io/send_batch; CMake option STRATA_IO_URING (bench/run --uring)
PKGS="$PKGS libjemalloc2 libmimalloc2.0"  # bench/run --allocators (LD_PRELOAD candidates)
PKGS="$PKGS python3-brotli python3-zstandard"  # tests/integration/test_compression.py: decoders
PKGS="$PKGS testssl.sh"  # tests/integration/test_security_tls.py
PKGS="$PKGS bolt-19"  # scripts/pgo-build.sh (make build-pgo): BOLT after GCC's profile-guided build
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# npm comes with nodejs from some sources; Debian's own package otherwise.
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  echo "installing:$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
# bench/hub: the node `ws` package (npm registry) for the broadcast server.
HUB="$(cd "$(dirname "$0")/.." && pwd)/bench/hub"
if [ ! -f "$HUB/node_modules/ws/package.json" ]; then
  npm install --prefix "$HUB" --no-save --no-package-lock --no-audit --no-fund ws@8
fi
# tests/integration/test_cache_suite.py and bench/cache/suite: the HTTP cache
# test suite (npm `http-cache-tests` 0.4.5, exactly: the pass counts in
# docs/cache-bench.md are of this release) and its dependencies (node-fetch,
# liquidjs). Checked first, so a machine without the registry still passes
# when it is installed.
HCT="$(cd "$(dirname "$0")/.." && pwd)/bench/cache/suite-pkg"
if ! grep -q '"version": "0.4.5"' "$HCT/node_modules/http-cache-tests/package.json" 2>/dev/null \
   || [ ! -f "$HCT/node_modules/node-fetch/package.json" ]; then
  mkdir -p "$HCT"
  npm install --prefix "$HCT" --no-save --no-package-lock --no-audit --no-fund http-cache-tests@0.4.5
fi
