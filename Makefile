# Two commands for a fresh machine: `make serve` and `make test`. Both create the environment.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: serve test test-fast lint image bench docs clean sdk-check fuzz replay

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

## serve: set up, build the sandbox image when Podman is here, and serve on 127.0.0.1:3000
serve: $(STAMP)
	@if command -v podman >/dev/null && command -v mmdebstrap >/dev/null; then \
		$(BIN)/ohlocal image build; fi
	$(BIN)/ohlocal serve

## test: set up and run every test (Podman tests skip without Podman, except under CI=true)
test: $(STAMP)
	$(BIN)/python -m pytest

## test-fast: the tests that need no Podman
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not podman"

lint: $(STAMP)
	$(BIN)/ruff check ohlocal tests bench
	$(BIN)/ruff format --check ohlocal tests bench
	$(BIN)/mypy

image: $(STAMP)
	$(BIN)/ohlocal image build

bench: $(STAMP)
	$(BIN)/python bench/run.py

## fuzz: schemathesis over /openapi.json of both roles at scale (>2,000 cases; needs Podman)
FUZZ_EXAMPLES ?= 30
fuzz: $(STAMP)
	$(BIN)/python -m pytest tests/fuzz -s --fuzz-examples $(FUZZ_EXAMPLES)

## replay: every shared recording through `ohlocal replay`, then again with a crash at every step
RECORDINGS ?= ../shared/recordings
replay: $(STAMP)
	$(BIN)/ohlocal replay $(RECORDINGS)/*.json
	$(BIN)/ohlocal replay $(RECORDINGS)/*.json --crash-at every

## docs: regenerate docs/cli.md from --help
docs: $(STAMP)
	$(BIN)/python docs/gen_cli.py > docs/cli.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

## sdk-check: opt-in; the real OpenHands SDK 1.58.2 RemoteConversation against ohlocal on Podman
SDK_VENV ?= /tmp/sdk-agent-venv
PYTHON312 ?= /root/.pyenv/versions/3.12.1/bin/python
sdk-check: $(STAMP)
	test -x $(SDK_VENV)/bin/python || ( $(PYTHON312) -m venv $(SDK_VENV) \
		&& $(SDK_VENV)/bin/pip install -q openhands-sdk==1.58.2 openhands-workspace==1.58.2 \
		openhands-tools==1.58.2 )
	$(SDK_VENV)/bin/python tests/sdk/remote_conversation_check.py
