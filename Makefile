# The two commands: `make app` and `make test`. Both create .venv on first use.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SAMPLE := regions/sample

.PHONY: app test test-fast demo bench fuzz browser-deps clean-venv

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null || { echo "Python 3.11 is needed (found: '$(PYTHON)'); set PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

$(SAMPLE)/region.json: | $(STAMP)
	$(VENV)/bin/accessgap sample --out $(SAMPLE)

app: $(STAMP) $(SAMPLE)/region.json
	$(VENV)/bin/streamlit run app.py --server.headless true --server.port 8501 --browser.gatherUsageStats false

# Browser tests and every printed PDF use Debian's Chromium (no browser download); the Urdu
# notices and itineraries need an Urdu font (fonts-noto-core: Noto Naskh Arabic). As root we
# install both.
browser-deps:
	@if [ -x /usr/bin/chromium ] && fc-list :lang=ur family 2>/dev/null | grep -q "Noto Naskh Arabic"; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian's chromium and fonts-noto-core (Urdu) for the printed outputs"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core >/dev/null) \
	    || echo "chromium or fonts-noto-core could not be installed: browser tests will be skipped"; \
	else echo "chromium or the Urdu font is missing and we are not root: browser tests will be skipped"; fi

# The whole suite (slow and browser tests included), on both cores of the machine. The browser
# tests leave screenshots of each user's task in test-artifacts/screenshots/ (CI's artifacts).
test: $(STAMP) browser-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -n 2; status=$$?; \
	  ls test-artifacts/screenshots/*.png >/dev/null 2>&1 \
	    && echo "browser screenshots kept in test-artifacts/screenshots/"; exit $$status

# The inner loop for developers: lint, then the tests in parallel without the slow and browser
# ones. Resolve work only on `make test`, the whole suite.
test-fast: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -q -n 2 -m "not slow and not browser"

demo: $(STAMP)
	$(VENV)/bin/accessgap demo --out out/demo

# Longer fuzzing of every reader (the bounded part runs in `make test`); FUZZ_SECONDS per target.
fuzz: $(STAMP)
	$(PY) benchmarks/fuzz.py --seconds $${FUZZ_SECONDS:-60}

# The benchmarks behind benchmarks/RESULTS.md, bounded parts (about 20 minutes in all); each
# script has --help for the longer parts (spopt comparison, full national scale).
bench: $(STAMP)
	$(PY) benchmarks/bench_engine.py --part islamabad
	$(PY) benchmarks/bench_placement.py --part pmed --pmed 1-40
	$(PY) benchmarks/bench_vrptw.py --part solomon --seconds 5
	$(PY) benchmarks/bench_build.py 3
	$(PY) benchmarks/bench_national.py --scale 0.1 --mclp-seconds 0 --sweep-seconds 0
	$(VENV)/bin/accessgap sample --out $(SAMPLE)
	$(PY) benchmarks/bench_app.py

clean-venv:
	rm -rf $(VENV)
