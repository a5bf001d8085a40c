# strata — the two commands: `make run` and `make test` (see README.md).
JOBS      ?= $(shell nproc)
CMAKE_GEN := -G Ninja
PYTEST    := /usr/bin/python3 -m pytest

.PHONY: deps build build-pgo build-asan build-tsan build-fuzz run test unit integration fuzz tsan clean package

deps:
	./scripts/deps.sh

build/build.ninja:
	cmake -S . -B build $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DSTRATA_WERROR=ON

build: build/build.ninja
	cmake --build build -j $(JOBS) --target strata

# Profile-guided release build in build-pgo (instrument, train on loopback,
# rebuild, check): what bench/run measures when it is there.
build-pgo: deps
	./scripts/pgo-build.sh

build-asan/build.ninja:
	cmake -S . -B build-asan $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DSTRATA_SANITIZE=ON -DSTRATA_WERROR=ON

build-asan: build-asan/build.ninja
	cmake --build build-asan -j $(JOBS)

build-tsan/build.ninja:
	cmake -S . -B build-tsan $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_TSAN=ON

build-tsan: build-tsan/build.ninja
	cmake --build build-tsan -j $(JOBS) --target strata_tsan_unit

build-fuzz/build.ninja:
	CXX=clang++-14 cmake -S . -B build-fuzz $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_FUZZ=ON

build-fuzz: build-fuzz/build.ninja
	cmake --build build-fuzz -j $(JOBS)

run: deps build
	./build/strata serve

# Every tier: unit (release + ASan/UBSan), integration against the ASan
# binary and the release binary, TSan on the threaded unit tests, fuzzers.
test: deps build build-asan package
	./scripts/check-includes.py
	./build-asan/strata_unit
	STRATA_BIN=$(CURDIR)/build-asan/strata $(PYTEST) -q -m "not timing" tests/integration
	STRATA_BIN=$(CURDIR)/build/strata $(PYTEST) -q -m timing tests/integration
	$(MAKE) tsan fuzz

unit: build/build.ninja
	cmake --build build -j $(JOBS) --target strata_unit
	./build/strata_unit

integration: build
	STRATA_BIN=$(CURDIR)/build/strata $(PYTEST) -q tests/integration

tsan: build-tsan
	TSAN_OPTIONS=halt_on_error=1 ./build-tsan/strata_tsan_unit

fuzz: build-fuzz
	./scripts/run-fuzzers.sh build-fuzz 20

# A .deb (CPack) from the release build: build/strata_VERSION_ARCH.deb.
package: build/build.ninja
	cmake --build build -j $(JOBS) --target strata strata_man
	cd build && cpack -G DEB

clean:
	rm -rf build build-asan build-tsan build-fuzz
