# laser: `make run` installs what is missing, builds, and runs the main job; `make test` runs every test.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build laser run test bench fuzz clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# `make run` builds only the program it runs; `make test` builds the test binaries too.
laser: configure
	cmake --build $(BUILD) -j $(JOBS) --target laser

run: laser
	bash scripts/run-main.sh $(BUILD)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

bench: build
	cmake --build $(BUILD) -j $(JOBS) --target benchmarks
	bash bench/run-all.sh $(BUILD)

# libFuzzer targets (fuzz/) with ASan + UBSan in build-fuzz; FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 30
fuzz:
	@LASER_FUZZ=1 LASER_NO_PEERS=1 bash scripts/install-deps.sh
	JOBS=$(JOBS) bash scripts/fuzz.sh $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD)
