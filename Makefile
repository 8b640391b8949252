# Khronika: `make demo` and `make test` set everything up on a fresh machine (Python 3.11).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DB     ?= sqlite:///khronika.db

.PHONY: demo test lint typecheck unit venv pg bench eval clean serve browser

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

demo: venv
	@head -n 12 README.md
	$(BIN)/khronika demo --db $(DB)

lint: venv
	$(BIN)/ruff check khronika tests bench scripts

typecheck: venv
	$(BIN)/mypy khronika

# Debian's Chromium for the browser tests, where we are root with apt; Playwright never downloads one.
# Without it the browser tests skip loudly (and fail under KHRONIKA_REQUIRE_BROWSER=1, as in .ci/run).
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	  || echo "chromium not installed: browser tests will skip"; }

serve: venv
	$(BIN)/khronika serve --db $(DB)

# PostgreSQL on loopback where we are root with apt; otherwise the PG tests skip loudly
# (and fail under KHRONIKA_REQUIRE_PG=1, as in .ci/run).
unit: venv browser
	@url="$${KHRONIKA_PG_URL:-$$(bash scripts/pg-up.sh 2>/dev/null | tail -n 1)}"; \
	  KHRONIKA_PG_URL="$$url" $(BIN)/pytest -p no:cacheprovider

test: venv
	@head -n 12 README.md
	$(MAKE) --no-print-directory lint typecheck unit

bench: venv
	$(BIN)/python bench/throughput.py

eval: venv
	@for f in ../shared/eval/dev/*.jsonl; do echo "== $$f"; $(BIN)/khronika eval "$$f" --json; done

clean:
	rm -rf $(VENV) khronika.db khronika.db-wal khronika.db-shm .mypy_cache .ruff_cache
