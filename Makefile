# Set-up and checks. Every target creates or refreshes a venv and is
# idempotent: stamps under $(VENV)/.stamps record what is installed, so a second
# run installs and builds nothing.
#
# The default pair is this machine's python3 with torch $(DEFAULT_TORCH), in .venv/.
# Another pair gets its own venv, e.g.
#   make test PYTHON=python3.12 TORCH=2.11.0   (.venv-python3.12-torch2.11.0/)
# TORCHVISION defaults to the release that pairs with TORCH
# (tools/install/torchvision_for.sh).
# On a machine with a GPU, or with CUDA_ARCHS="8.0 9.0" given, mmcv's and
# torchsort's ops are built with CUDA (tools/install/cuda_build.sh).
DEFAULT_TORCH := 2.14.1
PYTHON ?= python3
TORCH ?= $(DEFAULT_TORCH)
TORCHVISION ?= $(shell bash tools/install/torchvision_for.sh $(TORCH))
ifeq ($(PYTHON) $(TORCH),python3 $(DEFAULT_TORCH))
VENV ?= .venv
else
VENV ?= .venv-$(notdir $(PYTHON))-torch$(TORCH)
endif
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check --no-input
TORCH_PIN := $(VENV)/torch-pin.txt
CONSTRAINTS := -c requirements/build.txt -c $(TORCH_PIN)
STAMPS := $(VENV)/.stamps
# pip's own warnings about this machine's local package mirrors are noise
QUIET_PIP := 2>&1 | grep -v 'is ignored: it is neither a file nor a directory' ; test $${PIPESTATUS[0]} -eq 0

SHELL := /bin/bash

.PHONY: install test test-gpu demo lint clean print-venv FORCE

install: $(STAMPS)/package

$(PY):
	"$$(bash tools/install/find_python.sh $(PYTHON))" -m venv $(VENV)

# rewritten only when the pair changes, so that the stamps below stay valid
$(TORCH_PIN): FORCE | $(PY)
	@printf 'torch==%s\ntorchvision==%s\n' '$(TORCH)' '$(TORCHVISION)' > $@.new
	@cmp -s $@.new $@ && rm $@.new || mv $@.new $@

$(STAMPS)/build: requirements/build.txt $(TORCH_PIN)
	$(PIP) install -r requirements/build.txt -r $(TORCH_PIN) $(QUIET_PIP)
	@mkdir -p $(STAMPS) && touch $@

# mmcv is not a pip requirement of the OpenMMLab packages, so they install
# first; mmcv's check (import mmcv._ext) needs mmengine and cv2 from here.
$(STAMPS)/runtime: $(STAMPS)/build requirements/runtime.txt requirements/mim.txt requirements/mim_deps.txt requirements/tests.txt requirements/demo.txt
	$(PIP) install $(CONSTRAINTS) -r requirements/runtime.txt -r requirements/mim_deps.txt -r requirements/tests.txt -r requirements/demo.txt $(QUIET_PIP)
	$(PIP) install $(CONSTRAINTS) --no-deps -r requirements/mim.txt $(QUIET_PIP)
	@touch $@

# The two builds run every time: each script installs nothing when the venv
# already holds its build key (versions, CUDA or CPU, architectures), and its
# stamp changes only with that key, so that a GPU present or CUDA_ARCHS given
# later rebuilds them for CUDA.
$(STAMPS)/mmcv: $(STAMPS)/runtime FORCE
	bash tools/install/build_mmcv.sh $(PY)
	@cmp -s $(VENV)/mmcv-build-key $@ || cp $(VENV)/mmcv-build-key $@

# torchsort (CMKDLoss's soft ranks) also exists only as a source distribution.
$(STAMPS)/torchsort: $(STAMPS)/runtime FORCE
	bash tools/install/build_torchsort.sh $(PY)
	@cmp -s $(VENV)/torchsort-build-key $@ || cp $(VENV)/torchsort-build-key $@

# This package, editable (pure Python: nothing of its own is compiled).
$(STAMPS)/package: $(STAMPS)/mmcv $(STAMPS)/torchsort setup.py
	$(PIP) install --no-deps --no-build-isolation --no-use-pep517 -e . $(QUIET_PIP)
	$(PY) -c "import dist_kd_mm, mmrazor.models, mmcv.ops, mmdet.models, mmseg.models, mmpretrain.models, torchsort"
	@touch $@

test: install
	$(PY) -m ruff check dist_kd_mm tools tests configs setup.py
	$(PY) -m pytest tests

# the CUDA checks only (tests marked gpu); without CUDA they are not
# collected, so the target stops first with a message saying so
test-gpu: install
	$(PY) -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'make test-gpu: torch.cuda.is_available() is False on this machine')"
	$(PY) -m pytest -m gpu tests

# the venv of PYTHON and TORCH (tools/install/prepare_offline.sh reads it)
print-venv:
	@echo $(VENV)

demo: install
	$(PY) -m tools.demo.digits_demo --work-dir work_dirs/demo_digits

lint: install
	$(PY) -m ruff check dist_kd_mm tools tests configs setup.py

clean:
	rm -rf $(VENV) dist_kd_mm/.mim build *.egg-info

FORCE:
