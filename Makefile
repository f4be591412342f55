# Khizana: `make run` serves the demo network on http://127.0.0.1:8000, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: run annif test test-sqlite test-postgres lint lock bench bench-dedup mutation clean system-deps vendor

$(BIN)/khizana: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

# celus-nigiri, the SUSHI client the COUNTER tests harvest Khizana with, pins versions of requests and lxml
# that Khizana's own environment cannot take: it has a venv of its own.
SUSHI_BIN := .venv-sushi/bin
$(SUSHI_BIN)/python: requirements-sushi.lock
	$(PYTHON) -m venv .venv-sushi
	$(SUSHI_BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-sushi.lock
	@touch $@

# Annif (subject suggestions, khizana/ai) pins its own stack (Flask, connexion, scikit-learn): a venv of its
# own too, driven through its CLI (setting KHIZANA_ANNIF_BIN).
ANNIF_BIN := .venv-annif/bin
annif: $(ANNIF_BIN)/annif
$(ANNIF_BIN)/annif: requirements-annif.lock
	$(PYTHON) -m venv .venv-annif
	$(ANNIF_BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-annif.lock
	@touch $@

run: $(BIN)/khizana $(ANNIF_BIN)/annif vendor
	$(BIN)/khizana migrate --noinput
	$(BIN)/khizana demo
	$(BIN)/khizana eresources demo
	$(BIN)/khizana conservation demo
	$(BIN)/khizana digital import demo/digital --map demo/digital/map.csv --no-progress
	$(BIN)/khizana registry load --demo
	$(BIN)/khizana members load BNRM demo/members/BNRM.csv
	$(BIN)/khizana languages detect
	$(BIN)/khizana similar compute
	@# the demo's subject-suggestion models, trained on its own records (about a minute), and one library's
	@# suggestions made in advance (the others' are made when a cataloguer asks)
	$(BIN)/khizana ai train
	$(BIN)/khizana ai suggest --library BNRM
	$(BIN)/khizana index rebuild --no-progress
	$(BIN)/khizana labelling demo
	$(BIN)/khizana collectstatic --noinput --verbosity 0
	@echo "Khizana is serving on http://$(HOST):$(PORT)/ (staff space: /staff/, administration: /admin/). Ctrl-C stops it."
	@# The job queue (staff uploads) runs beside the web server and stops with it.
	@# 16 threads per worker: more than the requests each runs at once (KHIZANA_SHED_MAX_INFLIGHT), so the
	@# ones beyond get a quick 503 instead of waiting unseen in the socket's queue (khizana/operations/shedding.py).
	@# /metrics adds up the two workers' counts (prometheus_client's multiprocess mode, a fresh directory at
	@# each start); the access lines are Khizana's own (logger khizana.access, with the request id).
	$(BIN)/khizana run_huey --workers 1 & queue=$$!; trap 'kill $$queue 2>/dev/null' EXIT INT TERM; \
	metrics=$${KHIZANA_DATA_DIR:-var}/prometheus; rm -rf "$$metrics"; mkdir -p "$$metrics"; \
	PROMETHEUS_MULTIPROC_DIR="$$metrics" \
	$(BIN)/gunicorn khizana.wsgi --bind $(HOST):$(PORT) --workers 2 --threads 16 --log-level warning

# The SQLite and PostgreSQL runs go side by side: much of each is spent waiting on the servers and
# command-line processes its tests start, so together they take little more than the longer one.
test: $(BIN)/khizana $(SUSHI_BIN)/python $(ANNIF_BIN)/annif system-deps vendor lint
	@echo "== running the suite on SQLite and on PostgreSQL side by side (each prints when it ends) =="
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

# Debian packages the suite needs: Chromium (browser tests), Tesseract with Arabic, French and English
# (OCR), epubcheck (EPUB validation), xmlsec1 (SAML signatures). Installed here when we are root; otherwise the tests that need them
# are skipped and say so.
SYSTEM_PACKAGES := chromium tesseract-ocr tesseract-ocr-ara tesseract-ocr-fra tesseract-ocr-eng epubcheck xmlsec1
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "== installing Debian packages:$$missing =="; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null 2>&1 \
		|| echo "== could not install$$missing: the tests that need them will be SKIPPED =="; \
	else \
		echo "== missing Debian packages$$missing and we are not root: the tests that need them will be SKIPPED =="; \
	fi

# The readers (PDF.js, epub.js, OpenSeadragon) come from npm, pinned by package-lock.json, copied into
# the digital app's static files.
VENDOR := khizana/digital/static/digital/vendor
$(VENDOR)/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/pdfjs $(VENDOR)/epubjs $(VENDOR)/openseadragon
	cp node_modules/pdfjs-dist/build/pdf.min.mjs node_modules/pdfjs-dist/build/pdf.worker.min.mjs $(VENDOR)/pdfjs/
	cp -r node_modules/pdfjs-dist/cmaps node_modules/pdfjs-dist/standard_fonts $(VENDOR)/pdfjs/
	cp node_modules/pdfjs-dist/LICENSE $(VENDOR)/pdfjs/
	cp node_modules/epubjs/dist/epub.min.js node_modules/epubjs/license $(VENDOR)/epubjs/
	cp node_modules/jszip/dist/jszip.min.js $(VENDOR)/epubjs/
	cp -r node_modules/openseadragon/build/openseadragon/openseadragon.min.js node_modules/openseadragon/build/openseadragon/openseadragon.min.js.map node_modules/openseadragon/build/openseadragon/images $(VENDOR)/openseadragon/
	cp node_modules/openseadragon/LICENSE.txt $(VENDOR)/openseadragon/
	@touch $@
# Chart.js (khizana/core/charts.py's charts, drawn by web/khizana-charts.js) in the web app's static
# files, which every page can load; the source map too (the manifest storage follows its reference).
CHARTS_VENDOR := khizana/web/static/web/vendor
$(CHARTS_VENDOR)/.installed: $(VENDOR)/.installed
	rm -rf $(CHARTS_VENDOR) && mkdir -p $(CHARTS_VENDOR)/chartjs
	cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/dist/chart.umd.min.js.map \
		node_modules/chart.js/LICENSE.md $(CHARTS_VENDOR)/chartjs/
	@touch $@
vendor: $(VENDOR)/.installed $(CHARTS_VENDOR)/.installed

# ruff, and the layer contracts of docs/architecture.md (.importlinter): an import that breaks them fails.
lint: $(BIN)/khizana
	$(BIN)/ruff check khizana bench tests
	$(BIN)/lint-imports --no-cache

test-sqlite: $(BIN)/khizana
	@echo "== test suite on SQLite =="
	env -u DATABASE_URL $(BIN)/pytest -q

# Runs again on PostgreSQL when one answers at PG_TEST_URL (CI has one), and says so when not.
test-postgres: $(BIN)/khizana
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_TEST_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== test suite on PostgreSQL ($(PG_TEST_URL)); the browser tests ran on SQLite =="; \
		DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q -m "not browser"; \
	else \
		echo "== PostgreSQL is not reachable at $(PG_TEST_URL): the PostgreSQL run is SKIPPED =="; \
	fi

lock:
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --extra test --generate-hashes --allow-unsafe --strip-extras -o requirements.lock pyproject.toml

bench: $(BIN)/khizana
	$(BIN)/python bench/import_bench.py

# Deduplication quality per variant kind, with Splink (the peer, from the "bench" extra) side by side,
# and the clustering time at 0.2 M, 1 M and 2.4 M records.
bench-dedup: $(BIN)/khizana
	$(BIN)/pip install --quiet --disable-pip-version-check "splink>=5,<6"
	$(BIN)/python bench/dedup_bench.py
	$(BIN)/python bench/cluster_scale_bench.py

# Mutation testing of the pure modules (matching, text normalisation, search analysis and query syntax,
# affiliation matching): each mutant in its own pytest process, two at a time; fails under 85 % killed
# in a module. Not part of `make test` (about half an hour on 2 cores); see bench/mutation.py.
mutation: $(BIN)/khizana
	$(BIN)/python bench/mutation.py --minimum 0.85

clean:
	rm -rf $(VENV) .venv-sushi .venv-annif var node_modules $(VENDOR)
