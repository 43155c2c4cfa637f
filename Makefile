# Thin front door to the CMake build: make demo | check | sanitize | bench | valgrind | torture | fuzz | packages | fresh-check | clean.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 60
TORTURE_FUZZ_SECONDS ?= 300
CMAKE ?= cmake
DEPS := scripts/install-deps
# Configure and compile output goes to build/TYPE/*.log; the terminal gets the warnings, and the whole log on failure.
STEP := scripts/quiet-step
# cmake --build runs make beneath this one, which would otherwise announce every directory it enters.
MAKEFLAGS += --no-print-directory

.PHONY: all deps build debug release asan demo check sanitize bench valgrind torture fuzz fuzz-seeds packages fresh-check clean

all: build

deps:
	@$(DEPS)

build/%/CMakeCache.txt:
	@$(STEP) build/$*/configure.log "configuring build/$*" \
	  $(CMAKE) -S . -B build/$* -DCMAKE_BUILD_TYPE=$(patsubst debug,Debug,$(patsubst release,Release,$(patsubst asan,Asan,$*)))

debug release asan: %: build/%/CMakeCache.txt
	@$(STEP) build/$*/build.log "building build/$*" $(CMAKE) --build build/$* -j $(JOBS)

build: release

demo: deps release
	scripts/demo

# check and sanitize leave the valgrind test out (ctest would list it as skipped): it has `make valgrind`
# of its own, takes minutes, and cannot run an ASan build.
check: deps debug
	cd build/debug && ctest --output-on-failure -j $(JOBS) -LE valgrind

sanitize: deps asan
	cd build/asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS) -LE valgrind

# relaisd and the relais client under valgrind memcheck (tests/e2e/valgrind.sh); fails on any error or definite leak.
valgrind: deps debug
	cd build/debug && RELAIS_VALGRIND=1 ctest --output-on-failure -L valgrind

# The long forms of the reliability tests: kill -9s, hostile input, faults; prints the figures.
# The long forms, then the fuzzers for longer than CI gives them; both print their figures.
torture: deps debug build/fuzz/CMakeCache.txt
	tests/e2e/torture.sh build/debug
	@$(STEP) build/fuzz/build.log "building the fuzzers" $(CMAKE) --build build/fuzz -j $(JOBS) --target fuzz_targets
	scripts/fuzz-run build/fuzz $(TORTURE_FUZZ_SECONDS)

bench: deps release
	@$(DEPS) bench
	@$(STEP) build/release/bench.log "building relais-bench" $(CMAKE) --build build/release -j $(JOBS) --target relais-bench
	build/release/bench/relais-bench --quick

# libFuzzer wants clang; the Asan build type gives the libraries ASan + UBSan as well.
build/fuzz/CMakeCache.txt:
	@CC=clang $(STEP) build/fuzz/configure.log "configuring build/fuzz" \
	  $(CMAKE) -S . -B build/fuzz -DCMAKE_BUILD_TYPE=Asan -DRELAIS_FUZZ=ON

fuzz: deps build/fuzz/CMakeCache.txt
	@$(STEP) build/fuzz/build.log "building the fuzzers" $(CMAKE) --build build/fuzz -j $(JOBS) --target fuzz_targets
	scripts/fuzz-run build/fuzz $(FUZZ_SECONDS)

# Rewrites the generated seeds of tests/fuzz/corpus (the same bytes unless the codec changed).
fuzz-seeds: build/fuzz/CMakeCache.txt
	@$(STEP) build/fuzz/build.log "building fuzz_seeds" $(CMAKE) --build build/fuzz -j $(JOBS) --target fuzz_seeds
	build/fuzz/tests/fuzz/fuzz_seeds examples tests/fuzz/corpus

# The Debian packages (debian/): built, checked by lintian, installed, used (the hub started as its unit starts it,
# the demo told by the installed programs), then purged. Root or sudo; it installs on this machine (scripts/packages).
packages:
	scripts/packages

# The README's first commands, as written, as root on a minimal Debian 12 made by debootstrap (by hand, not in CI).
fresh-check:
	scripts/fresh-check

clean:
	rm -rf build
