# newsbot: `make demo` and `make test` are all the set-up a fresh machine needs (python3 only).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test lint format bench clean browser screenshots

$(STAMP): pyproject.toml
	@echo "newsbot: creating $(VENV) and installing packages (first time: about a minute, quiet)..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)
	@echo "newsbot: installed in $(VENV)"

install: $(STAMP)

demo: $(STAMP)
	@echo "newsbot: running the demo on the bundled sample issue (offline; \`make clean\` starts over)"
	$(BIN)/newsbot demo

test: $(STAMP) browser
	$(BIN)/pytest

# The browser tests drive Debian's chromium; install it when missing (as root, best effort:
# without it they are skipped and say why). Fonts so Chinese text renders in screenshots.
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ ! -x "$(CHROMIUM)" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing chromium for the browser tests (apt-get)"; \
	  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-wqy-microhei) >/dev/null \
	    || echo "could not install chromium: the browser tests will be skipped"; \
	fi

# Retake the README screenshots (docs/img/) with the browser tests.
screenshots: $(STAMP) browser
	NEWSBOT_UPDATE_SCREENSHOTS=1 $(BIN)/pytest tests/web/test_browser.py -p no:randomly

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/bench_extract.py
	$(BIN)/python bench/bench_extract_corpus.py
	$(BIN)/python bench/bench_match.py
	$(BIN)/python bench/bench_deliver.py
	$(BIN)/python bench/bench_service.py
	$(BIN)/python bench/bench_pipeline.py
	$(BIN)/python bench/bench_latency.py
	$(BIN)/python bench/bench_handover.py

clean:
	rm -rf var/demo .pytest_cache .mypy_cache .ruff_cache
