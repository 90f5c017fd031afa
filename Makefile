# ispshield -- the two commands operators need:
#   make run    install missing Debian packages, build, import and compile the bundled
#               sample lists into var/, show lookups against them
#   make test   install, build (normal and ASan+UBSan), run every test through ctest,
#               smoke-run every libFuzzer target; prints each stage's time and the skips
#   make check  the fast tier to run after each change: build, unit tests, the integration
#               tests that take under ~10 s, clang-format (no sanitizers, no fuzzing,
#               no clang-tidy); a few minutes at most on 2 cores
#   make install  the binary, systemd units, configuration and documentation under
#               PREFIX (default /usr/local), staged under DESTDIR if set
#   make deb    the same install as a Debian package (debian/, debhelper), built from a
#               copy of the tree into BUILD/deb/ and checked by lintian; then
#               apt-get install ./build/deb/ispshield_*.deb
# Other targets: make build, make bench, make clean, make test-deb (the package test
# alone; make test runs it too); scripts/flake.sh N runs the integration
# tests N times under a CPU hog; scripts/fuzz-grow.sh grows the committed fuzz corpus.
BUILD ?= build
PREFIX ?= /usr/local
JOBS ?= $(shell nproc)

.PHONY: all build deps run test test-deb check install deb unit-asan fuzz bench clean

all: build

deps:
	@scripts/deps.sh test

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@scripts/run.sh $(BUILD)/ispshield

test: deps
	@scripts/test.sh $(BUILD)

check: build
	@t=$$(date +%s); ctest --test-dir $(BUILD) -L fast --no-tests=error --output-on-failure \
	  -j $(JOBS); rc=$$?; echo "make check: $$(( $$(date +%s) - t )) s"; exit $$rc

# Only the build-level packages: an install needs no test tools.
install:
	@scripts/deps.sh build
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)

# integration.deb alone (label package: build, lintian, apt-get install, upgrade, purge),
# after changing debian/ or the layout; make test runs it with everything else
test-deb: build
	@ctest --test-dir $(BUILD) -L package --output-on-failure

# debhelper and lintian are in scripts/deps.sh's test level; the build level is enough
# with debhelper installed by hand
deb:
	@scripts/deps.sh build
	@command -v dh >/dev/null || { echo "make deb: needs debhelper (apt-get install debhelper lintian)" >&2; exit 1; }
	@scripts/deb.sh $(BUILD)/deb
	@if command -v lintian >/dev/null; then lintian --fail-on error $(BUILD)/deb/ispshield_*.deb; \
	  else echo "make deb: lintian not installed, not checked"; fi

bench: build
	@scripts/deps.sh bench
	@bench/lists/run.sh $(BUILD)/ispshield && bench/dns/run.sh $(BUILD)/ispshield && \
	  bench/notify/run.sh $(BUILD) && bench/darknet/run.sh $(BUILD) && \
	  bench/survey/run.sh $(BUILD) && \
	  bench/authwatch/run.sh $(BUILD) && \
	  bench/proxy/run.sh $(BUILD)/ispshield && \
	  bench/store/run.sh $(BUILD)/ispshield

clean:
	rm -rf build build-asan build-fuzz var
