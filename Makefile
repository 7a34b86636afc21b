# Set-up and checks. Every target creates or refreshes .venv/ and is
# idempotent: stamps under .venv/.stamps record what is installed, so a second
# run installs and builds nothing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check --no-input
CONSTRAINTS := -c requirements/build.txt
STAMPS := $(VENV)/.stamps
# pip's own warnings about this machine's local package mirrors are noise
QUIET_PIP := 2>&1 | grep -v 'is ignored: it is neither a file nor a directory' ; test $${PIPESTATUS[0]} -eq 0

SHELL := /bin/bash

.PHONY: install test test-gpu demo lint clean

install: $(STAMPS)/package

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMPS)/build: requirements/build.txt | $(PY)
	$(PIP) install -r requirements/build.txt $(QUIET_PIP)
	@mkdir -p $(STAMPS) && touch $@

# mmcv is not a pip requirement of the OpenMMLab packages, so they install
# first; mmcv's check (import mmcv._ext) needs mmengine and cv2 from here.
$(STAMPS)/runtime: $(STAMPS)/build requirements/runtime.txt requirements/mim.txt requirements/mim_deps.txt requirements/tests.txt requirements/demo.txt
	$(PIP) install $(CONSTRAINTS) -r requirements/runtime.txt -r requirements/mim_deps.txt -r requirements/tests.txt -r requirements/demo.txt $(QUIET_PIP)
	$(PIP) install $(CONSTRAINTS) --no-deps -r requirements/mim.txt $(QUIET_PIP)
	@touch $@

$(STAMPS)/mmcv: $(STAMPS)/runtime tools/install/build_mmcv.sh tools/install/wheel_cache.sh
	bash tools/install/build_mmcv.sh $(PY)
	@touch $@

# torchsort (CMKDLoss's soft ranks) also exists only as a source distribution.
$(STAMPS)/torchsort: $(STAMPS)/runtime tools/install/build_torchsort.sh tools/install/wheel_cache.sh
	bash tools/install/build_torchsort.sh $(PY)
	@touch $@

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

demo: install
	$(PY) tools/demo/digits_demo.py --work-dir work_dirs/demo_digits

lint: install
	$(PY) -m ruff check dist_kd_mm tools tests configs setup.py

clean:
	rm -rf $(VENV) dist_kd_mm/.mim build *.egg-info
