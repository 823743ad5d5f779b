# Build, test and package the emlearn MicroPython native modules.
# Users run `make demo` and `make test` (see README.md).

ARCH ?= x64
MPY_ABI := 6.3
MODULES := $(notdir $(patsubst %/Makefile,%,$(wildcard src/*/Makefile)))

TOP := $(CURDIR)
VENV ?= $(TOP)/.venv
PY := $(VENV)/bin/python
CACHE ?= $(TOP)/build/cache
# The venv's interpreter: the first that runs of python3.12, python3.13 (on
# PATH, or the newest under `pyenv root`), else python3. librosa 1.0, the
# reference of emlmel's tests, needs 3.12 (requirements.txt). PYTHON=... overrides.
PYTHON ?= $(shell for p in python3.12 python3.13 \
	$$(for v in 3.12 3.13; do ls -d $$(pyenv root 2>/dev/null)/versions/$$v.*/bin/python3 2>/dev/null | sort -rV; done) python3; do \
	$$p -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null && { echo $$p; exit; }; done; echo python3)
# The running version of an interpreter, to recreate a venv made by another.
pyver = $(shell $(1) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)

# MicroPython's py/ and tools/ come from the pinned sdist of mpy-cross-v6-3,
# unless the user gives a checkout with MPY_DIR=...
MPY_SDIST := mpy_cross_v6_3-1.1.1
MPY_DIR ?= $(CACHE)/$(MPY_SDIST)/micropython
MICROPYTHON ?= $(VENV)/bin/micropython

export MPY_DIR MPY_ABI VENV TOP

.PHONY: all venv mpydir modules demo test test-build test-c bench board dist clean distclean FORCE

all: modules

venv: $(VENV)/.done
# Two steps: the build needs only pyelftools (mpy_ld) and pip (for the
# MicroPython sdist), so `make test` builds the modules and the firmware while
# pip installs the rest. --no-compile: pip would byte-compile every file of
# every package (jax, scipy...); Python compiles what is imported, once.
PIP_INSTALL = $(VENV)/bin/pip install -q --disable-pip-version-check --no-compile
$(VENV)/.build-done: requirements.txt
	$(PYTHON) -m venv $(if $(filter-out $(call pyver,$(PYTHON)),$(call pyver,$(PY))),--clear) $(VENV)
	$(PIP_INSTALL) $$(grep '^pyelftools==' requirements.txt) 2>&1 | grep -v '^WARNING: Location' || true
	touch $@
$(VENV)/.done: requirements.txt pyproject.toml $(VENV)/.build-done
	$(PIP_INSTALL) -r requirements.txt 2>&1 | grep -v '^WARNING: Location' || true
	$(PIP_INSTALL) --no-deps -e . 2>&1 | grep -v '^WARNING: Location' || true
	$(PY) -c "import emlearn_micropython, sklearn, elftools"
	touch $@

mpydir: $(MPY_DIR)/py/dynruntime.mk
$(CACHE)/$(MPY_SDIST)/micropython/py/dynruntime.mk: | $(VENV)/.build-done
	mkdir -p $(CACHE)
	$(VENV)/bin/pip download -q --disable-pip-version-check --no-deps --no-binary :all: \
		-d $(CACHE) mpy-cross-v6-3==1.1.1 2>&1 | grep -v '^WARNING: Location' || true
	tar -xzf $(CACHE)/$(MPY_SDIST).tar.gz -C $(CACHE)
	touch $@

# One target per module and arch (natmod/<arch>/<module>): they build into
# their own build/<arch>/<module>/, so `make -j` builds them side by side.
# The float ABI probe that deploy runs on FPU boards is built with them.
natmods = $(foreach a,$(1),$(addprefix natmod/$(a)/,$(MODULES) $(if $(filter armv7em%,$(a)),emlabiprobe)))

modules: $(call natmods,$(ARCH))

natmod/%: $(VENV)/.build-done $(MPY_DIR)/py/dynruntime.mk FORCE
	@$(MAKE) --no-print-directory -C $(if $(filter emlabiprobe,$(notdir $*)),tools/abiprobe,src/$(notdir $*)) \
		ARCH=$(patsubst %/,%,$(dir $*))

FORCE:

demo: modules $(VENV)/.done
	$(PY) -m emlearn_micropython.demo --micropython $(MICROPYTHON) --out build/demo

test-c:
	$(MAKE) --no-print-directory -C lib/emlearn/tests

# Archs built before the tests, and the targets the device tests run on.
TEST_ARCHS ?= x64 armv6m armv7m armv7emsp xtensawin
# The emulated boards (README section board) need qemu-system-arm.
# qemu-m3:arch=armv7m runs the armv7m build that deploy picks for Cortex-M3
# boards (about 40 s more than qemu-m3 and qemu-m4f alone).
TEST_QEMU := $(shell command -v qemu-system-arm >/dev/null && echo ,qemu-m3,qemu-m4f,qemu-m3:arch=armv7m)
TARGETS ?= unix$(TEST_QEMU)

# Jobs for the builds of `make test`, `make bench` and `make board`.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# What pytest runs: `make test TESTS=tests/test_iir.py` runs one file.
TESTS ?= tests
# pytest-xdist: the test files shared among JOBS processes (each with its own
# emulators), a file's tests in one process and in order (test_iir_int16
# compares the boards with the unix port's run before them). PYTEST_JOBS=
# runs them all in this process.
PYTEST_JOBS ?= -n $(JOBS) --dist loadfile

test:
	@$(if $(TEST_QEMU),,echo "test: skip qemu-m3 qemu-m4f: qemu-system-arm not on PATH")
	@$(MAKE) --no-print-directory -j$(JOBS) -Otarget test-build
	EML_BUILT_ARCHS="$(TEST_ARCHS)" EML_REPORT_DIR=$(TOP)/build MICROPYTHON=$(MICROPYTHON) $(PY) -m pytest -q $(PYTEST_JOBS) $(TESTS) --targets $(TARGETS) $(PYTEST_ARGS)

# What the tests need, built side by side: pip installs the venv (listed
# first: the longest) while the C tests, the modules and the firmware build.
test-build: $(VENV)/.done test-c $(call natmods,$(TEST_ARCHS)) $(if $(findstring qemu,$(TARGETS)),board)

# Benchmarks (not tests: timings are reported, never asserted). Writes
# bench/results/<target>.json, .md and .png; see the README section bench.
# The emulated boards count instructions; they need QEMU and the ARM compiler.
BENCH_QEMU := $(shell command -v qemu-system-arm >/dev/null && command -v arm-none-eabi-gcc >/dev/null && echo yes)
BENCH_ARCHS ?= x64 $(if $(BENCH_QEMU),armv6m armv7emsp)
BENCH_TARGETS ?= unix $(if $(BENCH_QEMU),qemu-m3 qemu-m4f)

bench:
	@$(if $(BENCH_QEMU),,echo "bench: skip qemu-m3 qemu-m4f: qemu-system-arm or arm-none-eabi-gcc not on PATH")
	@$(MAKE) --no-print-directory -j$(JOBS) -Otarget $(VENV)/.done $(call natmods,$(BENCH_ARCHS))
	$(PY) -m emlearn_micropython.cli bench $(addprefix --target ,$(BENCH_TARGETS)) $(BENCH_ARGS)

# Every arch whose compiler is installed: dist/<arch>_<abi>/ with a mip
# package.json, plus a release .zip per arch. Says why each other arch is skipped.
DIST_ARCHS ?= x64 x86 armv6m armv7m armv7emsp armv7emdp xtensawin xtensa

dist: $(VENV)/.done $(MPY_DIR)/py/dynruntime.mk
	@for a in $(DIST_ARCHS); do \
		why=$$(PYTHONPATH=host $(PY) -m emlearn_micropython.build.toolchains $$a); \
		if [ -n "$$why" ]; then echo "dist: skipping $$a: $$why"; continue; fi; \
		$(MAKE) --no-print-directory -s modules ARCH=$$a || exit 1; \
		PYTHONPATH=host $(PY) -m emlearn_micropython.build.release --arch $$a || exit 1; \
	done

# MicroPython firmware for the emulated boards (QEMU mps2-an385 = qemu-m3,
# mps2-an386 = qemu-m4f): build/board/<machine>/firmware.elf
BOARD_MACHINES := mps2-an385 mps2-an386
board: $(addprefix board/,$(BOARD_MACHINES))
board/%: $(MPY_DIR)/py/dynruntime.mk FORCE
	@$(MAKE) --no-print-directory -s -C boards/qemu MACHINE=$* $(if $(findstring jobserver,$(MAKEFLAGS)),,-j$(JOBS))

clean:
	rm -rf build/x* build/arm* dist

distclean: clean
	rm -rf build $(VENV)
