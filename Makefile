# The two commands of the README, and a few more. Thin wrappers over the
# CMake presets (CMakePresets.json); use cmake/ctest directly for anything else.
JOBS ?= $(shell nproc)
# One more test slot than cores: the tests labelled "slow" wait out real time
# (hermes-cat paced at 5 lines a second for 200 s) and use almost no CPU, so
# the load tests (PROCESSORS 2) need not wait for them.
TEST_JOBS ?= $(shell echo $$(( $(JOBS) + 1 )))
CONFIG ?= etc/hermesd.properties

.PHONY: run test build deps package asan tsan fuzz bench format clean

# Install what is missing, build, and start the hub on the shipped config.
run: deps build
	build/release/hermesd/hermesd --config $(CONFIG)

# Build and run every test: unit, integration (real hub on 127.0.0.1), TUI under tmux.
test: deps build
	ctest --preset release -j$(TEST_JOBS)

deps:
	@tools/install-deps.sh

# Debian packages hermesd, hermes-tui, hermes-tools (packaging/CMakeLists.txt)
# into build/release/packages/: only what they hold is built, then cpack.
package: deps
	cmake --preset release
	cmake --build --preset release -j$(JOBS) --target hermes_packaged
	cd build/release && cpack -B packages
	@ls -1 build/release/packages/*.deb

build:
	cmake --preset release
	cmake --build --preset release -j$(JOBS)

asan:
	cmake --preset asan
	cmake --build --preset asan -j$(JOBS)
	ctest --preset asan -j$(TEST_JOBS)

tsan:
	cmake --preset tsan
	cmake --build --preset tsan -j$(JOBS) --target concurrency_tests
	ctest --preset tsan -j$(JOBS) -L concurrency

fuzz:
	tools/run-fuzz.sh 60

bench: build
	tools/run-bench.sh

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf build
