# The two commands: `make demo` trains the default DCGAN preset, `make test` runs the tests.
# Both create .venv and install gankit first when needed.
PY := .venv/bin/python
DEMO_RUN ?= runs/demo
PYTEST_ARGS ?=

.PHONY: demo test test-slow bench bench-gpu lab lint setup data data-photos clean

setup: .venv/.gankit-installed

.venv/.gankit-installed: pyproject.toml scripts/setup.sh
	scripts/setup.sh

data:
	scripts/ensure_data.sh
	scripts/ensure_fonts.sh
	scripts/ensure_browser.sh

data-photos:  # the super-resolution presets' photos (not needed by the tests)
	scripts/ensure_photos.sh

demo: setup data
	@if [ -f $(DEMO_RUN)/config.toml ]; then \
		$(PY) -m gankit train --resume $(DEMO_RUN); \
	else \
		$(PY) -m gankit train --preset dcgan-fashion-mnist --out $(DEMO_RUN); \
	fi
	$(PY) -m gankit sample $(DEMO_RUN) --n 100 --out $(DEMO_RUN)/samples.npz --grid $(DEMO_RUN)/samples.png
	$(PY) -m gankit interpolate $(DEMO_RUN) --out $(DEMO_RUN)/interpolation.png
	@echo "demo: samples in $(DEMO_RUN)/samples.png, losses in $(DEMO_RUN)/losses.png"

test: setup data
	$(PY) -m pytest -q $(PYTEST_ARGS)

test-slow: setup data
	$(PY) -m pytest -q -m slow $(PYTEST_ARGS)

bench: setup data
	$(PY) benchmarks/train_throughput.py
	$(PY) benchmarks/metrics_speed.py

# on a machine with a CUDA GPU: the CUDA tests, then the GPU throughput table (runs/gpu-suite)
bench-gpu: setup data
	PYTHON=$(PY) benchmarks/gpu_suite.sh check eager compile graphs

lab: setup
	$(PY) -m gankit compare gan-grid25 categorical-grid25 infogan-grid25 pacgan-grid25 wgan-gp-grid25 \
		--seeds 3 --out runs/lab

lint: setup
	.venv/bin/ruff check src tests benchmarks

clean:
	rm -rf runs .pytest_cache
