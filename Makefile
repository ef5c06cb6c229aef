# Every target installs what it needs first, so each works on a fresh machine.
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)
PROMPT  ?= Explain the Pythagorean theorem
DEMO_DIR ?= $(CURDIR)/.demo
# Test processes: each takes whole test files, so a file's shared fixtures are made once.
TEST_WORKERS ?= 2

.PHONY: setup system demo studio test lint bench clean

setup: system $(STAMP)

system:
	@bash scripts/install-system.sh

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

demo: setup
	$(VENV)/bin/manimgraph generate "$(PROMPT)" --scenes 4 --data-dir "$(DEMO_DIR)"

# The web studio on the demo's projects: open http://127.0.0.1:8000/
studio: setup
	$(VENV)/bin/manimgraph serve --data-dir "$(DEMO_DIR)"

test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: setup
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) $(DEMO_DIR)
