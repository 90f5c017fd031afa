# ispshield -- the two commands operators need:
#   make run    install missing Debian packages, build, import and compile the bundled
#               sample lists into var/, show lookups against them
#   make test   install, build (normal and ASan+UBSan), run every test through ctest,
#               smoke-run every libFuzzer target
# Other targets: make build, make bench, make clean.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all build deps run test unit-asan fuzz bench clean

all: build

deps:
	@scripts/deps.sh test

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@scripts/run.sh $(BUILD)/ispshield

test: build
	@scripts/test.sh $(BUILD)

bench: build
	@scripts/deps.sh bench
	@bench/lists/run.sh $(BUILD)/ispshield && bench/dns/run.sh $(BUILD)/ispshield && \
	  bench/notify/run.sh $(BUILD) && bench/darknet/run.sh $(BUILD) && \
	  bench/survey/run.sh $(BUILD) && \
	  bench/authwatch/run.sh $(BUILD) && \
	  bench/proxy/run.sh $(BUILD)/ispshield

clean:
	rm -rf build build-asan build-fuzz var
